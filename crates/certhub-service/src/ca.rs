//! certhub's CA hierarchies: created on first start (off the request path), listed and exported.

use std::sync::Arc;

use certhub_core::model::{CaRecord, Issued};
use certhub_pki::ca::{self, CaFamily, LeafSpec};
use certhub_pki::parse::{ParsedCert, pem};

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
            let material = crate::blocking::run("CA generation", move || Ok(ca::generate(family, CA_ORG, &url, now)?)).await?;
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

    /// The issuing material of a family, read (and its keys opened) once per process.
    pub(crate) async fn signer(&self, family: CaFamily) -> Result<Arc<ca::CaMaterial>, ServiceError> {
        if let Some(m) = self.ca_cache.read().ok().and_then(|c| c.get(&family).cloned()) {
            return Ok(m);
        }
        let ca = self.store.ca(family.as_str()).await?.ok_or_else(|| ServiceError::Export("the CA is still being created".into()))?;
        let material = Arc::new(ca::CaMaterial {
            family,
            root_der: ca.root_der,
            // The root key stays sealed in the store: leaves are signed by the intermediate.
            root_key: Vec::new(),
            intermediate_der: ca.intermediate_der,
            intermediate_key: ca.intermediate_key,
        });
        if let Ok(mut c) = self.ca_cache.write() {
            c.insert(family, material.clone());
        }
        Ok(material)
    }

    /// Signs a leaf for `names` and `spki` with the family's intermediate, off the async threads.
    pub(crate) async fn sign_leaf(
        &self,
        family: CaFamily,
        names: Vec<String>,
        spki_der: Vec<u8>,
        days: i64,
        now: i64,
    ) -> Result<Issued, ServiceError> {
        let material = self.signer(family).await?;
        let spec = LeafSpec { names, validity_days: days, public_url: self.config.public_url.clone(), spki_der };
        tokio::task::spawn_blocking(move || -> Result<Issued, ServiceError> {
            let leaf = ca::issue(&material, &spec, now)?;
            let parsed = ParsedCert::from_der(&leaf)?;
            let cert_pem =
                [leaf.as_slice(), &material.intermediate_der, &material.root_der].iter().map(|d| pem::encode("CERTIFICATE", d)).collect();
            let serial = certhub_pki::ocsp::serial_hex(&hex::decode(&parsed.serial_hex).unwrap_or_default());
            Ok(Issued {
                cert_pem,
                not_before: parsed.not_before,
                not_after: parsed.not_after,
                fingerprint: parsed.sha1_fingerprint,
                serial,
            })
        })
        .await
        .map_err(|e| ServiceError::Export(format!("signing task: {e}")))?
    }

    /// One family's hierarchy, if created.
    pub async fn ca(&self, family: CaFamily) -> Result<Option<CaRecord>, ServiceError> {
        Ok(self.store.ca(family.as_str()).await?)
    }
}
