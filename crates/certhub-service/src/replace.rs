//! ReplaceCertificate (reissue): a new order, with a new CertificateId, for the
//! same domain. The original shows status 11 while the reissue is pending and
//! stays valid (and downloadable) until the new certificate is issued.

use base64::Engine;
use certhub_core::dcv::{Method, valid_domain};
use certhub_core::ids;
use certhub_core::jobs::JobKind;
use certhub_core::model::CertRecord;
use certhub_core::model::{CertStatus, Source};
use certhub_core::store::{Reissue, Transition};
use certhub_pki::ca::CaFamily;
use certhub_pki::parse::parse_csr;

use crate::apply::{challenge, generate_key, system_log};
use crate::issue::family_for;
use crate::logs::log_row;
use crate::{Caller, Service, ServiceError};

/// Reissues a free certificate may have.
pub const FREE_REISSUES: i64 = 1;

/// Where the reissued key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsrSource {
    /// The original certificate's key.
    Original,
    /// A CSR the customer supplies (certhub holds no key).
    Upload(String),
    /// A key certhub generates: algorithm and parameter.
    Online { algo: Option<String>, parameter: Option<String> },
}

/// What ReplaceCertificate carries.
#[derive(Debug, Clone)]
pub struct ReplaceInput {
    /// The certificate to reissue.
    pub certificate_id: String,
    /// DNS_AUTO, DNS or FILE.
    pub valid_type: String,
    /// Where the key comes from.
    pub csr: CsrSource,
    /// Password for the generated JKS/PFX.
    pub key_password: Option<String>,
    /// Why.
    pub reason: Option<String>,
}

/// The vendor's spelling of a family's key algorithm.
fn key_algorithm_name(family: CaFamily) -> &'static str {
    match family {
        CaFamily::EcdsaP256 => "ECC 256",
        CaFamily::EcdsaP384 => "ECC 384",
        CaFamily::Rsa2048 => "RSA 2048",
        CaFamily::Rsa4096 => "RSA 4096",
        CaFamily::Sm2 => "SM2",
    }
}

fn reissues(c: &CertRecord) -> i64 {
    c.extra.replace_count
}

impl Service {
    /// ReplaceCertificate: opens a reissue order and returns its new certificate ID.
    pub async fn replace(&self, caller: &Caller, input: ReplaceInput) -> Result<String, ServiceError> {
        let method = Method::parse(&input.valid_type)
            .ok_or_else(|| ServiceError::InvalidParameterValue("ValidType must be DNS_AUTO, DNS or FILE".into()))?;
        let old = self.certificate(caller, &input.certificate_id).await?;
        if old.source == Source::Upload {
            return Err(ServiceError::InvalidSource);
        }
        let free = old.package_type.as_deref().and_then(certhub_core::profile::for_package).is_some_and(|p| p.is_free());
        if old.status == CertStatus::Reissuing || (free && reissues(&old) >= FREE_REISSUES) {
            return Err(ServiceError::AlreadyReplaced);
        }
        if old.status != CertStatus::Issued {
            return Err(ServiceError::InvalidStatus);
        }
        if !valid_domain(&old.domain) {
            return Err(ServiceError::InvalidStatus);
        }
        self.check_method(method, &old.domain)?;
        let now = self.now();
        let (key_der, spki, family) = self.reissue_key(caller, &old, &input.csr, free).await?;
        let id = ids::certificate_id();
        let mut extra = old.extra.clone();
        extra.challenge = Some(challenge(method, &old.domain));
        extra.family = Some(family.as_str().into());
        extra.spki = Some(base64::engine::general_purpose::STANDARD.encode(&spki));
        extra.reissue_of = Some(old.id.clone());
        extra.replace_reason = Some(input.reason.clone().unwrap_or_default());
        extra.csr_key_password = input.key_password.as_deref().filter(|s| !s.is_empty()).map(|p| self.seal_secret(&id, p)).transpose()?;
        extra.delete_dns_auto_record = false;
        // The original's reissue bookkeeping does not carry over to the new order.
        (extra.reissued_as, extra.reissuing_as, extra.replace_count) = (None, None, 0);
        (extra.audit_cancelled, extra.order_cancelled) = (false, false);
        let record = CertRecord {
            id: id.clone(),
            status: CertStatus::Pending,
            status_msg: "PENDING-DCV".into(),
            verify_type: Some(method),
            not_before: None,
            not_after: None,
            insert_time: now,
            cert_pem: None,
            fingerprint: None,
            key_algorithm: key_algorithm_name(family).into(),
            is_sm: family == CaFamily::Sm2,
            has_key: key_der.is_some(),
            extra,
            serial: None,
            revocation: None,
            ..old.clone()
        };
        // The original's status guard makes two concurrent reissues impossible; one transaction means a crash
        // leaves either both changes or neither (never an original stuck at 11 without its order).
        let mut old_extra = old.extra.clone();
        old_extra.reissuing_as = Some(id.clone());
        let old_log = log_row(caller, &old.id, "replace", "重颁发");
        let mark = Transition {
            from: &[CertStatus::Issued],
            to: CertStatus::Reissuing,
            msg: "REISSUING",
            extra: Some(&old_extra),
            log: &old_log,
            job: None,
            revocation: None,
        };
        let log = log_row(caller, &id, "replace", "重颁发申请");
        let reissue = Reissue {
            original: &old.id,
            mark: &mark,
            order: &record,
            private_key: key_der.as_deref(),
            log: &log,
            job_kind: JobKind::Validation,
            deadline: now + self.config.dcv_window,
        };
        if !self.store.reissue(&reissue, now).await? {
            return Err(ServiceError::InvalidStatus);
        }
        Ok(id)
    }

