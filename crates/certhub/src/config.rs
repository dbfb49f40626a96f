//! The optional TOML file and the resolved settings (flag, then environment, then file, then default).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::{ServeArgs, StoreArgs};

/// The TOML file's keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Listen address.
    pub listen: Option<String>,
    /// Data directory.
    pub data_dir: Option<PathBuf>,
    /// Database URL.
    pub database_url: Option<String>,
    /// Public base URL.
    pub public_url: Option<String>,
    /// Rate-limit multiplier.
    pub rate_limit_multiplier: Option<f64>,
    /// Accepted clock skew of signed requests, seconds (default 300).
    pub max_skew_seconds: Option<i64>,
    /// Lifetime of download links, seconds (default 3600).
    pub download_url_ttl_seconds: Option<i64>,
    /// Log format.
    pub log_format: Option<String>,
    /// Most HTTP connections served at once (default 1024).
    pub max_connections: Option<usize>,
    /// Seconds a request's headers may take to arrive, 1 to 10 (default 10).
    pub header_timeout_seconds: Option<u64>,
    /// Seconds a kept-alive connection may sit idle (default 60).
    pub idle_timeout_seconds: Option<u64>,
    /// FILE validation port.
    pub dcv_http_port: Option<u16>,
    /// FILE validation connects here.
    pub dcv_connect_to: Option<std::net::IpAddr>,
    /// How long an order may wait for validation, seconds (default 7 days).
    pub dcv_window_seconds: Option<i64>,
    /// DNS server for validation lookups.
    pub dcv_resolver: Option<std::net::SocketAddr>,
    /// CAA issuer domain.
    pub caa_identity: Option<String>,
    /// RFC 2136 server for DNS_AUTO.
    pub dns_update_server: Option<std::net::SocketAddr>,
    /// Zone for DNS_AUTO.
    pub dns_update_zone: Option<String>,
    /// TSIG key for DNS_AUTO.
    pub dns_update_key: Option<String>,
}

/// Reads the TOML file, if one was named.
pub fn load_file(path: Option<&Path>) -> Result<FileConfig, String> {
    let Some(path) = path else { return Ok(FileConfig::default()) };
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("invalid configuration {}: {e}", path.display()))
}

/// Where the data lives, resolved.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database URL.
    pub database_url: String,
}

/// Resolves the store settings.
pub fn store_settings(args: &StoreArgs, file: &FileConfig) -> StoreSettings {
    let data_dir = args.data_dir.clone().or_else(|| file.data_dir.clone()).unwrap_or_else(|| PathBuf::from("./data"));
    let database_url = args
        .database_url
        .clone()
        .or_else(|| file.database_url.clone())
        .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("certhub.db").display()));
    StoreSettings { data_dir, database_url }
}

/// Everything `serve` needs, resolved.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    /// Store settings.
    pub store: StoreSettings,
    /// Listen address.
    pub listen: String,
    /// Public base URL without trailing slash.
    pub public_url: String,
    /// Rate-limit multiplier.
    pub rate_limit_multiplier: f64,
    /// Accepted clock skew, seconds.
    pub max_skew: i64,
    /// Download link lifetime, seconds.
    pub download_url_ttl: i64,
    /// `text` or `json`.
    pub log_format: String,
    /// Connection limit and timeouts of the listener.
    pub edge: crate::edge::EdgeSettings,
    /// FILE validation port.
    pub dcv_http_port: u16,
    /// FILE validation connects here.
    pub dcv_connect_to: Option<std::net::IpAddr>,
    /// Validation window, seconds.
    pub dcv_window: i64,
    /// DNS server for validation lookups (None: the system's).
    pub dcv_resolver: Option<std::net::SocketAddr>,
    /// CAA issuer domain.
    pub caa_identity: String,
    /// DNS_AUTO updater, when configured.
    pub dns_update: Option<certhub_dcv::DnsUpdater>,
}

