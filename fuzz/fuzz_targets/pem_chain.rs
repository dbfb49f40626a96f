//! The certificate-chain upload parser: pasted PEM text checked as a chain (mode 0), DER certificates
//! below the base64 layer (mode 1), and CSRs (mode 2).
#![no_main]

use certhub_fuzz::pem;
use certhub_pki::der::{self, tag};
use certhub_pki::parse::{self, TrustStore};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => {
            let _ = parse::check_chain(&String::from_utf8_lossy(rest), &TrustStore::empty());
        }
        1 => {
            // Consecutive DER elements, each pasted as its own CERTIFICATE block.
            let mut text = String::new();
            let mut input = rest;
            while let Some((tlv, after)) = der::expect(input, tag::SEQUENCE) {
                text.push_str(&pem("CERTIFICATE", "", tlv.raw));
                input = after;
            }
            if !input.is_empty() {
                text.push_str(&pem("CERTIFICATE", "", input));
            }
            certificates(&text);
        }
        _ => {
            if let Ok(csr) = parse::parse_csr(rest) {
                let _ = format!("{csr:?}");
            }
        }
    }
});

fn certificates(text: &str) {
    let Ok(certs) = parse::parse_certificates(text) else { return };
    for c in &certs {
        let _ = (c.all_names(), c.display_name(), c.primary_domain(), c.is_self_issued(), c.key_algorithm.vendor_name());
    }
    let _ = parse::order_chain(certs);
}
