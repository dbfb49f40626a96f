//! Domain control validation as the service sees it: one trait, adapters elsewhere.

use async_trait::async_trait;

/// Why a domain did not validate (yet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct DcvFailure {
    /// The vendor's `LocalCheck` code (-1 TXT not found, -2 TXT mismatch, -4 file not found, -5 file mismatch).
    pub local_check: i64,
    /// Human text for CheckCertificateDomainVerification and the logs.
    pub reason: String,
    /// What the check found instead (TXT strings, the start of a file).
    pub found: Vec<String>,
}

impl DcvFailure {
    /// The record or file could not be found or fetched.
    pub fn not_found(method: Method, reason: impl Into<String>) -> Self {
        let local_check = if method == Method::File { -4 } else { -1 };
        Self { local_check, reason: reason.into(), found: Vec::new() }
    }

    /// Something was published but not what we asked for.
    pub fn mismatch(method: Method, reason: impl Into<String>, found: Vec<String>) -> Self {
        let local_check = if method == Method::File { -5 } else { -2 };
        Self { local_check, reason: reason.into(), found }
    }

    /// The domain's CAA records do not let this CA issue.
    pub fn caa(reason: impl Into<String>) -> Self {
        Self { local_check: 1, reason: reason.into(), found: Vec::new() }
    }
}

/// How a domain proves control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A file under `/.well-known/pki-validation/`.
    File,
    /// A TXT record the user publishes.
    Dns,
    /// A TXT record certhub publishes through RFC 2136.
    DnsAuto,
}

impl Method {
    /// Parses the wire name (`FILE`, `DNS`, `DNS_AUTO`), case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "FILE" => Some(Self::File),
            "DNS" => Some(Self::Dns),
            "DNS_AUTO" => Some(Self::DnsAuto),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "FILE",
            Self::Dns => "DNS",
            Self::DnsAuto => "DNS_AUTO",
        }
    }
}

/// Checks that a domain's owner published what we asked for.
#[async_trait]
pub trait DomainValidator: Send + Sync + 'static {
    /// `http://{domain}{path}` must answer 200 with exactly `expected` (surrounding whitespace ignored).
    async fn check_file(&self, domain: &str, path: &str, expected: &str) -> Result<(), DcvFailure>;
    /// The TXT records at `name` must include `expected`.
    async fn check_txt(&self, name: &str, expected: &str) -> Result<(), DcvFailure>;
    /// The domain's CAA records (RFC 8659) must allow this CA to issue for it.
    async fn check_caa(&self, domain: &str) -> Result<(), DcvFailure>;
}

/// Publishes and removes validation records in zones certhub may update (DNS_AUTO).
#[async_trait]
pub trait DnsPublisher: Send + Sync + 'static {
    /// Whether `domain` lies in a zone this publisher can update.
    fn covers(&self, domain: &str) -> bool;
    /// Adds the TXT record `name` = `value`.
    async fn publish_txt(&self, name: &str, value: &str) -> Result<(), DcvFailure>;
    /// Removes the TXT record `name` = `value` (absent is fine).
    async fn remove_txt(&self, name: &str, value: &str) -> Result<(), DcvFailure>;
}

/// The validator of a service with no network access configured: every check fails.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoValidation;

#[async_trait]
impl DomainValidator for NoValidation {
    async fn check_file(&self, _domain: &str, _path: &str, _expected: &str) -> Result<(), DcvFailure> {
        Err(DcvFailure::not_found(Method::File, "domain validation is not configured on this server"))
    }

    async fn check_txt(&self, _name: &str, _expected: &str) -> Result<(), DcvFailure> {
        Err(DcvFailure::not_found(Method::Dns, "domain validation is not configured on this server"))
    }

    async fn check_caa(&self, _domain: &str) -> Result<(), DcvFailure> {
        Ok(())
    }
}

/// Second-level suffixes under which registrations happen (a short public-suffix list for the common cases).
const TWO_LABEL_SUFFIXES: &[&str] = &[
    "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn", "com.hk", "com.tw", "co.uk", "org.uk", "co.jp", "com.au", "co.kr", "com.sg",
];

/// The registrable ("main") domain of a host name: `a.b.example.com.cn` → `example.com.cn`.
pub fn main_domain(d: &str) -> String {
    let d = d.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = d.split('.').collect();
    let take = if labels.len() >= 3 && TWO_LABEL_SUFFIXES.contains(&labels[labels.len() - 2..].join(".").as_str()) { 3 } else { 2 };
    labels[labels.len().saturating_sub(take)..].join(".")
}

/// A domain we are willing to validate: LDH labels, at least one dot, no IP literal, no wildcard.
pub fn valid_domain(d: &str) -> bool {
    if d.len() > 253 || d.parse::<std::net::IpAddr>().is_ok() || !d.contains('.') {
        return false;
    }
    d.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_domains() {
        assert_eq!(main_domain("www.Example.com."), "example.com");
        assert_eq!(main_domain("a.b.example.com.cn"), "example.com.cn");
        assert_eq!(main_domain("example.com.cn"), "example.com.cn");
        assert_eq!(main_domain("example.com"), "example.com");
        assert_eq!(main_domain("x.lab.test"), "lab.test");
    }
}
