//! What relying parties see: a CRL per CA and OCSP answers, both pre-signed and
//! cached, refreshed ahead of expiry and at once on revocation.
//!
//! CRLs live in the store so that every node serves the same one; the node
//! that revokes regenerates at once, and a compare-and-set on the CRL number
//! lets only one node publish each number. OCSP responses are per-process.
//! Each revocation raises its CA's mark in the revoking transaction and each
//! CRL records the mark it covers, so a CRL missing a revocation (the lease
//! was busy, or the node crashed before regenerating) is seen as stale and
//! regenerated on the next refresh tick by any node.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use certhub_core::model::{CertRecord, StoredCrl};
use certhub_pki::ca::{CaFamily, KeySigner};
use certhub_pki::crl::{self, CrlEntry, CrlInfo};
use certhub_pki::ocsp::{self, CertId, CertStatus, HashAlg, Responder};
use certhub_pki::parse::ParsedCert;

use crate::ocsp_cache::OcspCache;
use crate::{Service, ServiceError};

/// A CRL is valid this long.
pub const CRL_VALIDITY: i64 = 24 * 3600;
/// A CRL is regenerated when this old, well before its nextUpdate.
pub const CRL_REFRESH: i64 = 12 * 3600;
/// An OCSP response is valid this long.
pub const OCSP_VALIDITY: i64 = 24 * 3600;
/// An OCSP response is re-signed when this old.
pub const OCSP_REFRESH: i64 = 6 * 3600;

/// One issuing CA as OCSP and CRLs need it.
struct Issuer {
    family: CaFamily,
    name: Vec<u8>,
    spki: Vec<u8>,
    hashes: [(HashAlg, Vec<u8>, Vec<u8>); 2],
    signer: KeySigner,
}

/// A signed OCSP response, the CertID it answers, and when it was signed.
#[derive(Clone)]
pub struct OcspAnswer {
    /// The CertID answered, kept so the answer can be re-signed before it expires.
    pub id: Arc<CertId>,
    /// The OCSPResponse DER.
    pub der: Arc<Vec<u8>>,
    /// thisUpdate, unix seconds.
    pub this_update: i64,
}

/// The caches behind `/crl` and `/ocsp`.
#[derive(Default)]
pub struct StatusCache {
    /// This process's name as a lease holder.
    node: std::sync::OnceLock<String>,
    issuers: RwLock<Vec<Arc<Issuer>>>,
    crls: RwLock<HashMap<String, Arc<StoredCrl>>>,
    /// Keyed by the CertID as sent (hash algorithm included), grouped by serial so a revocation drops them all;
    /// bounded, and only for serials certhub issued.
    ocsp: OcspCache<OcspAnswer>,
}

impl Service {
    async fn issuers(&self) -> Result<Vec<Arc<Issuer>>, ServiceError> {
        if let Ok(i) = self.status.issuers.read()
            && !i.is_empty()
        {
            return Ok(i.clone());
        }
        let mut out = Vec::new();
        for ca in self.store.cas().await? {
            let Some(family) = CaFamily::parse(&ca.family) else { continue };
            let cert = ParsedCert::from_der(&ca.intermediate_der)?;
            let hashes = [
                (HashAlg::Sha1, HashAlg::Sha1.digest(&cert.subject_raw), ocsp::key_hash(&cert.spki, HashAlg::Sha1)?),
                (HashAlg::Sha256, HashAlg::Sha256.digest(&cert.subject_raw), ocsp::key_hash(&cert.spki, HashAlg::Sha256)?),
            ];
            let signer = KeySigner::from_pkcs8(family, &ca.intermediate_key)?;
            out.push(Arc::new(Issuer { family, name: cert.subject_raw, spki: cert.spki, hashes, signer }));
        }
        // Kept only once every family exists: while the CAs are still being created, the list is read again.
        if out.len() == CaFamily::ALL.len()
            && let Ok(mut i) = self.status.issuers.write()
        {
            *i = out.clone();
        }
        Ok(out)
    }

