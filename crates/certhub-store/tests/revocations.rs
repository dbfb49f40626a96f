//! Revocations outlive certificate records, and each one makes the CA's stored CRL stale.
//! (The back-fill of an upgraded database is tested beside the migrations, in `schema.rs`.)

use std::sync::Arc;

use certhub_core::Store;
use certhub_core::model::{CertRecord, CertStatus, CertType, NewLog, Revocation, RevocationReason, RevokedSerial, Source};
use certhub_core::store::Transition;
use certhub_store::{Sealer, SqlStore};

fn cipher() -> Arc<Sealer> {
    Arc::new(Sealer::from_bytes(&[3u8; 32]).expect("cipher"))
}

fn ours(id: &str, owner: &str, serial: &str) -> CertRecord {
    CertRecord {
        id: id.into(),
        owner_uin: owner.into(),
        project_id: 0,
        alias: String::new(),
        source: Source::Certhub,
        cert_type: CertType::Server,
        package_type: None,
        product_name: String::new(),
        domain: "r.example".into(),
        sans: vec!["r.example".into()],
        status: CertStatus::Issued,
        status_msg: String::new(),
        verify_type: None,
        not_before: Some(1),
        not_after: Some(5_000_000_000),
        insert_time: 1,
        cert_pem: None,
        fingerprint: Some(format!("FP-{id}")),
        key_algorithm: "EC 256".into(),
        is_sm: false,
        has_key: false,
        ignore_expiry_notice: false,
        allow_download: true,
        tags: vec![],
        certificate_use: None,
        extra: certhub_core::model::CertExtra { family: Some("ecdsa-p256".into()), ..Default::default() },
        serial: Some(serial.into()),
        revocation: None,
    }
}

fn log(id: &str, kind: &str) -> NewLog {
    NewLog { cert_id: id.into(), kind: kind.into(), action: kind.into(), actor: "tester".into() }
}

async fn revoke(store: &SqlStore, owner: &str, id: &str, r: Revocation) {
    let l = log(id, "revoked");
    let t =
        Transition { from: &[CertStatus::Issued], to: CertStatus::Revoked, msg: "", extra: None, log: &l, job: None, revocation: Some(r) };
    assert!(store.transition(owner, id, &t, r.at).await.expect("revoke"));
}

#[tokio::test]
async fn revocations_survive_deletion_and_mark_the_crl_stale() {
    let dir = std::env::temp_dir().join(format!("certhub-revocations-{}", certhub_core::ids::random_alnum(10)));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let store = SqlStore::connect(&url, cipher()).await.expect("connect");
    let owner = store.ensure_account("r", 1).await.expect("account").uin;
    store.insert_certificate(&ours("r1", &owner, "7a01"), None, &log("r1", "issued"), 1).await.expect("insert");
    store.insert_certificate(&ours("r2", &owner, "7a02"), None, &log("r2", "issued"), 1).await.expect("insert");
    assert_eq!(store.revocation_mark("ecdsa-p256").await.expect("mark"), 0);
    let r1 = Revocation { at: 100, reason: RevocationReason::KeyCompromise };
    revoke(&store, &owner, "r1", r1).await;
    assert_eq!(store.revocation_mark("ecdsa-p256").await.expect("mark"), 1, "the revocation raised the mark");
    assert!(store.crl_stale("ecdsa-p256").await.expect("stale"));

    // Deleting the record leaves the revocation in place for the CRL and OCSP.
    assert!(store.delete_certificate(&owner, "r1", &log("r1", "delete"), 200).await.expect("delete"));
    let listed = store.revoked_serials("ecdsa-p256").await.expect("list");
    assert_eq!(listed, vec![RevokedSerial { serial: "7a01".into(), revocation: r1 }]);
    let status = store.serial_status("ecdsa-p256", "7a01").await.expect("status").expect("known after deletion");
    assert_eq!((status.revocation, status.not_after), (Some(r1), 5_000_000_000));

    // A CRL that covers the mark is current; the next revocation makes it stale again.
    let crl = certhub_core::model::StoredCrl { number: 1, this_update: 300, der: vec![1], covered: 1 };
    assert!(store.save_crl("ecdsa-p256", &crl).await.expect("save"));
    assert!(!store.crl_stale("ecdsa-p256").await.expect("stale"));
    revoke(&store, &owner, "r2", Revocation { at: 400, reason: RevocationReason::Superseded }).await;
    assert!(store.crl_stale("ecdsa-p256").await.expect("stale"));
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
