//! Revocation: one core behind three doors. Tencent asks for a fresh domain
//! validation first (status 9, then 10); Huawei SCM revokes at once; DigiCert
//! files a request that an administrator approves. Whichever door, the final
//! change is one transaction to status 10 with one log row naming door and
//! reason, and the CRL and OCSP answers change with it.

use certhub_core::StoreError;
use certhub_core::dcv::Method;
use certhub_core::jobs::{JobKind, JobOutcome};
use certhub_core::model::{
    CertExtra, CertRecord, Job, NewLog, Revocation, RevokeLetter, RevokeRequest, RevokeRequestStatus, ValidationLevel,
};
use certhub_core::model::{CertStatus, RevocationReason};
use certhub_core::rules::Revocability;
use certhub_core::store::Transition;

use crate::apply::{FILE_PATH, challenge, system_log};
use crate::logs::log_row;
use crate::scheduler::DEFAULT_CONCURRENCY;
use crate::validation::{method_of, retry_delay};
use crate::{Caller, Service, ServiceError};

/// How long a revocation waits for its domain validation.
pub const REVOKE_WINDOW: i64 = 7 * 86_400;
/// Longest Huawei SCM revocation reason, in characters.
pub const HUAWEI_REASON_MAX: usize = 63;

/// Which API asked for a revocation; named in the operation log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// Tencent Cloud SSL `RevokeCertificate`.
    Tencent,
    /// Huawei Cloud SCM revoke.
    Huawei,
    /// DigiCert CertCentral revoke (an approved request).
    Digicert,
}

impl Door {
    /// The door's name in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Door::Tencent => "tencent",
            Door::Huawei => "huawei-scm",
            Door::Digicert => "digicert",
        }
    }
}

/// A record the Tencent caller publishes to confirm a revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokeAuth {
    /// File path (FILE) or empty.
    pub path: String,
    /// File name or record name.
    pub key: String,
    /// The value to publish.
    pub value: String,
    /// The domain.
    pub domain: String,
}

/// The RFC 5280 reason a free-text reason names; unspecified when it names none.
pub fn reason_code(text: &str) -> RevocationReason {
    let t: String = text.chars().filter(|c| !c.is_whitespace() && *c != '_' && *c != '-').collect::<String>().to_ascii_lowercase();
    use RevocationReason as R;
    const NAMES: &[(&str, RevocationReason)] = &[
        ("keycompromise", R::KeyCompromise),
        ("密钥泄露", R::KeyCompromise),
        ("私钥泄露", R::KeyCompromise),
        ("cacompromise", R::CaCompromise),
        ("affiliationchanged", R::AffiliationChanged),
        ("superseded", R::Superseded),
        ("cessationofoperation", R::CessationOfOperation),
        ("不再使用", R::CessationOfOperation),
        ("不想要了", R::CessationOfOperation),
        ("certificatehold", R::CertificateHold),
        ("privilegewithdrawn", R::PrivilegeWithdrawn),
    ];
    NAMES.iter().find(|(n, _)| t.contains(n)).map_or(R::Unspecified, |(_, c)| *c)
}

impl Service {
    /// Checks that certhub can revoke `cert` now (`CertRecord::revocability`).
    fn revocable(&self, cert: &CertRecord) -> Result<(), ServiceError> {
        match cert.revocability(self.now()) {
            Revocability::Revocable => Ok(()),
            Revocability::Uploaded => Err(ServiceError::InvalidSource),
            Revocability::AlreadyRevoked => Err(ServiceError::AlreadyRevoked),
            Revocability::NotNow => Err(ServiceError::InvalidStatus),
        }
    }

    /// Tencent `RevokeCertificate`: records the reason, moves the certificate to status 9 and returns the
    /// domain validation to publish; the revocation job moves it to 10 once the record is seen.
    pub async fn request_revocation(&self, caller: &Caller, id: &str, reason: Option<&str>) -> Result<Vec<RevokeAuth>, ServiceError> {
        let cert = self.certificate(caller, id).await?;
        self.revocable(&cert)?;
        // The revocation proves control the same way the order did; DNS_AUTO publishes its own record.
        let method = method_of(&cert);
        let detail = challenge(method, &cert.domain);
        let mut extra = cert.extra.clone();
        extra.revoke_challenge = Some(detail.clone());
        extra.revoke_reason_text = Some(reason.unwrap_or_default().to_string());
        extra.revoke_door = Some(Door::Tencent.as_str().to_string());
        let log = log_row(caller, id, "revoke", "申请吊销");
        self.enter_revoking(caller, id, CertStatus::Issued, &extra, &log).await?;
        if method == Method::DnsAuto
            && let Some(p) = &self.publisher
            && let Err(e) = p.publish_txt(&crate::validation::txt_name(&cert.domain), &detail.value).await
        {
            tracing::warn!(cert = %id, error = %e, "publishing the revocation record failed; the customer may publish it");
        }
        Ok(vec![RevokeAuth {
            path: if method == Method::File { FILE_PATH.to_string() } else { String::new() },
            key: detail.key.clone(),
            value: detail.value.clone(),
            domain: cert.domain.clone(),
        }])
    }

