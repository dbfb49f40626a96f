//! The Huawei SDK-HMAC-SHA256 door: Authorization parsing, the canonical URI and
//! query, the string to sign and verification, on raw HTTP requests.
#![no_main]

use certhub_api::huawei::sign;
use certhub_fuzz::{RawRequest, SECRET};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = RawRequest::parse(data);
    let _ = (sign::canonical_uri(r.path), sign::canonical_query(r.query));
    let date = r.header("x-sdk-date").unwrap_or_default();
    let _ = sign::parse_sdk_date(date);
    let Some(auth) = r.header("authorization").and_then(sign::parse_authorization) else { return };
    let mut headers = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let Some(value) = r.header(name) else { return };
        headers.push((name.clone(), value.to_string()));
    }
    let request = sign::SignedRequest {
        method: r.method,
        path: r.path,
        query: r.query,
        headers,
        body: r.body,
    };
    let sts = sign::string_to_sign(&request, date);
    let accepted = sign::verify(SECRET, &sts, &auth.signature);
    let ours = sign::sign(SECRET, &sts);
    assert!(sign::verify(SECRET, &sts, &ours));
    assert_eq!(accepted, ours == auth.signature, "verification agrees with signing");
});
