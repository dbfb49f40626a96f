//! ApplyCertificate and CompleteCertificate.

use certhub_service::apply::ApplyInput;
use serde::{Deserialize, Serialize};

use super::{Ctx, required};
use crate::tencent::ApiError;
use crate::tencent::params::{Bool, Int};

/// ApplyCertificate request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ApplyCertificateRequest {
    /// DNS_AUTO, DNS or FILE.
    pub dv_auth_method: String,
    /// The domain.
    pub domain_name: String,
    /// Project.
    pub project_id: Option<Int>,
    /// Only `83`.
    pub package_type: Option<String>,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Only `3`.
    pub validity_period: Option<String>,
    /// RSA or ECC.
    pub csr_encrypt_algo: Option<String>,
    /// 2048 or prime256v1.
    pub csr_key_parameter: Option<String>,
    /// Password of generated JKS/PFX.
    pub csr_key_password: Option<String>,
    /// Remark name.
    pub alias: Option<String>,
    /// Certificate renewed by this one.
    pub old_certificate_id: Option<String>,
    /// Discontinued benefit package.
    pub package_id: Option<String>,
    /// Delete the DNS_AUTO record after issuance.
    pub delete_dns_auto_record: Option<Bool>,
    /// Extra names (not supported).
    pub dns_names: Option<Vec<String>>,
}

/// ApplyCertificate response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApplyCertificateResponse {
    /// The new certificate's ID.
    pub certificate_id: String,
}

/// Applies for a free DV certificate.
pub async fn apply_certificate(ctx: &Ctx, req: ApplyCertificateRequest) -> Result<ApplyCertificateResponse, ApiError> {
    required("DvAuthMethod", &req.dv_auth_method)?;
    required("DomainName", &req.domain_name)?;
    if req.package_id.as_deref().is_some_and(|p| !p.is_empty()) {
        return Err(ApiError::new("FailedOperation.PackageNotFound", "Benefit packages are discontinued."));
    }
    let id = ctx
        .service
        .apply(
            &ctx.caller,
            ApplyInput {
                dv_auth_method: req.dv_auth_method,
                domain: req.domain_name,
                project_id: req.project_id.map(|p| p.0),
                package_type: req.package_type,
                contact_email: req.contact_email,
                validity_period: req.validity_period,
                csr_encrypt_algo: req.csr_encrypt_algo,
                csr_key_parameter: req.csr_key_parameter,
                csr_key_password: req.csr_key_password,
                alias: req.alias,
                old_certificate_id: req.old_certificate_id,
                delete_dns_auto_record: req.delete_dns_auto_record.map(|b| b.0),
                dns_names: req.dns_names.unwrap_or_default(),
            },
        )
        .await?;
    Ok(ApplyCertificateResponse { certificate_id: id })
}

/// CompleteCertificate request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CompleteCertificateRequest {
    /// Certificate ID.
    pub certificate_id: String,
}

/// CompleteCertificate response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompleteCertificateResponse {
    /// The certificate checked.
    pub certificate_id: String,
}

/// Checks a pending order's domain validation now.
pub async fn complete_certificate(ctx: &Ctx, req: CompleteCertificateRequest) -> Result<CompleteCertificateResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    ctx.service.complete(&ctx.caller, &req.certificate_id).await?;
    Ok(CompleteCertificateResponse { certificate_id: req.certificate_id })
}
