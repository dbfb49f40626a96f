//! The Huawei Cloud SCM door: `POST /v2/{project_id}/scm/cert/{cert_id}/revoke`,
//! authenticated with AK/SK request signing as `huaweicloudsdkcore` sends it.
//!
//! Errors are `{"error_code": "SCM.xxxx", "error_msg": …}` with an HTTP status:
//! SCM.0001 400 bad request body or reason, SCM.0002 401 authentication failed,
//! SCM.0003 404 no such certificate, SCM.0004 400 already revoked,
//! SCM.0005 400 status or source does not allow revocation, SCM.0500 500 internal error.

pub mod sign;

use axum::body::{Body, to_bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use certhub_core::model::KeyKind;
use certhub_service::keys::AuthError;
use certhub_service::revoke::{Door, HUAWEI_REASON_MAX};
use certhub_service::{Caller, ServiceError};
use serde_json::json;

use crate::AppState;

/// Largest request body read.
const MAX_BODY: usize = 16 * 1024;
/// Largest difference between `X-Sdk-Date` and our clock, seconds (Huawei's own window).
const MAX_SKEW: i64 = 15 * 60;

/// An SCM error.
struct ScmError(StatusCode, &'static str, String);

impl IntoResponse for ScmError {
    fn into_response(self) -> Response {
        metrics::counter!("certhub_huawei_requests_total", "code" => self.1).increment(1);
        (self.0, [(header::CONTENT_TYPE, "application/json")], json!({"error_code": self.1, "error_msg": self.2}).to_string())
            .into_response()
    }
}

fn bad(msg: impl Into<String>) -> ScmError {
    ScmError(StatusCode::BAD_REQUEST, "SCM.0001", msg.into())
}

fn unauthorized(msg: impl Into<String>) -> ScmError {
    ScmError(StatusCode::UNAUTHORIZED, "SCM.0002", msg.into())
}

/// `POST /v2/{project_id}/scm/cert/{cert_id}/revoke`.
pub async fn revoke(State(state): State<AppState>, Path((project_id, cert_id)): Path<(String, String)>, req: Request<Body>) -> Response {
    match handle(&state, &project_id, &cert_id, req).await {
        Ok(()) => {
            metrics::counter!("certhub_huawei_requests_total", "code" => "ok").increment(1);
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], json!({"message": "success"}).to_string()).into_response()
        }
        Err(e) => e.into_response(),
    }
}

async fn handle(state: &AppState, project_id: &str, cert_id: &str, req: Request<Body>) -> Result<(), ScmError> {
    if project_id.is_empty() || project_id.len() > 64 || !project_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad("invalid project_id"));
    }
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, MAX_BODY).await.map_err(|_| bad(format!("request body larger than {MAX_BODY} bytes")))?;
    let caller = authenticate(state, &parts.method, &parts.uri, &parts.headers, &body).await?;
    let reason = parse_reason(&body)?;
    match state.service.revoke_now(&caller, cert_id, &reason, Door::Huawei).await {
        Ok(()) => Ok(()),
        Err(ServiceError::CertificateNotFound) => {
            Err(ScmError(StatusCode::NOT_FOUND, "SCM.0003", format!("certificate {cert_id} not found")))
        }
        Err(ServiceError::AlreadyRevoked) => {
            Err(ScmError(StatusCode::BAD_REQUEST, "SCM.0004", "the certificate is already revoked".into()))
        }
        Err(ServiceError::InvalidStatus | ServiceError::InvalidSource) => {
            Err(ScmError(StatusCode::BAD_REQUEST, "SCM.0005", "the certificate's status or source does not allow revocation".into()))
        }
        Err(e) => {
            tracing::error!(error = %e, "huawei revoke failed");
            Err(ScmError(StatusCode::INTERNAL_SERVER_ERROR, "SCM.0500", "internal error".into()))
        }
    }
}

/// `{"reason": …}`: required, 0 to 63 characters. The vendor's own example ends in a trailing comma; it is accepted.
fn parse_reason(body: &[u8]) -> Result<String, ScmError> {
    let text = std::str::from_utf8(body).map_err(|_| bad("the body is not UTF-8"))?;
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => {
            let trimmed = text.trim_end();
            let lenient = trimmed.strip_suffix('}').map(|t| format!("{}}}", t.trim_end().trim_end_matches(',')));
            lenient.and_then(|t| serde_json::from_str(&t).ok()).ok_or_else(|| bad("the body is not JSON"))?
        }
    };
    let reason = value.get("reason").ok_or_else(|| bad("reason is required"))?;
    let reason = reason.as_str().ok_or_else(|| bad("reason must be a string"))?;
    if reason.chars().count() > HUAWEI_REASON_MAX {
        return Err(bad(format!("reason must be at most {HUAWEI_REASON_MAX} characters")));
    }
    Ok(reason.to_string())
}

async fn authenticate(
    state: &AppState,
    method: &axum::http::Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Caller, ScmError> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let auth =
        text("authorization").and_then(sign::parse_authorization).ok_or_else(|| unauthorized("missing or malformed Authorization"))?;
    let date = text("x-sdk-date").ok_or_else(|| unauthorized("missing X-Sdk-Date"))?;
    let t = sign::parse_sdk_date(date).ok_or_else(|| unauthorized("malformed X-Sdk-Date"))?;
    if (state.service.now() - t).abs() > MAX_SKEW {
        return Err(unauthorized("X-Sdk-Date is too far from the server time"));
    }
    // Unsigned, the date could be moved and the request sent to any host sharing the key.
    for need in ["x-sdk-date", "host"] {
        if !auth.signed_headers.iter().any(|h| h == need) {
            return Err(unauthorized(format!("{need} must be among the signed headers")));
        }
    }
    let mut signed = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let value = text(name).ok_or_else(|| unauthorized(format!("signed header {name} is missing")))?;
        signed.push((name.clone(), value.to_string()));
    }
    let key = state.service.authenticate(&[KeyKind::Huawei], &auth.access).await.map_err(auth_error)?;
    let request =
        sign::SignedRequest { method: method.as_str(), path: uri.path(), query: uri.query().unwrap_or_default(), headers: signed, body };
    if !sign::verify(&key.secret, &sign::string_to_sign(&request, date), &auth.signature) {
        return Err(unauthorized("signature verification failed"));
    }
    Ok(key.caller)
}

/// The SCM codes for a key that authenticates nobody: every cause reads the same to the caller.
fn auth_error(e: AuthError) -> ScmError {
    match e {
        AuthError::Unknown | AuthError::Disabled | AuthError::WrongKind(_) => unauthorized("unknown access key"),
        AuthError::Internal(e) => {
            tracing::error!(error = %e, "huawei key lookup failed");
            ScmError(StatusCode::INTERNAL_SERVER_ERROR, "SCM.0500", "internal error".into())
        }
    }
}
