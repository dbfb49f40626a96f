//! Two certhub nodes on one PostgreSQL database revoke at the same time: every
//! revocation lands in the CRL, CRL numbers never repeat, and one node at a
//! time generates (the lease), whichever node revoked.

use std::process::Command;
use std::sync::Arc;

use certhub_core::{Clock, Store, SystemClock};
use certhub_pki::parse::TrustStore;
use certhub_service::revoke::Door;
use certhub_service::{Caller, Service, ServiceConfig};
use certhub_store::{Sealer, SqlStore};
use x509_parser::prelude::FromDer;

fn psql(url: &str, sql: &str) -> bool {
    Command::new("psql").args([url, "-qc", sql]).output().is_ok_and(|o| o.status.success())
}

async fn node(url: &str, cipher: &Arc<Sealer>) -> Service {
    let store: Arc<dyn Store> = Arc::new(SqlStore::connect(url, cipher.clone()).await.expect("store"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let config = ServiceConfig { public_url: "http://127.0.0.1:1".into(), download_url_ttl: 3600, dcv_window: 3600 };
    Service::new(store, clock, TrustStore::default(), config, cipher.clone())
}

fn csr(name: &str) -> String {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    params.serialize_request(&key).expect("csr").pem().expect("pem")
}

/// A fresh PostgreSQL database: its URL, the server's base URL and its name; `None` (skip) when unreachable.
fn database() -> Option<(String, String, String)> {
    let base = std::env::var("CERTHUB_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let db = format!("certhub_nodes_{}", certhub_core::ids::random_alnum(10).to_lowercase());
    if !psql(&base, &format!("CREATE DATABASE {db}")) {
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "PostgreSQL is required under CI=true but unreachable at {base}");
        eprintln!("SKIPPED: PostgreSQL unreachable at {base}");
        return None;
    }
    let url = match base.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{db}"),
        None => panic!("bad URL {base}"),
    };
    Some((url, base, db))
}

/// The serials (hex, no leading zeros) the stored CRL of `ca` lists.
async fn crl_serials(svc: &Service, ca: &str) -> Vec<String> {
    let crl = svc.store().crl(ca).await.expect("read").expect("a CRL is stored");
    let (_, parsed) = x509_parser::revocation_list::CertificateRevocationList::from_der(&crl.der).expect("parses");
    parsed.iter_revoked_certificates().map(|r| hex::encode(r.raw_serial()).trim_start_matches('0').to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_revoking_at_once_publish_one_crl_sequence() {
    let Some((url, base, db)) = database() else { return };
    let cipher = Arc::new(Sealer::from_bytes(&[5u8; 32]).expect("cipher"));
    let (a, b) = (node(&url, &cipher).await, node(&url, &cipher).await);
    a.ensure_cas().await.expect("CAs");
    let account = a.store().ensure_account("nodes", 0).await.expect("account");
    let caller = Caller { owner_uin: account.uin, app_id: account.app_id, credential: "test".into() };
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(a.issue_validated_csr(&caller, &csr(&format!("n{i}.nodes.example")), 90).await.expect("issued"));
    }
    let mut tasks = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let (svc, who, id) = (if i % 2 == 0 { a.clone() } else { b.clone() }, caller.clone(), id.clone());
        tasks.push(tokio::spawn(async move { svc.revoke_now(&who, &id, "keyCompromise", Door::Huawei).await }));
    }
    for t in tasks {
        t.await.expect("task").expect("revoked");
    }
    // Generation took turns: eight revocations, eight CRL numbers, none skipped or repeated.
    let stored = a.store().crl("ecdsa-p256").await.expect("read").expect("stored");
    assert_eq!(stored.number, 8, "one CRL per revocation");
    // Each node picks up the other's newer CRL on its periodic refresh; then both serve the same one.
    for svc in [&a, &b] {
        svc.refresh_status().await.expect("refresh");
        let crl = svc.crl("ecdsa-p256").await.expect("crl").expect("exists");
        assert_eq!(crl.number, 8);
        let (_, parsed) = x509_parser::revocation_list::CertificateRevocationList::from_der(&crl.der).expect("parses");
        assert_eq!(parsed.iter_revoked_certificates().count(), 8, "every revocation is in the CRL");
    }
    drop((a, b));
    let _ = psql(&base, &format!("DROP DATABASE {db} WITH (FORCE)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_made_while_another_node_holds_the_crl_lease_is_published_within_seconds() {
    let Some((url, base, db)) = database() else { return };
    let cipher = Arc::new(Sealer::from_bytes(&[6u8; 32]).expect("cipher"));
    let (a, b) = (node(&url, &cipher).await, node(&url, &cipher).await);
    a.ensure_cas().await.expect("CAs");
    let account = a.store().ensure_account("lease", 0).await.expect("account");
    let caller = Caller { owner_uin: account.uin, app_id: account.app_id, credential: "test".into() };
    let id = a.issue_validated_csr(&caller, &csr("lease.nodes.example"), 90).await.expect("issued");
    let serial = a.store().certificate(&caller.owner_uin, &id).await.expect("read").and_then(|c| c.serial).expect("serial");
    let serial = serial.trim_start_matches('0').to_string();
    a.generate_crl(certhub_pki::ca::CaFamily::EcdsaP256, false).await.expect("a fresh CRL");

    // Node A is generating (it holds the lease, its entries already read) when node B revokes: B waits, gives up.
    let now = SystemClock.now();
    assert!(a.store().try_lease("crl:ecdsa-p256", "node-a/generating", now, now + 60).await.expect("lease"));
    b.revoke_now(&caller, &id, "keyCompromise", Door::Huawei).await.expect("revoked");
    assert!(!crl_serials(&b, "ecdsa-p256").await.contains(&serial), "precondition: B could not publish under A's lease");
    a.store().release_lease("crl:ecdsa-p256", "node-a/generating").await.expect("release");

    // The next refresh tick of either node publishes it, though the stored CRL is not yet due for hours.
    a.refresh_status().await.expect("refresh");
    assert!(crl_serials(&a, "ecdsa-p256").await.contains(&serial), "the revocation is missing from the CRL");
    b.refresh_status().await.expect("refresh");
    let served = b.crl("ecdsa-p256").await.expect("crl").expect("served");
    assert_eq!(Some(served.number), a.store().crl("ecdsa-p256").await.expect("read").map(|c| c.number), "B serves the new CRL");
    drop((a, b));
    let _ = psql(&base, &format!("DROP DATABASE {db} WITH (FORCE)"));
}
