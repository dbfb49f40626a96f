//! Huawei Cloud AK/SK request signing (`SDK-HMAC-SHA256`), verified exactly as
//! `huaweicloudsdkcore`'s `Signer` builds it.

use aws_lc_rs::{digest, hmac};

/// The algorithm name in `Authorization`.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The SHA-256 of an empty body.
const EMPTY_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The parts of an `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key (AK).
    pub access: String,
    /// Lower-case header names, in signing order.
    pub signed_headers: Vec<String>,
    /// Hex signature.
    pub signature: String,
}

/// Parses the `Authorization` header; `None` when it is not an SDK-HMAC-SHA256 one.
pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.trim().strip_prefix(ALGORITHM)?.trim_start();
    let (mut access, mut headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k.trim() {
            "Access" => access = Some(v.trim().to_string()),
            "SignedHeaders" => headers = Some(v.trim().split(';').map(str::to_ascii_lowercase).collect::<Vec<_>>()),
            "Signature" => signature = Some(v.trim().to_ascii_lowercase()),
            _ => return None,
        }
    }
    let signed_headers = headers.filter(|h| !h.is_empty() && h.iter().all(|n| !n.is_empty()))?;
    Some(Authorization { access: access.filter(|a| !a.is_empty())?, signed_headers, signature: signature.filter(|s| !s.is_empty())? })
}

/// Python's `quote(s, safe='~')`: everything but unreserved characters percent-encoded.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The canonical URI: each segment decoded then re-encoded, with a trailing slash.
pub fn canonical_uri(path: &str) -> String {
    let mut uri = decode(path).split('/').map(encode).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The canonical query string: pairs sorted by key then value, each encoded.
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(&k.replace('+', " ")), decode(&v.replace('+', " ")))
        })
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// What the canonical request is built from.
pub struct SignedRequest<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path, as received.
    pub path: &'a str,
    /// Query string, without `?`.
    pub query: &'a str,
    /// `(lower-case name, value)` of every signed header, in `SignedHeaders` order.
    pub headers: Vec<(String, String)>,
    /// The body as received. Always hashed here: an `X-Sdk-Content-Sha256` header (the SDK's
    /// `UNSIGNED-PAYLOAD` opt-out, or any other value) must never stand in for it, or a
    /// captured signature would carry any body.
    pub body: &'a [u8],
}

/// The string the signature covers.
pub fn string_to_sign(r: &SignedRequest<'_>, sdk_date: &str) -> String {
    let payload = if r.body.is_empty() { EMPTY_HASH.to_string() } else { hex::encode(digest::digest(&digest::SHA256, r.body)) };
    let headers: String = r.headers.iter().map(|(k, v)| format!("{k}:{}\n", v.trim())).collect();
    let names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
    let canonical = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        r.method.to_ascii_uppercase(),
        canonical_uri(r.path),
        canonical_query(r.query),
        headers,
        names.join(";"),
        payload
    );
    format!("{ALGORITHM}\n{sdk_date}\n{}", hex::encode(digest::digest(&digest::SHA256, canonical.as_bytes())))
}

/// Checks a hex signature in constant time.
pub fn verify(secret: &[u8], string_to_sign: &str, signature_hex: &str) -> bool {
    let Ok(tag) = hex::decode(signature_hex) else { return false };
    hmac::verify(&hmac::Key::new(hmac::HMAC_SHA256, secret), string_to_sign.as_bytes(), &tag).is_ok()
}

/// Signs as the SDK does (for tests and tools).
pub fn sign(secret: &[u8], string_to_sign: &str) -> String {
    hex::encode(hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), string_to_sign.as_bytes()).as_ref())
}

/// Parses `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`) to unix seconds.
pub fn parse_sdk_date(s: &str) -> Option<i64> {
    let fmt = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(s, fmt).ok().map(|t| t.assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_parts_match_the_sdk() {
        assert_eq!(canonical_uri("/v2/p1/scm/cert/abc/revoke"), "/v2/p1/scm/cert/abc/revoke/");
        assert_eq!(canonical_uri("/a%20b/"), "/a%20b/");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(parse_sdk_date("20260101T000000Z"), Some(1_767_225_600));
        assert_eq!(parse_sdk_date("2026-01-01"), None);
    }

    #[test]
    fn authorization_parses_and_rejects_garbage() {
        let a = parse_authorization("SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=ABCD").expect("parses");
        assert_eq!((a.access.as_str(), a.signed_headers.len(), a.signature.as_str()), ("AK1", 2, "abcd"));
        assert!(parse_authorization("TC3-HMAC-SHA256 Credential=x").is_none());
        assert!(parse_authorization("SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature=ab").is_none());
        assert!(parse_authorization("SDK-HMAC-SHA256 Access=a, Bogus=1").is_none());
    }

    #[test]
    fn a_signature_verifies_only_with_its_secret() {
        let r = SignedRequest {
            method: "POST",
            path: "/v2/p/scm/cert/c/revoke",
            query: "",
            headers: vec![("host".into(), "h:1".into()), ("x-sdk-date".into(), "20260101T000000Z".into())],
            body: b"{}",
        };
        let sts = string_to_sign(&r, "20260101T000000Z");
        let sig = sign(b"sk", &sts);
        assert!(verify(b"sk", &sts, &sig));
        assert!(!verify(b"other", &sts, &sig));
        assert!(!verify(b"sk", &sts, "zz"));
        let other = SignedRequest { body: b"{\"reason\":\"x\"}", ..r };
        assert!(!verify(b"sk", &string_to_sign(&other, "20260101T000000Z"), &sig), "the body is part of the signature");
    }
}
