//! Serves the signed, expiring links that DescribeDownloadCertificateUrl hands out.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use certhub_service::ServiceError;
use serde::Deserialize;

use crate::AppState;

/// The query of a download link.
#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    expires: Option<String>,
    signature: Option<String>,
}

/// `GET /download/{owner}/{id}/{service}?expires=..&signature=..`
pub async fn serve(
    State(state): State<AppState>,
    Path((owner, id, service)): Path<(String, String, String)>,
    Query(q): Query<LinkQuery>,
) -> Response {
    let (Some(expires), Some(sig)) = (q.expires.and_then(|e| e.parse::<i64>().ok()), q.signature) else {
        return (StatusCode::FORBIDDEN, "invalid download link\n").into_response();
    };
    match state.service.redeem_link(&owner, &id, &service, expires, &sig).await {
        Ok(a) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/zip".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", a.filename)),
            ],
            a.bytes,
        )
            .into_response(),
        Err(ServiceError::LinkInvalid) => (StatusCode::FORBIDDEN, "invalid or expired download link\n").into_response(),
        Err(ServiceError::CertificateNotFound) => (StatusCode::NOT_FOUND, "certificate not found\n").into_response(),
        Err(ServiceError::StatusNotAllowDownload | ServiceError::DownloadNotAllowed) => {
            (StatusCode::CONFLICT, "the certificate cannot be downloaded now\n").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "download failed");
            (StatusCode::SERVICE_UNAVAILABLE, "download failed\n").into_response()
        }
    }
}
