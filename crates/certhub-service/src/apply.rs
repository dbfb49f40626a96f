//! Free DV certificates: ApplyCertificate, the validation jobs that poll until
//! the domain validates or the window closes, issuance, and CompleteCertificate.

use base64::Engine;
use certhub_core::dcv::{Method, main_domain, valid_domain};
use certhub_core::ids;
use certhub_core::jobs::JobKind;
use certhub_core::model::{CertExtra, CertQuery, CertRecord, Challenge, ChallengeKind, NewLog, ValidationLevel};
use certhub_core::model::{CertStatus, CertType, Source};
use certhub_pki::ca::CaFamily;

use crate::logs::log_row;
use crate::{Caller, Service, ServiceError};
pub use certhub_core::profile::FREE_PACKAGE;
/// Free certificates an account may hold.
pub const FREE_QUOTA: i64 = 50;
/// Free certificates an account may hold under one main domain.
pub const MAIN_DOMAIN_QUOTA: i64 = 20;
/// The label under the domain where DNS validation looks for its TXT record.
pub const DNS_LABEL: &str = "_dnsauth";
/// Where FILE validation looks.
pub const FILE_PATH: &str = "/.well-known/pki-validation/";

/// What ApplyCertificate carries.
#[derive(Debug, Clone, Default)]
pub struct ApplyInput {
    /// DNS_AUTO, DNS or FILE.
    pub dv_auth_method: String,
    /// The domain.
    pub domain: String,
    /// Project.
    pub project_id: Option<i64>,
    /// Only `83`.
    pub package_type: Option<String>,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// Only `3` (months).
    pub validity_period: Option<String>,
    /// RSA (default) or ECC.
    pub csr_encrypt_algo: Option<String>,
    /// 2048 for RSA, prime256v1 for ECC.
    pub csr_key_parameter: Option<String>,
    /// Password of the generated JKS/PFX.
    pub csr_key_password: Option<String>,
    /// Remark name.
    pub alias: Option<String>,
    /// The certificate this one renews.
    pub old_certificate_id: Option<String>,
    /// Delete the DNS_AUTO record after issuance.
    pub delete_dns_auto_record: Option<bool>,
    /// Extra names (not supported by the free product).
    pub dns_names: Vec<String>,
}

fn invalid(msg: impl Into<String>) -> ServiceError {
    ServiceError::InvalidParameterValue(msg.into())
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    // A failed RNG would repeat tokens; fall back to the ID generator, itself CSPRNG-backed.
    if aws_lc_rs::rand::fill(&mut b).is_err() {
        return ids::random_alnum(bytes * 2).to_lowercase();
    }
    hex::encode(b)
}

fn valid_email(e: &str) -> bool {
    matches!(e.split_once('@'), Some((local, host)) if !local.is_empty() && host.contains('.') && !e.contains(char::is_whitespace))
}

