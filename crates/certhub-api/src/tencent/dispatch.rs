//! The action table: all 68 actions with their rate limits; those not built yet
//! answer `UnsupportedOperation`. A request is rate-limited (`limit`), decoded into the
//! action's typed request, run, and its typed response encoded.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::actions::{self, Ctx};
use super::request::Incoming;
use super::{ApiError, params};
use crate::AppState;

/// The future an action handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Map<String, Value>, ApiError>> + Send>>;
/// An action handler on untyped parameters.
pub type Handler = fn(Ctx, Value) -> HandlerFuture;

/// One action of the API.
#[derive(Debug)]
pub struct Entry {
    /// The action name.
    pub name: &'static str,
    /// Requests per second per key (the vendor's default limit).
    pub rate: u32,
    /// The implementation, when there is one.
    pub handler: Option<Handler>,
}

/// Wraps a typed `async fn(&Ctx, Req) -> Result<Resp, ApiError>` as a `Handler`.
macro_rules! typed {
    ($f:path) => {{
        fn handler(ctx: Ctx, raw: Value) -> HandlerFuture {
            Box::pin(async move {
                let req = params::decode(raw)?;
                let resp = $f(&ctx, req).await?;
                actions::to_fields(&resp)
            })
        }
        Some(handler as Handler)
    }};
}

macro_rules! table {
    ($($name:literal => $rate:literal $(, $f:path)?;)*) => {
        &[$(Entry { name: $name, rate: $rate, handler: table!(@h $($f)?) }),*]
    };
    (@h) => { None };
    (@h $f:path) => { typed!($f) };
}

/// Every action of `ssl` 2019-12-05, in the order of the vendor's overview.
pub static ACTIONS: &[Entry] = table! {
    "DeleteManager" => 10;
    "DescribeCompanies" => 10;
    "DescribeManagerDetail" => 10;
    "DescribeManagers" => 10;
    "DescribePackages" => 10;
    "SubmitAuditManager" => 10;
    "VerifyManager" => 10;
    "CreateCertificateByPackage" => 10;
    "ApplyCertificate" => 10, actions::apply::apply_certificate;
    "CancelAuditCertificate" => 10, actions::orders::cancel_audit_certificate;
    "CancelCertificateOrder" => 10, actions::orders::cancel_certificate_order;
    "CheckCertificateDomainVerification" => 10, actions::orders::check_certificate_domain_verification;
    "CommitCertificateInformation" => 10;
    "CompleteCertificate" => 10, actions::apply::complete_certificate;
    "CreateCertificate" => 10;
    "DeleteCertificate" => 10, actions::delete::delete_certificate;
    "DeployCertificateInstance" => 10;
    "DeployCertificateRecordRetry" => 10;
    "DeployCertificateRecordRollback" => 10;
    "DescribeCertificate" => 10, actions::describe::describe_certificate;
    "DescribeCertificateOperateLogs" => 10, actions::logs::describe_certificate_operate_logs;
    "DescribeDeployedResources" => 10;
    "DescribeDownloadCertificateUrl" => 10, actions::download::describe_download_certificate_url;
    "DescribeHostClbInstanceList" => 10;
    "DescribeHostCosInstanceList" => 10;
    "DescribeHostDeployRecord" => 10;
    "DescribeHostDeployRecordDetail" => 10;
    "DescribeHostLighthouseInstanceList" => 10;
    "DescribeHostUpdateRecord" => 10;
    "DescribeHostUpdateRecordDetail" => 10;
    "DownloadCertificate" => 10, actions::download::download_certificate;
    "ModifyCertificateAlias" => 10, actions::modify::modify_certificate_alias;
    "ModifyCertificateProject" => 10, actions::modify::modify_certificate_project;
    "ModifyCertificateResubmit" => 10, actions::orders::modify_certificate_resubmit;
    "ModifyCertificatesExpiringNotificationSwitch" => 10, actions::modify::modify_certificates_expiring_notification_switch;
    "ReplaceCertificate" => 10, actions::orders::replace_certificate;
    "RevokeCertificate" => 10, actions::revoke::revoke_certificate;
    "SubmitCertificateInformation" => 10;
    "UpdateCertificateInstance" => 10;
    "UpdateCertificateRecordRetry" => 10;
    "UpdateCertificateRecordRollback" => 10;
    "UploadConfirmLetter" => 10;
    "UploadRevokeLetter" => 10, actions::revoke::upload_revoke_letter;
    "CertificateInfoSubmit" => 10;
    "CertificateOrderSubmit" => 10;
    "CheckCertificateChain" => 20, actions::upload::check_certificate_chain;
    "CreateCertificateBindResourceSyncTask" => 10;
    "DeleteCertificates" => 10, actions::delete::delete_certificates;
    "DescribeCertificateBindResourceTaskDetail" => 10;
    "DescribeCertificateBindResourceTaskResult" => 10;
    "DescribeDeleteCertificatesTaskResult" => 10, actions::delete::describe_delete_certificates_task_result;
    "DescribeCertificateDetail" => 10, actions::describe::describe_certificate_detail;
    "DescribeCertificates" => 10, actions::list::describe_certificates;
    "DescribeHostApiGatewayInstanceList" => 10;
    "DescribeHostCdnInstanceList" => 10;
    "DescribeHostDdosInstanceList" => 10;
    "DescribeHostLiveInstanceList" => 10;
    "DescribeHostTeoInstanceList" => 10;
    "DescribeHostTkeInstanceList" => 10;
    "DescribeHostVodInstanceList" => 10;
    "DescribeHostWafInstanceList" => 10;
    "UploadCertificate" => 10, actions::upload::upload_certificate;
    "CheckCertificateExist" => 10, actions::upload::check_certificate_exist;
    "DescribeHostUploadUpdateRecord" => 20;
    "UploadUpdateCertificateInstance" => 20;
    "UploadUpdateCertificateRecordRetry" => 20;
    "UploadUpdateCertificateRecordRollback" => 20;
    "DescribeHostUploadUpdateRecordDetail" => 20;
};

