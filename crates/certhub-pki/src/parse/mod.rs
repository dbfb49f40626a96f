//! Parsing what customers upload: PEM text, certificates, private keys, chains.

pub mod cert;
pub mod chain;
pub mod csr;
pub mod kdf;
pub mod key;
pub mod pem;

pub use cert::{KeyAlgorithm, ParsedCert, parse_certificates};
pub use chain::{ChainReport, LinkCheck, TrustStore, check_chain, check_link, order_chain, verify_issued_by};
pub use csr::{ParsedCsr, parse_csr};
pub use key::{ParsedKey, ec_private_scalar, parse_private_key};

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = super::parse_certificates(&text);
            let _ = super::parse_private_key(&text, Some("pw"));
            let wrapped = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----", base64_of(&bytes));
            let _ = super::parse_certificates(&wrapped);
            let key = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----", base64_of(&bytes));
            let _ = super::parse_private_key(&key, None);
            let enc = format!("-----BEGIN ENCRYPTED PRIVATE KEY-----\n{}\n-----END ENCRYPTED PRIVATE KEY-----", base64_of(&bytes));
            let _ = super::parse_private_key(&enc, Some("pw"));
            let _ = super::parse_csr(&bytes);
            let req = format!("-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----", base64_of(&bytes));
            let _ = super::parse_csr(req.as_bytes());
        }
    }

    fn base64_of(b: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(b)
    }
}
