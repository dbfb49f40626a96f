//! certhub-api: the HTTP doors of certhub (the Tencent Cloud SSL API, signed
//! downloads, health and metrics), assembled into one axum router.

pub mod download;
pub mod ratelimit;
pub mod tencent;

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
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
