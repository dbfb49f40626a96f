//! `certhub serve`: logs, metrics, the store, background work, and the HTTP server
//! with graceful shutdown on SIGTERM/SIGINT.

use std::sync::Arc;
use std::time::Duration;

use certhub_api::ratelimit::RateLimiter;
use certhub_api::{AppState, router};
use metrics_exporter_prometheus::PrometheusBuilder;
use tracing_subscriber::EnvFilter;

use crate::cli::ServeArgs;
use crate::{config, wiring};

fn init_logs(format: &str) {
    let filter = EnvFilter::try_from_env("CERTHUB_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Runs the server until a signal arrives.
pub async fn run(args: ServeArgs) -> Result<(), String> {
    let settings = config::serve_settings(&args)?;
    init_logs(&settings.log_format);
    let metrics = PrometheusBuilder::new().install_recorder().map_err(|e| format!("metrics: {e}"))?;
    let (store, cipher) = wiring::open(&settings.store).await?;
    let validator = certhub_dcv::NetworkValidator {
        file: certhub_dcv::FileValidator {
            port: settings.dcv_http_port,
            connect_to: settings.dcv_connect_to,
            allow_private: settings.dcv_connect_to.is_some(),
            timeout: Duration::from_secs(10),
        },
        dns: settings.dcv_resolver.map_or_else(certhub_dcv::DnsLookup::system, certhub_dcv::DnsLookup::new),
        caa_identity: settings.caa_identity.clone(),
    };
    let mut service = wiring::service(store.clone(), &cipher, &settings.public_url, settings.download_url_ttl, settings.dcv_window)
        .with_validator(Arc::new(validator));
    if let Some(updater) = settings.dns_update.clone() {
        service = service.with_publisher(Arc::new(updater));
    }
    let state = AppState {
        service: service.clone(),
        limiter: Arc::new(RateLimiter::new(settings.rate_limit_multiplier)),
        metrics: Some(metrics),
        max_skew: settings.max_skew,
    };
    // CA keys (RSA-4096 included) are generated off the request path, once.
    let ca_service = service.clone();
    tokio::spawn(async move {
        if let Err(e) = ca_service.ensure_cas().await {
            tracing::error!(error = %e, "creating the CA hierarchies failed");
        }
    });
    // One task per kind of background work, each with its own deadline (see certhub_service::scheduler).
    let scheduler = service.start_scheduler(certhub_service::scheduler::DEFAULT_PLAN);
    let listener =
        tokio::net::TcpListener::bind(&settings.listen).await.map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(listen = %local, backend = store.backend(), public_url = %settings.public_url, "certhub serving");
    crate::edge::serve(listener, router(state), settings.edge, shutdown_signal()).await;
    scheduler.stop().await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}
