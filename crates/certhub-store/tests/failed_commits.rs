//! A write the store acknowledged is durable, whatever failed around it: a full disk, a locked database,
//! a COMMIT refused by the database. A connection whose COMMIT failed is closed, never reused, and once
//! the cause is gone writes succeed again without reopening the store.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use certhub_core::Store;
use certhub_core::model::{CertRecord, CertStatus, CertType, NewLog, Source};
use certhub_store::{Sealer, SqlStore};
use sqlx::Connection;

fn cipher() -> Arc<Sealer> {
    Arc::new(Sealer::from_bytes(&[7u8; 32]).expect("cipher"))
}

fn cert(id: &str, owner: &str, pad: usize) -> CertRecord {
    CertRecord {
        id: id.into(),
        owner_uin: owner.into(),
        project_id: 0,
        alias: String::new(),
        source: Source::Upload,
        cert_type: CertType::Server,
        package_type: None,
        product_name: String::new(),
        domain: "disk.example".into(),
        sans: vec!["disk.example".into()],
        status: CertStatus::Issued,
        status_msg: String::new(),
        verify_type: None,
        not_before: Some(1),
        not_after: Some(1_000_000),
        insert_time: 1,
        // Random text, so the pages written are as large as they look.
        cert_pem: Some(certhub_core::ids::random_alnum(pad)),
        fingerprint: Some(format!("FP-{id}")),
        key_algorithm: "RSA 2048".into(),
        is_sm: false,
        has_key: false,
        ignore_expiry_notice: false,
        allow_download: true,
        tags: vec![],
        certificate_use: None,
        extra: Default::default(),
        serial: None,
        revocation: None,
    }
}

fn log(id: &str, action: &str) -> NewLog {
    NewLog { cert_id: id.into(), kind: "test".into(), action: action.into(), actor: "tester".into() }
}

/// A small tmpfs, unmounted when dropped (also when the test fails).
struct TinyFs(PathBuf);

