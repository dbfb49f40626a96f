//! Command-line flags; each may also come from an environment variable or the TOML file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// certhub: a self-hosted SSL/TLS certificate lifecycle service.
#[derive(Debug, Parser)]
#[command(name = "certhub", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Show and export certhub's own CA certificates (created on first use).
    #[command(subcommand)]
    Ca(CaCommand),
    /// Review revocation requests (filed through the DigiCert door).
    #[command(subcommand)]
    Request(RequestCommand),
}

/// `certhub request ...`.
#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// List revocation requests, newest first.
    List {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
        /// Only `pending`, `approved` or `rejected` ones.
        #[arg(long)]
        status: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Approve a pending request: the certificate is revoked.
    Approve {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
        /// Request ID.
        id: i64,
        /// A note for the requester.
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Reject a pending request: the certificate stays valid.
    Reject {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
        /// Request ID.
        id: i64,
        /// A note for the requester.
        #[arg(long, default_value = "")]
        comment: String,
    },
}

/// `certhub ca ...`.
#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// List every CA family with its root and intermediate.
    List {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
        /// Base URL written into the CA certificates when they are created.
        #[arg(long, env = "CERTHUB_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a family's intermediate and root as PEM.
    Export {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
        /// Base URL written into the CA certificates when they are created.
        #[arg(long, env = "CERTHUB_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
        /// `ecdsa` (P-256), `ecdsa-p384`, `rsa` (2048), `rsa-4096` or `sm2`.
        #[arg(long)]
        family: String,
        /// Print the root only.
        #[arg(long)]
        root_only: bool,
    },
}

/// Where the data lives; shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Directory holding the SQLite database and the key-encryption key.
    #[arg(long, env = "CERTHUB_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://path` (default: DATA_DIR/certhub.db) or `postgres://...`.
    #[arg(long, env = "CERTHUB_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Optional TOML configuration file.
    #[arg(long, env = "CERTHUB_CONFIG")]
    pub config: Option<PathBuf>,
}

/// `certhub serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Where the data lives.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "CERTHUB_LISTEN")]
    pub listen: Option<String>,
    /// Base URL written into download links (default http://LISTEN).
    #[arg(long, env = "CERTHUB_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Multiplies the vendor's per-key, per-action rate limits; 0 turns limiting off.
    #[arg(long, env = "CERTHUB_RATE_LIMIT_MULTIPLIER")]
    pub rate_limit_multiplier: Option<f64>,
    /// Port FILE validation connects to (default 80).
    #[arg(long, env = "CERTHUB_DCV_HTTP_PORT")]
    pub dcv_http_port: Option<u16>,
    /// Connect FILE validation to this address instead of resolving the domain (labs, tests; allows loopback).
    #[arg(long, env = "CERTHUB_DCV_CONNECT_TO")]
    pub dcv_connect_to: Option<std::net::IpAddr>,
    /// DNS server (IP:PORT) that validation asks for TXT and CAA records (default: /etc/resolv.conf).
    #[arg(long, env = "CERTHUB_DCV_RESOLVER")]
    pub dcv_resolver: Option<std::net::SocketAddr>,
    /// The issuer domain certhub answers to in CAA `issue` records (default `certhub`).
    #[arg(long, env = "CERTHUB_CAA_IDENTITY")]
    pub caa_identity: Option<String>,
    /// Primary server (IP:PORT) of the zone DNS_AUTO updates through RFC 2136.
    #[arg(long, env = "CERTHUB_DNS_UPDATE_SERVER")]
    pub dns_update_server: Option<std::net::SocketAddr>,
    /// The zone DNS_AUTO may update; its domains are the ones DNS_AUTO accepts.
    #[arg(long, env = "CERTHUB_DNS_UPDATE_ZONE")]
    pub dns_update_zone: Option<String>,
    /// TSIG key for those updates as ALGORITHM:NAME:BASE64SECRET (prefer the environment variable: argv is visible).
    #[arg(long, env = "CERTHUB_DNS_UPDATE_KEY", hide_env_values = true)]
    pub dns_update_key: Option<String>,
    /// Most HTTP connections served at once; more are refused with 503 (default 1024).
    #[arg(long, env = "CERTHUB_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Seconds a request's headers may take to arrive, 1 to 10 (default 10).
    #[arg(long, env = "CERTHUB_HEADER_TIMEOUT")]
    pub header_timeout: Option<u64>,
    /// Seconds a kept-alive connection may sit idle between requests (default 60).
    #[arg(long, env = "CERTHUB_IDLE_TIMEOUT")]
    pub idle_timeout: Option<u64>,
    /// Log format: `text` or `json`.
    #[arg(long, env = "CERTHUB_LOG_FORMAT")]
    pub log_format: Option<String>,
}

/// `certhub key ...`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key (and its account when new).
    Create {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
        /// Account name.
        #[arg(long, default_value = "default")]
        account: String,
        /// Which door the key opens: `tencent` (SecretId/SecretKey), `huawei` (AK/SK) or `digicert` (X-DC-DEVKEY).
        #[arg(long, default_value = "tencent")]
        kind: String,
        /// DigiCert only: the key may also approve or reject revocation requests.
        #[arg(long)]
        admin: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List API keys (never their secrets).
    List {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Disable an API key.
    Disable {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
        /// The SecretId.
        secret_id: String,
    },
    /// Enable a disabled API key.
    Enable {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
        /// The SecretId.
        secret_id: String,
    },
}
