//! One store test-suite, run against SQLite and PostgreSQL.
//!
//! PostgreSQL comes from `CERTHUB_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); each run creates and drops its own
//! database. Under `CI=true` an unreachable PostgreSQL fails the suite.

use std::sync::Arc;

use certhub_core::jobs::{DeleteStatus, JobKind, JobOutcome, JobPayload};
use certhub_core::model::{
    CertOrder, CertQuery, CertRecord, CertStatus, CertType, KeyKind, LogQuery, NewLog, RevocationReason, RevokeRequestStatus, Source, Tag,
};
use certhub_core::store::Transition;
use certhub_core::{Store, StoreError};
use certhub_store::{Sealer, SqlStore};
use sqlx::Connection;

fn cipher() -> Arc<Sealer> {
    Arc::new(Sealer::from_bytes(&[42u8; 32]).expect("cipher"))
}

fn cert(id: &str, owner: &str, domain: &str, t: i64) -> CertRecord {
    CertRecord {
        id: id.into(),
        owner_uin: owner.into(),
        project_id: 0,
        alias: format!("alias-{id}"),
        source: Source::Upload,
        cert_type: CertType::Server,
        package_type: None,
        product_name: String::new(),
        domain: domain.into(),
        sans: vec![domain.into(), format!("www.{domain}")],
        status: CertStatus::Issued,
        status_msg: String::new(),
        verify_type: None,
        not_before: Some(t - 10),
        not_after: Some(t + 86_400 * 90),
        insert_time: t,
        cert_pem: Some("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n".into()),
        fingerprint: Some(format!("FP-{id}")),
        key_algorithm: "RSA 2048".into(),
        is_sm: false,
        has_key: true,
        ignore_expiry_notice: false,
        allow_download: true,
        tags: vec![Tag { tag_key: "env".into(), tag_value: if t % 2 == 0 { "prod".into() } else { "dev".into() } }],
        certificate_use: None,
        extra: certhub_core::model::CertExtra { order_id: Some("k".into()), ..Default::default() },
        serial: None,
        revocation: None,
    }
}

fn log(id: &str, kind: &str) -> NewLog {
    NewLog { cert_id: id.into(), kind: kind.into(), action: format!("{kind} {id}"), actor: "tester".into() }
}

