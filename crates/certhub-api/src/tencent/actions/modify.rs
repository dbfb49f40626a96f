//! ModifyCertificateAlias, ModifyCertificateProject, ModifyCertificatesExpiringNotificationSwitch.

use certhub_service::ServiceError;
use serde::{Deserialize, Serialize};

use super::{Ctx, required};
use crate::tencent::ApiError;
use crate::tencent::params::Int;

/// ModifyCertificateAlias request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyCertificateAliasRequest {
    /// Certificate ID.
    pub certificate_id: String,
    /// New remark name (absent clears it).
    pub alias: Option<String>,
}

/// ModifyCertificateAlias response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyCertificateAliasResponse {
    /// The certificate changed.
    pub certificate_id: String,
}

/// Renames a certificate.
pub async fn modify_certificate_alias(ctx: &Ctx, req: ModifyCertificateAliasRequest) -> Result<ModifyCertificateAliasResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    ctx.service.set_alias(&ctx.caller, &req.certificate_id, req.alias.as_deref().unwrap_or("")).await.map_err(|e| match e {
        ServiceError::InvalidParameterValue(m) => ApiError::new("InvalidParameter", m),
        other => other.into(),
    })?;
    Ok(ModifyCertificateAliasResponse { certificate_id: req.certificate_id })
}

/// ModifyCertificateProject request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyCertificateProjectRequest {
    /// Certificates to move (at most 100).
    pub certificate_id_list: Vec<String>,
    /// Target project.
    pub project_id: Int,
}

/// ModifyCertificateProject response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyCertificateProjectResponse {
    /// Moved.
    pub success_certificates: Vec<String>,
    /// Not moved (unknown IDs).
    pub fail_certificates: Vec<String>,
}

/// Moves certificates to a project, reporting partial success.
pub async fn modify_certificate_project(
    ctx: &Ctx,
    req: ModifyCertificateProjectRequest,
) -> Result<ModifyCertificateProjectResponse, ApiError> {
    let (ok, failed) = ctx.service.set_project(&ctx.caller, &req.certificate_id_list, req.project_id.0).await.map_err(|e| match e {
        ServiceError::TooManyCertificates(n) => {
            ApiError::new("FailedOperation.InvalidParam", format!("At most {n} certificates per call."))
        }
        other => other.into(),
    })?;
    Ok(ModifyCertificateProjectResponse { success_certificates: ok, fail_certificates: failed })
}

/// ModifyCertificatesExpiringNotificationSwitch request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyCertificatesExpiringNotificationSwitchRequest {
    /// Certificates (at most 50).
    pub certificate_ids: Vec<String>,
    /// 0 notify, 1 ignore.
    pub switch_status: Int,
}

/// ModifyCertificatesExpiringNotificationSwitch response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyCertificatesExpiringNotificationSwitchResponse {
    /// Certificates changed.
    pub certificate_ids: Vec<String>,
}

/// Turns expiry notifications off or on.
pub async fn modify_certificates_expiring_notification_switch(
    ctx: &Ctx,
    req: ModifyCertificatesExpiringNotificationSwitchRequest,
) -> Result<ModifyCertificatesExpiringNotificationSwitchResponse, ApiError> {
    let ignore = match req.switch_status.0 {
        0 => false,
        1 => true,
        other => return Err(ApiError::new("InvalidParameterValue", format!("SwitchStatus must be 0 or 1, not {other}"))),
    };
    let ids = ctx.service.set_ignore_notice(&ctx.caller, &req.certificate_ids, ignore).await?;
    Ok(ModifyCertificatesExpiringNotificationSwitchResponse { certificate_ids: ids })
}
