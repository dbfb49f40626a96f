//! certhub-service: the use cases every door shares (upload, describe, list,
//! modify, download, delete) and the rules that go with them.

pub mod apply;
pub mod blocking;
pub mod ca;
pub mod certificates;
pub mod downloads;
pub mod error;
pub mod issue;
pub mod keys;
pub mod logs;
pub mod ocsp_cache;
pub mod orders;
pub mod replace;
pub mod revoke;
pub mod scheduler;
mod secrets;
pub mod status;
pub mod tasks;
pub mod validation;

use std::sync::Arc;

use certhub_core::dcv::{DnsPublisher, DomainValidator, NoValidation};
use certhub_core::seal::Sealer;
use certhub_core::{Clock, Store};
use certhub_pki::parse::TrustStore;

pub use error::ServiceError;

/// Who is calling: the account every query is scoped to, and the key used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The account (OwnerUin).
    pub owner_uin: String,
    /// The account's AppId.
    pub app_id: i64,
    /// The credential used (SecretId), for logs.
    pub credential: String,
}

impl Caller {
    /// certhub itself acting on an account (background jobs, workers).
    pub fn system(owner_uin: &str) -> Self {
        Self { owner_uin: owner_uin.to_string(), app_id: 0, credential: "--".into() }
    }
}

/// Settings of the service that the binary supplies.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Base URL written into download links, without a trailing slash.
    pub public_url: String,
    /// Lifetime of a download link, seconds.
    pub download_url_ttl: i64,
    /// How long a pending order may wait for domain validation, seconds.
    pub dcv_window: i64,
}

/// The service: the store, the clock and the settings behind every door.
#[derive(Clone)]
pub struct Service {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) trust: Arc<TrustStore>,
    pub(crate) config: Arc<ServiceConfig>,
    pub(crate) url_key: Arc<[u8; 32]>,
    pub(crate) sealer: Arc<Sealer>,
    pub(crate) validator: Arc<dyn DomainValidator>,
    pub(crate) publisher: Option<Arc<dyn DnsPublisher>>,
    pub(crate) ca_cache: Arc<std::sync::RwLock<std::collections::HashMap<certhub_pki::ca::CaFamily, Arc<certhub_pki::ca::CaMaterial>>>>,
    pub(crate) status: Arc<status::StatusCache>,
}

impl Service {
    /// Wires a service. `sealer` seals the secrets it keeps in certificate records; its download-link subkey signs links.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, trust: TrustStore, config: ServiceConfig, sealer: Arc<Sealer>) -> Self {
        Self {
            store,
            clock,
            trust: Arc::new(trust),
            config: Arc::new(config),
            url_key: Arc::new(sealer.download_url_key()),
            sealer,
            validator: Arc::new(NoValidation),
            publisher: None,
            ca_cache: Arc::default(),
            status: Arc::default(),
        }
    }

    /// The same service validating domains with `validator`.
    pub fn with_validator(mut self, validator: Arc<dyn DomainValidator>) -> Self {
        self.validator = validator;
        self
    }

    /// The same service publishing DNS_AUTO records through `publisher`.
    pub fn with_publisher(mut self, publisher: Arc<dyn DnsPublisher>) -> Self {
        self.publisher = Some(publisher);
        self
    }

    /// The current time, unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}
