//! DownloadCertificate and DescribeDownloadCertificateUrl.

use base64::Engine;
use certhub_service::ServiceError;
use serde::{Deserialize, Serialize};

use super::{Ctx, required};
use crate::tencent::ApiError;

/// DownloadCertificate request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DownloadCertificateRequest {
    /// Certificate ID.
    pub certificate_id: String,
}

/// DownloadCertificate response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DownloadCertificateResponse {
    /// Base64 of the ZIP.
    pub content: String,
    /// `application/zip`.
    pub content_type: String,
}

/// The ZIP with every format, inline.
pub async fn download_certificate(ctx: &Ctx, req: DownloadCertificateRequest) -> Result<DownloadCertificateResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    let archive = ctx.service.download(&ctx.caller, &req.certificate_id).await.map_err(|e| match e {
        // This action documents one code for every status that cannot be downloaded.
        ServiceError::StatusNotAllowDownload | ServiceError::DownloadNotAllowed => {
            ApiError::new("FailedOperation.InvalidCertificateStatusCode", e.to_string())
        }
        other => other.into(),
    })?;
    Ok(DownloadCertificateResponse {
        content: base64::engine::general_purpose::STANDARD.encode(&archive.bytes),
        content_type: "application/zip".into(),
    })
}

/// DescribeDownloadCertificateUrl request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeDownloadCertificateUrlRequest {
    /// Certificate ID.
    pub certificate_id: String,
    /// nginx, apache, tomcat, iis, jks, other or root (required in practice).
    pub service_type: Option<String>,
}

/// DescribeDownloadCertificateUrl response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeDownloadCertificateUrlResponse {
    /// The signed link.
    pub download_certificate_url: String,
    /// The archive's name.
    pub download_filename: String,
}

/// A signed, expiring link served by certhub itself.
pub async fn describe_download_certificate_url(
    ctx: &Ctx,
    req: DescribeDownloadCertificateUrlRequest,
) -> Result<DescribeDownloadCertificateUrlResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    let service_type = req
        .service_type
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::new("MissingParameter", "The parameter `ServiceType` is required."))?;
    let link = ctx.service.download_link(&ctx.caller, &req.certificate_id, &service_type).await?;
    Ok(DescribeDownloadCertificateUrlResponse { download_certificate_url: link.url, download_filename: link.filename })
}
