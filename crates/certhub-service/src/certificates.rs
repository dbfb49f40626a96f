//! Certificates the customer brings: upload, look up, list, modify, delete.

use certhub_core::ids;
use certhub_core::model::{CaInfo, CertExtra, CertQuery, CertRecord, CertStatus, CertType, ChainEntry, Source, Tag};
use certhub_pki::PkiError;
use certhub_pki::parse::{self, ChainReport, KeyAlgorithm, ParsedCert};

use crate::logs::log_row;
use crate::{Caller, Service, ServiceError};

/// What `UploadCertificate` carries.
#[derive(Debug, Clone, Default)]
pub struct UploadInput {
    /// Certificate and chain, PEM.
    pub certificate_pem: String,
    /// Private key, PEM; required for `SVR`.
    pub private_key_pem: Option<String>,
    /// Password of an encrypted private key.
    pub key_password: Option<String>,
    /// Server (default) or CA.
    pub cert_type: CertType,
    /// Remark name.
    pub alias: Option<String>,
    /// Project.
    pub project_id: Option<i64>,
    /// Declared usage.
    pub certificate_use: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Allow a second copy of the same certificate (default true).
    pub repeatable: Option<bool>,
}

/// What `UploadCertificate` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadOutput {
    /// The new (or, for a refused duplicate, the existing) certificate ID.
    pub certificate_id: String,
    /// The existing duplicate's ID, or empty.
    pub repeat_cert_id: String,
}

/// Longest alias we keep.
pub const MAX_ALIAS: usize = 200;
/// Most tags on one certificate.
pub const MAX_TAGS: usize = 50;

fn ca_info(chain: &[ParsedCert]) -> CaInfo {
    CaInfo {
        algorithms: chain.iter().map(|c| c.key_algorithm.family().to_string()).collect(),
        common_names: chain.iter().map(ParsedCert::display_name).collect(),
        not_afters: chain.iter().map(|c| c.not_after).collect(),
    }
}

fn chain_info(chain: &[ParsedCert]) -> Vec<ChainEntry> {
    chain
        .iter()
        .map(|c| ChainEntry {
            issuer: c.issuer_common_name.clone().unwrap_or_default(),
            subject: c.display_name(),
            fingerprint: c.sha1_fingerprint.to_ascii_lowercase(),
            not_before: c.not_before,
            not_after: c.not_after,
        })
        .collect()
}

fn validate_tags(tags: &[Tag]) -> Result<(), ServiceError> {
    if tags.len() > MAX_TAGS {
        return Err(ServiceError::InvalidParameterValue(format!("at most {MAX_TAGS} tags")));
    }
    for t in tags {
        if t.tag_key.is_empty() || t.tag_key.chars().count() > 127 || t.tag_value.chars().count() > 255 {
            return Err(ServiceError::InvalidParameterValue("tag key must be 1-127 characters, value at most 255".into()));
        }
    }
    Ok(())
}

impl Service {
    /// Stores the customer's own certificate (and key), after checking both.
    pub async fn upload(&self, caller: &Caller, input: UploadInput) -> Result<UploadOutput, ServiceError> {
        let cert_type = input.cert_type;
        let alias = input.alias.unwrap_or_default();
        if alias.chars().count() > MAX_ALIAS {
            return Err(ServiceError::InvalidParameterValue(format!("Alias longer than {MAX_ALIAS} characters")));
        }
        validate_tags(&input.tags)?;
        let certs = parse::parse_certificates(&input.certificate_pem)?;
        let chain = parse::order_chain(certs)?;
        let Some(leaf) = chain.first() else {
            return Err(PkiError::CertificateParse("no certificate".into()).into());
        };
        let key = match input.private_key_pem.as_deref().filter(|k| !k.trim().is_empty()) {
            Some(pem) => {
                let (pem, password) = (pem.to_string(), input.key_password.clone());
                // Decrypting runs the key's password KDF: costly by design, so off the async threads.
                Some(crate::blocking::run("key decryption", move || Ok(parse::parse_private_key(&pem, password.as_deref())?)).await?)
            }
            None if cert_type == CertType::Server => {
                return Err(ServiceError::MissingParameter("CertificatePrivateKey is required for SVR certificates".into()));
            }
            None => None,
        };
        if cert_type == CertType::Ca && !leaf.is_ca {
            return Err(PkiError::NotCa("the certificate has no CA basic constraint".into()).into());
        }
        if let Some(k) = &key
            && !k.matches(leaf)
        {
            return Err(PkiError::KeyMismatch.into());
        }
        let now = self.now();
        if input.repeatable == Some(false)
            && let Some(existing) = self.store.certificate_by_fingerprint(&caller.owner_uin, &leaf.sha1_fingerprint).await?
        {
            return Ok(UploadOutput { certificate_id: existing.clone(), repeat_cert_id: existing });
        }
        let pem: String = chain.iter().map(|c| parse::pem::encode("CERTIFICATE", &c.der)).collect();
        let id = ids::certificate_id();
        let status = if leaf.not_after <= now { CertStatus::Expired } else { CertStatus::Issued };
        let record = CertRecord {
            id: id.clone(),
            owner_uin: caller.owner_uin.clone(),
            project_id: input.project_id.unwrap_or(0),
            alias,
            source: Source::Upload,
            cert_type,
            package_type: None,
            product_name: String::new(),
            domain: leaf.primary_domain(),
            sans: leaf.all_names(),
            status,
            status_msg: String::new(),
            verify_type: None,
            not_before: Some(leaf.not_before),
            not_after: Some(leaf.not_after),
            insert_time: now,
            cert_pem: Some(pem),
            fingerprint: Some(leaf.sha1_fingerprint.clone()),
            key_algorithm: leaf.key_algorithm.vendor_name(),
            is_sm: leaf.key_algorithm == KeyAlgorithm::Sm2,
            has_key: key.is_some(),
            ignore_expiry_notice: false,
            allow_download: true,
            tags: input.tags,
            certificate_use: input.certificate_use.filter(|s| !s.is_empty()),
            extra: CertExtra {
                ca: (cert_type == CertType::Ca).then(|| ca_info(&chain)),
                chain: Some(chain_info(&chain)),
                key_password_custom: key.as_ref().is_some_and(|k| k.was_encrypted),
                ..CertExtra::default()
            },
            serial: None,
            revocation: None,
        };
        let log = log_row(caller, &id, "upload", "上传");
        self.store.insert_certificate(&record, key.as_ref().map(|k| k.pkcs8.as_slice()), &log, now).await?;
        Ok(UploadOutput { certificate_id: id, repeat_cert_id: String::new() })
    }

