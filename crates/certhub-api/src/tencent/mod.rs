//! The Tencent Cloud SSL API door (service `ssl`, version 2019-12-05): read the
//! request, authenticate it, rate-limit it, dispatch it, wrap the answer.

pub mod actions;
pub mod dispatch;
pub mod envelope;
pub mod errors;
pub mod limits;
pub mod params;
pub mod replay;
pub mod request;
pub mod sign;
pub mod vocab;

use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::Request;
use axum::response::Response;

pub use envelope::ApiError;

use crate::AppState;

/// The product's only version.
pub const VERSION: &str = "2019-12-05";
/// The service name in the credential scope.
pub const SERVICE: &str = "ssl";

/// Handles every request that reaches `/` (and any other unrouted path).
pub async fn handle(State(state): State<AppState>, req: Request<Body>) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let (action, answer) = match request::read(&state, req).await {
        Err(r) => (r.action, replay::Answer::fresh(Err(r.error), &request_id)),
        Ok(incoming) => (incoming.entry.name, replay::run(&state, incoming, &request_id).await),
    };
    let code = answer.code;
    metrics::counter!("certhub_tencent_requests_total", "action" => action, "code" => code).increment(1);
    metrics::histogram!("certhub_tencent_request_duration_seconds", "action" => action, "code" => code)
        .record(started.elapsed().as_secs_f64());
    if let Some(message) = &answer.message {
        tracing::info!(request_id = %request_id, action, code, message = %message, "tencent request failed");
    }
    envelope::json(answer.body)
}
