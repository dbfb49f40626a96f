//! Order management: CancelAuditCertificate, CancelCertificateOrder, ModifyCertificateResubmit.

use certhub_core::jobs::JobKind;
use certhub_core::model::CertRecord;
use certhub_core::status::code;
use certhub_core::store::Transition;
use serde_json::Value;

use crate::apply::dv_auth_detail;
use crate::logs::log_row;
use crate::validation::{WAITING, method_of};
use crate::{Caller, Service, ServiceError};

/// How an order is closed: the statuses it may close from and what the log and status say.
struct Close {
    from: &'static [i64],
    /// Review cancelled (resubmittable) rather than order cancelled (final).
    audit_cancelled: bool,
    kind: &'static str,
    verb: &'static str,
    msg: &'static str,
}

/// Statuses an order can be cancelled from: not yet issued, not already closed.
const CANCELLABLE: &[i64] = &[code::PENDING, code::FAILED, code::DNS_ADDED, 5, 13];

impl Service {
    /// CancelAuditCertificate: stops the review of an order still waiting for validation (status 7, resubmittable).
    pub async fn cancel_audit(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        let cert = self.certificate(caller, id).await.map_err(|e| match e {
            ServiceError::CertificateNotFound => ServiceError::NotCancellable,
            other => other,
        })?;
        if cert.source == "upload" || !WAITING.contains(&cert.status) {
            return Err(ServiceError::NotCancellable);
        }
        let close = Close { from: WAITING, audit_cancelled: true, kind: "cancel_audit", verb: "取消审核", msg: "审核已取消" };
        self.close_order(caller, &cert, &close, ServiceError::NotCancellable).await
    }

    /// CancelCertificateOrder: closes an order that has not been issued (status 7, final).
    pub async fn cancel_order(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        let cert = self.certificate(caller, id).await?;
        if cert.source == "upload" || !CANCELLABLE.contains(&cert.status) {
            return Err(ServiceError::InvalidStatus);
        }
        let close = Close { from: CANCELLABLE, audit_cancelled: false, kind: "cancel", verb: "取消订单", msg: "订单已取消" };
        self.close_order(caller, &cert, &close, ServiceError::InvalidStatus).await
    }

    /// Moves an order to cancelled (status 7) with its log row, then cleans up after it.
    async fn close_order(&self, caller: &Caller, cert: &CertRecord, close: &Close, lost_race: ServiceError) -> Result<(), ServiceError> {
        let mut extra = cert.extra.clone();
        extra["audit_cancelled"] = Value::Bool(close.audit_cancelled);
        if !close.audit_cancelled {
            extra["order_cancelled"] = Value::Bool(true);
        }
        let log = log_row(caller, &cert.id, close.kind, close.verb);
        let now = self.now();
        let t = Transition {
            from: close.from,
            to: code::CANCELLED,
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
        let audit_cancelled = cert.extra.get("audit_cancelled").and_then(Value::as_bool).unwrap_or(false);
        let reopenable = cert.status == code::FAILED || (cert.status == code::CANCELLED && audit_cancelled);
        // A failed reissue is retried with ReplaceCertificate, which re-marks the original.
        let reissue = cert.extra.get("reissue_of").is_some_and(|v| !v.is_null());
        if cert.source == "upload" || !reopenable || reissue {
            return Err(ServiceError::StatusNotAllowResubmit);
        }
        let method = method_of(&cert);
        self.check_method(method, &cert.domain)?;
        let mut extra = cert.extra.clone();
        extra["dv_auth_detail"] = dv_auth_detail(method, &cert.domain);
        extra["audit_cancelled"] = Value::Bool(false);
        let now = self.now();
        let log = log_row(caller, id, "resubmit", "重新提交申请");
        let from = [code::FAILED, code::CANCELLED];
        let t = Transition {
            from: &from,
            to: code::PENDING,
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
