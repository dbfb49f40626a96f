//! Builds the store and the service from settings.

use std::sync::Arc;

use certhub_core::{Clock, SystemClock};
use certhub_pki::parse::TrustStore;
use certhub_service::{Service, ServiceConfig};
use certhub_store::{Sealer, SqlStore};

use crate::config::StoreSettings;

/// The key-encryption key: `CERTHUB_MASTER_KEY` (64 hex characters), else DATA_DIR/master.key.
pub fn cipher(settings: &StoreSettings) -> Result<Sealer, String> {
    match std::env::var("CERTHUB_MASTER_KEY") {
        Ok(hex) if !hex.trim().is_empty() => certhub_store::master_key::from_hex(&hex).map_err(|e| format!("CERTHUB_MASTER_KEY: {e}")),
        _ => certhub_store::master_key::load_or_create(&settings.data_dir).map_err(|e| e.to_string()),
    }
}

/// Opens the store (creating the SQLite file and data directory when needed).
pub async fn open(settings: &StoreSettings) -> Result<(Arc<SqlStore>, Arc<Sealer>), String> {
    if let Some(rest) = settings.database_url.strip_prefix("sqlite:") {
        certhub_store::private_fs::create_private_dir(&settings.data_dir)
            .map_err(|e| format!("cannot create {}: {e}", settings.data_dir.display()))?;
        // SQLite creates its file with the umask's mode (often 0644); it holds sealed keys and API secrets.
        let file = rest.trim_start_matches("//").split('?').next().unwrap_or_default();
        if !file.is_empty() && !file.starts_with(':') {
            certhub_store::private_fs::create_private_file(std::path::Path::new(file)).map_err(|e| format!("cannot create {file}: {e}"))?;
        }
    }
    let cipher = Arc::new(cipher(settings)?);
    let store = SqlStore::connect(&settings.database_url, cipher.clone()).await.map_err(|e| e.to_string())?;
    Ok((Arc::new(store), cipher))
}

/// The service over a store.
pub fn service(store: Arc<SqlStore>, cipher: &Arc<Sealer>, public_url: &str, download_url_ttl: i64, dcv_window: i64) -> Service {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Service::new(
        store,
        clock,
        TrustStore::system(),
        ServiceConfig { public_url: public_url.to_string(), download_url_ttl, dcv_window },
        cipher.clone(),
    )
}
