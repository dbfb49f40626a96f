//! The response envelope: `{"Response": {..., "RequestId"}}`, always HTTP 200 and
//! Content-Type exactly `application/json` (the official SDK ignores anything else).

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

/// An error with its vendor code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The vendor code, e.g. `FailedOperation.CertificateNotFound`.
    pub code: &'static str,
    /// Human text; clients must not depend on it.
    pub message: String,
}

impl ApiError {
    /// An error with `code` and `message`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

/// The envelope's bytes for a result.
pub fn body(result: Result<Map<String, Value>, ApiError>, request_id: &str) -> Vec<u8> {
    let body = match result {
        Ok(mut fields) => {
            fields.insert("RequestId".into(), Value::String(request_id.to_string()));
            json!({ "Response": Value::Object(fields) })
        }
        Err(e) => json!({
            "Response": {
                "Error": { "Code": e.code, "Message": e.message },
                "RequestId": request_id,
            }
        }),
    };
    serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"Response\":{}}".to_vec())
}

/// The HTTP response carrying envelope bytes.
pub fn json(bytes: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}
