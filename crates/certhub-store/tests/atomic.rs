//! Changes that must land together or not at all, on SQLite and PostgreSQL: a
//! reissue (original to status 11 + the new pending order), a DigiCert approval
//! (request decided + certificate revoked), and at most one pending revocation
//! request per certificate even when many are filed at once.

use std::sync::Arc;

use certhub_core::jobs::JobKind;
use certhub_core::model::{CertRecord, CertStatus, CertType, NewLog, Revocation, RevocationReason, RevokeRequestStatus, Source, Tag};
use certhub_core::store::{Reissue, Transition};
use certhub_core::{Store, StoreError};
use certhub_store::{Sealer, SqlStore};
use sqlx::Connection;

fn cipher() -> Arc<Sealer> {
    Arc::new(Sealer::from_bytes(&[7u8; 32]).expect("cipher"))
}

fn cert(id: &str, owner: &str, status: CertStatus, t: i64) -> CertRecord {
    CertRecord {
        id: id.into(),
        owner_uin: owner.into(),
        project_id: 0,
        alias: String::new(),
        source: Source::Certhub,
        cert_type: CertType::Server,
        package_type: Some("83".into()),
        product_name: String::new(),
        domain: "atomic.example.com".into(),
        sans: vec!["atomic.example.com".into()],
        status,
        status_msg: String::new(),
        verify_type: Some(certhub_core::dcv::Method::File),
        not_before: Some(t - 10),
        not_after: Some(t + 86_400 * 90),
        insert_time: t,
        cert_pem: None,
        fingerprint: Some(format!("FP-{id}")),
        key_algorithm: "ECC 256".into(),
        is_sm: false,
        has_key: true,
        ignore_expiry_notice: false,
        allow_download: true,
        tags: Vec::<Tag>::new(),
        certificate_use: None,
        extra: Default::default(),
        serial: Some(format!("5e{id}")),
        revocation: None,
    }
}

fn log(id: &str, kind: &str) -> NewLog {
    NewLog { cert_id: id.into(), kind: kind.into(), action: kind.into(), actor: "tester".into() }
}

async fn reissue_is_one_transaction(store: &SqlStore, owner: &str, now: i64) {
    store
        .insert_certificate(&cert("orig0001", owner, CertStatus::Issued, now), Some(b"K"), &log("orig0001", "apply"), now)
        .await
        .expect("original");
    store
        .insert_certificate(&cert("taken001", owner, CertStatus::Issued, now), Some(b"K"), &log("taken001", "apply"), now)
        .await
        .expect("other");
    let mark_log = log("orig0001", "replace");
    let mark = Transition {
        from: &[CertStatus::Issued],
        to: CertStatus::Reissuing,
        msg: "REISSUING",
        extra: None,
        log: &mark_log,
        job: None,
        revocation: None,
    };
    let order_log = log("taken001", "replace");
    // The new order's insert fails (its ID is taken): the original must not be left at status 11.
    let clash = cert("taken001", owner, CertStatus::Pending, now);
    let r = Reissue {
        original: "orig0001",
        mark: &mark,
        order: &clash,
        private_key: None,
        log: &order_log,
        job_kind: JobKind::Validation,
        deadline: now + 3600,
    };
    assert!(matches!(store.reissue(&r, now).await, Err(StoreError::Conflict(_))));
    assert_eq!(
        store.certificate(owner, "orig0001").await.expect("read").expect("there").status,
        CertStatus::Issued,
        "rolled back with the insert"
    );
    // Both halves land together, job included.
    let order = cert("new00001", owner, CertStatus::Pending, now);
    let order_log = log("new00001", "replace");
    let r = Reissue {
        original: "orig0001",
        mark: &mark,
        order: &order,
        private_key: Some(b"NEWKEY"),
        log: &order_log,
        job_kind: JobKind::Validation,
        deadline: now + 3600,
    };
    assert!(store.reissue(&r, now).await.expect("reissue"));
    assert_eq!(store.certificate(owner, "orig0001").await.expect("read").expect("there").status, CertStatus::Reissuing);
    assert_eq!(store.certificate(owner, "new00001").await.expect("read").expect("there").status, CertStatus::Pending);
    assert_eq!(store.certificate_key(owner, "new00001").await.expect("key").as_deref(), Some(&b"NEWKEY"[..]));
    assert_eq!(store.claim_cert_job(JobKind::Validation, "new00001", now, 60).await.expect("claim").map(|j| j.deadline), Some(now + 3600));
    // A second reissue finds the original no longer issued and writes nothing.
    let again = cert("new00002", owner, CertStatus::Pending, now);
    let r = Reissue {
        original: "orig0001",
        mark: &mark,
        order: &again,
        private_key: None,
        log: &order_log,
        job_kind: JobKind::Validation,
        deadline: now + 3600,
    };
    assert!(!store.reissue(&r, now).await.expect("second"));
    assert!(store.certificate(owner, "new00002").await.expect("read").is_none(), "no orphan order");
}

