//! Migrations, applied in order and recorded in `schema_migrations`. Each is
//! written once with `BLOB_TYPE` and `SERIAL_KEY` placeholders that `for_backend`
//! fills in for SQLite or PostgreSQL.

/// The migrations, in order.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE accounts (
    uin TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE api_keys (
    secret_id TEXT PRIMARY KEY,
    owner_uin TEXT NOT NULL REFERENCES accounts(uin),
    kind TEXT NOT NULL,
    secret BLOB_TYPE NOT NULL,
    enabled BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    owner_uin TEXT NOT NULL REFERENCES accounts(uin),
    project_id BIGINT NOT NULL,
    alias TEXT NOT NULL,
    source TEXT NOT NULL,
    cert_type TEXT NOT NULL,
    package_type TEXT,
    product_name TEXT NOT NULL,
    domain TEXT NOT NULL,
    sans TEXT NOT NULL,
    status BIGINT NOT NULL,
    status_msg TEXT NOT NULL,
    verify_type TEXT,
    not_before BIGINT,
    not_after BIGINT,
    insert_time BIGINT NOT NULL,
    cert_pem TEXT,
    fingerprint TEXT,
    key_algorithm TEXT NOT NULL,
    is_sm BIGINT NOT NULL,
    has_key BIGINT NOT NULL,
    ignore_notice BIGINT NOT NULL,
    allow_download BIGINT NOT NULL,
    tags TEXT NOT NULL,
    certificate_use TEXT,
    extra TEXT NOT NULL,
    private_key BLOB_TYPE,
    seq BIGINT NOT NULL
);
CREATE INDEX certificates_owner_seq ON certificates(owner_uin, seq DESC);
CREATE INDEX certificates_owner_fingerprint ON certificates(owner_uin, fingerprint);
CREATE TABLE cert_tags (
    cert_id TEXT NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL
);
CREATE INDEX cert_tags_cert ON cert_tags(cert_id);
CREATE TABLE operate_logs (
    id SERIAL_KEY,
    owner_uin TEXT NOT NULL,
    cert_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX operate_logs_owner_time ON operate_logs(owner_uin, created_at);
CREATE TABLE delete_tasks (
    id SERIAL_KEY,
    owner_uin TEXT NOT NULL,
    cert_id TEXT NOT NULL,
    status BIGINT NOT NULL,
    domains TEXT NOT NULL,
    error TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
"#,
    r#"
CREATE TABLE ca_hierarchies (
    family TEXT PRIMARY KEY,
    root_der BLOB_TYPE NOT NULL,
    root_key BLOB_TYPE NOT NULL,
    intermediate_der BLOB_TYPE NOT NULL,
    intermediate_key BLOB_TYPE NOT NULL,
    created_at BIGINT NOT NULL
);
"#,
    r#"
CREATE TABLE jobs (
    id SERIAL_KEY,
    kind TEXT NOT NULL,
    owner_uin TEXT NOT NULL,
    cert_id TEXT NOT NULL,
    state TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    deadline BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    last_error TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs(state, run_at);
CREATE INDEX jobs_cert ON jobs(cert_id);
"#,
    r#"
ALTER TABLE certificates ADD COLUMN serial TEXT;
ALTER TABLE certificates ADD COLUMN ca_family TEXT;
ALTER TABLE certificates ADD COLUMN revoked_at BIGINT;
ALTER TABLE certificates ADD COLUMN revoke_reason BIGINT;
CREATE INDEX certificates_ca_serial ON certificates(ca_family, serial);
CREATE INDEX certificates_ca_revoked ON certificates(ca_family, revoked_at);
CREATE TABLE crls (
    ca TEXT PRIMARY KEY,
    number BIGINT NOT NULL,
    this_update BIGINT NOT NULL,
    der BLOB_TYPE NOT NULL
);
CREATE TABLE revoke_requests (
    id SERIAL_KEY,
    owner_uin TEXT NOT NULL REFERENCES accounts(uin),
    cert_id TEXT NOT NULL,
    status TEXT NOT NULL,
    comments TEXT NOT NULL,
    requester TEXT NOT NULL,
    processor_comment TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
"#,
    r#"
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until BIGINT NOT NULL
);
"#,
    // Revocations outlive their certificate records (a deleted certificate stays revoked in the CRL and
    // OCSP), and each one raises its CA's mark so that a CRL generated before it is known to be stale.
    r#"
CREATE TABLE revocations (
    ca_family TEXT NOT NULL,
    serial TEXT NOT NULL,
    revoked_at BIGINT NOT NULL,
    reason BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    cert_id TEXT NOT NULL,
    PRIMARY KEY (ca_family, serial)
);
INSERT INTO revocations (ca_family, serial, revoked_at, reason, not_after, cert_id)
    SELECT ca_family, serial, revoked_at, COALESCE(revoke_reason, 0), COALESCE(not_after, 0), id FROM certificates
    WHERE revoked_at IS NOT NULL AND serial IS NOT NULL AND ca_family IS NOT NULL
    ON CONFLICT (ca_family, serial) DO NOTHING;
CREATE TABLE crl_marks (
    ca TEXT PRIMARY KEY,
    revision BIGINT NOT NULL
);
INSERT INTO crl_marks (ca, revision) SELECT DISTINCT ca_family, 1 FROM revocations;
ALTER TABLE crls ADD COLUMN covered BIGINT NOT NULL DEFAULT 0;
"#,
    r#"
CREATE TABLE signature_claims (
    key_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    request_id TEXT NOT NULL,
    response BLOB_TYPE,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (key_id, signature)
);
CREATE INDEX signature_claims_expiry ON signature_claims(expires_at);
"#,
    // One pending revocation request per certificate, enforced by the database so two concurrent requests
    // cannot both pass; duplicates filed before this rule are closed (the oldest stays pending).
    r#"
UPDATE revoke_requests SET status = 'rejected', processor_comment = 'duplicate of an earlier pending request'
    WHERE status = 'pending' AND id NOT IN (SELECT MIN(id) FROM revoke_requests WHERE status = 'pending' GROUP BY cert_id);
CREATE UNIQUE INDEX IF NOT EXISTS revoke_requests_one_pending ON revoke_requests(cert_id) WHERE status = 'pending';
"#,
    // One scheduler: job kinds take the names the scheduler logs them under, a job carries a payload (a delete
    // job its task's ID), and delete tasks still running are queued as delete jobs instead of being polled.
    r#"
ALTER TABLE jobs ADD COLUMN payload TEXT NOT NULL DEFAULT '';
UPDATE jobs SET kind = 'validation' WHERE kind = 'validate';
UPDATE jobs SET kind = 'revocation' WHERE kind = 'revoke';
INSERT INTO jobs (kind, owner_uin, cert_id, state, run_at, deadline, attempts, lease_until, last_error, payload)
    SELECT 'delete', owner_uin, cert_id, 'queued', updated_at, 9223372036854775807, 0, 0, '', CAST(id AS TEXT)
    FROM delete_tasks WHERE status = 0;
"#,
];

/// The migrations with the backend's types: `postgres` or SQLite otherwise.
pub fn for_backend(postgres: bool) -> Vec<String> {
    let (blob, serial) = if postgres { ("BYTEA", "BIGSERIAL PRIMARY KEY") } else { ("BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT") };
    MIGRATIONS.iter().map(|m| m.replace("BLOB_TYPE", blob).replace("SERIAL_KEY", serial)).collect()
}

/// Splits a migration into statements (our migrations hold no `;` inside literals).
pub fn statements(migration: &str) -> impl Iterator<Item = &str> {
    migration.split(';').map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use certhub_core::Store;
    use certhub_core::model::{Revocation, RevokedSerial};
    use sqlx::Connection;

    use crate::{Sealer, SqlStore};

    /// Applies the migrations before the first one containing `marker`, as a database of that release has them.
    macro_rules! old_database {
        ($conn:expr, $postgres:expr, $marker:expr) => {{
            let migrations = super::for_backend($postgres);
            let before = migrations.iter().position(|m| m.contains($marker)).expect("the migration");
            sqlx::query("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY)").execute(&mut *$conn).await.expect("versions");
            for (i, m) in migrations[..before].iter().enumerate() {
                for stmt in super::statements(m) {
                    sqlx::query(stmt).execute(&mut *$conn).await.expect(stmt);
                }
                sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)")
                    .bind(i as i64 + 1)
                    .execute(&mut *$conn)
                    .await
                    .expect("version");
            }
        }};
    }

    /// Rows of a database from before the one scheduler: a validation job under its old name, a delete task
    /// still running (polled then, queued now) and one already finished.
    macro_rules! old_jobs {
        ($conn:expr) => {{
            for stmt in [
                "INSERT INTO jobs (kind, owner_uin, cert_id, state, run_at, deadline, attempts, lease_until, last_error) \
                 VALUES ('validate', '100', 'pend0001', 'queued', 10, 5000, 2, 0, 'not yet')",
                "INSERT INTO jobs (kind, owner_uin, cert_id, state, run_at, deadline, attempts, lease_until, last_error) \
                 VALUES ('revoke', '100', 'rev00001', 'done', 10, 5000, 1, 0, '')",
                "INSERT INTO delete_tasks (owner_uin, cert_id, status, domains, error, updated_at) VALUES ('100', 'del00001', 0, '[]', '', 20)",
                "INSERT INTO delete_tasks (owner_uin, cert_id, status, domains, error, updated_at) VALUES ('100', 'del00002', 1, '[]', '', 20)",
            ] {
                sqlx::query(stmt).execute(&mut *$conn).await.expect(stmt);
            }
        }};
    }

    /// A database made before the `revocations` table, holding a revoked certificate, is back-filled on upgrade.
    #[tokio::test]
    async fn the_upgrade_back_fills_revocations_from_revoked_certificates() {
        let dir = std::env::temp_dir().join(format!("certhub-upgrade-{}", certhub_core::ids::random_alnum(10)));
        std::fs::create_dir_all(&dir).expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
        let mut raw = sqlx::SqliteConnection::connect(&url).await.expect("raw");
        old_database!(&mut raw, false, "CREATE TABLE revocations");
        sqlx::query("INSERT INTO accounts (uin, app_id, name, created_at) VALUES ('100', 1, 'old', 0)")
            .execute(&mut raw)
            .await
            .expect("account");
        for (id, serial, revoked_at) in [("old1", "5e01", Some(77)), ("old2", "5e02", None)] {
            sqlx::query(
                "INSERT INTO certificates (id, owner_uin, project_id, alias, source, cert_type, product_name, domain, sans, status, \
                 status_msg, not_after, insert_time, key_algorithm, is_sm, has_key, ignore_notice, allow_download, tags, extra, seq, \
                 serial, ca_family, revoked_at, revoke_reason) \
                 VALUES ($1, '100', 0, '', 'certhub', 'SVR', '', 'old.example', '[]', 10, '', 999, 0, 'EC 256', 0, 0, 0, 1, '[]', '{}', 0, \
                 $2, 'ecdsa-p256', $3, 1)",
            )
            .bind(id)
            .bind(serial)
            .bind(revoked_at)
            .execute(&mut raw)
            .await
            .expect("certificate");
        }
        sqlx::query("INSERT INTO crls (ca, number, this_update, der) VALUES ('ecdsa-p256', 3, 50, x'00')")
            .execute(&mut raw)
            .await
            .expect("crl");
        drop(raw);

        let store = SqlStore::connect(&url, Arc::new(Sealer::from_bytes(&[4u8; 32]).expect("cipher"))).await.expect("upgrade");
        let listed = store.revoked_serials("ecdsa-p256").await.expect("list");
        assert_eq!(listed, vec![RevokedSerial { serial: "5e01".into(), revocation: Revocation { at: 77, reason: 1 } }]);
        assert!(store.crl_stale("ecdsa-p256").await.expect("stale"), "a CRL from before the upgrade is regenerated once");
        // Back-filled revocations outlive their records like new ones.
        let log = certhub_core::model::NewLog { cert_id: "old1".into(), kind: "delete".into(), action: "d".into(), actor: "t".into() };
        assert!(store.delete_certificate("100", "old1", &log, 100).await.expect("delete"));
        assert_eq!(store.revoked_serials("ecdsa-p256").await.expect("list").len(), 1);
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    /// After the upgrade the old rows are leased under their typed kinds, the running delete task as a delete job.
    async fn assert_jobs_upgraded(store: &SqlStore) {
        use certhub_core::jobs::{DeleteStatus, JobKind, JobPayload};
        let validations = store.claim_jobs(JobKind::Validation, 100, 30, 10).await.expect("claim");
        assert_eq!(validations.len(), 1);
        assert_eq!(
            (validations[0].cert_id.as_str(), validations[0].attempts, validations[0].payload.clone()),
            ("pend0001", 3, JobPayload::Certificate)
        );
        assert!(store.claim_jobs(JobKind::Revocation, 100, 30, 10).await.expect("claim").is_empty(), "a done job stays done");
        let deletes = store.claim_jobs(JobKind::Delete, 100, 30, 10).await.expect("claim");
        assert_eq!(deletes.len(), 1, "only the running task is queued");
        let JobPayload::DeleteTask { task_id } = &deletes[0].payload else { panic!("a delete job carries its task") };
        assert_eq!(deletes[0].cert_id, "del00001");
        let tasks = store.delete_tasks("100", std::slice::from_ref(task_id)).await.expect("tasks");
        assert_eq!(tasks[0].status, DeleteStatus::Running);
    }

    #[tokio::test]
    async fn the_upgrade_queues_running_delete_tasks_and_renames_job_kinds_on_sqlite() {
        let dir = std::env::temp_dir().join(format!("certhub-upgrade-jobs-{}", certhub_core::ids::random_alnum(10)));
        std::fs::create_dir_all(&dir).expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
        let mut raw = sqlx::SqliteConnection::connect(&url).await.expect("raw");
        old_database!(&mut raw, false, "ADD COLUMN payload");
        old_jobs!(&mut raw);
        drop(raw);
        let store = SqlStore::connect(&url, Arc::new(Sealer::from_bytes(&[4u8; 32]).expect("cipher"))).await.expect("upgrade");
        assert_jobs_upgraded(&store).await;
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn the_upgrade_queues_running_delete_tasks_and_renames_job_kinds_on_postgres() {
        let base = std::env::var("CERTHUB_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let mut admin = match sqlx::PgConnection::connect(&base).await {
            Ok(c) => c,
            Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
                eprintln!("skipping the PostgreSQL upgrade test: {e}");
                return;
            }
            Err(e) => panic!("PostgreSQL unreachable under CI: {e}"),
        };
        let db = format!("certhub_upgrade_{}", certhub_core::ids::random_alnum(10).to_ascii_lowercase());
        sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut admin).await.expect("create database");
        let url = match base.rsplit_once('/') {
            Some((prefix, _)) => format!("{prefix}/{db}"),
            None => panic!("bad URL {base}"),
        };
        let mut raw = sqlx::PgConnection::connect(&url).await.expect("raw");
        old_database!(&mut raw, true, "ADD COLUMN payload");
        old_jobs!(&mut raw);
        drop(raw);
        let store = SqlStore::connect(&url, Arc::new(Sealer::from_bytes(&[4u8; 32]).expect("cipher"))).await.expect("upgrade");
        assert_jobs_upgraded(&store).await;
        store.close().await;
        let _ = sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)")).execute(&mut admin).await;
    }
}
