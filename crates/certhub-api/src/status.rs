//! What relying parties fetch: CRLs (`/crl/<ca>.crl`, DER) and OCSP (`/ocsp`,
//! RFC 6960 GET and POST). Both answer from pre-signed, cached objects.

use axum::body::{Body, to_bytes};
use axum::extract::{Path, State};
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use certhub_pki::ocsp;
use certhub_service::status::{CRL_REFRESH, OCSP_REFRESH};

use crate::AppState;

/// `GET /crl/{ca}.crl`: the CA's current CRL.
pub async fn crl(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(ca) = file.strip_suffix(".crl") else { return (StatusCode::NOT_FOUND, "not found\n").into_response() };
    match state.service.crl(ca).await {
        Ok(Some(c)) => {
            let age = state.service.now() - c.this_update;
            let max_age = (CRL_REFRESH - age).clamp(0, CRL_REFRESH);
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/pkix-crl".to_string()), (header::CACHE_CONTROL, format!("public, max-age={max_age}"))],
                c.der.clone(),
            )
                .into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, "no such CA\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "CRL unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable\n").into_response()
        }
    }
}

fn ocsp_response(state: &AppState, der: Vec<u8>, this_update: Option<i64>) -> Response {
    // Successful answers may be cached until we would re-sign them; errors not at all.
    let cache = match this_update {
        Some(t) => {
            format!("public, no-transform, must-revalidate, max-age={}", (OCSP_REFRESH - (state.service.now() - t)).clamp(0, OCSP_REFRESH))
        }
        None => "no-cache".to_string(),
    };
    metrics::counter!("certhub_ocsp_responses_total", "kind" => if this_update.is_some() { "successful" } else { "error" }).increment(1);
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/ocsp-response".to_string()), (header::CACHE_CONTROL, cache)], der).into_response()
}

/// `POST /ocsp` with an `application/ocsp-request` body.
pub async fn ocsp_post(State(state): State<AppState>, req: Request<Body>) -> Response {
    let Ok(body) = to_bytes(req.into_body(), ocsp::MAX_REQUEST).await else {
        return ocsp_response(&state, ocsp::error_response(ocsp::MALFORMED_REQUEST), None);
    };
    let (der, t) = state.service.ocsp(&body).await;
    ocsp_response(&state, der, t)
}

/// `GET /ocsp/{base64}`: the request, base64 then URL-encoded, in the path (RFC 6960 appendix A).
pub async fn ocsp_get(State(state): State<AppState>, Path(encoded): Path<String>) -> Response {
    let text = percent_encoding::percent_decode_str(&encoded).decode_utf8_lossy().replace(' ', "+");
    let Ok(request) = base64::engine::general_purpose::STANDARD.decode(text.trim_start_matches('/')) else {
        return ocsp_response(&state, ocsp::error_response(ocsp::MALFORMED_REQUEST), None);
    };
    let (der, t) = state.service.ocsp(&request).await;
    ocsp_response(&state, der, t)
}