/// The suite; `raw` reads one column as bytes straight from the database.
async fn suite(store: &SqlStore, raw_secret: impl AsyncFn(&str) -> Vec<u8>, raw_key: impl AsyncFn(&str) -> Option<Vec<u8>>) {
    let now = 1_700_000_000;
    // Accounts are created once per name.
    let a = store.ensure_account("alice", now).await.expect("account");
    let a2 = store.ensure_account("alice", now + 1).await.expect("account again");
    assert_eq!(a, a2);
    let b = store.ensure_account("bob", now).await.expect("account b");
    assert_ne!(a.uin, b.uin);
    assert_eq!(store.account(&a.uin).await.expect("get").as_ref(), Some(&a));
    assert!(store.account("000").await.expect("get").is_none());

    // API keys: secret encrypted at rest, decrypted on lookup, disable works.
    let key = store.create_api_key(&a.uin, KeyKind::Tencent, "AKIDtest1", b"super-secret-value", now).await.expect("key");
    assert!(key.enabled);
    let got = store.api_key("AKIDtest1").await.expect("lookup").expect("present");
    assert_eq!(got.secret, b"super-secret-value");
    assert_eq!(got.key.owner_uin, a.uin);
    let raw = raw_secret("AKIDtest1").await;
    assert!(!raw.windows(6).any(|w| w == b"secret"), "secret stored in clear");
    assert!(store.set_api_key_enabled("AKIDtest1", false).await.expect("disable"));
    assert!(!store.api_key("AKIDtest1").await.expect("lookup").expect("present").key.enabled);
    assert!(!store.set_api_key_enabled("AKIDnone", false).await.expect("disable none"));
    assert!(store.api_key("AKIDnone").await.expect("lookup").is_none());
    assert_eq!(store.list_api_keys().await.expect("list").len(), 1);
    assert!(store.create_api_key(&a.uin, KeyKind::Tencent, "AKIDtest1", b"x", now).await.is_err(), "duplicate SecretId");

    // Certificates: insert with key and log in one transaction.
    for i in 0..25 {
        let c = cert(&format!("cert{i:04}"), &a.uin, &format!("d{i}.example.com"), now + i);
        store.insert_certificate(&c, Some(b"PKCS8-PRIVATE-KEY"), &log(&c.id, "upload"), now + i).await.expect("insert");
    }
    let mut other = cert("bobcert1", &b.uin, "bob.example.com", now);
    other.fingerprint = Some("FP-cert0001".into());
    store.insert_certificate(&other, None, &log("bobcert1", "upload"), now).await.expect("insert b");
    assert!(store.insert_certificate(&cert("cert0000", &a.uin, "dup", now), None, &log("cert0000", "upload"), now).await.is_err());

    let c = store.certificate(&a.uin, "cert0003").await.expect("get").expect("present");
    assert_eq!(c, cert("cert0003", &a.uin, "d3.example.com", now + 3));
    assert!(store.certificate(&b.uin, "cert0003").await.expect("get").is_none(), "tenancy: B sees A's certificate");
    assert!(store.certificate(&a.uin, "bobcert1").await.expect("get").is_none(), "tenancy: A sees B's certificate");
    assert_eq!(store.certificate_key(&a.uin, "cert0003").await.expect("key").as_deref(), Some(&b"PKCS8-PRIVATE-KEY"[..]));
    assert!(store.certificate_key(&b.uin, "cert0003").await.expect("key").is_none());
    assert!(store.certificate_key(&b.uin, "bobcert1").await.expect("key").is_none());
    let raw = raw_key("cert0003").await.expect("stored key");
    assert!(!raw.windows(5).any(|w| w == b"PKCS8"), "private key stored in clear");
    assert_eq!(store.certificate_by_fingerprint(&a.uin, "FP-cert0001").await.expect("fp").as_deref(), Some("cert0001"));
    assert_eq!(store.certificate_by_fingerprint(&b.uin, "FP-cert0001").await.expect("fp").as_deref(), Some("bobcert1"));

    // Listing: paging, count, order, filters, tenancy.
    let q = CertQuery { limit: 10, ..Default::default() };
    let (total, page) = store.list_certificates(&a.uin, &q, now).await.expect("list");
    assert_eq!(total, 25);
    assert_eq!(page.len(), 10);
    assert_eq!(page[0].id, "cert0024", "newest first");
    let q = CertQuery { limit: 10, offset: 20, ..Default::default() };
    let (_, page) = store.list_certificates(&a.uin, &q, now).await.expect("list");
    assert_eq!(page.len(), 5);
    let q = CertQuery { limit: 5, order: CertOrder::ExpiryAsc, ..Default::default() };
    let (_, page) = store.list_certificates(&a.uin, &q, now).await.expect("list");
    assert_eq!(page[0].id, "cert0000");
    let q = CertQuery { limit: 100, search_key: Some("D1".into()), ..Default::default() };
    let (total, _) = store.list_certificates(&a.uin, &q, now).await.expect("search");
    assert_eq!(total, 11, "d1, d10..d19 case-insensitively");
    let q = CertQuery { limit: 100, search_key: Some("%".into()), ..Default::default() };
    assert_eq!(store.list_certificates(&a.uin, &q, now).await.expect("search").0, 0, "% is literal");
    let q = CertQuery { limit: 100, tags: vec![Tag { tag_key: "env".into(), tag_value: "prod".into() }], ..Default::default() };
    assert_eq!(store.list_certificates(&a.uin, &q, now).await.expect("tags").0, 13);
    let q = CertQuery { limit: 100, ids: vec!["cert0001".into(), "bobcert1".into()], ..Default::default() };
    let (total, page) = store.list_certificates(&a.uin, &q, now).await.expect("ids");
    assert_eq!((total, page[0].id.as_str()), (1, "cert0001"), "CertIds limited to the caller's");
    let q = CertQuery { limit: 100, statuses: vec![CertStatus::Expired], ..Default::default() };
    assert_eq!(store.list_certificates(&a.uin, &q, now).await.expect("status").0, 0);
    let q = CertQuery { limit: 100, expiring_only: true, ..Default::default() };
    assert_eq!(store.list_certificates(&a.uin, &q, now).await.expect("expiring").0, 0);
    let q = CertQuery { limit: 100, uploaded: Some(false), ..Default::default() };
    assert_eq!(store.list_certificates(&a.uin, &q, now).await.expect("buy").0, 0);
    let (total, _) = store.list_certificates(&b.uin, &CertQuery { limit: 100, ..Default::default() }, now).await.expect("b list");
    assert_eq!(total, 1);

    // Modifications write their logs; other accounts change nothing.
    assert!(store.update_alias(&a.uin, "cert0005", "renamed", &log("cert0005", "updateAlias"), now + 100).await.expect("alias"));
    assert!(!store.update_alias(&b.uin, "cert0005", "evil", &log("cert0005", "updateAlias"), now + 100).await.expect("alias b"));
    assert_eq!(store.certificate(&a.uin, "cert0005").await.expect("get").expect("present").alias, "renamed");
    let moved = store
        .update_project(&a.uin, &["cert0006".into(), "bobcert1".into(), "nope".into()], 77, "tester", now + 101)
        .await
        .expect("project");
    assert_eq!(moved, vec!["cert0006".to_string()]);
    let q = CertQuery { limit: 100, project_id: Some(77), ..Default::default() };
    assert_eq!(store.list_certificates(&a.uin, &q, now).await.expect("project").0, 1);
    let changed = store.update_ignore_notice(&a.uin, &["cert0007".into()], true, "tester", now + 102).await.expect("ignore");
    assert_eq!(changed.len(), 1);
    assert!(store.certificate(&a.uin, "cert0007").await.expect("get").expect("present").ignore_expiry_notice);

    // Delete: row and key gone, log kept, other account cannot.
    assert!(!store.delete_certificate(&b.uin, "cert0008", &log("cert0008", "delete"), now + 103).await.expect("del b"));
    assert!(store.delete_certificate(&a.uin, "cert0008", &log("cert0008", "delete"), now + 103).await.expect("del"));
    assert!(store.certificate(&a.uin, "cert0008").await.expect("get").is_none());
    assert!(store.certificate_key(&a.uin, "cert0008").await.expect("key").is_none());
    assert!(raw_key("cert0008").await.is_none());

    let (total, logs) = store.list_logs(&a.uin, &LogQuery { start: now - 1, end: now + 1000, offset: 0, limit: 5 }).await.expect("logs");
    // 25 uploads + alias + project + ignore + delete
    assert_eq!(total, 29);
    assert_eq!(logs.len(), 5);
    assert_eq!(logs[0].kind, "delete", "newest first");
    let (total_b, _) = store.list_logs(&b.uin, &LogQuery { start: 0, end: now + 1000, offset: 0, limit: 100 }).await.expect("logs b");
    assert_eq!(total_b, 1);
    let (windowed, _) =
        store.list_logs(&a.uin, &LogQuery { start: now + 100, end: now + 1000, offset: 0, limit: 100 }).await.expect("window");
    assert_eq!(windowed, 4);

    // Delete tasks.
    let tasks = store
        .create_delete_tasks(&a.uin, &[("cert0009".into(), vec!["d9.example.com".into()]), ("cert0010".into(), vec![])], now)
        .await
        .expect("tasks");
    assert_eq!(tasks.len(), 2);
    // Each task is queued as a delete job carrying its task's ID, leased like every other job.
    let delete_jobs = store.claim_jobs(JobKind::Delete, now, 30, 10).await.expect("claim deletes");
    let carried: Vec<JobPayload> = delete_jobs.iter().map(|j| j.payload.clone()).collect();
    let expected: Vec<JobPayload> = tasks.iter().map(|t| JobPayload::DeleteTask { task_id: t.task_id.clone() }).collect();
    assert_eq!(carried, expected);
    assert_eq!(delete_jobs[0].cert_id, "cert0009");
    assert!(store.claim_jobs(JobKind::Delete, now, 30, 10).await.expect("claim").is_empty(), "leased");
    assert!(store.finish_delete_task(&tasks[0].task_id, DeleteStatus::Deleted, "", now + 5).await.expect("finish"));
    assert!(
        !store.finish_delete_task(&tasks[0].task_id, DeleteStatus::Failed, "late", now + 6).await.expect("again"),
        "a task's result is never overwritten"
    );
    for job in &delete_jobs {
        store.settle_job(job.id, &JobOutcome::done()).await.expect("settle");
    }
    let got = store
        .delete_tasks(&a.uin, &[tasks[0].task_id.clone(), tasks[1].task_id.clone(), "999999".into(), "x".into()])
        .await
        .expect("get tasks");
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].status, got[0].error.as_str()), (DeleteStatus::Deleted, ""));
    assert_eq!(got[1].status, DeleteStatus::Running);
    assert_eq!(got[0].domains, vec!["d9.example.com".to_string()]);
    assert!(store.delete_tasks(&b.uin, &[tasks[0].task_id.clone()]).await.expect("b tasks").is_empty());
    assert!(store.claim_jobs(JobKind::Delete, now + 10_000, 30, 10).await.expect("claim").is_empty(), "settled");

    // CA hierarchies: stored once per family, keys sealed and bound to their role.
    let ca = certhub_core::model::CaRecord {
        family: "ecdsa-p256".into(),
        root_der: b"ROOT-DER".to_vec(),
        root_key: b"ROOT-PRIVATE".to_vec(),
        intermediate_der: b"INT-DER".to_vec(),
        intermediate_key: b"INT-PRIVATE".to_vec(),
        created_at: now,
    };
    assert_eq!(store.insert_ca(&ca).await.expect("insert ca"), ca);
    let second = certhub_core::model::CaRecord { root_der: b"OTHER".to_vec(), ..ca.clone() };
    assert_eq!(store.insert_ca(&second).await.expect("insert again"), ca, "the first hierarchy stays");
    assert_eq!(store.ca("ecdsa-p256").await.expect("get").as_ref(), Some(&ca));
    assert!(store.ca("rsa-2048").await.expect("get").is_none());
    assert_eq!(store.cas().await.expect("all").len(), 1);

    // Pending certificates and their durable jobs.
    let mut pending = cert("pend0001", &a.uin, "pending.example.com", now);
    pending.status = CertStatus::Pending;
    pending.cert_pem = None;
    store
        .insert_pending_certificate(&pending, Some(b"PENDING-KEY"), &log("pend0001", "apply"), JobKind::Validation, now + 3600, now)
        .await
        .expect("pending");
    let jobs = store.claim_jobs(JobKind::Validation, now, 30, 10).await.expect("claim");
    assert_eq!(jobs.len(), 1);
    assert_eq!((jobs[0].cert_id.as_str(), jobs[0].attempts, jobs[0].deadline), ("pend0001", 1, now + 3600));
    assert_eq!((jobs[0].kind, &jobs[0].payload), (JobKind::Validation, &JobPayload::Certificate));
    assert!(store.claim_jobs(JobKind::Validation, now + 1, 30, 10).await.expect("claim").is_empty(), "leased");
    assert!(store.claim_jobs(JobKind::Revocation, now + 100, 30, 10).await.expect("claim").is_empty(), "kind");
    store.settle_job(jobs[0].id, &JobOutcome::RetryAt(now + 60, "not yet".into())).await.expect("retry");
    assert!(store.claim_jobs(JobKind::Validation, now + 10, 30, 10).await.expect("claim").is_empty(), "not due");
    store.hurry_jobs("pend0001", now + 10).await.expect("hurry");
    let again = store.claim_jobs(JobKind::Validation, now + 10, 30, 10).await.expect("claim");
    assert_eq!((again.len(), again[0].attempts, again[0].last_error.as_str()), (1, 2, "not yet"));
    let issued = certhub_core::model::Issued {
        cert_pem: "PEM".into(),
        not_before: now,
        not_after: now + 90 * 86_400,
        fingerprint: "FPX".into(),
        serial: "0badc0de".into(),
    };
    assert!(store.mark_issued(&a.uin, "pend0001", &issued, &log("pend0001", "issued"), now + 11).await.expect("issue"));
    assert!(!store.mark_issued(&a.uin, "pend0001", &issued, &log("pend0001", "issued"), now + 12).await.expect("twice"));
    let late = log("pend0001", "failed");
    let fail = Transition {
        from: &[CertStatus::Pending, CertStatus::DnsAdded],
        to: CertStatus::Failed,
        msg: "late",
        extra: None,
        log: &late,
        job: None,
        revocation: None,
    };
    assert!(!store.transition(&a.uin, "pend0001", &fail, now + 12).await.expect("fail issued"));
    let got = store.certificate(&a.uin, "pend0001").await.expect("get").expect("present");
    assert_eq!((got.status, got.cert_pem.as_deref(), got.fingerprint.as_deref()), (CertStatus::Issued, Some("PEM"), Some("FPX")));
    store.settle_job(again[0].id, &JobOutcome::done()).await.expect("end");
    assert!(store.claim_jobs(JobKind::Validation, now + 10_000, 30, 10).await.expect("claim").is_empty(), "ended");
    // A guarded change that matches moves the status, replaces extra, logs and queues its job at once.
    let patched = certhub_core::model::CertExtra { revoke_reason_text: Some("keyCompromise".into()), ..Default::default() };
    let revoking = log("pend0001", "revoke");
    let t = Transition {
        from: &[CertStatus::Issued],
        to: CertStatus::Revoking,
        msg: "REVOKING",
        extra: Some(&patched),
        log: &revoking,
        job: Some((JobKind::Revocation, now + 100)),
        revocation: None,
    };
    assert!(store.transition(&a.uin, "pend0001", &t, now + 13).await.expect("revoke"));
    let c = store.certificate(&a.uin, "pend0001").await.expect("read").expect("exists");
    assert_eq!((c.status, c.status_msg.as_str(), &c.extra), (CertStatus::Revoking, "REVOKING", &patched));
    assert!(!store.transition(&b.uin, "pend0001", &t, now + 13).await.expect("other account"), "scoped to the account");
    let jobs = store.claim_jobs(JobKind::Revocation, now + 14, 60, 10).await.expect("claim");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].cert_id, "pend0001");

    // Revocation: serials of certhub's CA are indexed per family for OCSP and the CRL.
    let mut ours = cert("ours0001", &a.uin, "ours.example.com", now);
    ours.source = Source::Certhub;
    ours.serial = Some("7fa1".into());
    ours.extra = certhub_core::model::CertExtra { family: Some("ecdsa-p256".into()), ..Default::default() };
    store.insert_certificate(&ours, None, &log("ours0001", "issued"), now).await.expect("ours");
    let good = store.serial_status("ecdsa-p256", "7fa1").await.expect("status").expect("known");
    assert_eq!((good.not_after, good.revocation), (now + 86_400 * 90, None));
    assert!(store.serial_status("rsa-2048", "7fa1").await.expect("status").is_none(), "another CA's serial");
    assert!(store.serial_status("ecdsa-p256", "7fa2").await.expect("status").is_none(), "never issued");
    let r = certhub_core::model::Revocation { at: now + 20, reason: RevocationReason::KeyCompromise };
    let revoked_log = log("ours0001", "revoked");
    let t = Transition {
        from: &[CertStatus::Issued],
        to: CertStatus::Revoked,
        msg: "",
        extra: None,
        log: &revoked_log,
        job: None,
        revocation: Some(r),
    };
    assert!(store.transition(&a.uin, "ours0001", &t, now + 20).await.expect("revoke"));
    assert!(!store.transition(&a.uin, "ours0001", &t, now + 21).await.expect("twice"), "only once");
    assert_eq!(store.serial_status("ecdsa-p256", "7fa1").await.expect("status").and_then(|s| s.revocation), Some(r));
    let listed = store.revoked_serials("ecdsa-p256").await.expect("crl entries");
    assert_eq!(listed, vec![certhub_core::model::RevokedSerial { serial: "7fa1".into(), revocation: r }]);
    assert_eq!(store.certificate(&a.uin, "ours0001").await.expect("read").and_then(|c| c.revocation), Some(r));
    // CRL numbers are compare-and-set: one writer per number.
    let crl = |n: i64| certhub_core::model::StoredCrl { number: n, this_update: now + n, der: vec![n as u8], covered: 0 };
    assert!(store.crl("ecdsa-p256").await.expect("crl").is_none());
    assert!(store.save_crl("ecdsa-p256", &crl(1)).await.expect("first"));
    assert!(!store.save_crl("ecdsa-p256", &crl(1)).await.expect("same number again"));
    assert!(!store.save_crl("ecdsa-p256", &crl(3)).await.expect("a gap"));
    assert!(store.save_crl("ecdsa-p256", &crl(2)).await.expect("next"));
    assert_eq!(store.crl("ecdsa-p256").await.expect("crl").map(|c| c.number), Some(2));
    // Leases: one holder at a time until it expires or is given back.
    assert!(store.try_lease("crl:ecdsa-p256", "node-a", now, now + 60).await.expect("lease"));
    assert!(!store.try_lease("crl:ecdsa-p256", "node-b", now + 1, now + 61).await.expect("held"), "node-b must wait");
    assert!(store.try_lease("crl:ecdsa-p256", "node-a", now + 2, now + 62).await.expect("renew"), "the holder renews");
    assert!(store.try_lease("crl:rsa-2048", "node-b", now, now + 60).await.expect("another name"));
    assert!(store.try_lease("crl:ecdsa-p256", "node-b", now + 63, now + 120).await.expect("expired"), "an expired lease is free");
    store.release_lease("crl:ecdsa-p256", "node-a").await.expect("not the holder: no effect");
    assert!(!store.try_lease("crl:ecdsa-p256", "node-a", now + 64, now + 120).await.expect("still b's"));
    store.release_lease("crl:ecdsa-p256", "node-b").await.expect("release");
    assert!(store.try_lease("crl:ecdsa-p256", "node-a", now + 65, now + 120).await.expect("free again"));
    // Revocation requests: scoped to their account, decided once.
    let req = store.create_revoke_request(&a.uin, "ours0001", "no longer needed", "DCKkey", now).await.expect("request");
    assert_eq!(req.status, RevokeRequestStatus::Pending);
    assert!(store.revoke_request(Some(&b.uin), req.id).await.expect("other").is_none(), "scoped");
    assert!(store.revoke_request(Some(&a.uin), req.id).await.expect("own").is_some());
    assert_eq!(store.revoke_requests(Some(RevokeRequestStatus::Pending)).await.expect("list").len(), 1);
    assert!(store.decide_revoke_request(req.id, RevokeRequestStatus::Rejected, "no", now + 1).await.expect("decide"));
    assert!(!store.decide_revoke_request(req.id, RevokeRequestStatus::Approved, "yes", now + 2).await.expect("again"), "decided once");
    let after = store.revoke_request(None, req.id).await.expect("admin").expect("exists");
    assert_eq!((after.status, after.processor_comment.as_str()), (RevokeRequestStatus::Rejected, "no"));

    // Concurrent inserts (SQLite commits them in groups): a duplicate ID among
    // them is refused alone; every other row lands with its log row.
    let mut set = Vec::new();
    for i in 0..40 {
        let id = if i == 17 { "pend0001".to_string() } else { format!("grp{i:05}") };
        let c = cert(&id, &a.uin, &format!("g{i}.example.com"), now);
        set.push(async move { (i, store.insert_certificate(&c, Some(b"K"), &log(&c.id, "upload"), now).await) });
    }
    for (i, r) in futures_join_all(set).await {
        match i {
            17 => assert!(matches!(r, Err(StoreError::Conflict(_))), "duplicate must conflict: {r:?}"),
            _ => r.expect("grouped insert"),
        }
    }
    for i in [0, 16, 18, 39] {
        let id = format!("grp{i:05}");
        assert!(store.certificate(&a.uin, &id).await.expect("read").is_some(), "{id} committed");
        assert_eq!(store.certificate_key(&a.uin, &id).await.expect("key").as_deref(), Some(&b"K"[..]));
    }
    let (_, logs) = store.list_logs(&a.uin, &LogQuery { start: 0, end: i64::MAX, offset: 0, limit: 1000 }).await.expect("logs");
    assert_eq!(logs.iter().filter(|l| l.cert_id == "grp00018").count(), 1, "one log row per grouped insert");
}

