//! certhub-api: the HTTP doors of certhub (the Tencent Cloud SSL API, signed
//! downloads, health and metrics), assembled into one axum router.

pub mod digicert;
pub mod download;
pub mod huawei;
pub mod ratelimit;
pub mod status;
pub mod tencent;

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use certhub_service::Service;
use metrics_exporter_prometheus::PrometheusHandle;

/// Everything a request handler needs.
#[derive(Clone)]
pub struct AppState {
    /// The service behind every door.
    pub service: Service,
    /// Per-key, per-action rate limits.
    pub limiter: Arc<ratelimit::RateLimiter>,
    /// The Prometheus recorder, when metrics are on.
    pub metrics: Option<PrometheusHandle>,
    /// Largest accepted difference between a request's timestamp and our clock, seconds.
    pub max_skew: i64,
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/download/{owner}/{id}/{service}", get(download::serve))
        .route("/ca/{file}", get(ca_certificate))
        .route("/crl/{file}", get(status::crl))
        .route("/ocsp", post(status::ocsp_post))
        .route("/ocsp/{*request}", get(status::ocsp_get))
        .route("/v2/{project_id}/scm/cert/{cert_id}/revoke", post(huawei::revoke))
        .route("/services/v2/certificate/{certificate_id}/revoke", put(digicert::revoke))
        .route("/services/v2/request/{request_id}", get(digicert::get_request))
        .route("/services/v2/request/{request_id}/status", put(digicert::update_status))
        .fallback(tencent::handle)
        .with_state(state)
}

async fn healthz() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain")], "ok\n")
}

async fn metrics(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match &state.metrics {
        Some(h) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], h.render()).into_response(),
        None => (StatusCode::NOT_FOUND, "metrics disabled\n").into_response(),
    }
}

/// `GET /ca/{family}.crt` (issuing intermediate) and `/ca/{family}-root.crt` (root), DER: the AIA caIssuers target.
async fn ca_certificate(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> axum::response::Response {
    let Some(stem) = file.strip_suffix(".crt") else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let (name, root) = match stem.strip_suffix("-root") {
        Some(n) => (n, true),
        None => (stem, false),
    };
    let Some(family) = certhub_pki::ca::CaFamily::parse(name).filter(|f| f.as_str() == name) else {
        return (StatusCode::NOT_FOUND, "no such CA\n").into_response();
    };
    match state.service.ca(family).await {
        Ok(Some(ca)) => {
            let der = if root { ca.root_der } else { ca.intermediate_der };
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/pkix-cert")], der).into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, "CA not created yet\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "CA lookup failed");
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable\n").into_response()
        }
    }
}
