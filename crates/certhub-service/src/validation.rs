//! The validation engine: durable jobs that poll each pending order until its
//! domain validates (then issue it) or its window closes; CompleteCertificate
//! and CheckCertificateDomainVerification run the same check on demand.

use base64::Engine;
use certhub_core::dcv::{DcvFailure, Method};
use certhub_core::jobs::{JobKind, JobOutcome};
use certhub_core::model::{CertRecord, Challenge, ChallengeKind, Issued, Job, NewLog};
use certhub_core::model::{CertStatus, Source};
use certhub_core::rules::WAITING;
use certhub_core::store::Transition;
use certhub_pki::ca::CaFamily;

use crate::apply::{DNS_LABEL, system_log};
use crate::scheduler::DEFAULT_CONCURRENCY;
use crate::{Caller, Service, ServiceError};
use certhub_core::profile;

/// One domain's validation state, checked now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainCheck {
    /// The domain.
    pub domain: String,
    /// How it is validated.
    pub verify_type: Method,
    /// 1 passed, or the vendor's negative failure code.
    pub local_check: i64,
    /// 2 passed, -1 not passed.
    pub ca_check: i64,
    /// Why the check failed ("" when it passed).
    pub local_check_fail_reason: String,
    /// What was found instead.
    pub check_value: Vec<String>,
    /// Whether the check was refused for frequency.
    pub frequently: bool,
    /// Whether the certificate is issued.
    pub issued: bool,
}

/// The order's challenge; an order without one checks for nothing that can be found.
fn challenge_of(cert: &CertRecord) -> Challenge {
    cert.extra.challenge.clone().unwrap_or_else(|| Challenge {
        domain: String::new(),
        key: String::new(),
        value: String::new(),
        path: String::new(),
        sub_domain: String::new(),
        kind: ChallengeKind::Txt,
    })
}

/// How the order proves its domain (FILE when unrecorded).
pub(crate) fn method_of(cert: &CertRecord) -> Method {
    cert.verify_type.unwrap_or(Method::File)
}

/// How long a job stays leased to the worker that claimed it, seconds: longer than `scheduler::JOB_DEADLINE`, and short
/// because after a crash the dead process's jobs wait this long before another worker takes them.
pub(crate) const JOB_LEASE: i64 = 45;
/// How long CompleteCertificate waits for its order's check before leaving it to the background worker.
pub const COMPLETE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);

/// Seconds before a job's next check: backing off from 5 s to 5 min as attempts grow.
pub(crate) fn retry_delay(attempts: i64) -> i64 {
    (5 * (1i64 << attempts.clamp(0, 6))).min(300)
}

/// The TXT name for DNS validation of `domain`.
pub fn txt_name(domain: &str) -> String {
    format!("{DNS_LABEL}.{domain}")
}

impl Service {
    /// Runs the due validation jobs once; returns how many certificates were issued.
    pub async fn run_validations(&self) -> Result<usize, ServiceError> {
        self.run_queued(JobKind::Validation, DEFAULT_CONCURRENCY).await
    }

