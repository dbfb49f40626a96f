//! Migrations, applied in order and recorded in `schema_migrations`. Each is
//! SQL written once with `BLOB_TYPE` and `SERIAL_KEY` placeholders that `for_backend`
//! fills in for SQLite or PostgreSQL, or a rewrite of rows that SQL cannot express
//! on both backends alike (run in Rust, in the same transaction).

/// One migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// SQL statements separated by `;`.
    Sql(String),
    /// Every certificate's `extra` document rewritten from the first release's shape as a `CertExtra` (`legacy::convert`).
    TypedExtra,
}

impl Step {
    /// The SQL of a SQL step.
    #[cfg(test)]
    pub fn sql(&self) -> Option<&str> {
        match self {
            Step::Sql(s) => Some(s),
            Step::TypedExtra => None,
        }
    }
}

/// Where a rewrite step stands among the SQL migrations (its version is its position + 1).
const TYPED_EXTRA_AT: usize = 10;

/// The SQL migrations, in order; `TYPED_EXTRA_AT` counts among them.
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
pub fn for_backend(postgres: bool) -> Vec<Step> {
    let (blob, serial) = if postgres { ("BYTEA", "BIGSERIAL PRIMARY KEY") } else { ("BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT") };
    let mut steps: Vec<Step> = MIGRATIONS.iter().map(|m| Step::Sql(m.replace("BLOB_TYPE", blob).replace("SERIAL_KEY", serial))).collect();
    steps.insert(TYPED_EXTRA_AT - 1, Step::TypedExtra);
    steps
}

