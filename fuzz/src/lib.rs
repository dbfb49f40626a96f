//! Helpers shared by the fuzz targets: a tolerant reader of raw HTTP requests (the seed
//! corpus holds real signed requests exactly as clients sent them) and the PEM wrapping
//! that lets the fuzzer mutate DER below the base64 layer.

use base64::Engine;

/// The secret every seed request was signed with (tests/fuzz/make_seeds.py uses the same).
pub const SECRET: &[u8] = b"fuzz-secret-key-0123456789abcdef";

/// One HTTP request as it came off the wire.
#[derive(Debug, Default)]
pub struct RawRequest<'a> {
    /// `GET`, `POST`, ... as sent.
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The query string, without `?`.
    pub query: &'a str,
    /// Header `(name, value)` pairs, names as sent.
    pub headers: Vec<(&'a str, &'a str)>,
    /// Everything after the blank line.
    pub body: &'a [u8],
}

impl<'a> RawRequest<'a> {
    /// Splits `data` into a request line, headers and a body. Never fails: whatever is
    /// missing is empty, so every input reaches the code under test.
    pub fn parse(data: &'a [u8]) -> RawRequest<'a> {
        let split = find(data, b"\r\n\r\n").map(|i| (i, 4)).or_else(|| find(data, b"\n\n").map(|i| (i, 2)));
        let (head, body) = match split {
            Some((i, n)) => (&data[..i], &data[i + n..]),
            None => (data, &data[data.len()..]),
        };
        let head = match std::str::from_utf8(head) {
            Ok(h) => h,
            Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
        };
        let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        let mut start = lines.next().unwrap_or_default().split(' ');
        let method = start.next().unwrap_or_default();
        let target = start.next().unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim(), v.trim())).collect();
        RawRequest { method, path, query, headers, body }
    }

    /// The first header named `name`, case-insensitively (as `http::HeaderMap` looks it up).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `der` as a PEM block labelled `label`, with optional RFC 1421 headers.
pub fn pem(label: &str, headers: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    format!("-----BEGIN {label}-----\n{headers}{b64}\n-----END {label}-----\n")
}
