//! The TC3-HMAC-SHA256 door: Authorization parsing, the canonical request, the string
//! to sign and verification, on raw HTTP requests (seeds are real SDK requests).
#![no_main]

use certhub_api::tencent::{params, sign};
use certhub_fuzz::{RawRequest, SECRET};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = RawRequest::parse(data);
    let query = if r.method == "GET" { r.query } else { "" };
    if let Ok(pairs) = sign::parse_form(query) {
        let _ = params::unflatten(&pairs);
    }
    let ts = r.header("x-tc-timestamp").unwrap_or_default();
    if let Ok(t) = ts.trim().parse::<i64>() {
        let _ = sign::utc_date(t);
    }
    let Ok(auth) = sign::parse_tc3_authorization(r.header("authorization").unwrap_or_default()) else { return };
    let lookup = |name: &str| r.header(name).map(str::to_string);
    let Ok(canonical) = sign::tc3_canonical_request(r.method, "/", query, &auth.signed_headers, &lookup, r.body) else { return };
    let scope = format!("{}/{}/tc3_request", auth.date, auth.service);
    let sts = sign::tc3_string_to_sign(ts, &scope, &canonical);
    let accepted = sign::tc3_verify(SECRET, &auth.date, &auth.service, &sts, &auth.signature);
    let ours = sign::tc3_sign(SECRET, &auth.date, &auth.service, &sts);
    assert!(sign::tc3_verify(SECRET, &auth.date, &auth.service, &sts, &ours));
    assert_eq!(accepted, ours == auth.signature, "verification agrees with signing");
});