    /// The reissued key: the original's, a customer CSR's, or one generated here; with the CA family that signs it.
    /// Free certificates reissue only as RSA-2048 (the vendor's rule); paid ones in any family certhub runs.
    async fn reissue_key(
        &self,
        caller: &Caller,
        old: &CertRecord,
        csr: &CsrSource,
        free: bool,
    ) -> Result<(Option<Vec<u8>>, Vec<u8>, CaFamily), ServiceError> {
        let allowed = |family: CaFamily, what: &str| {
            if free && family != CaFamily::Rsa2048 {
                Err(ServiceError::RenewAlgorithmInvalid(format!("free certificates are reissued only with RSA 2048, not {what}")))
            } else {
                Ok(family)
            }
        };
        match csr {
            CsrSource::Original => {
                let family = old.extra.family.as_deref().and_then(CaFamily::parse).ok_or(ServiceError::InvalidStatus)?;
                allowed(family, &old.key_algorithm)?;
                let spki = old.extra.spki.as_deref().ok_or(ServiceError::InvalidStatus)?;
                let spki = base64::engine::general_purpose::STANDARD.decode(spki).map_err(|_| ServiceError::InvalidStatus)?;
                let key = self.store.certificate_key(&caller.owner_uin, &old.id).await?;
                Ok((key, spki, family))
            }
            CsrSource::Upload(text) => {
                let csr = parse_csr(text.as_bytes()).map_err(|e| ServiceError::RenewCsrInvalid(e.to_string()))?;
                let family = allowed(family_for(csr.key_algorithm)?, &csr.key_algorithm.vendor_name())?;
                if csr.names.iter().any(|n| n != &old.domain) || !csr.names.contains(&old.domain) {
                    return Err(ServiceError::RenewCsrInvalid(format!(
                        "the CSR names {:?}; this certificate covers {}",
                        csr.names, old.domain
                    )));
                }
                Ok((None, csr.spki_der, family))
            }
            CsrSource::Online { algo, parameter } => {
                let algo = algo.as_deref().filter(|a| !a.is_empty()).unwrap_or("RSA").to_ascii_uppercase();
                let parameter = parameter.as_deref().filter(|p| !p.is_empty()).map(str::to_ascii_lowercase);
                let family = match (algo.as_str(), parameter.as_deref()) {
                    ("RSA", None | Some("2048")) => CaFamily::Rsa2048,
                    ("RSA", Some("4096")) => CaFamily::Rsa4096,
                    ("ECC", None | Some("prime256v1")) => CaFamily::EcdsaP256,
                    ("ECC", Some("secp384r1")) => CaFamily::EcdsaP384,
                    ("SM2", None | Some("sm2p256v1") | Some("sm2")) => CaFamily::Sm2,
                    ("RSA" | "ECC" | "SM2", Some(p)) => {
                        return Err(ServiceError::RenewAlgorithmInvalid(format!("{algo} keys with parameter {p} are not issued")));
                    }
                    _ => return Err(ServiceError::RenewAlgorithmInvalid(format!("unknown algorithm {algo}"))),
                };
                allowed(family, &format!("{algo} {}", parameter.as_deref().unwrap_or_default()))?;
                // RSA key generation is slow: never on the request thread.
                let (k, s) = crate::blocking::run("key generation", move || generate_key(family)).await?;
                Ok((Some(k), s, family))
            }
        }
    }

    /// A reissue order that closed without issuing hands its original back to status 1.
    pub(crate) async fn release_original(&self, order: &CertRecord, now: i64) -> Result<(), ServiceError> {
        if let Some(old) = order.extra.reissue_of.as_deref() {
            self.settle_original(&order.owner_uin, old, None, &Caller::system(&order.owner_uin), now).await?;
        }
        Ok(())
    }

    /// Ends a reissue on the original: back to status 1, recording the new certificate when there is one.
    pub(crate) async fn settle_original(
        &self,
        owner: &str,
        old_id: &str,
        new_id: Option<&str>,
        caller: &Caller,
        now: i64,
    ) -> Result<(), ServiceError> {
        let Some(old) = self.store.certificate(owner, old_id).await? else { return Ok(()) };
        let mut extra = old.extra.clone();
        extra.reissuing_as = None;
        let verb = match new_id {
            Some(new) => {
                extra.reissued_as = Some(new.to_string());
                extra.replace_count = reissues(&old) + 1;
                "重颁发完成"
            }
            None => "重颁发取消",
        };
        let log = system_log(caller, old_id, "replace", verb);
        let t = Transition {
            from: &[CertStatus::Reissuing],
            to: CertStatus::Issued,
            msg: "",
            extra: Some(&extra),
            log: &log,
            job: None,
            revocation: None,
        };
        self.store.transition(owner, old_id, &t, now).await?;
        Ok(())
    }
}
