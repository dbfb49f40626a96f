//! The private-key upload parser, plain and encrypted (PKCS#8 PBES2, legacy PEM
//! encryption), with and without a password.
//!
//! Input: `[mode, password length, password…, payload…]`. Mode 0 pastes the payload as
//! text; modes 1–4 wrap it as the DER of an `ENCRYPTED PRIVATE KEY`, `PRIVATE KEY`,
//! `RSA PRIVATE KEY` or `EC PRIVATE KEY` block, so mutations reach the ASN.1 itself.
#![no_main]

use certhub_fuzz::pem;
use certhub_pki::parse::parse_private_key;
use libfuzzer_sys::fuzz_target;

const LABELS: [&str; 4] = ["ENCRYPTED PRIVATE KEY", "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"];

fuzz_target!(|data: &[u8]| {
    let [mode, pw_len, rest @ ..] = data else { return };
    let pw_len = usize::from(*pw_len).min(rest.len());
    let (password, payload) = rest.split_at(pw_len);
    let password = String::from_utf8_lossy(password);
    let password = (pw_len > 0).then_some(password.as_ref());
    let text = match mode % 5 {
        0 => String::from_utf8_lossy(payload).into_owned(),
        m => pem(LABELS[usize::from(m) - 1], "", payload),
    };
    let Ok(key) = parse_private_key(&text, password) else { return };
    // What the store keeps (unencrypted PKCS#8) must read back as the same key.
    let again = parse_private_key(&pem("PRIVATE KEY", "", &key.pkcs8), None).expect("a normalised key parses again");
    assert_eq!(again.algorithm, key.algorithm);
    assert_eq!(again.pkcs8, key.pkcs8);
});
