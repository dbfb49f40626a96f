//! Free DV certificates: ApplyCertificate, the validation jobs that poll until
//! the domain validates or the window closes, issuance, and CompleteCertificate.

use base64::Engine;
use certhub_core::dcv::valid_domain;
use certhub_core::ids;
use certhub_core::model::{CertQuery, CertRecord, Issued, Job, NewLog};
use certhub_core::status::code;
use certhub_core::store::Transition;
use certhub_pki::ca::{self, CaFamily, LeafSpec};
use certhub_pki::parse::{ParsedCert, pem};
use serde_json::{Value, json};

use crate::logs::log_row;
use crate::{Caller, Service, ServiceError};

/// The job kind that validates and then issues.
pub const VALIDATE: &str = "validate";
/// The free product's package type.
pub const FREE_PACKAGE: &str = "83";
/// The free product's validity.
pub const FREE_DAYS: i64 = 90;
/// Free certificates an account may hold.
pub const FREE_QUOTA: i64 = 50;
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
        let method = input.dv_auth_method.to_ascii_uppercase();
        match method.as_str() {
            "FILE" => {}
            "DNS" | "DNS_AUTO" => return Err(ServiceError::Unsupported(format!("{method} validation is not available on this server yet; use FILE"))),
            _ => return Err(invalid("DvAuthMethod must be DNS_AUTO, DNS or FILE")),
        }
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
        if input.delete_dns_auto_record == Some(true) && method != "DNS_AUTO" {
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
        let family = match (input.csr_encrypt_algo.as_deref().unwrap_or("RSA").to_ascii_uppercase().as_str(), input.csr_key_parameter.as_deref()) {
            ("RSA", None | Some("") | Some("2048")) => CaFamily::Rsa2048,
            ("ECC", Some("prime256v1")) => CaFamily::EcdsaP256,
            ("ECC", None | Some("")) => return Err(ServiceError::MissingParameter("CsrKeyParameter is required with ECC".into())),
            _ => return Err(invalid("CsrEncryptAlgo/CsrKeyParameter must be RSA/2048 or ECC/prime256v1")),
        };
        let now = self.now();
        if let Some(old) = input.old_certificate_id.as_deref().filter(|s| !s.is_empty()) {
            let c = self.certificate(caller, old).await?;
            let window = c.not_after.is_some_and(|t| t > now && t - now <= 30 * 86_400);
            if !window {
                return Err(invalid("OldCertificateId must expire within 30 days and not have expired"));
            }
        }
        let q = CertQuery { limit: 1, uploaded: Some(false), ..Default::default() };
        let (held, _) = self.store.list_certificates(&caller.owner_uin, &q, now).await?;
        if held >= FREE_QUOTA {
            return Err(ServiceError::FreeLimit(FREE_QUOTA));
        }
        // RSA key generation is slow: never on the request thread.
        let (key_der, spki) = tokio::task::spawn_blocking(move || generate_key(family))
            .await
            .map_err(|e| ServiceError::Export(format!("key generation task: {e}")))??;
        let id = ids::certificate_id();
        let token = random_hex(16);
        let value = format!("{}.{}", random_hex(16), ids::random_alnum(12).to_lowercase());
        let dv = json!({
            "DvAuthKey": token, "DvAuthValue": value, "DvAuthDomain": domain, "DvAuthPath": FILE_PATH,
            "DvAuthKeySubDomain": "", "DvAuths": [{ "DvAuthKey": token, "DvAuthValue": value, "DvAuthDomain": domain,
            "DvAuthPath": FILE_PATH, "DvAuthSubDomain": "", "DvAuthVerifyType": "FILE" }],
        });
        let record = CertRecord {
            id: id.clone(),
            owner_uin: caller.owner_uin.clone(),
            project_id: input.project_id.unwrap_or(0),
            alias: input.alias.unwrap_or_default(),
            source: "certhub".into(),
            cert_type: "SVR".into(),
            package_type: Some(FREE_PACKAGE.into()),
            product_name: "certhub DV Free".into(),
            domain: domain.clone(),
            sans: vec![domain],
            status: code::PENDING,
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
            extra: json!({
                "dv_auth_detail": dv,
                "family": family.as_str(),
                "spki": base64::engine::general_purpose::STANDARD.encode(&spki),
                "order_id": format!("certhub-{}", random_hex(8)),
                "validation_level": "DV",
                "origin_certificate_id": input.old_certificate_id.filter(|s| !s.is_empty()),
                "contact_email": input.contact_email,
            }),
        };
        let log = log_row(caller, &id, "apply", "申请免费证书");
        self.store.insert_pending_certificate(&record, &key_der, &log, VALIDATE, now + self.config.dcv_window, now).await?;
        Ok(id)
    }

    /// Runs the due validation jobs once; returns how many certificates were issued.
    pub async fn run_validations(&self) -> Result<usize, ServiceError> {
        let now = self.now();
        let jobs = self.store.claim_jobs(VALIDATE, now, 120, 16).await?;
        let mut issued = 0;
        for job in jobs {
            if self.run_validation(&job).await? {
                issued += 1;
            }
        }
        Ok(issued)
    }

    async fn run_validation(&self, job: &Job) -> Result<bool, ServiceError> {
        let now = self.now();
        let system = Caller { owner_uin: job.owner_uin.clone(), app_id: 0, credential: "--".into() };
        let Some(cert) = self.store.certificate(&job.owner_uin, &job.cert_id).await? else {
            self.store.end_job(job.id, "done", "certificate deleted").await?;
            return Ok(false);
        };
        if cert.status != code::PENDING {
            self.store.end_job(job.id, "done", "no longer pending").await?;
            return Ok(false);
        }
        if now > job.deadline {
            let msg = "域名验证超时，订单自动关闭，请您重新进行证书申请";
            self.fail_order(&cert, msg, &system_log(&system, &cert.id, "failed", "域名验证超时"), now).await?;
            self.store.end_job(job.id, "failed", msg).await?;
            return Ok(false);
        }
        let dv = cert.extra.get("dv_auth_detail").cloned().unwrap_or(Value::Null);
        let field = |k: &str| dv.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let path = format!("{}{}", field("DvAuthPath"), field("DvAuthKey"));
        if let Err(f) = self.validator.check_file(&field("DvAuthDomain"), &path, &field("DvAuthValue")).await {
            // Back off from 5 s to 5 min between checks.
            let delay = (5 * (1i64 << job.attempts.clamp(0, 6))).min(300);
            self.store.retry_job(job.id, now + delay, &f.reason).await?;
            return Ok(false);
        }
        match self.issue_pending(&cert, now).await {
            Ok(issued) => {
                let log = system_log(&system, &cert.id, "issued", "签发");
                self.store.mark_issued(&job.owner_uin, &cert.id, &issued, &log, now).await?;
                self.store.end_job(job.id, "done", "").await?;
                tracing::info!(cert = %cert.id, "issued");
                Ok(true)
            }
            Err(ServiceError::Pki(e)) => {
                // A lint failure refuses issuance and says why.
                let msg = format!("签发失败: {e}");
                tracing::error!(cert = %cert.id, error = %e, "issuance refused");
                self.fail_order(&cert, &msg, &system_log(&system, &cert.id, "failed", "签发失败"), now).await?;
                self.store.end_job(job.id, "failed", &msg).await?;
                Ok(false)
            }
            Err(e) => {
                self.store.retry_job(job.id, now + 30, &e.to_string()).await?;
                Ok(false)
            }
        }
    }

    /// Moves a pending order to review-failed (status 2).
    async fn fail_order(&self, cert: &CertRecord, msg: &str, log: &NewLog, now: i64) -> Result<bool, ServiceError> {
        let t = Transition { from: &[code::PENDING, code::DNS_ADDED], to: code::FAILED, msg, extra: None, log, job: None };
        Ok(self.store.transition(&cert.owner_uin, &cert.id, &t, now).await?)
    }

    async fn issue_pending(&self, cert: &CertRecord, now: i64) -> Result<Issued, ServiceError> {
        let family = cert.extra.get("family").and_then(Value::as_str).and_then(CaFamily::parse).unwrap_or(CaFamily::Rsa2048);
        let ca = self.store.ca(family.as_str()).await?.ok_or_else(|| ServiceError::Export("the CA is still being created".into()))?;
        let spki = cert
            .extra
            .get("spki")
            .and_then(Value::as_str)
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
            .ok_or_else(|| ServiceError::Export("pending order has no public key".into()))?;
        let material = ca::CaMaterial {
            family,
            root_der: ca.root_der.clone(),
            root_key: Vec::new(),
            intermediate_der: ca.intermediate_der.clone(),
            intermediate_key: ca.intermediate_key.clone(),
        };
        let spec = LeafSpec { names: cert.sans.clone(), validity_days: FREE_DAYS, public_url: self.config.public_url.clone(), spki_der: spki };
        let leaf = ca::issue(&material, &spec, now)?;
        let parsed = ParsedCert::from_der(&leaf)?;
        let cert_pem = [leaf.as_slice(), &ca.intermediate_der, &ca.root_der].iter().map(|d| pem::encode("CERTIFICATE", d)).collect();
        Ok(Issued { cert_pem, not_before: parsed.not_before, not_after: parsed.not_after, fingerprint: parsed.sha1_fingerprint })
    }

    /// CompleteCertificate: checks a pending order now (and issues it when the domain validates).
    pub async fn complete(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        let cert = self.certificate(caller, id).await.map_err(|e| match e {
            ServiceError::CertificateNotFound => ServiceError::NotPending,
            other => other,
        })?;
        if cert.status != code::PENDING {
            return Err(ServiceError::NotPending);
        }
        self.store.hurry_jobs(id, self.now()).await?;
        self.run_validations().await?;
        Ok(())
    }
}

fn system_log(caller: &Caller, id: &str, kind: &str, verb: &str) -> NewLog {
    NewLog { cert_id: id.to_string(), kind: kind.to_string(), action: format!("用户[uin: --] {verb} 证书[id: {id}]"), actor: caller.credential.clone() }
}

/// A new key for the family: PKCS#8 and SubjectPublicKeyInfo.
fn generate_key(family: CaFamily) -> Result<(Vec<u8>, Vec<u8>), ServiceError> {
    use rcgen::{KeyPair, PublicKeyData};
    let kp = match family {
        CaFamily::Rsa2048 => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048),
        _ => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
    }
    .map_err(|e| ServiceError::Export(format!("key generation failed: {e}")))?;
    Ok((kp.serialize_der(), kp.subject_public_key_info()))
}
