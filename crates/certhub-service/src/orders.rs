//! Order management: CancelAuditCertificate, CancelCertificateOrder, ModifyCertificateResubmit.

use certhub_core::jobs::JobKind;
use certhub_core::model::CertRecord;
use certhub_core::model::{CertStatus, Source};
use certhub_core::rules::{CANCELLABLE, WAITING};
use certhub_core::store::Transition;

use crate::apply::challenge;
use crate::logs::log_row;
use crate::validation::method_of;
use crate::{Caller, Service, ServiceError};

/// How an order is closed: the statuses it may close from and what the log and status say.
struct Close {
    from: &'static [CertStatus],
    /// Review cancelled (resubmittable) rather than order cancelled (final).
    audit_cancelled: bool,
    kind: &'static str,
    verb: &'static str,
    msg: &'static str,
}

impl Service {
    /// CancelAuditCertificate: stops the review of an order still waiting for validation (status 7, resubmittable).
    pub async fn cancel_audit(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        let cert = self.certificate(caller, id).await.map_err(|e| match e {
            ServiceError::CertificateNotFound => ServiceError::NotCancellable,
            other => other,
        })?;
        if cert.source == Source::Upload || !cert.is_waiting() {
            return Err(ServiceError::NotCancellable);
        }
        let close = Close { from: WAITING, audit_cancelled: true, kind: "cancel_audit", verb: "取消审核", msg: "审核已取消" };
        self.close_order(caller, &cert, &close, ServiceError::NotCancellable).await
    }

    /// CancelCertificateOrder: closes an order that has not been issued (status 7, final).
    pub async fn cancel_order(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        let cert = self.certificate(caller, id).await?;
        if !cert.is_cancellable() {
            return Err(ServiceError::InvalidStatus);
        }
        let close = Close { from: CANCELLABLE, audit_cancelled: false, kind: "cancel", verb: "取消订单", msg: "订单已取消" };
        self.close_order(caller, &cert, &close, ServiceError::InvalidStatus).await
    }

    /// Moves an order to cancelled (status 7) with its log row, then cleans up after it.
    async fn close_order(&self, caller: &Caller, cert: &CertRecord, close: &Close, lost_race: ServiceError) -> Result<(), ServiceError> {
        let mut extra = cert.extra.clone();
        extra.audit_cancelled = close.audit_cancelled;
        if !close.audit_cancelled {
            extra.order_cancelled = true;
        }
        let log = log_row(caller, &cert.id, close.kind, close.verb);
        let now = self.now();
        let t = Transition {
            from: close.from,
            to: CertStatus::Cancelled,
            msg: close.msg,
            extra: Some(&extra),
            log: &log,
            job: None,
            revocation: None,
        };
        if !self.store.transition(&caller.owner_uin, &cert.id, &t, now).await? {
            return Err(lost_race);
        }
        self.remove_auto_record(cert, true).await;
        self.release_original(cert, now).await
    }

    /// ModifyCertificateResubmit: reopens an order whose review failed or was cancelled, with a fresh record to publish.
    pub async fn resubmit(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        let cert = self.certificate(caller, id).await?;
        let audit_cancelled = cert.extra.audit_cancelled;
        let reopenable = cert.status == CertStatus::Failed || (cert.status == CertStatus::Cancelled && audit_cancelled);
        // A failed reissue is retried with ReplaceCertificate, which re-marks the original.
        let reissue = cert.extra.reissue_of.is_some();
        if cert.source == Source::Upload || !reopenable || reissue {
            return Err(ServiceError::StatusNotAllowResubmit);
        }
        let method = method_of(&cert);
        self.check_method(method, &cert.domain)?;
        let mut extra = cert.extra.clone();
        extra.challenge = Some(challenge(method, &cert.domain));
        extra.audit_cancelled = false;
        let now = self.now();
        let log = log_row(caller, id, "resubmit", "重新提交申请");
        let from = [CertStatus::Failed, CertStatus::Cancelled];
        let t = Transition {
            from: &from,
            to: CertStatus::Pending,
            msg: "PENDING-DCV",
            extra: Some(&extra),
            log: &log,
            job: Some((JobKind::Validation, now + self.config.dcv_window)),
            revocation: None,
        };
        if !self.store.transition(&caller.owner_uin, id, &t, now).await? {
            return Err(ServiceError::StatusNotAllowResubmit);
        }
        Ok(())
    }
}