    /// One check of a pending order: issued when its domain validates, failed when its window closed.
    pub(crate) async fn run_validation(&self, job: &Job) -> Result<JobOutcome, ServiceError> {
        let now = self.now();
        let system = Caller::system(&job.owner_uin);
        let Some(mut cert) = self.store.certificate(&job.owner_uin, &job.cert_id).await? else {
            return Ok(JobOutcome::skipped("certificate deleted"));
        };
        if !cert.is_waiting() {
            return Ok(JobOutcome::skipped("no longer pending"));
        }
        if now > job.deadline {
            let msg = "域名验证超时，订单自动关闭，请您重新进行证书申请";
            self.fail_order(&cert, msg, &system_log(&system, &cert.id, "failed", "域名验证超时"), now).await?;
            self.remove_auto_record(&cert, true).await;
            return Ok(JobOutcome::Failed(msg.to_string()));
        }
        let retry_at = now + retry_delay(job.attempts);
        if method_of(&cert) == Method::DnsAuto && cert.status == CertStatus::Pending {
            match self.publish_auto_record(&cert, &system, now).await {
                Ok(Some(updated)) => cert = updated,
                Ok(None) => {}
                Err(f) => return Ok(JobOutcome::RetryAt(retry_at, f.reason)),
            }
        }
        if let Err(f) = self.check_domain(&cert).await {
            return Ok(JobOutcome::RetryAt(retry_at, f.reason));
        }
        match self.issue_pending(&cert, now).await {
            Ok(issued) => {
                let log = system_log(&system, &cert.id, "issued", "签发");
                if self.store.mark_issued(&job.owner_uin, &cert.id, &issued, &log, now).await? {
                    self.after_issue(&cert, &system, now).await?;
                }
                tracing::info!(cert = %cert.id, "issued");
                Ok(JobOutcome::done())
            }
            Err(ServiceError::Pki(e)) => {
                // A lint failure refuses issuance and says why.
                let msg = format!("签发失败: {e}");
                tracing::error!(cert = %cert.id, error = %e, "issuance refused");
                self.fail_order(&cert, &msg, &system_log(&system, &cert.id, "failed", "签发失败"), now).await?;
                Ok(JobOutcome::Failed(msg))
            }
            Err(e) => Ok(JobOutcome::RetryAt(now + 30, e.to_string())),
        }
    }

    /// Publishes a DNS_AUTO record and moves the order to status 4; the updated record, or None if another node did.
    async fn publish_auto_record(&self, cert: &CertRecord, system: &Caller, now: i64) -> Result<Option<CertRecord>, DcvFailure> {
        let publisher =
            self.publisher.as_ref().ok_or_else(|| DcvFailure::not_found(Method::DnsAuto, "DNS_AUTO is not configured on this server"))?;
        publisher.publish_txt(&txt_name(&cert.domain), &challenge_of(cert).value).await?;
        let log = system_log(system, &cert.id, "dns_auto", "自动添加DNS记录");
        let t = Transition {
            from: &[CertStatus::Pending],
            to: CertStatus::DnsAdded,
            msg: "DNS-RECORD-ADDED",
            extra: None,
            log: &log,
            job: None,
            revocation: None,
        };
        let moved = self
            .store
            .transition(&cert.owner_uin, &cert.id, &t, now)
            .await
            .map_err(|e| DcvFailure::not_found(Method::DnsAuto, e.to_string()))?;
        Ok(moved.then(|| CertRecord { status: CertStatus::DnsAdded, ..cert.clone() }))
    }

    /// Removes a DNS_AUTO record when the order asked for it (or always, when `always`); failures are logged only.
    pub(crate) async fn remove_auto_record(&self, cert: &CertRecord, always: bool) {
        if method_of(cert) != Method::DnsAuto || !(always || cert.extra.delete_dns_auto_record) {
            return;
        }
        if let Some(p) = &self.publisher
            && let Err(e) = p.remove_txt(&txt_name(&cert.domain), &challenge_of(cert).value).await
        {
            tracing::warn!(cert = %cert.id, error = %e, "removing the DNS_AUTO record failed");
        }
    }

    /// What follows an issuance: the DNS_AUTO record goes if asked, a reissued original returns to status 1.
    async fn after_issue(&self, cert: &CertRecord, system: &Caller, now: i64) -> Result<(), ServiceError> {
        self.remove_auto_record(cert, false).await;
        if let Some(old) = cert.extra.reissue_of.as_deref() {
            self.settle_original(&cert.owner_uin, old, Some(&cert.id), system, now).await?;
        }
        Ok(())
    }

