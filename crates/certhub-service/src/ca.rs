//! certhub's CA hierarchies: created on first start (off the request path), listed and exported.

use certhub_core::model::CaRecord;
use certhub_pki::ca::{self, CaFamily};

use crate::{Service, ServiceError};

/// Organisation name written into certhub's CA certificates.
pub const CA_ORG: &str = "certhub";

impl Service {
    /// Creates every family's hierarchy that does not exist yet; RSA keys are generated on a blocking thread.
    pub async fn ensure_cas(&self) -> Result<Vec<CaRecord>, ServiceError> {
        let mut out = Vec::new();
        for family in CaFamily::ALL {
            if let Some(existing) = self.store.ca(family.as_str()).await? {
                out.push(existing);
                continue;
            }
            let url = self.config.public_url.clone();
            let now = self.now();
            let material = tokio::task::spawn_blocking(move || ca::generate(family, CA_ORG, &url, now))
                .await
                .map_err(|e| ServiceError::Export(format!("CA generation task failed: {e}")))??;
            let record = CaRecord {
                family: family.as_str().to_string(),
                root_der: material.root_der,
                root_key: material.root_key,
                intermediate_der: material.intermediate_der,
                intermediate_key: material.intermediate_key,
                created_at: now,
            };
            let stored = self.store.insert_ca(&record).await?;
            tracing::info!(family = family.as_str(), "created CA hierarchy");
            out.push(stored);
        }
        Ok(out)
    }

    /// One family's hierarchy, if created.
    pub async fn ca(&self, family: CaFamily) -> Result<Option<CaRecord>, ServiceError> {
        Ok(self.store.ca(family.as_str()).await?)
    }
}