/// Resolves the serve settings.
pub fn serve_settings(args: &ServeArgs) -> Result<ServeSettings, String> {
    let file = load_file(args.store.config.as_deref())?;
    let listen = args.listen.clone().or_else(|| file.listen.clone()).unwrap_or_else(|| "127.0.0.1:8080".into());
    let public_url = args
        .public_url
        .clone()
        .or_else(|| file.public_url.clone())
        .unwrap_or_else(|| format!("http://{listen}"))
        .trim_end_matches('/')
        .to_string();
    let multiplier = args.rate_limit_multiplier.or(file.rate_limit_multiplier).unwrap_or(1.0);
    if !multiplier.is_finite() || multiplier < 0.0 {
        return Err("rate-limit multiplier must be a non-negative number".into());
    }
    let log_format = args.log_format.clone().or_else(|| file.log_format.clone()).unwrap_or_else(|| "text".into());
    if log_format != "text" && log_format != "json" {
        return Err("log format must be text or json".into());
    }
    Ok(ServeSettings {
        store: store_settings(&args.store, &file),
        listen,
        public_url,
        rate_limit_multiplier: multiplier,
        max_skew: file.max_skew_seconds.unwrap_or(300),
        download_url_ttl: file.download_url_ttl_seconds.unwrap_or(3600),
        log_format,
        edge: edge_settings(args, &file)?,
        dcv_http_port: args.dcv_http_port.or(file.dcv_http_port).unwrap_or(80),
        dcv_connect_to: args.dcv_connect_to.or(file.dcv_connect_to),
        dcv_window: file.dcv_window_seconds.unwrap_or(7 * 86_400),
        dcv_resolver: args.dcv_resolver.or(file.dcv_resolver),
        caa_identity: args.caa_identity.clone().or_else(|| file.caa_identity.clone()).unwrap_or_else(|| "certhub".into()),
        dns_update: dns_update(args, &file)?,
    })
}

/// The listener's limits. The header timeout is capped at 10 s: a longer one lets slow clients hold connections.
fn edge_settings(args: &ServeArgs, file: &FileConfig) -> Result<crate::edge::EdgeSettings, String> {
    let max_connections = args.max_connections.or(file.max_connections).unwrap_or(1024);
    if max_connections == 0 || max_connections > 1_000_000 {
        return Err("max connections must be between 1 and 1000000".into());
    }
    let header = args.header_timeout.or(file.header_timeout_seconds).unwrap_or(10);
    if !(1..=10).contains(&header) {
        return Err("header timeout must be between 1 and 10 seconds".into());
    }
    let idle = args.idle_timeout.or(file.idle_timeout_seconds).unwrap_or(60);
    if !(1..=3600).contains(&idle) {
        return Err("idle timeout must be between 1 and 3600 seconds".into());
    }
    Ok(crate::edge::EdgeSettings {
        max_connections,
        header_timeout: std::time::Duration::from_secs(header),
        idle_timeout: std::time::Duration::from_secs(idle),
    })
}

/// The DNS_AUTO updater: all three of server, zone and key, or none.
fn dns_update(args: &ServeArgs, file: &FileConfig) -> Result<Option<certhub_dcv::DnsUpdater>, String> {
    let server = args.dns_update_server.or(file.dns_update_server);
    let zone = args.dns_update_zone.clone().or_else(|| file.dns_update_zone.clone());
    let key = args.dns_update_key.clone().or_else(|| file.dns_update_key.clone());
    match (server, zone, key) {
        (None, None, None) => Ok(None),
        (Some(server), Some(zone), Some(key)) => {
            let key: certhub_dcv::TsigKey = key.parse().map_err(|e| format!("dns update key: {e}"))?;
            certhub_dcv::DnsUpdater::new(server, &zone, key).map(Some).map_err(|e| e.to_string())
        }
        _ => Err("DNS_AUTO needs all of --dns-update-server, --dns-update-zone and --dns-update-key".into()),
    }
}