    /// Answers an OCSP request (DER) with an OCSPResponse (DER) and its thisUpdate; never fails.
    pub async fn ocsp(&self, request: &[u8]) -> (Vec<u8>, Option<i64>) {
        let ids = match ocsp::parse_request(request) {
            Ok(ids) => ids,
            Err(_) => return (ocsp::error_response(ocsp::MALFORMED_REQUEST), None),
        };
        // Pre-signed answers cover one certificate each (RFC 5019); the first is the one answered.
        let Some(id) = ids.into_iter().next() else { return (ocsp::error_response(ocsp::MALFORMED_REQUEST), None) };
        match self.ocsp_answer(&id).await {
            Ok(Some(a)) => (a.der.as_ref().clone(), Some(a.this_update)),
            Ok(None) => (ocsp::error_response(ocsp::UNAUTHORIZED), None),
            Err(e) => {
                tracing::error!(error = %e, "OCSP signing failed");
                (ocsp::error_response(ocsp::INTERNAL_ERROR), None)
            }
        }
    }

    /// The cached or freshly signed answer for a CertID; `None` when no certhub CA issued under that issuer.
    async fn ocsp_answer(&self, id: &CertId) -> Result<Option<OcspAnswer>, ServiceError> {
        let now = self.now();
        let serial = ocsp::serial_hex(&id.serial);
        if let Some(a) = self.status.ocsp.get(&serial, &id.der)
            && now - a.this_update < OCSP_REFRESH
        {
            return Ok(Some(a));
        }
        let issuers = self.issuers().await?;
        let Some(issuer) = issuers.iter().find(|i| {
            i.hashes.iter().any(|(alg, name, key)| *alg == id.hash && *name == id.issuer_name_hash && *key == id.issuer_key_hash)
        }) else {
            return Ok(None);
        };
        let status = match self.store.serial_status(issuer.family.as_str(), &serial).await? {
            None => CertStatus::Unknown,
            Some(s) => match s.revocation {
                Some(r) => CertStatus::Revoked { at: r.at, reason: r.reason.code() },
                None => CertStatus::Good,
            },
        };
        let known = !matches!(status, CertStatus::Unknown);
        let issuer = issuer.clone();
        let id = Arc::new(id.clone());
        let signed_id = id.clone();
        let der = tokio::task::spawn_blocking(move || {
            let responder = Responder { signer: &issuer.signer, issuer_spki: &issuer.spki };
            ocsp::respond(&responder, &signed_id, status, now, now + OCSP_VALIDITY)
        })
        .await
        .map_err(|e| ServiceError::Export(format!("OCSP signing task: {e}")))??;
        let key = id.der.clone();
        let answer = OcspAnswer { id, der: Arc::new(der), this_update: now };
        // Answers for serials certhub never issued are signed each time: anyone can ask for any number of them.
        if known {
            self.status.ocsp.insert(&serial, key, answer.clone());
        }
        Ok(Some(answer))
    }

    /// The CRL of a CA: `<family>` (leaves) or `<family>-root` (intermediates); regenerated when due.
    pub async fn crl(&self, ca: &str) -> Result<Option<Arc<StoredCrl>>, ServiceError> {
        let now = self.now();
        if let Some(c) = self.status.crls.read().ok().and_then(|m| m.get(ca).cloned())
            && now - c.this_update < CRL_REFRESH
        {
            return Ok(Some(c));
        }
        let (name, root) = match ca.strip_suffix("-root") {
            Some(n) => (n, true),
            None => (ca, false),
        };
        let Some(family) = CaFamily::parse(name).filter(|f| f.as_str() == name) else { return Ok(None) };
        // Another node's fresh CRL is served as is; only a stale or missing one is generated.
        self.with_crl_lease(family, root, false).await.map(Some)
    }

