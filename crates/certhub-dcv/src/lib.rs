//! certhub-dcv: domain control validation. FILE validation fetches
//! `http://<domain>/.well-known/pki-validation/<key>` with no redirects, a size
//! cap and a timeout, and refuses private and loopback addresses unless told;
//! DNS validation reads TXT records and CAA from a configured server; DNS_AUTO
//! publishes its record through RFC 2136 UPDATE signed with TSIG.

pub mod dns;
pub mod file;

use async_trait::async_trait;
use certhub_core::dcv::{DcvFailure, DomainValidator};

pub use dns::{DnsLookup, DnsUpdater, TsigKey};
pub use file::FileValidator;

/// The validator a server runs with: HTTP for files, one DNS server for TXT and CAA.
#[derive(Debug, Clone)]
pub struct NetworkValidator {
    /// FILE checks.
    pub file: FileValidator,
    /// TXT and CAA lookups.
    pub dns: DnsLookup,
    /// The issuer domain certhub answers to in CAA `issue` properties.
    pub caa_identity: String,
}

#[async_trait]
impl DomainValidator for NetworkValidator {
    async fn check_file(&self, domain: &str, path: &str, expected: &str) -> Result<(), DcvFailure> {
        self.file.check_file(domain, path, expected).await
    }

    async fn check_txt(&self, name: &str, expected: &str) -> Result<(), DcvFailure> {
        self.dns.check_txt(name, expected).await
    }

    async fn check_caa(&self, domain: &str) -> Result<(), DcvFailure> {
        self.dns.check_caa(domain, &self.caa_identity).await
    }
}
