//! Order management: CancelAuditCertificate, CancelCertificateOrder, ModifyCertificateResubmit.

use certhub_core::status::code;
use certhub_core::store::Transition;
use serde_json::Value;

use crate::apply::{VALIDATE, dv_auth_detail};
use crate::logs::log_row;
use crate::validation::WAITING;
use crate::{Caller, Service, ServiceError};

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
        let mut extra = cert.extra.clone();
        extra["audit_cancelled"] = Value::Bool(true);
        let log = log_row(caller, id, "cancel_audit", "取消审核");
        let t = Transition { from: WAITING, to: code::CANCELLED, msg: "审核已取消", extra: Some(&extra), log: &log, job: None };
        if !self.store.transition(&caller.owner_uin, id, &t, self.now()).await? {
            return Err(ServiceError::NotCancellable);
        }
        self.remove_auto_record(&cert, true).await;
        self.after_order_closed(&cert).await
    }

    /// CancelCertificateOrder: closes an order that has not been issued (status 7, final).
    pub async fn cancel_order(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        let cert = self.certificate(caller, id).await?;
        if cert.source == "upload" {
            return Err(ServiceError::InvalidStatus);
        }
        if !CANCELLABLE.contains(&cert.status) {
            return Err(ServiceError::InvalidStatus);
        }
        let mut extra = cert.extra.clone();
        extra["audit_cancelled"] = Value::Bool(false);
        extra["order_cancelled"] = Value::Bool(true);
        let log = log_row(caller, id, "cancel", "取消订单");
        let t = Transition { from: CANCELLABLE, to: code::CANCELLED, msg: "订单已取消", extra: Some(&extra), log: &log, job: None };
        if !self.store.transition(&caller.owner_uin, id, &t, self.now()).await? {
            return Err(ServiceError::InvalidStatus);
        }
        self.remove_auto_record(&cert, true).await;
        self.after_order_closed(&cert).await
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
        let method = cert.verify_type.as_deref().and_then(certhub_core::dcv::Method::parse).unwrap_or(certhub_core::dcv::Method::File);
        self.check_method(method, &cert.domain)?;
        let mut extra = cert.extra.clone();
        extra["dv_auth_detail"] = dv_auth_detail(method, &cert.domain);
        extra["audit_cancelled"] = Value::Bool(false);
        let now = self.now();
        let log = log_row(caller, id, "resubmit", "重新提交申请");
        let from = [code::FAILED, code::CANCELLED];
        let t = Transition { from: &from, to: code::PENDING, msg: "PENDING-DCV", extra: Some(&extra), log: &log, job: Some((VALIDATE, now + self.config.dcv_window)) };
        if !self.store.transition(&caller.owner_uin, id, &t, now).await? {
            return Err(ServiceError::StatusNotAllowResubmit);
        }
        Ok(())
    }

    /// A closed reissue order hands its original back to status 1.
    async fn after_order_closed(&self, cert: &certhub_core::model::CertRecord) -> Result<(), ServiceError> {
        if let Some(old) = cert.extra.get("reissue_of").and_then(Value::as_str) {
            let system = Caller { owner_uin: cert.owner_uin.clone(), app_id: 0, credential: "--".into() };
            self.settle_original(&cert.owner_uin, old, None, &system, self.now()).await?;
        }
        Ok(())
    }
}
