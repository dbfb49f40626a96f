//! Order management: CancelAuditCertificate, CancelCertificateOrder,
//! ModifyCertificateResubmit, CheckCertificateDomainVerification, ReplaceCertificate.

use certhub_service::replace::{CsrSource, ReplaceInput};
use serde::{Deserialize, Serialize};

use super::{Ctx, required};
use crate::tencent::ApiError;

/// A request naming one certificate.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CertificateIdRequest {
    /// Certificate ID.
    pub certificate_id: String,
}

/// A response naming one certificate.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CertificateIdResponse {
    /// Certificate ID.
    pub certificate_id: String,
}

/// CancelAuditCertificate response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CancelAuditCertificateResponse {
    /// Whether the review was cancelled.
    pub result: bool,
}

/// Stops the review of a pending order.
pub async fn cancel_audit_certificate(ctx: &Ctx, req: CertificateIdRequest) -> Result<CancelAuditCertificateResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    ctx.service.cancel_audit(&ctx.caller, &req.certificate_id).await?;
    Ok(CancelAuditCertificateResponse { result: true })
}

/// Cancels an order that has not been issued.
pub async fn cancel_certificate_order(ctx: &Ctx, req: CertificateIdRequest) -> Result<CertificateIdResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    ctx.service.cancel_order(&ctx.caller, &req.certificate_id).await?;
    Ok(CertificateIdResponse { certificate_id: req.certificate_id })
}

/// Reopens a failed or review-cancelled order.
pub async fn modify_certificate_resubmit(ctx: &Ctx, req: CertificateIdRequest) -> Result<CertificateIdResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    ctx.service.resubmit(&ctx.caller, &req.certificate_id).await?;
    Ok(CertificateIdResponse { certificate_id: req.certificate_id })
}

/// DomainValidationResult: one domain's validation state.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DomainValidationResult {
    /// The domain.
    pub domain: String,
    /// DNS, FILE or DNS_AUTO.
    pub verify_type: String,
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

/// CheckCertificateDomainVerification response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CheckCertificateDomainVerificationResponse {
    /// One result per domain.
    pub verification_results: Vec<DomainValidationResult>,
}

/// Checks the domain validation of an order now.
pub async fn check_certificate_domain_verification(
    ctx: &Ctx,
    req: CertificateIdRequest,
) -> Result<CheckCertificateDomainVerificationResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    let checks = ctx.service.check_verification(&ctx.caller, &req.certificate_id).await?;
    let verification_results = checks
        .into_iter()
        .map(|c| DomainValidationResult {
            domain: c.domain,
            verify_type: crate::tencent::vocab::method_name(c.verify_type).into(),
            local_check: c.local_check,
            ca_check: c.ca_check,
            local_check_fail_reason: c.local_check_fail_reason,
            check_value: c.check_value,
            frequently: c.frequently,
            issued: c.issued,
        })
        .collect();
    Ok(CheckCertificateDomainVerificationResponse { verification_results })
}

/// ReplaceCertificate request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ReplaceCertificateRequest {
    /// Certificate to reissue.
    pub certificate_id: String,
    /// DNS_AUTO, DNS or FILE.
    pub valid_type: String,
    /// Original (default), Upload or Online.
    pub csr_type: Option<String>,
    /// The CSR, with Upload.
    pub csr_content: Option<String>,
    /// Password of the generated JKS/PFX (the vendor spells it with a lower-case k).
    #[serde(rename = "CsrkeyPassword")]
    pub csrkey_password: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// RSA, ECC or SM2, with Online.
    #[serde(rename = "CertCSREncryptAlgo")]
    pub cert_csr_encrypt_algo: Option<String>,
    /// Key size or curve, with Online.
    #[serde(rename = "CertCSRKeyParameter")]
    pub cert_csr_key_parameter: Option<String>,
}

/// Reissues a certificate under a new ID.
pub async fn replace_certificate(ctx: &Ctx, req: ReplaceCertificateRequest) -> Result<CertificateIdResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    required("ValidType", &req.valid_type)?;
    let online_only = req.cert_csr_encrypt_algo.is_some() || req.cert_csr_key_parameter.is_some();
    let csr = match req.csr_type.as_deref().unwrap_or("Original") {
        "Original" | "" if !online_only => CsrSource::Original,
        "Upload" if !online_only => match req.csr_content.filter(|c| !c.trim().is_empty()) {
            Some(c) => CsrSource::Upload(c),
            None => return Err(ApiError::new("MissingParameter", "CsrContent is required when CsrType is Upload.")),
        },
        "Online" => CsrSource::Online { algo: req.cert_csr_encrypt_algo, parameter: req.cert_csr_key_parameter },
        "Original" | "" | "Upload" => {
            return Err(ApiError::new(
                "InvalidParameter.RenewGenCsrMethodInvalid",
                "CertCSREncryptAlgo and CertCSRKeyParameter apply only with CsrType Online.",
            ));
        }
        _ => return Err(ApiError::new("InvalidParameter.RenewGenCsrMethodInvalid", "CsrType must be Original, Upload or Online.")),
    };
    let input = ReplaceInput {
        certificate_id: req.certificate_id,
        valid_type: req.valid_type,
        csr,
        key_password: req.csrkey_password,
        reason: req.reason,
    };
    let certificate_id = ctx.service.replace(&ctx.caller, input).await?;
    Ok(CertificateIdResponse { certificate_id })
}