    /// Revokes at once (Huawei SCM, an approved DigiCert request): status 1 → 10.
    pub async fn revoke_now(&self, caller: &Caller, id: &str, reason: &str, door: Door) -> Result<(), ServiceError> {
        let cert = self.certificate(caller, id).await?;
        self.revocable(&cert)?;
        self.finish_revocation(caller, &cert, &[CertStatus::Issued], reason, door).await
    }

    /// The one change every door ends in: status 10, revocation time and reason, one log row.
    async fn finish_revocation(
        &self,
        caller: &Caller,
        cert: &CertRecord,
        from: &[CertStatus],
        reason: &str,
        door: Door,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let (extra, log, revocation) = self.revocation_parts(caller, cert, reason, door, now);
        let t =
            Transition { from, to: CertStatus::Revoked, msg: "", extra: Some(&extra), log: &log, job: None, revocation: Some(revocation) };
        if !self.store.transition(&cert.owner_uin, &cert.id, &t, now).await? {
            return Err(ServiceError::InvalidStatus);
        }
        self.revoked(cert, door, revocation).await;
        Ok(())
    }

    /// What a revocation writes: the certificate's `extra` (reason text, door), its log row and the published revocation.
    fn revocation_parts(&self, caller: &Caller, cert: &CertRecord, reason: &str, door: Door, now: i64) -> (CertExtra, NewLog, Revocation) {
        let revocation = Revocation { at: now, reason: reason_code(reason) };
        let mut extra = cert.extra.clone();
        extra.revoke_reason_text = Some(reason.to_string());
        extra.revoke_door = Some(door.as_str().to_string());
        let verb = format!("通过 {} 吊销 (原因: {}; RFC 5280 reason {})", door.as_str(), reason, revocation.reason.code());
        (extra, log_row(caller, &cert.id, "revoked", &verb), revocation)
    }

    /// After a revocation committed: logged, and the CRL and OCSP answers follow.
    async fn revoked(&self, cert: &CertRecord, door: Door, revocation: Revocation) {
        tracing::info!(cert = %cert.id, door = door.as_str(), reason = revocation.reason.code(), "revoked");
        self.published_revocation(cert).await;
    }

    /// Runs the due revocation jobs once: a revocation whose record is published completes.
    pub async fn run_revocations(&self) -> Result<usize, ServiceError> {
        self.run_queued(JobKind::Revocation, DEFAULT_CONCURRENCY).await
    }

    /// One check of a revocation waiting for its domain record.
    pub(crate) async fn run_revocation(&self, job: &Job, now: i64) -> Result<JobOutcome, ServiceError> {
        let system = Caller::system(&job.owner_uin);
        let Some(cert) = self.store.certificate(&job.owner_uin, &job.cert_id).await? else {
            return Ok(JobOutcome::skipped("certificate deleted"));
        };
        if cert.status != CertStatus::Revoking {
            return Ok(JobOutcome::skipped("no longer revoking"));
        }
        if now > job.deadline {
            // Unconfirmed: the certificate stays valid, as it was.
            let log = system_log(&system, &cert.id, "cancelRevoke", "吊销验证超时");
            let t = Transition {
                from: &[CertStatus::Revoking],
                to: CertStatus::Issued,
                msg: "",
                extra: None,
                log: &log,
                job: None,
                revocation: None,
            };
            self.store.transition(&cert.owner_uin, &cert.id, &t, now).await?;
            return Ok(JobOutcome::Failed("revocation validation timed out".into()));
        }
        // The validation engine checks orders by their challenge: show it the revocation's record.
        let mut probe = cert.clone();
        probe.extra.challenge = cert.extra.revoke_challenge.clone();
        if let Err(f) = self.check_domain(&probe).await {
            return Ok(JobOutcome::RetryAt(now + retry_delay(job.attempts), f.reason));
        }
        let reason = cert.extra.revoke_reason_text.clone().unwrap_or_default();
        self.finish_revocation(&system, &cert, &[CertStatus::Revoking], &reason, Door::Tencent).await?;
        Ok(JobOutcome::done())
    }