impl Service {
    /// Applies for a free DV certificate: key generated here, order pending until the domain validates.
    pub async fn apply(&self, caller: &Caller, input: ApplyInput) -> Result<String, ServiceError> {
        let method = Method::parse(&input.dv_auth_method).ok_or_else(|| invalid("DvAuthMethod must be DNS_AUTO, DNS or FILE"))?;
        let domain = input.domain.trim().trim_end_matches('.').to_ascii_lowercase();
        if !valid_domain(&domain) {
            return Err(invalid(format!("DomainName {:?} is not a domain name a free certificate can cover", input.domain)));
        }
        if input.package_type.as_deref().is_some_and(|p| !p.is_empty() && p != FREE_PACKAGE) {
            return Err(invalid("only PackageType 83 is supported"));
        }
        if input.validity_period.as_deref().is_some_and(|p| !p.is_empty() && p != "3") {
            return Err(invalid("only ValidityPeriod 3 is supported"));
        }
        if input.delete_dns_auto_record == Some(true) && method != Method::DnsAuto {
            return Err(invalid("DeleteDnsAutoRecord is only accepted with DNS_AUTO"));
        }
        if !input.dns_names.is_empty() {
            return Err(invalid("DnsNames is not supported for free certificates"));
        }
        if let Some(e) = input.contact_email.as_deref().filter(|e| !e.is_empty())
            && !valid_email(e)
        {
            return Err(ServiceError::BadEmail);
        }
        let family =
            match (input.csr_encrypt_algo.as_deref().unwrap_or("RSA").to_ascii_uppercase().as_str(), input.csr_key_parameter.as_deref()) {
                ("RSA", None | Some("") | Some("2048")) => CaFamily::Rsa2048,
                ("ECC", Some("prime256v1")) => CaFamily::EcdsaP256,
                ("ECC", None | Some("")) => return Err(ServiceError::MissingParameter("CsrKeyParameter is required with ECC".into())),
                _ => return Err(invalid("CsrEncryptAlgo/CsrKeyParameter must be RSA/2048 or ECC/prime256v1")),
            };
        self.check_method(method, &domain)?;
        let now = self.now();
        if let Some(old) = input.old_certificate_id.as_deref().filter(|s| !s.is_empty()) {
            let c = self.certificate(caller, old).await?;
            if !c.expires_soon(now) {
                return Err(invalid("OldCertificateId must expire within 30 days and not have expired"));
            }
        }
        let free = CertQuery { limit: 1, uploaded: Some(false), package_type: Some(FREE_PACKAGE.into()), ..Default::default() };
        let (held, _) = self.store.list_certificates(&caller.owner_uin, &free, now).await?;
        if held >= FREE_QUOTA {
            return Err(ServiceError::FreeLimit(FREE_QUOTA));
        }
        let main = main_domain(&domain);
        let under = CertQuery { main_domain: Some(main.clone()), ..free };
        let (held, _) = self.store.list_certificates(&caller.owner_uin, &under, now).await?;
        if held >= MAIN_DOMAIN_QUOTA {
            return Err(ServiceError::MainDomainLimit(main, MAIN_DOMAIN_QUOTA));
        }
        // RSA key generation is slow: never on the request thread.
        let (key_der, spki) = crate::blocking::run("key generation", move || generate_key(family)).await?;
        let id = ids::certificate_id();
        let dv = challenge(method, &domain);
        let sealed_password = input.csr_key_password.filter(|s| !s.is_empty()).map(|p| self.seal_secret(&id, &p)).transpose()?;
        let record = CertRecord {
            id: id.clone(),
            owner_uin: caller.owner_uin.clone(),
            project_id: input.project_id.unwrap_or(0),
            alias: input.alias.unwrap_or_default(),
            source: Source::Certhub,
            cert_type: CertType::Server,
            package_type: Some(FREE_PACKAGE.into()),
            product_name: "certhub DV Free".into(),
            domain: domain.clone(),
            sans: vec![domain],
            status: CertStatus::Pending,
            status_msg: "PENDING-DCV".into(),
            verify_type: Some(method),
            not_before: None,
            not_after: None,
            insert_time: now,
            cert_pem: None,
            fingerprint: None,
            key_algorithm: if family == CaFamily::Rsa2048 { "RSA 2048".into() } else { "ECC 256".into() },
            is_sm: false,
            has_key: true,
            ignore_expiry_notice: false,
            allow_download: true,
            tags: Vec::new(),
            certificate_use: None,
            extra: CertExtra {
                challenge: Some(dv),
                family: Some(family.as_str().into()),
                spki: Some(base64::engine::general_purpose::STANDARD.encode(&spki)),
                order_id: Some(format!("certhub-{}", random_hex(8))),
                validation_level: Some(ValidationLevel::Dv),
                origin_certificate_id: input.old_certificate_id.filter(|s| !s.is_empty()),
                contact_email: input.contact_email,
                delete_dns_auto_record: input.delete_dns_auto_record.unwrap_or(false),
                csr_key_password: sealed_password,
                ..CertExtra::default()
            },
            serial: None,
            revocation: None,
        };
        let log = log_row(caller, &id, "apply", "申请免费证书");
        self.store
            .insert_pending_certificate(&record, Some(&key_der), &log, JobKind::Validation, now + self.config.dcv_window, now)
            .await?;
        Ok(id)
    }
}

impl Service {
    /// Refuses a method this server cannot carry out for `domain`.
    pub(crate) fn check_method(&self, method: Method, domain: &str) -> Result<(), ServiceError> {
        if method == Method::DnsAuto && !self.publisher.as_ref().is_some_and(|p| p.covers(domain)) {
            return Err(ServiceError::InvalidParam(format!(
                "DNS_AUTO needs {domain} to be in the zone certhub updates (--dns-update-zone); use DNS or FILE"
            )));
        }
        Ok(())
    }
}

/// A fresh record for the owner (or certhub, for DNS_AUTO) to publish for `domain`.
pub(crate) fn challenge(method: Method, domain: &str) -> Challenge {
    let (key, value, path, sub, kind) = match method {
        Method::File => {
            (random_hex(16), format!("{}.{}", random_hex(16), ids::random_alnum(12).to_lowercase()), FILE_PATH, "", ChallengeKind::File)
        }
        Method::Dns | Method::DnsAuto => (DNS_LABEL.to_string(), ids::random_alnum(64).to_lowercase(), "", DNS_LABEL, ChallengeKind::Txt),
    };
    Challenge { domain: domain.to_string(), key, value, path: path.to_string(), sub_domain: sub.to_string(), kind }
}

pub(crate) fn system_log(caller: &Caller, id: &str, kind: &str, verb: &str) -> NewLog {
    NewLog {
        cert_id: id.to_string(),
        kind: kind.to_string(),
        action: format!("用户[uin: --] {verb} 证书[id: {id}]"),
        actor: caller.credential.clone(),
    }
}

/// A new subscriber key for the family: PKCS#8 and SubjectPublicKeyInfo. RSA takes long: call off the async threads.
pub(crate) fn generate_key(family: CaFamily) -> Result<(Vec<u8>, Vec<u8>), ServiceError> {
    Ok(certhub_pki::ca::generate_subject_key(family)?)
}
