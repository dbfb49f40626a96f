//! The OCSP request parser (POST bodies and decoded GET paths are the same DER).
#![no_main]

use certhub_pki::ocsp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(ids) = ocsp::parse_request(data) else { return };
    for id in &ids {
        let _ = ocsp::serial_hex(&id.serial);
    }
    // A request rebuilt from what was read asks about the same certificates.
    let refs: Vec<&ocsp::CertId> = ids.iter().collect();
    assert_eq!(ocsp::parse_request(&ocsp::request(&refs)).as_ref(), Ok(&ids));
});