/// Polls every future concurrently on this task, results in input order.
async fn futures_join_all<F: std::future::Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut handles: Vec<_> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = handles.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (h, slot) in handles.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match h.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    out.into_iter().flatten().collect()
}

#[tokio::test]
async fn sqlite_suite() {
    let dir = std::env::temp_dir().join(format!("certhub-store-{}", certhub_core::ids::random_alnum(10)));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let store = SqlStore::connect(&url, cipher()).await.expect("connect");
    assert_eq!(store.backend(), "sqlite");
    let raw_url = url.clone();
    let raw_secret = async |id: &str| -> Vec<u8> {
        let mut c = sqlx::SqliteConnection::connect(&raw_url).await.expect("raw");
        sqlx::query_scalar("SELECT secret FROM api_keys WHERE secret_id = $1").bind(id).fetch_one(&mut c).await.expect("raw secret")
    };
    let raw_key = async |id: &str| -> Option<Vec<u8>> {
        let mut c = sqlx::SqliteConnection::connect(&raw_url).await.expect("raw");
        sqlx::query_scalar::<_, Option<Vec<u8>>>("SELECT private_key FROM certificates WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut c)
            .await
            .expect("raw key")
            .flatten()
    };
    suite(&store, raw_secret, raw_key).await;
    store.close().await;
    // Reopening runs no migration twice and keeps the data.
    let again = SqlStore::connect(&url, cipher()).await.expect("reconnect");
    assert!(again.api_key("AKIDtest1").await.expect("lookup").is_some());
    let wrong = SqlStore::connect(&url, Arc::new(Sealer::from_bytes(&[1u8; 32]).expect("c"))).await.expect("reconnect");
    assert!(wrong.api_key("AKIDtest1").await.is_err(), "a wrong master key must not decrypt");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn postgres_suite() {
    let base = std::env::var("CERTHUB_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let mut admin = match sqlx::PgConnection::connect(&base).await {
        Ok(c) => c,
        Err(e) if !ci => {
            eprintln!("SKIPPED postgres_suite: PostgreSQL unreachable at {base}: {e}");
            return;
        }
        Err(e) => panic!("PostgreSQL is required under CI=true but unreachable at {base}: {e}"),
    };
    let db = format!("certhub_test_{}", certhub_core::ids::random_alnum(10).to_lowercase());
    sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut admin).await.expect("create database");
    let url = match base.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{db}"),
        None => panic!("bad URL {base}"),
    };
    let store = SqlStore::connect(&url, cipher()).await.expect("connect");
    assert_eq!(store.backend(), "postgres");
    let raw_url = url.clone();
    let raw_secret = async |id: &str| -> Vec<u8> {
        let mut c = sqlx::PgConnection::connect(&raw_url).await.expect("raw");
        sqlx::query_scalar("SELECT secret FROM api_keys WHERE secret_id = $1").bind(id).fetch_one(&mut c).await.expect("raw secret")
    };
    let raw_key = async |id: &str| -> Option<Vec<u8>> {
        let mut c = sqlx::PgConnection::connect(&raw_url).await.expect("raw");
        sqlx::query_scalar::<_, Option<Vec<u8>>>("SELECT private_key FROM certificates WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut c)
            .await
            .expect("raw key")
            .flatten()
    };
    suite(&store, raw_secret, raw_key).await;
    store.close().await;
    let again = SqlStore::connect(&url, cipher()).await.expect("reconnect");
    assert!(again.api_key("AKIDtest1").await.expect("lookup").is_some());
    again.close().await;
    // Dropped raw connections may linger a moment server-side; FORCE ends them.
    sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)")).execute(&mut admin).await.expect("drop database");
}
