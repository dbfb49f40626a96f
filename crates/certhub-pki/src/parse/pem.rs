//! A lenient PEM scanner: tolerates CRLF, missing line breaks, surrounding text
//! and stray whitespace, as pasted certificates often carry them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// One PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The label after BEGIN (`CERTIFICATE`, `PRIVATE KEY`, ...).
    pub label: String,
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`), in order.
    pub headers: Vec<(String, String)>,
    /// The decoded body.
    pub der: Vec<u8>,
}

/// Why PEM text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PemError {
    /// No `-----BEGIN` line at all.
    #[error("no PEM block found")]
    NoBlock,
    /// A block has no matching END line.
    #[error("PEM block {0} is not terminated")]
    Unterminated(String),
    /// The body is not base64.
    #[error("PEM block {0} has an invalid base64 body")]
    Base64(String),
}

/// Upper bound on the blocks we accept in one input (a chain never needs more).
pub const MAX_BLOCKS: usize = 64;

/// Every PEM block of `text`, in order.
pub fn blocks(text: &str) -> Result<Vec<Block>, PemError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        if out.len() >= MAX_BLOCKS {
            break;
        }
        let after = &rest[start + "-----BEGIN ".len()..];
        let label_end = after.find("-----").ok_or_else(|| PemError::Unterminated(String::new()))?;
        let label = after[..label_end].trim().to_string();
        let body_and_more = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let end = body_and_more.find(&end_marker).ok_or_else(|| PemError::Unterminated(label.clone()))?;
        let body = &body_and_more[..end];
        let (headers, b64) = split_headers(body);
        let cleaned: String = b64.chars().filter(|c| !c.is_whitespace() && *c != '\\').collect();
        // Some pasted blocks carry literal "\n" sequences; drop the `n` left behind.
        let cleaned = if body.contains("\\n") { cleaned.replace("\\n", "") } else { cleaned };
        let der = STANDARD.decode(cleaned.as_bytes()).map_err(|_| PemError::Base64(label.clone()))?;
        out.push(Block { label, headers, der });
        rest = &body_and_more[end + end_marker.len()..];
    }
    if out.is_empty() {
        return Err(PemError::NoBlock);
    }
    Ok(out)
}

fn split_headers(body: &str) -> (Vec<(String, String)>, &str) {
    if !body.contains(':') {
        return (Vec::new(), body);
    }
    let mut headers = Vec::new();
    let mut consumed = 0;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if headers.is_empty() {
                consumed += line.len();
                continue;
            }
            consumed += line.len();
            break;
        }
        match trimmed.split_once(':') {
            Some((k, v)) if !k.contains(' ') => {
                headers.push((k.trim().to_string(), v.trim().to_string()));
                consumed += line.len();
            }
            _ => break,
        }
    }
    (headers, &body[consumed.min(body.len())..])
}

/// Encodes DER as PEM with 64-column lines and a trailing newline.
pub fn encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 64);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tolerant_of_layouts() {
        let pem = encode("CERTIFICATE", b"hello world, this is der");
        assert_eq!(blocks(&pem).unwrap()[0].der, b"hello world, this is der");
        let crlf = pem.replace('\n', "\r\n");
        assert_eq!(blocks(&crlf).unwrap()[0].der, b"hello world, this is der");
        let joined = pem.replace('\n', "");
        assert_eq!(blocks(&joined).unwrap()[0].der, b"hello world, this is der");
        let two = format!("junk\n{pem}\n  {pem}trailing");
        assert_eq!(blocks(&two).unwrap().len(), 2);
    }

    #[test]
    fn headers_are_split_off() {
        let text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\naGVsbG8=\n-----END RSA PRIVATE KEY-----\n";
        let b = &blocks(text).unwrap()[0];
        assert_eq!(b.headers.len(), 2);
        assert_eq!(b.headers[1].0, "DEK-Info");
        assert_eq!(b.der, b"hello");
    }

    #[test]
    fn errors() {
        assert_eq!(blocks("nothing"), Err(PemError::NoBlock));
        assert!(matches!(blocks("-----BEGIN CERTIFICATE-----\nAAAA"), Err(PemError::Unterminated(_))));
        assert!(matches!(blocks("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----"), Err(PemError::Base64(_))));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,400}") {
            let _ = blocks(&s);
            let _ = blocks(&format!("-----BEGIN CERTIFICATE-----{s}-----END CERTIFICATE-----"));
        }
    }
}
