//! Revocation: RevokeCertificate and UploadRevokeLetter.

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{Ctx, required};
use crate::tencent::ApiError;

/// RevokeCertificate request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RevokeCertificateRequest {
    /// Certificate ID.
    pub certificate_id: String,
    /// Why.
    pub reason: Option<String>,
}

/// A record to publish so the revocation can proceed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RevokeDomainValidateAuths {
    /// File path (file validation) or empty.
    pub domain_validate_auth_path: String,
    /// File or record name.
    pub domain_validate_auth_key: String,
    /// The value.
    pub domain_validate_auth_value: String,
    /// The domain.
    pub domain_validate_auth_domain: String,
}

/// RevokeCertificate response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RevokeCertificateResponse {
    /// What to publish.
    pub revoke_domain_validate_auths: Vec<RevokeDomainValidateAuths>,
}

/// Starts a revocation: status 9 until the domain validation record is seen, then 10.
pub async fn revoke_certificate(ctx: &Ctx, req: RevokeCertificateRequest) -> Result<RevokeCertificateResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    let auths = ctx.service.request_revocation(&ctx.caller, &req.certificate_id, req.reason.as_deref()).await?;
    Ok(RevokeCertificateResponse {
        revoke_domain_validate_auths: auths
            .into_iter()
            .map(|a| RevokeDomainValidateAuths {
                domain_validate_auth_path: a.path,
                domain_validate_auth_key: a.key,
                domain_validate_auth_value: a.value,
                domain_validate_auth_domain: a.domain,
            })
            .collect(),
    })
}

/// UploadRevokeLetter request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UploadRevokeLetterRequest {
    /// Certificate ID.
    pub certificate_id: String,
    /// The letter, base64 (jpg, jpeg, png or pdf; 1 KB to 1.4 MB).
    pub revoke_letter: String,
}

/// UploadRevokeLetter response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UploadRevokeLetterResponse {
    /// Certificate ID.
    pub certificate_id: String,
    /// Whether it was stored.
    pub is_success: bool,
}

/// Smallest and largest letter the vendor accepts.
const LETTER_MIN: usize = 1024;
const LETTER_MAX: usize = 1_400 * 1024;

/// Stores a revocation confirmation letter for a certificate waiting for one (status 12).
pub async fn upload_revoke_letter(ctx: &Ctx, req: UploadRevokeLetterRequest) -> Result<UploadRevokeLetterResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    required("RevokeLetter", &req.revoke_letter)?;
    // Checked before decoding: a huge body is refused without allocating its decoded copy.
    if req.revoke_letter.len() > LETTER_MAX / 3 * 4 + 8 {
        return Err(ApiError::new("FailedOperation.ConfirmLetterTooLarge", "证书确认函文件过大（需小于1.4M）。"));
    }
    let letter = base64::engine::general_purpose::STANDARD
        .decode(req.revoke_letter.trim())
        .map_err(|_| ApiError::new("FailedOperation.InvalidFileType", "文件格式错误，请重新上传。"))?;
    if letter.len() > LETTER_MAX {
        return Err(ApiError::new("FailedOperation.ConfirmLetterTooLarge", "证书确认函文件过大（需小于1.4M）。"));
    }
    if letter.len() < LETTER_MIN {
        return Err(ApiError::new("FailedOperation.ConfirmLetterTooSmall", "证书确认函文件过小（需大于1KB）。"));
    }
    let kind = if letter.starts_with(b"\xff\xd8\xff") {
        "jpg"
    } else if letter.starts_with(b"\x89PNG\r\n\x1a\n") {
        "png"
    } else if letter.starts_with(b"%PDF-") {
        "pdf"
    } else {
        return Err(ApiError::new("FailedOperation.InvalidFileType", "文件格式错误，请重新上传。"));
    };
    ctx.service.upload_revoke_letter(&ctx.caller, &req.certificate_id, kind, &letter).await?;
    Ok(UploadRevokeLetterResponse { certificate_id: req.certificate_id, is_success: true })
}
