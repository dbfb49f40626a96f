//! The DigiCert CertCentral door: revocation requests that an administrator
//! approves or rejects.
//!
//! - `PUT /services/v2/certificate/{certificate_id}/revoke` → `201` with the request object
//! - `GET /services/v2/request/{request_id}` → the request
//! - `PUT /services/v2/request/{request_id}/status` `{"status": "approved"|"rejected", "processor_comment"}` → `204`
//!   (administrator keys only; only approval revokes)
//!
//! `X-DC-DEVKEY` carries an API key of a certhub account (`certhub key create --kind digicert [--admin]`).
//! Errors are `{"errors": [{"code", "message"}]}` with a 4xx status.

use axum::body::{Body, to_bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use certhub_core::model::{KeyKind, RevokeRequest, RevokeRequestStatus};
use certhub_service::keys::AuthError;
use certhub_service::{Caller, ServiceError};
use serde_json::{Value, json};

use crate::AppState;

/// Largest request body read.
const MAX_BODY: usize = 16 * 1024;
/// Longest `comments` / `processor_comment`.
const MAX_COMMENT: usize = 4096;

struct DcError(StatusCode, &'static str, String);

impl IntoResponse for DcError {
    fn into_response(self) -> Response {
        metrics::counter!("certhub_digicert_requests_total", "code" => self.1).increment(1);
        let body = json!({"errors": [{"code": self.1, "message": self.2}]});
        (self.0, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
    }
}

fn json_response(status: StatusCode, v: Value) -> Response {
    metrics::counter!("certhub_digicert_requests_total", "code" => "ok").increment(1);
    (status, [(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

fn internal(e: impl std::fmt::Display) -> DcError {
    tracing::error!(error = %e, "digicert door failed");
    DcError(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "internal error".into())
}

/// The caller and whether its key may decide requests.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<(Caller, bool), DcError> {
    let devkey = headers.get("x-dc-devkey").and_then(|v| v.to_str().ok()).map(str::trim).ok_or_else(denied)?;
    let (id, secret) = certhub_core::ids::split_devkey(devkey).ok_or_else(denied)?;
    let key = state.service.authenticate(&[KeyKind::Digicert, KeyKind::DigicertAdmin], id).await.map_err(auth_error)?;
    if aws_lc_rs::constant_time::verify_slices_are_equal(secret.as_bytes(), &key.secret).is_err() {
        return Err(denied());
    }
    Ok((key.caller, key.kind == KeyKind::DigicertAdmin))
}

fn denied() -> DcError {
    DcError(StatusCode::UNAUTHORIZED, "invalid_api_key", "The API key is missing, invalid or disabled.".into())
}

/// The DigiCert codes for a key that authenticates nobody: every cause reads the same to the caller.
fn auth_error(e: AuthError) -> DcError {
    match e {
        AuthError::Unknown | AuthError::Disabled | AuthError::WrongKind(_) => denied(),
        AuthError::Internal(e) => internal(e),
    }
}

/// The body as a JSON object; read only after the caller authenticated (the key is in a header).
async fn body_json(body: Body) -> Result<Value, DcError> {
    let bytes =
        to_bytes(body, MAX_BODY).await.map_err(|_| DcError(StatusCode::PAYLOAD_TOO_LARGE, "invalid_request", "body too large".into()))?;
    let v = if bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|_| DcError(StatusCode::BAD_REQUEST, "invalid_json", "The request body is not valid JSON.".into()))?
    };
    if !v.is_object() {
        return Err(DcError(StatusCode::BAD_REQUEST, "invalid_json", "The request body must be a JSON object.".into()));
    }
    Ok(v)
}

fn text_field(v: &Value, name: &'static str) -> Result<String, DcError> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) if s.chars().count() <= MAX_COMMENT => Ok(s.clone()),
        Some(_) => {
            Err(DcError(StatusCode::BAD_REQUEST, "invalid_input", format!("{name} must be a string of at most {MAX_COMMENT} characters.")))
        }
    }
}

/// The door's name of a request status.
fn status_name(s: RevokeRequestStatus) -> &'static str {
    match s {
        RevokeRequestStatus::Pending => "pending",
        RevokeRequestStatus::Approved => "approved",
        RevokeRequestStatus::Rejected => "rejected",
    }
}

fn iso8601(t: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+00:00");
    time::OffsetDateTime::from_unix_timestamp(t).ok().and_then(|d| d.format(fmt).ok()).unwrap_or_default()
}

async fn request_object(state: &AppState, r: &RevokeRequest) -> Value {
    let (name, app_id) = match state.service.account(&r.owner_uin).await {
        Ok(Some(a)) => (a.name, a.app_id),
        _ => (String::new(), 0),
    };
    json!({
        "id": r.id,
        "date": iso8601(r.created_at),
        "type": "revoke",
        "status": status_name(r.status),
        "requester": {"id": app_id, "first_name": name, "last_name": "", "email": ""},
        "comments": r.comments,
        "processor_comment": r.processor_comment,
        "certificate": {"id": r.cert_id},
    })
}

/// `PUT /services/v2/certificate/{certificate_id}/revoke`.
pub async fn revoke(State(state): State<AppState>, Path(cert_id): Path<String>, req: Request<Body>) -> Response {
    let run = async {
        let (parts, body) = req.into_parts();
        let (caller, _) = authenticate(&state, &parts.headers).await?;
        let body = body_json(body).await?;
        let comments = text_field(&body, "comments")?;
        let r = state.service.file_revoke_request(&caller, &cert_id, &comments).await.map_err(|e| match e {
            ServiceError::CertificateNotFound => DcError(StatusCode::NOT_FOUND, "not_found|certificate", "Certificate not found.".into()),
            ServiceError::ReissuePending => DcError(
                StatusCode::BAD_REQUEST,
                "pending_reissue",
                "The certificate has a pending reissue; cancel the reissue or wait for it to complete.".into(),
            ),
            ServiceError::AlreadyRevoked => {
                DcError(StatusCode::BAD_REQUEST, "already_revoked", "The certificate is already revoked.".into())
            }
            ServiceError::RevokeRequestPending => DcError(
                StatusCode::BAD_REQUEST,
                "duplicate_request",
                "A revocation request for this certificate is already pending approval.".into(),
            ),
            ServiceError::InvalidStatus | ServiceError::InvalidSource => {
                DcError(StatusCode::BAD_REQUEST, "invalid_status", "The certificate cannot be revoked in its current status.".into())
            }
            other => internal(other),
        })?;
        Ok::<_, DcError>(json_response(StatusCode::CREATED, request_object(&state, &r).await))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

fn parse_id(id: &str) -> Result<i64, DcError> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| DcError(StatusCode::NOT_FOUND, "not_found|request", "Request not found.".into()))
}

/// `GET /services/v2/request/{request_id}`.
pub async fn get_request(State(state): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let run = async {
        let (caller, _) = authenticate(&state, &headers).await?;
        let id = parse_id(&id)?;
        let r = state.service.revoke_request(Some(&caller), id).await.map_err(|e| match e {
            ServiceError::RequestNotFound => DcError(StatusCode::NOT_FOUND, "not_found|request", "Request not found.".into()),
            other => internal(other),
        })?;
        Ok::<_, DcError>(json_response(StatusCode::OK, request_object(&state, &r).await))
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}

/// `PUT /services/v2/request/{request_id}/status`.
pub async fn update_status(State(state): State<AppState>, Path(id): Path<String>, req: Request<Body>) -> Response {
    let run = async {
        let (parts, body) = req.into_parts();
        let (caller, admin) = authenticate(&state, &parts.headers).await?;
        let body = body_json(body).await?;
        let id = parse_id(&id)?;
        // The request must exist in the caller's account before anything else is said about it.
        state
            .service
            .revoke_request(Some(&caller), id)
            .await
            .map_err(|_| DcError(StatusCode::NOT_FOUND, "not_found|request", "Request not found.".into()))?;
        if !admin {
            return Err(DcError(StatusCode::FORBIDDEN, "access_denied", "Only an administrator may approve or reject requests.".into()));
        }
        let approve = match body.get("status").and_then(Value::as_str) {
            Some("approved") => true,
            Some("rejected") => false,
            _ => return Err(DcError(StatusCode::BAD_REQUEST, "invalid_status", "status must be approved or rejected.".into())),
        };
        let comment = text_field(&body, "processor_comment")?;
        state.service.decide_revoke_request(id, approve, &comment).await.map_err(|e| match e {
            ServiceError::RequestNotPending => {
                DcError(StatusCode::BAD_REQUEST, "request_not_pending", "The request was already decided.".into())
            }
            ServiceError::AlreadyRevoked | ServiceError::InvalidStatus | ServiceError::InvalidSource => {
                DcError(StatusCode::BAD_REQUEST, "invalid_status", "The certificate can no longer be revoked.".into())
            }
            other => internal(other),
        })?;
        metrics::counter!("certhub_digicert_requests_total", "code" => "ok").increment(1);
        Ok::<_, DcError>(StatusCode::NO_CONTENT.into_response())
    };
    run.await.unwrap_or_else(IntoResponse::into_response)
}
