//! Domain control validation as the service sees it: one trait, adapters elsewhere.

use async_trait::async_trait;

/// Why a domain did not validate (yet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct DcvFailure {
    /// Human text for CheckCertificateDomainVerification and the logs.
    pub reason: String,
}

impl DcvFailure {
    /// A failure with this reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Self { reason: reason.into() }
    }
}

/// Checks that a domain's owner published what we asked for.
#[async_trait]
pub trait DomainValidator: Send + Sync + 'static {
    /// `http://{domain}{path}` must answer 200 with exactly `expected` (surrounding whitespace ignored).
    async fn check_file(&self, domain: &str, path: &str, expected: &str) -> Result<(), DcvFailure>;
}

/// The validator of a service with no network access configured: every check fails.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoValidation;

#[async_trait]
impl DomainValidator for NoValidation {
    async fn check_file(&self, _domain: &str, _path: &str, _expected: &str) -> Result<(), DcvFailure> {
        Err(DcvFailure::new("domain validation is not configured on this server"))
    }
}

/// A domain we are willing to validate: LDH labels, at least one dot, no IP literal, no wildcard.
pub fn valid_domain(d: &str) -> bool {
    if d.len() > 253 || d.parse::<std::net::IpAddr>().is_ok() || !d.contains('.') {
        return false;
    }
    d.split('.').all(|l| {
        !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}