async fn approval_is_one_transaction(store: &SqlStore, owner: &str, now: i64) {
    store
        .insert_certificate(&cert("dcrev001", owner, CertStatus::Issued, now), Some(b"K"), &log("dcrev001", "apply"), now)
        .await
        .expect("cert");
    let req = store.create_revoke_request(owner, "dcrev001", "lost key", "tester", now).await.expect("request");
    let revoked_log = log("dcrev001", "revoked");
    let revocation = Some(Revocation { at: now + 5, reason: RevocationReason::KeyCompromise });
    // The certificate is not in a revocable status: the request stays pending, nothing changes.
    let wrong = Transition {
        from: &[CertStatus::DnsAdded],
        to: CertStatus::Revoked,
        msg: "",
        extra: None,
        log: &revoked_log,
        job: None,
        revocation,
    };
    assert!(!store.approve_revoke_request(req.id, "ok", (owner, "dcrev001"), &wrong, now + 5).await.expect("approve"));
    assert_eq!(store.revoke_request(None, req.id).await.expect("read").expect("there").status, RevokeRequestStatus::Pending);
    let t =
        Transition { from: &[CertStatus::Issued], to: CertStatus::Revoked, msg: "", extra: None, log: &revoked_log, job: None, revocation };
    assert!(store.approve_revoke_request(req.id, "ok", (owner, "dcrev001"), &t, now + 5).await.expect("approve"));
    let decided = store.revoke_request(None, req.id).await.expect("read").expect("there");
    assert_eq!((decided.status, decided.processor_comment.as_str()), (RevokeRequestStatus::Approved, "ok"));
    let c = store.certificate(owner, "dcrev001").await.expect("read").expect("there");
    assert_eq!((c.status, c.revocation.map(|r| r.at)), (CertStatus::Revoked, Some(now + 5)));
    // Decided once: a second approval writes nothing.
    assert!(!store.approve_revoke_request(req.id, "again", (owner, "dcrev001"), &t, now + 6).await.expect("again"));
}

async fn one_pending_request_per_certificate(store: &Arc<SqlStore>, owner: &str, now: i64) {
    store
        .insert_certificate(&cert("dup00001", owner, CertStatus::Issued, now), Some(b"K"), &log("dup00001", "apply"), now)
        .await
        .expect("cert");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (store, owner) = (store.clone(), owner.to_string());
        tasks.push(tokio::spawn(async move { store.create_revoke_request(&owner, "dup00001", &format!("try {i}"), "tester", now).await }));
    }
    let (mut filed, mut refused) = (Vec::new(), 0);
    for t in tasks {
        match t.await.expect("task") {
            Ok(r) => filed.push(r),
            Err(StoreError::Conflict(_)) => refused += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!((filed.len(), refused), (1, 7), "exactly one of eight concurrent requests is pending");
    // Once decided, a new request may be filed.
    assert!(store.decide_revoke_request(filed[0].id, RevokeRequestStatus::Rejected, "no", now + 1).await.expect("reject"));
    store.create_revoke_request(owner, "dup00001", "again", "tester", now + 2).await.expect("a new request after the decision");
}

async fn suite(store: SqlStore) {
    let now = 1_700_000_000;
    let store = Arc::new(store);
    let owner = store.ensure_account("atomic", now).await.expect("account").uin;
    reissue_is_one_transaction(&store, &owner, now).await;
    approval_is_one_transaction(&store, &owner, now).await;
    one_pending_request_per_certificate(&store, &owner, now).await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_atomic() {
    let dir = std::env::temp_dir().join(format!("certhub-atomic-{}", certhub_core::ids::random_alnum(10)));
    std::fs::create_dir_all(&dir).expect("dir");
    let store = SqlStore::connect(&format!("sqlite://{}", dir.join("t.db").display()), cipher()).await.expect("connect");
    suite(store).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_atomic() {
    let base = std::env::var("CERTHUB_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut admin = match sqlx::PgConnection::connect(&base).await {
        Ok(c) => c,
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED postgres_atomic: PostgreSQL unreachable at {base}: {e}");
            return;
        }
        Err(e) => panic!("PostgreSQL is required under CI=true but unreachable at {base}: {e}"),
    };
    let db = format!("certhub_atomic_{}", certhub_core::ids::random_alnum(10).to_lowercase());
    sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut admin).await.expect("create database");
    let url = match base.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{db}"),
        None => panic!("bad URL {base}"),
    };
    suite(SqlStore::connect(&url, cipher()).await.expect("connect")).await;
    sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)")).execute(&mut admin).await.expect("drop database");
}
