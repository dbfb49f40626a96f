//! Issuance for names a caller has already validated: a CSR in, a stored,
//! issued certificate out. The validation engine, and later the paid products
//! and ACME, end here; the issuance benchmark measures this path.

use certhub_core::dcv::valid_domain;
use certhub_core::ids;
use certhub_core::model::CertRecord;
use certhub_core::model::{CertExtra, CertStatus, CertType, Source, ValidationLevel};
use certhub_pki::ca::CaFamily;
use certhub_pki::parse::{KeyAlgorithm, parse_csr};

use crate::logs::log_row;
use crate::{Caller, Service, ServiceError};

/// The CA family that signs a subject key of this algorithm.
pub fn family_for(alg: KeyAlgorithm) -> Result<CaFamily, ServiceError> {
    match alg {
        KeyAlgorithm::EcP256 => Ok(CaFamily::EcdsaP256),
        KeyAlgorithm::EcP384 => Ok(CaFamily::EcdsaP384),
        KeyAlgorithm::Rsa(2048) => Ok(CaFamily::Rsa2048),
        KeyAlgorithm::Rsa(4096) => Ok(CaFamily::Rsa4096),
        KeyAlgorithm::Sm2 => Ok(CaFamily::Sm2),
        other => Err(ServiceError::RenewAlgorithmInvalid(format!("{} keys are not issued", other.vendor_name()))),
    }
}

impl Service {
    /// Issues and stores a certificate for a CSR whose names the caller has already validated; returns its ID.
    ///
    /// This performs no domain validation: only code paths that validated the names may call it.
    pub async fn issue_validated_csr(&self, caller: &Caller, csr_pem: &str, days: i64) -> Result<String, ServiceError> {
        let csr = parse_csr(csr_pem.as_bytes()).map_err(|e| ServiceError::RenewCsrInvalid(e.to_string()))?;
        if csr.names.is_empty() || !csr.names.iter().all(|n| valid_domain(n)) {
            return Err(ServiceError::RenewCsrInvalid(format!("the CSR names {:?}, not domain names", csr.names)));
        }
        let family = family_for(csr.key_algorithm)?;
        let now = self.now();
        let issued = self.sign_leaf(family, csr.names.clone(), csr.spki_der, days, now).await?;
        let id = ids::certificate_id();
        let record = CertRecord {
            id: id.clone(),
            owner_uin: caller.owner_uin.clone(),
            project_id: 0,
            alias: String::new(),
            source: Source::Certhub,
            cert_type: CertType::Server,
            package_type: None,
            product_name: "certhub DV".into(),
            domain: csr.names[0].clone(),
            sans: csr.names,
            status: CertStatus::Issued,
            status_msg: String::new(),
            verify_type: None,
            not_before: Some(issued.not_before),
            not_after: Some(issued.not_after),
            insert_time: now,
            cert_pem: Some(issued.cert_pem),
            fingerprint: Some(issued.fingerprint),
            key_algorithm: csr.key_algorithm.vendor_name(),
            is_sm: family == CaFamily::Sm2,
            has_key: false,
            ignore_expiry_notice: false,
            allow_download: true,
            tags: Vec::new(),
            certificate_use: None,
            extra: CertExtra { family: Some(family.as_str().into()), validation_level: Some(ValidationLevel::Dv), ..CertExtra::default() },
            serial: Some(issued.serial),
            revocation: None,
        };
        let log = log_row(caller, &id, "issued", "签发");
        self.store.insert_certificate(&record, None, &log, now).await?;
        Ok(id)
    }
}