    /// UploadRevokeLetter: stores the confirmation letter of a certificate waiting for one (status 12); revocation then
    /// proceeds as status 9. DV certificates never need a letter.
    pub async fn upload_revoke_letter(&self, caller: &Caller, id: &str, kind: &str, letter: &[u8]) -> Result<(), ServiceError> {
        let cert = self.certificate(caller, id).await?;
        if cert.status != CertStatus::RevokeLetterPending {
            let dv = cert.extra.validation_level == Some(ValidationLevel::Dv);
            return Err(if dv { ServiceError::LetterNotForDv } else { ServiceError::InvalidStatus });
        }
        let now = self.now();
        let mut extra = cert.extra.clone();
        extra.revoke_letter = Some(RevokeLetter {
            kind: kind.to_string(),
            size: i64::try_from(letter.len()).unwrap_or(i64::MAX),
            content: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, letter),
            uploaded_at: now,
        });
        let log = log_row(caller, id, "editRevokeLetter", "上传吊销确认函");
        self.enter_revoking(caller, id, CertStatus::RevokeLetterPending, &extra, &log).await
    }

    /// Status `from` → 9 with the revocation's `extra`, queueing the job that waits for its confirmation.
    async fn enter_revoking(
        &self,
        caller: &Caller,
        id: &str,
        from: CertStatus,
        extra: &CertExtra,
        log: &NewLog,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let t = Transition {
            from: &[from],
            to: CertStatus::Revoking,
            msg: "REVOKING",
            extra: Some(extra),
            log,
            job: Some((JobKind::Revocation, now + REVOKE_WINDOW)),
            revocation: None,
        };
        if !self.store.transition(&caller.owner_uin, id, &t, now).await? {
            return Err(ServiceError::InvalidStatus);
        }
        Ok(())
    }

    /// DigiCert: files a revocation request for an administrator; a pending reissue blocks it.
    pub async fn file_revoke_request(&self, caller: &Caller, id: &str, comments: &str) -> Result<RevokeRequest, ServiceError> {
        let cert = self.certificate(caller, id).await?;
        if cert.status == CertStatus::Reissuing {
            return Err(ServiceError::ReissuePending);
        }
        self.revocable(&cert)?;
        // The database allows one pending request per certificate, so two concurrent requests cannot both pass.
        match self.store.create_revoke_request(&caller.owner_uin, id, comments, &caller.credential, self.now()).await {
            Err(StoreError::Conflict(_)) => Err(ServiceError::RevokeRequestPending),
            other => Ok(other?),
        }
    }

    /// One revocation request; an account sees only its own, an administrator (`None`) every one.
    pub async fn revoke_request(&self, caller: Option<&Caller>, id: i64) -> Result<RevokeRequest, ServiceError> {
        self.store.revoke_request(caller.map(|c| c.owner_uin.as_str()), id).await?.ok_or(ServiceError::RequestNotFound)
    }

    /// Revocation requests, newest first, optionally of one status.
    pub async fn revoke_requests(&self, status: Option<RevokeRequestStatus>) -> Result<Vec<RevokeRequest>, ServiceError> {
        Ok(self.store.revoke_requests(status).await?)
    }

    /// An administrator's decision; only approval revokes, and the revocation and the decision commit together.
    pub async fn decide_revoke_request(&self, id: i64, approve: bool, comment: &str) -> Result<RevokeRequest, ServiceError> {
        let request = self.revoke_request(None, id).await?;
        if request.status != RevokeRequestStatus::Pending {
            return Err(ServiceError::RequestNotPending);
        }
        let now = self.now();
        if approve {
            let requester = Caller { owner_uin: request.owner_uin.clone(), app_id: 0, credential: request.requester.clone() };
            let cert = self.certificate(&requester, &request.cert_id).await.map_err(|e| match e {
                ServiceError::CertificateNotFound => ServiceError::InvalidStatus,
                other => other,
            })?;
            self.revocable(&cert)?;
            let reason = if request.comments.is_empty() { "approved DigiCert request" } else { &request.comments };
            let (extra, log, revocation) = self.revocation_parts(&requester, &cert, reason, Door::Digicert, now);
            let t = Transition {
                from: &[CertStatus::Issued],
                to: CertStatus::Revoked,
                msg: "",
                extra: Some(&extra),
                log: &log,
                job: None,
                revocation: Some(revocation),
            };
            if !self.store.approve_revoke_request(id, comment, (&cert.owner_uin, &cert.id), &t, now).await? {
                // Nothing was written; say which half lost its race.
                let again = self.revoke_request(None, id).await?;
                return Err(if again.status != RevokeRequestStatus::Pending {
                    ServiceError::RequestNotPending
                } else {
                    ServiceError::InvalidStatus
                });
            }
            self.revoked(&cert, Door::Digicert, revocation).await;
        } else if !self.store.decide_revoke_request(id, RevokeRequestStatus::Rejected, comment, now).await? {
            return Err(ServiceError::RequestNotPending);
        }
        self.revoke_request(None, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_map_to_rfc5280_codes() {
        assert_eq!(reason_code("keyCompromise"), RevocationReason::KeyCompromise);
        assert_eq!(reason_code("Key compromise: laptop stolen"), RevocationReason::KeyCompromise);
        assert_eq!(reason_code("superseded"), RevocationReason::Superseded);
        assert_eq!(reason_code("不想要了"), RevocationReason::CessationOfOperation);
        assert_eq!(reason_code("证书信息填写错误"), RevocationReason::Unspecified);
        assert_eq!(reason_code(""), RevocationReason::Unspecified);
    }
}
