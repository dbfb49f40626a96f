//! Issuance committed to the database: CSR in (ECDSA P-256), signature checked,
//! names checked, leaf signed and linted, certificate and log row committed to
//! SQLite. Run: `cargo bench -p certhub-service --bench issuance`.

use std::sync::Arc;

use certhub_core::{Clock, Store, SystemClock};
use certhub_pki::parse::TrustStore;
use certhub_service::{Caller, Service, ServiceConfig};
use certhub_store::{Sealer, SqlStore};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::task::JoinSet;

/// Certificates per measured iteration.
const BATCH: usize = 256;

fn csr(i: usize) -> String {
    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let name = format!("host{i}.bench.example");
    let mut params = rcgen::CertificateParams::new(vec![name.clone()]).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    params.serialize_request(&kp).expect("csr").pem().expect("pem")
}

fn issuance(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = std::env::temp_dir().join(format!("certhub-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (service, caller) = rt.block_on(async {
        let cipher = Arc::new(Sealer::from_bytes(&[7u8; 32]).expect("cipher"));
        let url = format!("sqlite://{}", dir.join("bench.db").display());
        let store: Arc<dyn Store> = Arc::new(SqlStore::connect(&url, cipher.clone()).await.expect("store"));
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let config = ServiceConfig { public_url: "http://127.0.0.1:8080".into(), download_url_ttl: 3600, dcv_window: 86_400 };
        let service = Service::new(store.clone(), clock, TrustStore::default(), config, cipher.clone());
        service.ensure_cas().await.expect("CAs");
        let account = store.ensure_account("bench", 0).await.expect("account");
        (service, Caller { owner_uin: account.uin, app_id: account.app_id, credential: "bench".into() })
    });
    let csrs: Arc<Vec<String>> = Arc::new((0..BATCH).map(csr).collect());
    let mut group = c.benchmark_group("issuance_committed");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(20);
    group.bench_function("ecdsa_p256_csr_to_sqlite", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut set = JoinSet::new();
                for i in 0..BATCH {
                    let (s, who, csrs) = (service.clone(), caller.clone(), csrs.clone());
                    set.spawn(async move { s.issue_validated_csr(&who, &csrs[i], 90).await });
                }
                while let Some(r) = set.join_next().await {
                    r.expect("task").expect("issued");
                }
            })
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, issuance);
criterion_main!(benches);