/// Splits a migration into statements (our migrations hold no `;` inside literals).
pub fn statements(migration: &str) -> impl Iterator<Item = &str> {
    migration.split(';').map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use certhub_core::Store;
    use certhub_core::model::{Revocation, RevocationReason, RevokedSerial};
    use sqlx::Connection;

    use crate::{Sealer, SqlStore};

    /// The steps before the first SQL migration containing `marker`, as a database of that release has them.
    fn steps_before(postgres: bool, marker: &str) -> Vec<super::Step> {
        let mut steps = super::for_backend(postgres);
        let before = steps.iter().position(|m| m.sql().is_some_and(|s| s.contains(marker))).expect("the migration");
        steps.truncate(before);
        steps
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

    /// Applies `steps` (SQL, as an older release did) through the raw connection `$raw`, records their versions,
    /// and adds the account `100` the old rows belong to.
    macro_rules! old_database {
        ($raw:expr, $steps:expr) => {{
            sqlx::query("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY)").execute(&mut $raw).await.expect("versions");
            for (i, m) in $steps.iter().enumerate() {
                for stmt in super::statements(m.sql().expect("an older release's migrations are SQL")) {
                    sqlx::query(stmt).execute(&mut $raw).await.expect(stmt);
                }
                sqlx::query("INSERT INTO schema_migrations (version) VALUES ($1)")
                    .bind(i as i64 + 1)
                    .execute(&mut $raw)
                    .await
                    .expect("version");
            }
            sqlx::query("INSERT INTO accounts (uin, app_id, name, created_at) VALUES ('100', 1, 'old', 0)")
                .execute(&mut $raw)
                .await
                .expect("account");
        }};
    }

    /// A database made before the `revocations` table, holding a revoked certificate, is back-filled on upgrade.
    #[tokio::test]
    async fn the_upgrade_back_fills_revocations_from_revoked_certificates() {
        let dir = std::env::temp_dir().join(format!("certhub-upgrade-{}", certhub_core::ids::random_alnum(10)));
        std::fs::create_dir_all(&dir).expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
        let mut raw = sqlx::SqliteConnection::connect(&url).await.expect("raw");
        old_database!(raw, steps_before(false, "CREATE TABLE revocations"));
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
        assert_eq!(
            listed,
            vec![RevokedSerial { serial: "5e01".into(), revocation: Revocation { at: 77, reason: RevocationReason::KeyCompromise } }]
        );
        assert!(store.crl_stale("ecdsa-p256").await.expect("stale"), "a CRL from before the upgrade is regenerated once");
        // Back-filled revocations outlive their records like new ones.
        let log = certhub_core::model::NewLog { cert_id: "old1".into(), kind: "delete".into(), action: "d".into(), actor: "t".into() };
        assert!(store.delete_certificate("100", "old1", &log, 100).await.expect("delete"));
        assert_eq!(store.revoked_serials("ecdsa-p256").await.expect("list").len(), 1);
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Builds a database as the first release left it (every SQL migration before the typed `extra`), holding an
    /// upload and a reissued DV order whose `extra` documents have that release's shape.
    macro_rules! first_release_db {
        ($conn:ty, $url:expr, $postgres:expr) => {{
            let mut raw = <$conn>::connect($url).await.expect("raw");
            old_database!(raw, &super::for_backend($postgres)[..super::TYPED_EXTRA_AT - 1]);
            for (id, source, status, verify, extra) in [("up000001", "upload", 1, None, UPLOAD_EXTRA), ("dv000001", "certhub", 9, Some("FILE"), ORDER_EXTRA)] {
                sqlx::query(
                    "INSERT INTO certificates (id, owner_uin, project_id, alias, source, cert_type, product_name, domain, sans, status, \
                     status_msg, verify_type, insert_time, key_algorithm, is_sm, has_key, ignore_notice, allow_download, tags, extra, seq) \
                     VALUES ($1, '100', 0, '', $2, 'SVR', '', 'old.example', '[\"old.example\"]', $3, '', $4, 0, 'RSA 2048', 0, 1, 0, 1, \
                     '[]', $5, 0)",
                )
                .bind(id)
                .bind(source)
                .bind(status as i64)
                .bind(verify)
                .bind(extra)
                .execute(&mut raw)
                .await
                .expect("certificate");
            }
            sqlx::query("INSERT INTO revoke_requests (owner_uin, cert_id, status, comments, requester, processor_comment, created_at, updated_at) \
                         VALUES ('100', 'dv000001', 'approved', '', 'k', '', 0, 0)")
                .execute(&mut raw)
                .await
                .expect("request");
        }};
    }

    /// An upload's `extra` as the first release wrote it.
    const UPLOAD_EXTRA: &str = r#"{"ca":null,"chain":[{"Fingerprint":"ab12","Issuer":"Old Root","Subject":"old.example",
        "ValidFrom":"2024-01-01 08:00:00","ValidTo":"2030-01-01 08:00:00"}],"key_password_custom":true}"#;
    /// A reissued DV order being revoked, as the first release wrote it.
    const ORDER_EXTRA: &str = r#"{"csr_key_password":null,"delete_dns_auto_record":false,"family":"rsa-2048",
        "dv_auth_detail":{"DvAuthDomain":"old.example","DvAuthKey":"f1","DvAuthKeySubDomain":"","DvAuthPath":"/.well-known/pki-validation/",
        "DvAuthValue":"v1","DvAuths":[{"DvAuthDomain":"old.example","DvAuthKey":"f1","DvAuthPath":"/.well-known/pki-validation/",
        "DvAuthSubDomain":"","DvAuthValue":"v1","DvAuthVerifyType":"FILE"}]},
        "dv_revoke_auth_detail":{"DvAuthDomain":"old.example","DvAuthKey":"_dnsauth","DvAuthKeySubDomain":"_dnsauth","DvAuthPath":"",
        "DvAuthValue":"r1","DvAuths":[{"DvAuthVerifyType":"TXT"}]},"order_id":"certhub-00ff","origin_certificate_id":null,
        "reissue_of":"orig0001","replace_count":1,"revoke_door":"tencent","revoke_reason_text":"keyCompromise","spki":"AAAA",
        "validation_level":"DV"}"#;

    /// What the upgraded store reads of the two records.
    async fn check_upgraded(store: &SqlStore) {
        use certhub_core::model::{CertStatus, ChainEntry, Challenge, ChallengeKind, RevokeRequestStatus, Source, ValidationLevel};
        let up = store.certificate("100", "up000001").await.expect("read").expect("upload");
        assert_eq!((up.source, up.status, up.verify_type), (Source::Upload, CertStatus::Issued, None));
        assert!(up.extra.key_password_custom && up.extra.ca.is_none());
        let entry = ChainEntry {
            issuer: "Old Root".into(),
            subject: "old.example".into(),
            fingerprint: "ab12".into(),
            not_before: 1_704_067_200,
            not_after: 1_893_456_000,
        };
        assert_eq!(up.extra.chain, Some(vec![entry]));
        let dv = store.certificate("100", "dv000001").await.expect("read").expect("order");
        assert_eq!((dv.source, dv.status, dv.verify_type), (Source::Certhub, CertStatus::Revoking, Some(certhub_core::dcv::Method::File)));
        let x = &dv.extra;
        assert_eq!((x.family.as_deref(), x.spki.as_deref(), x.order_id.as_deref()), (Some("rsa-2048"), Some("AAAA"), Some("certhub-00ff")));
        assert_eq!((x.validation_level, x.reissue_of.as_deref(), x.replace_count), (Some(ValidationLevel::Dv), Some("orig0001"), 1));
        assert_eq!((x.revoke_door.as_deref(), x.revoke_reason_text.as_deref()), (Some("tencent"), Some("keyCompromise")));
        let file = Challenge {
            domain: "old.example".into(),
            key: "f1".into(),
            value: "v1".into(),
            path: "/.well-known/pki-validation/".into(),
            sub_domain: String::new(),
            kind: ChallengeKind::File,
        };
        assert_eq!(x.challenge, Some(file));
        let txt = x.revoke_challenge.as_ref().expect("revocation challenge");
        assert_eq!(
            (txt.key.as_str(), txt.sub_domain.as_str(), txt.value.as_str(), txt.kind),
            ("_dnsauth", "_dnsauth", "r1", ChallengeKind::Txt)
        );
        let requests = store.revoke_requests(Some(RevokeRequestStatus::Approved)).await.expect("requests");
        assert_eq!(requests.len(), 1);
    }

    /// A SQLite database of the first release reads as typed records after the upgrade, and reopening changes nothing.
    #[tokio::test]
    async fn the_upgrade_types_the_first_releases_extra_on_sqlite() {
        let dir = std::env::temp_dir().join(format!("certhub-extra-{}", certhub_core::ids::random_alnum(10)));
        std::fs::create_dir_all(&dir).expect("dir");
        let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
        first_release_db!(sqlx::SqliteConnection, &url, false);
        let cipher = Arc::new(Sealer::from_bytes(&[4u8; 32]).expect("cipher"));
        let store = SqlStore::connect(&url, cipher.clone()).await.expect("upgrade");
        check_upgraded(&store).await;
        store.close().await;
        let again = SqlStore::connect(&url, cipher).await.expect("reopen");
        check_upgraded(&again).await;
        again.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A fresh database named `prefix_…` on the server of `CERTHUB_TEST_PG_URL`: the admin connection, its name and
    /// its URL; `None` (the test is skipped) when the server is unreachable, unless `CI=true`.
    async fn scratch_postgres(prefix: &str) -> Option<(sqlx::PgConnection, String, String)> {
        let base = std::env::var("CERTHUB_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let mut admin = match sqlx::PgConnection::connect(&base).await {
            Ok(c) => c,
            Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
                eprintln!("SKIPPED: PostgreSQL unreachable at {base}: {e}");
                return None;
            }
            Err(e) => panic!("PostgreSQL is required under CI=true but unreachable at {base}: {e}"),
        };
        let db = format!("{prefix}_{}", certhub_core::ids::random_alnum(10).to_ascii_lowercase());
        sqlx::query(&format!("CREATE DATABASE {db}")).execute(&mut admin).await.expect("create database");
        let url = match base.rsplit_once('/') {
            Some((prefix, _)) => format!("{prefix}/{db}"),
            None => panic!("bad URL {base}"),
        };
        Some((admin, db, url))
    }

    /// The same on PostgreSQL (`CERTHUB_TEST_PG_URL`; skipped when unreachable, unless `CI=true`).
    #[tokio::test]
    async fn the_upgrade_types_the_first_releases_extra_on_postgres() {
        let Some((mut admin, db, url)) = scratch_postgres("certhub_extra").await else { return };
        first_release_db!(sqlx::PgConnection, &url, true);
        let store = SqlStore::connect(&url, Arc::new(Sealer::from_bytes(&[4u8; 32]).expect("cipher"))).await.expect("upgrade");
        check_upgraded(&store).await;
        store.close().await;
        let _ = sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)")).execute(&mut admin).await;
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
        old_database!(raw, steps_before(false, "ADD COLUMN payload"));
        old_jobs!(&mut raw);
        drop(raw);
        let store = SqlStore::connect(&url, Arc::new(Sealer::from_bytes(&[4u8; 32]).expect("cipher"))).await.expect("upgrade");
        assert_jobs_upgraded(&store).await;
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn the_upgrade_queues_running_delete_tasks_and_renames_job_kinds_on_postgres() {
        let Some((mut admin, db, url)) = scratch_postgres("certhub_upgrade").await else { return };
        let mut raw = sqlx::PgConnection::connect(&url).await.expect("raw");
        old_database!(raw, steps_before(true, "ADD COLUMN payload"));
        old_jobs!(&mut raw);
        drop(raw);
        let store = SqlStore::connect(&url, Arc::new(Sealer::from_bytes(&[4u8; 32]).expect("cipher"))).await.expect("upgrade");
        assert_jobs_upgraded(&store).await;
        store.close().await;
        let _ = sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)")).execute(&mut admin).await;
    }
}
