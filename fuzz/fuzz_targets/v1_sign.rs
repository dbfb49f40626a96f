//! The v1 (HmacSHA1 / HmacSHA256) door: form/query decoding, the string to sign,
//! verification and the flattened-name parameters, on raw HTTP requests.
#![no_main]

use certhub_api::tencent::params;
use certhub_api::tencent::sign::{self, V1Method};
use certhub_fuzz::{RawRequest, SECRET};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = RawRequest::parse(data);
    let raw = if r.method == "GET" { r.query.to_string() } else { String::from_utf8_lossy(r.body).into_owned() };
    let Ok(pairs) = sign::parse_form(&raw) else { return };
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let method = V1Method::from_param(get("SignatureMethod"));
    let signed: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "Signature").cloned().collect();
    let host = r.header("host").unwrap_or_default();
    let sts = sign::v1_string_to_sign(r.method, host, "/", &signed);
    let mut reversed = signed.clone();
    reversed.reverse();
    assert_eq!(sts, sign::v1_string_to_sign(r.method, host, "/", &reversed), "parameter order does not matter");
    let _ = sign::v1_verify(SECRET, method, &sts, get("Signature").unwrap_or_default());
    let ours = sign::v1_sign(SECRET, method, &sts);
    assert!(sign::v1_verify(SECRET, method, &sts, &ours));
    let _ = params::unflatten(&signed);
});