    fn cache_crl(&self, ca: &str, crl: Arc<StoredCrl>) {
        if let Ok(mut m) = self.status.crls.write() {
            let newer = m.get(ca).is_none_or(|c| c.number <= crl.number);
            if newer {
                m.insert(ca.to_string(), crl);
            }
        }
    }

    /// Generates, signs and stores the next CRL of a CA. Nodes take turns through a lease, so that a CRL generated
    /// after a revocation always includes it; the compare-and-set on the number is the second guard.
    pub async fn generate_crl(&self, family: CaFamily, root: bool) -> Result<Arc<StoredCrl>, ServiceError> {
        self.with_crl_lease(family, root, true).await
    }

    async fn with_crl_lease(&self, family: CaFamily, root: bool, force: bool) -> Result<Arc<StoredCrl>, ServiceError> {
        let ca_name = if root { format!("{}-root", family.as_str()) } else { family.as_str().to_string() };
        let lease = format!("crl:{ca_name}");
        // One holder per generation, not per node: two revocations on the same node take turns too.
        let node = self.status.node.get_or_init(|| format!("node-{}", certhub_core::ids::random_alnum(12)));
        let holder = format!("{node}/{}", certhub_core::ids::random_alnum(8));
        let mut turns = 0;
        while !self.store.try_lease(&lease, &holder, self.now(), self.now() + 60).await? {
            turns += 1;
            if turns > 100 {
                return Err(ServiceError::Export(format!("another node holds the {ca_name} CRL lease")));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let result = self.generate_crl_held(family, root, &ca_name, force).await;
        if let Err(e) = self.store.release_lease(&lease, &holder).await {
            tracing::warn!(error = %e, "releasing the CRL lease failed; it expires by itself");
        }
        result
    }

    /// The periodic regeneration: under the lease, skipped when another node has just made a fresh CRL.
    async fn generate_crl_when_due(&self, family: CaFamily, root: bool) -> Result<(), ServiceError> {
        self.with_crl_lease(family, root, false).await.map(|_| ())
    }

    async fn generate_crl_held(&self, family: CaFamily, root: bool, ca_name: &str, force: bool) -> Result<Arc<StoredCrl>, ServiceError> {
        let ca_name = ca_name.to_string();
        // Read before the entries: a revocation committed after this read makes the new CRL stale, never silently missing.
        let mark = self.store.revocation_mark(&ca_name).await?;
        if !force
            && let Some(c) = self.store.crl(&ca_name).await?
            && self.now() - c.this_update < CRL_REFRESH
            && c.covered >= mark
        {
            let c = Arc::new(c);
            self.cache_crl(&ca_name, c.clone());
            return Ok(c);
        }
        let ca = self.store.ca(family.as_str()).await?.ok_or_else(|| ServiceError::Export("the CA is still being created".into()))?;
        let entries: Vec<CrlEntry> = if root {
            // certhub never revokes its intermediates: the root's CRL is empty but signed and current.
            Vec::new()
        } else {
            self.store
                .revoked_serials(family.as_str())
                .await?
                .into_iter()
                .map(|r| CrlEntry {
                    serial: hex::decode(&r.serial).unwrap_or_default(),
                    revoked_at: r.revocation.at,
                    reason: r.revocation.reason.code(),
                })
                .collect()
        };
        let number = self.store.crl(&ca_name).await?.map_or(1, |c| c.number + 1);
        let now = self.now();
        let (cert_der, key) = if root { (ca.root_der, ca.root_key) } else { (ca.intermediate_der, ca.intermediate_key) };
        let der = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ServiceError> {
            let cert = ParsedCert::from_der(&cert_der)?;
            let signer = KeySigner::from_pkcs8(family, &key)?;
            let key_id = certhub_pki::ca::tbs::subject_key_id(&cert_der)?;
            let info = CrlInfo {
                issuer_name: &cert.subject_raw,
                issuer_key_id: &key_id,
                number: u64::try_from(number).unwrap_or(1),
                this_update: now,
                next_update: now + CRL_VALIDITY,
            };
            Ok(crl::build(&signer, &info, &entries)?)
        })
        .await
        .map_err(|e| ServiceError::Export(format!("CRL task: {e}")))??;
        let crl = StoredCrl { number, this_update: now, der, covered: mark };
        let published = if self.store.save_crl(&ca_name, &crl).await? {
            Arc::new(crl)
        } else {
            // Another node published this number: serve theirs.
            Arc::new(self.store.crl(&ca_name).await?.unwrap_or(crl))
        };
        self.cache_crl(&ca_name, published.clone());
        Ok(published)
    }

    /// After a revocation: the certificate's OCSP answers are re-signed and its CA's CRL regenerated, now.
    pub(crate) async fn published_revocation(&self, cert: &CertRecord) {
        if let Some(serial) = &cert.serial {
            self.status.ocsp.remove(serial);
        }
        let family = cert.extra.family.as_deref().and_then(CaFamily::parse);
        if let Some(family) = family {
            if let Err(e) = self.generate_crl(family, false).await {
                tracing::error!(error = %e, family = family.as_str(), "CRL regeneration failed; the periodic refresh retries");
            }
            // Pre-sign the common (SHA-1) answer so the first relying party to ask gets `revoked` from the cache.
            if let (Some(serial), Ok(issuers)) = (&cert.serial, self.issuers().await)
                && let Some(i) = issuers.iter().find(|i| i.family == family)
                && let Ok(id) = ocsp::cert_id_for(&i.name, &i.spki, &hex::decode(serial).unwrap_or_default(), HashAlg::Sha1)
            {
                let _ = self.ocsp_answer(&id).await;
            }
        }
    }

    /// Serials whose OCSP answers this process holds.
    pub fn ocsp_cached(&self) -> usize {
        self.status.ocsp.len()
    }

    /// Periodic upkeep: CRLs and OCSP answers nearing expiry are re-signed, and other nodes' newer CRLs picked up.
    pub async fn refresh_status(&self) -> Result<(), ServiceError> {
        self.refresh_crls().await?;
        self.refresh_ocsp().await
    }

    /// CRLs nearing expiry are re-signed, and other nodes' newer CRLs picked up.
    pub async fn refresh_crls(&self) -> Result<(), ServiceError> {
        let now = self.now();
        for family in CaFamily::ALL {
            for root in [false, true] {
                let name = if root { format!("{}-root", family.as_str()) } else { family.as_str().to_string() };
                let known = self.status.crls.read().ok().and_then(|m| m.get(&name).map(|k| k.number));
                // A revocation newer than the stored CRL (made while another node held the lease, or followed by a
                // crash before its CRL was generated) is published on this tick by whichever node gets here first.
                let stale = self.store.crl_stale(&name).await?;
                match self.store.crl_head(&name).await? {
                    Some((number, this_update)) if now - this_update < CRL_REFRESH && !stale => {
                        // A newer CRL from another node (or the CLI) means a revocation happened there:
                        // answers cached here may say `good` for it, so they are dropped and re-signed on demand.
                        if known.is_some_and(|n| n >= number) {
                            continue;
                        }
                        self.status.ocsp.clear();
                        if let Some(c) = self.store.crl(&name).await? {
                            self.cache_crl(&name, Arc::new(c));
                        }
                    }
                    _ if self.store.ca(family.as_str()).await?.is_some() => {
                        if stale {
                            // The revocation was made elsewhere: answers cached here may still say `good`.
                            self.status.ocsp.clear();
                        }
                        self.generate_crl_when_due(family, root).await?;
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Cached OCSP answers nearing expiry are re-signed.
    pub async fn refresh_ocsp(&self) -> Result<(), ServiceError> {
        let now = self.now();
        let stale: Vec<Arc<CertId>> = self.status.ocsp.collect(|a| (now - a.this_update >= OCSP_REFRESH).then(|| a.id.clone()));
        for id in stale {
            let _ = self.ocsp_answer(&id).await;
        }
        Ok(())
    }
}