static INDEX: LazyLock<HashMap<&'static str, &'static Entry>> = LazyLock::new(|| ACTIONS.iter().map(|e| (e.name, e)).collect());

/// The action called `name` (exact, case-sensitive, as the vendor matches it).
pub fn lookup(name: &str) -> Option<&'static Entry> {
    INDEX.get(name).copied()
}

/// Rate-limits an authenticated request (before its signature is claimed, so a refused request
/// leaves nothing behind and repeats of one signature count too).
pub fn limit(state: &AppState, incoming: &Incoming) -> Result<(), ApiError> {
    let entry = incoming.entry;
    if !state.limiter.allow(&incoming.caller.credential, entry.name, entry.rate) {
        return Err(ApiError::new(
            "RequestLimitExceeded",
            format!("{} is limited to {} requests per second per key.", entry.name, entry.rate),
        ));
    }
    Ok(())
}

/// Runs an authenticated, rate-limited request.
pub async fn run(state: &AppState, incoming: Incoming, _request_id: &str) -> Result<Map<String, Value>, ApiError> {
    let entry = incoming.entry;
    let Some(handler) = entry.handler else {
        return Err(ApiError::new("UnsupportedOperation", format!("{} is not supported by this certhub server yet.", entry.name)));
    };
    let ctx = Ctx { service: state.service.clone(), caller: incoming.caller };
    handler(ctx, incoming.params).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixty_eight_unique_actions() {
        assert_eq!(ACTIONS.len(), 68);
        assert_eq!(INDEX.len(), 68);
        assert_eq!(ACTIONS.iter().filter(|e| e.rate == 20).count(), 6);
        assert!(lookup("DescribeCertificates").and_then(|e| e.handler).is_some());
        assert!(lookup("describecertificates").is_none());
    }
}