    /// The ID of the caller's certificate with the same content, if any.
    pub async fn find_existing(&self, caller: &Caller, certificate_pem: &str) -> Result<Option<String>, ServiceError> {
        let certs = parse::parse_certificates(certificate_pem)?;
        let chain = parse::order_chain(certs)?;
        let Some(leaf) = chain.first() else { return Ok(None) };
        Ok(self.store.certificate_by_fingerprint(&caller.owner_uin, &leaf.sha1_fingerprint).await?)
    }

    /// Checks a pasted chain: order, signatures, trust.
    pub fn check_chain(&self, chain_pem: &str) -> Result<ChainReport, ServiceError> {
        Ok(parse::chain::check_chain(chain_pem, &self.trust)?)
    }

    /// One of the caller's certificates.
    pub async fn certificate(&self, caller: &Caller, id: &str) -> Result<CertRecord, ServiceError> {
        if !ids::is_plausible_id(id) {
            return Err(ServiceError::CertificateNotFound);
        }
        self.store.certificate(&caller.owner_uin, id).await?.ok_or(ServiceError::CertificateNotFound)
    }

    /// The PEM private key of one of the caller's certificates, if it has one.
    pub async fn certificate_private_key_pem(&self, caller: &Caller, id: &str) -> Result<Option<String>, ServiceError> {
        let key = self.store.certificate_key(&caller.owner_uin, id).await?;
        Ok(key.map(|k| parse::pem::encode("PRIVATE KEY", &k)))
    }

    /// A page of the caller's certificates and the total matching.
    pub async fn list(&self, caller: &Caller, query: &CertQuery) -> Result<(i64, Vec<CertRecord>), ServiceError> {
        Ok(self.store.list_certificates(&caller.owner_uin, query, self.now()).await?)
    }

    /// Renames a certificate.
    pub async fn set_alias(&self, caller: &Caller, id: &str, alias: &str) -> Result<(), ServiceError> {
        if alias.chars().count() > MAX_ALIAS {
            return Err(ServiceError::InvalidParameterValue(format!("Alias longer than {MAX_ALIAS} characters")));
        }
        if !ids::is_plausible_id(id) {
            return Err(ServiceError::CertificateNotFound);
        }
        let log = log_row(caller, id, "updateAlias", "修改备注");
        if self.store.update_alias(&caller.owner_uin, id, alias, &log, self.now()).await? {
            Ok(())
        } else {
            Err(ServiceError::CertificateNotFound)
        }
    }

    /// Moves certificates to a project; returns (moved, failed).
    pub async fn set_project(
        &self,
        caller: &Caller,
        ids_in: &[String],
        project_id: i64,
    ) -> Result<(Vec<String>, Vec<String>), ServiceError> {
        if ids_in.is_empty() {
            return Err(ServiceError::MissingParameter("CertificateIdList".into()));
        }
        if ids_in.len() > 100 {
            return Err(ServiceError::TooManyCertificates(100));
        }
        if project_id < 0 {
            return Err(ServiceError::InvalidParameterValue("ProjectId must not be negative".into()));
        }
        let moved = self.store.update_project(&caller.owner_uin, ids_in, project_id, &caller.owner_uin, self.now()).await?;
        let failed = ids_in.iter().filter(|i| !moved.contains(i)).cloned().collect();
        Ok((moved, failed))
    }

    /// Switches expiry notifications off (`ignore`) or on for up to 50 certificates.
    pub async fn set_ignore_notice(&self, caller: &Caller, ids_in: &[String], ignore: bool) -> Result<Vec<String>, ServiceError> {
        if ids_in.is_empty() {
            return Err(ServiceError::MissingParameter("CertificateIds".into()));
        }
        if ids_in.len() > 50 {
            return Err(ServiceError::TooManyCertificates(50));
        }
        let changed = self.store.update_ignore_notice(&caller.owner_uin, ids_in, ignore, &caller.owner_uin, self.now()).await?;
        if changed.is_empty() {
            return Err(ServiceError::CertificateNotFound);
        }
        Ok(changed)
    }

    /// Deletes one certificate now.
    pub async fn delete(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        let cert = self.certificate(caller, id).await?;
        self.check_deletable(&cert)?;
        let log = log_row(caller, id, "delete", "删除");
        if self.store.delete_certificate(&caller.owner_uin, id, &log, self.now()).await? {
            Ok(())
        } else {
            Err(ServiceError::CertificateNotFound)
        }
    }

    /// The rules that keep a certificate from being deleted (`CertRecord::is_deletable`).
    pub(crate) fn check_deletable(&self, cert: &CertRecord) -> Result<(), ServiceError> {
        if !cert.is_deletable() {
            return Err(ServiceError::InvalidStatus);
        }
        Ok(())
    }
}
