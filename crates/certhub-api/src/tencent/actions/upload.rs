//! UploadCertificate, CheckCertificateExist, CheckCertificateChain.

use certhub_core::model::{CertType, Tag};
use certhub_service::ServiceError;
use certhub_service::certificates::UploadInput;
use serde::{Deserialize, Serialize};

use super::{Ctx, required};
use crate::tencent::ApiError;
use crate::tencent::params::{Bool, Int};
use crate::tencent::vocab;

/// UploadCertificate request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UploadCertificateRequest {
    /// Certificate (and chain), PEM.
    pub certificate_public_key: String,
    /// Private key, PEM.
    pub certificate_private_key: Option<String>,
    /// `SVR` or `CA`.
    pub certificate_type: Option<String>,
    /// Remark name.
    pub alias: Option<String>,
    /// Project.
    pub project_id: Option<Int>,
    /// Declared usage.
    pub certificate_use: Option<String>,
    /// Tags.
    pub tags: Option<Vec<Tag>>,
    /// Allow duplicates (default true).
    pub repeatable: Option<Bool>,
    /// Password of an encrypted private key.
    pub key_password: Option<String>,
}

/// UploadCertificate response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UploadCertificateResponse {
    /// The certificate's ID.
    pub certificate_id: String,
    /// The existing duplicate's ID, or empty.
    pub repeat_cert_id: String,
}

/// Stores the customer's certificate and key.
pub async fn upload_certificate(ctx: &Ctx, req: UploadCertificateRequest) -> Result<UploadCertificateResponse, ApiError> {
    required("CertificatePublicKey", &req.certificate_public_key)?;
    let cert_type = match req.certificate_type.as_deref().filter(|t| !t.is_empty()) {
        None => CertType::Server,
        Some(t) => vocab::parse_cert_type(t)
            .ok_or_else(|| ServiceError::InvalidParameterValue(format!("CertificateType {}", t.to_ascii_uppercase())))?,
    };
    let out = ctx
        .service
        .upload(
            &ctx.caller,
            UploadInput {
                certificate_pem: req.certificate_public_key,
                private_key_pem: req.certificate_private_key,
                key_password: req.key_password,
                cert_type,
                alias: req.alias,
                project_id: req.project_id.map(|p| p.0),
                certificate_use: req.certificate_use,
                tags: req.tags.unwrap_or_default(),
                repeatable: req.repeatable.map(|b| b.0),
            },
        )
        .await?;
    Ok(UploadCertificateResponse { certificate_id: out.certificate_id, repeat_cert_id: out.repeat_cert_id })
}

/// CheckCertificateExist request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CheckCertificateExistRequest {
    /// Certificate (and chain), PEM.
    pub certificate_public_key: String,
}

/// CheckCertificateExist response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CheckCertificateExistResponse {
    /// The existing certificate's ID, or empty.
    pub repeat_cert_id: String,
}

/// Finds an identical certificate in the caller's account.
pub async fn check_certificate_exist(ctx: &Ctx, req: CheckCertificateExistRequest) -> Result<CheckCertificateExistResponse, ApiError> {
    required("CertificatePublicKey", &req.certificate_public_key)?;
    let id = ctx.service.find_existing(&ctx.caller, &req.certificate_public_key).await?;
    Ok(CheckCertificateExistResponse { repeat_cert_id: id.unwrap_or_default() })
}

/// CheckCertificateChain request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CheckCertificateChainRequest {
    /// The chain, PEM.
    pub certificate_chain: String,
}

/// CheckCertificateChain response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CheckCertificateChainResponse {
    /// Every link verifies and the chain reaches a root.
    pub is_valid: bool,
    /// The root is trusted.
    #[serde(rename = "IsTrustedCA")]
    pub is_trusted_ca: bool,
    /// Names from leaf to root; a missing issuer is named last as `missing: <name>`.
    pub chains: Vec<String>,
}

/// Checks a chain's completeness and trust.
pub async fn check_certificate_chain(ctx: &Ctx, req: CheckCertificateChainRequest) -> Result<CheckCertificateChainResponse, ApiError> {
    required("CertificateChain", &req.certificate_chain)?;
    let report = ctx.service.check_chain(&req.certificate_chain).map_err(|e| {
        let mut api = ApiError::from(e);
        // This action documents only CertificateInvalid for bad content.
        if api.code.starts_with("FailedOperation.Certificate") {
            api.code = "FailedOperation.CertificateInvalid";
        }
        api
    })?;
    let mut chains = report.names;
    if let Some(missing) = report.missing_issuer {
        chains.push(format!("missing: {missing}"));
    }
    Ok(CheckCertificateChainResponse { is_valid: report.valid, is_trusted_ca: report.trusted, chains })
}