impl TinyFs {
    fn mount(size: &str) -> Option<Self> {
        let dir = std::env::temp_dir().join(format!("certhub-tinyfs-{}", certhub_core::ids::random_alnum(8)));
        std::fs::create_dir_all(&dir).expect("dir");
        let ok = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(&dir).status();
        if ok.is_ok_and(|s| s.success()) {
            return Some(Self(dir));
        }
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "mounting a tmpfs (root) is required under CI=true");
        eprintln!("SKIPPED: cannot mount a tmpfs (not root?)");
        None
    }

    /// Fills the filesystem but for about `leave` bytes; returns the filler's path.
    fn fill(&self, leave: u64) -> PathBuf {
        let path = self.0.join("filler");
        let free = Command::new("df").args(["-B1", "--output=avail"]).arg(&self.0).output().expect("df");
        let free: u64 = String::from_utf8_lossy(&free.stdout).lines().nth(1).and_then(|l| l.trim().parse().ok()).expect("df avail");
        std::fs::write(&path, vec![0xa5u8; free.saturating_sub(leave) as usize]).expect("filler");
        path
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Writes from several tasks at once (group-committed inserts and single-transaction updates) until the disk is
/// full; returns what was acknowledged: inserted IDs and (ID, alias) updates.
async fn write_until_full(store: &Arc<SqlStore>, owner: &str, tag: &str) -> (Vec<String>, Vec<(String, String)>, usize) {
    let (mut inserted, mut renamed, mut failures) = (Vec::new(), Vec::new(), 0);
    for round in 0..200 {
        let mut tasks = Vec::new();
        for i in 0..4 {
            let (store, owner, id) = (store.clone(), owner.to_string(), format!("{tag}{round}x{i}"));
            tasks.push(tokio::spawn(async move {
                let r = store.insert_certificate(&cert(&id, &owner, 6000), None, &log(&id, "upload"), 1).await;
                (id, r)
            }));
        }
        for t in tasks {
            match t.await.expect("task") {
                (id, Ok(())) => inserted.push(id),
                (_, Err(_)) => failures += 1,
            }
        }
        if let Some(id) = inserted.first().cloned() {
            let alias = format!("renamed {tag}{round}");
            match store.update_alias(owner, &id, &alias, &log(&id, "rename"), 2).await {
                Ok(true) => renamed.push((id, alias)),
                Ok(false) => panic!("certificate {id} vanished"),
                Err(_) => failures += 1,
            }
        }
        if failures >= 12 {
            break;
        }
    }
    (inserted, renamed, failures)
}

async fn assert_durable(store: &SqlStore, owner: &str, inserted: &[String], renamed: &[(String, String)]) {
    let mut lost = Vec::new();
    for id in inserted {
        if store.certificate(owner, id).await.expect("read").is_none() {
            lost.push(id.clone());
        }
    }
    assert!(lost.is_empty(), "{} of {} acknowledged inserts lost: {lost:?}", lost.len(), inserted.len());
    // The last acknowledged alias is the one stored.
    if let Some((id, alias)) = renamed.last() {
        let c = store.certificate(owner, id).await.expect("read").expect("present");
        assert_eq!(&c.alias, alias, "an acknowledged update was lost");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_full_disk_loses_nothing_acknowledged_and_recovers_without_reopening() {
    let Some(fs) = TinyFs::mount("2m") else { return };
    let url = format!("sqlite://{}", fs.path().join("certhub.db").display());
    let store = Arc::new(SqlStore::connect(&url, cipher()).await.expect("connect"));
    let owner = store.ensure_account("disk", 1).await.expect("account").uin;
    let filler = fs.fill(160 * 1024);

    let (mut inserted, mut renamed, failures) = write_until_full(&store, &owner, "a").await;
    assert!(failures > 0, "the disk never filled up");
    assert!(!inserted.is_empty(), "nothing was written before the disk filled up");

    // Space is back: the same store writes again, and reads what it acknowledged.
    std::fs::remove_file(&filler).expect("free space");
    for i in 0..5 {
        let id = format!("after{i}");
        store.insert_certificate(&cert(&id, &owner, 6000), None, &log(&id, "upload"), 3).await.expect("insert after space is back");
        inserted.push(id);
    }
    let id = inserted[0].clone();
    assert!(store.update_alias(&owner, &id, "after", &log(&id, "rename"), 4).await.expect("update after space is back"));
    renamed.push((id, "after".into()));
    assert_durable(&store, &owner, &inserted, &renamed).await;

    // And all of it is on disk: a fresh store (a restart) sees it.
    store.close().await;
    drop(store);
    let again = SqlStore::connect(&url, cipher()).await.expect("reconnect");
    assert_durable(&again, &owner, &inserted, &renamed).await;
    again.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_locked_database_fails_the_write_and_recovers() {
    let dir = std::env::temp_dir().join(format!("certhub-locked-{}", certhub_core::ids::random_alnum(8)));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("certhub.db").display());
    let store = SqlStore::connect(&url, cipher()).await.expect("connect");
    let owner = store.ensure_account("locked", 1).await.expect("account").uin;
    store.insert_certificate(&cert("l1", &owner, 100), None, &log("l1", "upload"), 1).await.expect("insert");

    // Another process holds the write lock past the busy timeout.
    let mut other = sqlx::SqliteConnection::connect(&url).await.expect("raw");
    sqlx::query("BEGIN IMMEDIATE").execute(&mut other).await.expect("lock");
    let r = store.update_alias(&owner, "l1", "while locked", &log("l1", "rename"), 2).await;
    assert!(r.is_err(), "a write that could not commit must fail, got {r:?}");
    sqlx::query("ROLLBACK").execute(&mut other).await.expect("unlock");
    drop(other);

    assert!(store.update_alias(&owner, "l1", "unlocked", &log("l1", "rename"), 3).await.expect("write after unlock"));
    store.insert_certificate(&cert("l2", &owner, 100), None, &log("l2", "upload"), 3).await.expect("insert after unlock");
    store.close().await;
    let again = SqlStore::connect(&url, cipher()).await.expect("reconnect");
    assert_eq!(again.certificate(&owner, "l1").await.expect("read").expect("l1").alias, "unlocked");
    assert!(again.certificate(&owner, "l2").await.expect("read").is_some());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_failed_commit_is_an_error_and_its_connection_is_closed() {
    let base = std::env::var("CERTHUB_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut admin = match sqlx::PgConnection::connect(&base).await {
        Ok(c) => c,
        Err(e) => {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "PostgreSQL is required under CI=true: {e}");
            eprintln!("SKIPPED: PostgreSQL unreachable at {base}: {e}");
            return;
        }
    };
    let db = format!("certhub_commit_{}", certhub_core::ids::random_alnum(10).to_lowercase());
    sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut admin).await.expect("create database");
    let url = match base.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{db}"),
        None => panic!("bad URL {base}"),
    };
    let store = SqlStore::connect(&url, cipher()).await.expect("connect");
    let owner = store.ensure_account("commit", 1).await.expect("account").uin;
    store.insert_certificate(&cert("p1", &owner, 100), None, &log("p1", "upload"), 1).await.expect("insert");

    // A deferred check that fails at COMMIT and names the backend that ran it.
    let mut raw = sqlx::PgConnection::connect(&url).await.expect("raw");
    sqlx::raw_sql(
        "CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF NEW.action = 'fail at commit' THEN RAISE EXCEPTION 'deferred check failed on backend %', pg_backend_pid(); END IF; \
           RETURN NULL; END $$; \
         CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON operate_logs DEFERRABLE INITIALLY DEFERRED \
           FOR EACH ROW EXECUTE FUNCTION fail_at_commit();",
    )
    .execute(&mut raw)
    .await
    .expect("trigger");

    let err = store.update_alias(&owner, "p1", "never", &log("p1", "fail at commit"), 2).await.expect_err("the COMMIT failed");
    let pid: i32 = err
        .to_string()
        .rsplit("backend ")
        .next()
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no backend pid in {err}"));
    assert_eq!(store.certificate(&owner, "p1").await.expect("read").expect("p1").alias, "", "a failed commit changed nothing");

    // The connection whose COMMIT failed is gone from the pool (and from the server).
    let mut alive = true;
    for _ in 0..50 {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = $1")
            .bind(pid)
            .fetch_one(&mut raw)
            .await
            .expect("activity");
        alive = n > 0;
        if !alive {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!alive, "the connection whose COMMIT failed (backend {pid}) went back to the pool");

    // A backend killed under the pool: writes go on on fresh connections.
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
        .bind(&db)
        .execute(&mut raw)
        .await
        .expect("terminate");
    let mut ok = false;
    for i in 0..5 {
        if store.update_alias(&owner, "p1", &format!("after {i}"), &log("p1", "rename"), 3).await.is_ok() {
            ok = true;
            break;
        }
    }
    assert!(ok, "writes did not resume after the backends were killed");
    store.close().await;
    drop(raw);
    let _ = sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)")).execute(&mut admin).await;
}