    /// The domain check: the challenge, then CAA.
    pub(crate) async fn check_domain(&self, cert: &CertRecord) -> Result<(), DcvFailure> {
        let ch = challenge_of(cert);
        match method_of(cert) {
            Method::File => {
                let path = format!("{}{}", ch.path, ch.key);
                self.validator.check_file(&ch.domain, &path, &ch.value).await?;
            }
            Method::Dns | Method::DnsAuto => self.validator.check_txt(&txt_name(&ch.domain), &ch.value).await?,
        }
        self.validator.check_caa(&ch.domain).await
    }

    /// Moves a waiting order to review-failed (status 2).
    pub(crate) async fn fail_order(&self, cert: &CertRecord, msg: &str, log: &NewLog, now: i64) -> Result<bool, ServiceError> {
        let t = Transition { from: WAITING, to: CertStatus::Failed, msg, extra: None, log, job: None, revocation: None };
        let moved = self.store.transition(&cert.owner_uin, &cert.id, &t, now).await?;
        if moved {
            self.release_original(cert, now).await?;
        }
        Ok(moved)
    }

    async fn issue_pending(&self, cert: &CertRecord, now: i64) -> Result<Issued, ServiceError> {
        let family = cert.extra.family.as_deref().and_then(CaFamily::parse).unwrap_or(CaFamily::Rsa2048);
        let spki = cert
            .extra
            .spki
            .as_deref()
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
            .ok_or_else(|| ServiceError::Export("pending order has no public key".into()))?;
        // The order's product sets the lifetime; an order without one is the free product.
        let days = cert.package_type.as_deref().and_then(profile::for_package).map_or(profile::FREE_DAYS, |p| p.validity_days);
        self.sign_leaf(family, cert.sans.clone(), spki, days, now).await
    }

    /// CompleteCertificate: checks the caller's pending order now (and issues it when the domain validates).
    /// Only this order's job runs, within `COMPLETE_DEADLINE`; an order the background check already issued is a success.
    pub async fn complete(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        let cert = self.certificate(caller, id).await.map_err(|e| match e {
            ServiceError::CertificateNotFound => ServiceError::NotPending,
            other => other,
        })?;
        if cert.status == CertStatus::Issued && cert.source == Source::Certhub {
            return Ok(());
        }
        if !cert.is_waiting() {
            return Err(ServiceError::NotPending);
        }
        let now = self.now();
        // `None`: a background worker holds the job right now and will finish it.
        let Some(job) = self.store.claim_cert_job(JobKind::Validation, id, now, JOB_LEASE).await? else { return Ok(()) };
        // A check that outlives the request hands the job back to the background worker.
        self.run_and_settle(&job, COMPLETE_DEADLINE, "CompleteCertificate check timed out").await.map(|_| ())
    }

    /// CheckCertificateDomainVerification: the per-domain result of checking now.
    pub async fn check_verification(&self, caller: &Caller, id: &str) -> Result<Vec<DomainCheck>, ServiceError> {
        let cert = self.certificate(caller, id).await?;
        if cert.source == Source::Upload {
            return Err(ServiceError::StatusNotAllowVerify);
        }
        let issued = cert.status == CertStatus::Issued;
        let result = |domain: &str, outcome: Result<(), DcvFailure>| {
            let (local_check, ca_check, reason, found) = match outcome {
                Ok(()) => (1, 2, String::new(), Vec::new()),
                Err(f) => (f.local_check, -1, f.reason, f.found),
            };
            DomainCheck {
                domain: domain.to_string(),
                verify_type: method_of(&cert),
                local_check,
                ca_check,
                local_check_fail_reason: reason,
                check_value: found,
                frequently: false,
                issued,
            }
        };
        if issued {
            return Ok(cert.sans.iter().map(|d| result(d, Ok(()))).collect());
        }
        if !cert.is_waiting() {
            return Err(ServiceError::StatusNotAllowVerify);
        }
        let outcome = self.check_domain(&cert).await;
        if outcome.is_ok() {
            // The domain validates now: let the job issue without waiting for its next poll.
            self.store.hurry_jobs(id, self.now()).await?;
        }
        Ok(vec![result(&cert.domain, outcome)])
    }
}
