//! `SqlStore`: the `Store` trait on SQLite or PostgreSQL.
//!
//! Both backends share one SQL dialect (`$n` placeholders, integers for booleans,
//! unix seconds for time); each method body is written once and expanded per
//! backend by `with_pool!`, so the two can never drift apart.

use std::str::FromStr;
use std::sync::Arc;

use async_trait::async_trait;
use certhub_core::jobs::{DeleteStatus, JobKind, JobOutcome};
use certhub_core::model::{
    Account, ApiKey, ApiKeySecret, CaRecord, CertQuery, CertRecord, DeleteTask, Issued, Job, KeyKind, LogQuery, NewLog, OperateLog,
    RevokeRequest, RevokeRequestStatus, RevokedSerial, SerialStatus, StoredCrl, Tag,
};
use certhub_core::model::{ClaimState, SignatureClaim};
use certhub_core::seal::Sealer;
use certhub_core::store::{Reissue, Transition};
use certhub_core::{Store, StoreError};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::query::{self, Arg};

#[macro_use]
mod rows;
mod group;
mod tx;

use group::GroupCommit;
use rows::{CERT_COLUMNS, PreparedInsert, db, next_seq};
use tx::{Tx, release_check};

/// A CA row before its keys are opened: family, root, sealed root key, intermediate, sealed key, created.
type SealedCaRow = (String, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, i64);

enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The store on a SQL database.
pub struct SqlStore {
    pool: Pool,
    cipher: Arc<Sealer>,
    /// SQLite has one writer at a time; queueing writers here, instead of letting them
    /// collide on the database lock and sleep in its busy handler, keeps commits back to back.
    write_lock: Option<Arc<tokio::sync::Mutex<()>>>,
    /// SQLite certificate inserts, committed many to a transaction (see `group`).
    group: Option<GroupCommit>,
    /// Signature records: their own connections (see `replay`).
    claims: replay::Claims,
}

/// Expands `$body` once per backend with `$pool` bound to the concrete pool.
macro_rules! with_pool {
    ($self:expr, $pool:ident => $body:block) => {
        match &$self.pool {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}

mod accounts;
mod jobs;
mod lifecycle;
mod migrate;
mod replay;
mod revocation;

impl SqlStore {
    /// Connects to `url` (`sqlite://path` or `postgres://...`) and applies migrations.
    pub async fn connect(url: &str, cipher: Arc<Sealer>) -> Result<Self, StoreError> {
        let mut replay_pool = None;
        let mut pg_claims = None;
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new().max_connections(16).after_release(release_check).connect(url).await.map_err(db)?;
            pg_claims = Some(replay::postgres_pool(url).await?);
            Pool::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(db)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(10));
            let pool =
                SqlitePoolOptions::new().max_connections(8).after_release(release_check).connect_with(opts.clone()).await.map_err(db)?;
            replay_pool = Some(replay::sqlite_pool(opts).await?);
            Pool::Sqlite(pool)
        } else {
            return Err(StoreError::Backend(format!("unsupported database URL scheme: {url}")));
        };
        let (write_lock, group) = match &pool {
            Pool::Sqlite(p) => {
                let lock = Arc::new(tokio::sync::Mutex::new(()));
                (Some(lock.clone()), Some(GroupCommit::start(p.clone(), lock)))
            }
            Pool::Postgres(_) => (None, None),
        };
        let claims = match (replay_pool, &write_lock, pg_claims) {
            (Some(p), Some(lock), _) => replay::Claims::Sqlite(replay::SqliteClaims::start(p, lock.clone())),
            (_, _, Some(p)) => replay::Claims::Postgres(p),
            _ => return Err(StoreError::Backend("no connections for signature records".into())),
        };
        let store = Self { pool, cipher, write_lock, group, claims };
        store.migrate().await?;
        Ok(store)
    }

    /// Waits for this process's turn to write (SQLite only; PostgreSQL writers run concurrently).
    async fn writer(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.write_lock {
            Some(l) => Some(l.lock().await),
            None => None,
        }
    }

    /// The backend's name, `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.claims.close().await;
        with_pool!(self, p => { p.close().await })
    }

    /// A certificate insert with its key sealed, ready to wait in a group commit.
    fn prepare(&self, c: &CertRecord, private_key: Option<&[u8]>, log: &NewLog, now: i64) -> Result<PreparedInsert, StoreError> {
        let sealed = private_key.map(|k| self.cipher.seal(&Self::key_context(&c.id), k)).transpose()?;
        PreparedInsert::new(c, sealed, log, now)
    }

    /// Commits a prepared insert: grouped with others on SQLite, in its own transaction on PostgreSQL.
    async fn insert(&self, row: PreparedInsert) -> Result<(), StoreError> {
        if let Some(group) = &self.group {
            return group.insert(row).await;
        }
        with_pool!(self, p => {
            let mut tx = Tx::begin(p).await.map_err(db)?;
            insert_prepared!(tx, &row);
            tx.commit().await.map_err(db)?;
            Ok(())
        })
    }

    fn key_context(id: &str) -> String {
        format!("cert-key:{id}")
    }

    fn ca_context(family: &str, which: &str) -> String {
        format!("ca-key:{family}:{which}")
    }

    async fn ca_rows(&self, family: Option<&str>) -> Result<Vec<CaRecord>, StoreError> {
        let sql = match family {
            Some(_) => {
                "SELECT family, root_der, root_key, intermediate_der, intermediate_key, created_at FROM ca_hierarchies WHERE family = $1"
            }
            None => "SELECT family, root_der, root_key, intermediate_der, intermediate_key, created_at FROM ca_hierarchies ORDER BY family",
        };
        let rows: Vec<SealedCaRow> = with_pool!(self, p => {
            let mut q = sqlx::query(sql);
            if let Some(f) = family {
                q = q.bind(f.to_string());
            }
            let rows = q.fetch_all(p).await.map_err(db)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push((r.try_get("family").map_err(db)?, r.try_get("root_der").map_err(db)?, r.try_get("root_key").map_err(db)?,
                    r.try_get("intermediate_der").map_err(db)?, r.try_get("intermediate_key").map_err(db)?, r.try_get("created_at").map_err(db)?));
            }
            out
        });
        rows.into_iter()
            .map(|(family, root_der, rk, intermediate_der, ik, created_at)| {
                Ok(CaRecord {
                    root_key: self.cipher.open(&Self::ca_context(&family, "root"), &rk)?,
                    intermediate_key: self.cipher.open(&Self::ca_context(&family, "intermediate"), &ik)?,
                    family,
                    root_der,
                    intermediate_der,
                    created_at,
                })
            })
            .collect()
    }

    fn secret_context(secret_id: &str) -> String {
        format!("api-secret:{secret_id}")
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn ensure_account(&self, name: &str, now: i64) -> Result<Account, StoreError> {
        accounts::ensure_account(self, name, now).await
    }

    async fn account(&self, uin: &str) -> Result<Option<Account>, StoreError> {
        accounts::account(self, uin).await
    }

    async fn create_api_key(&self, owner_uin: &str, kind: KeyKind, secret_id: &str, secret: &[u8], now: i64) -> Result<ApiKey, StoreError> {
        accounts::create_api_key(self, owner_uin, kind, secret_id, secret, now).await
    }

    async fn api_key(&self, secret_id: &str) -> Result<Option<ApiKeySecret>, StoreError> {
        accounts::api_key(self, secret_id).await
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        accounts::list_api_keys(self).await
    }

    async fn set_api_key_enabled(&self, secret_id: &str, enabled: bool) -> Result<bool, StoreError> {
        accounts::set_api_key_enabled(self, secret_id, enabled).await
    }

    async fn insert_certificate(&self, c: &CertRecord, private_key: Option<&[u8]>, log: &NewLog, now: i64) -> Result<(), StoreError> {
        self.insert(self.prepare(c, private_key, log, now)?).await
    }

    async fn certificate(&self, owner_uin: &str, id: &str) -> Result<Option<CertRecord>, StoreError> {
        let sql = format!("SELECT {CERT_COLUMNS} FROM certificates c WHERE c.owner_uin = $1 AND c.id = $2");
        with_pool!(self, p => {
            let r = sqlx::query(&sql).bind(owner_uin).bind(id).fetch_optional(p).await.map_err(db)?;
            match r {
                None => Ok(None),
                Some(r) => Ok(Some(cert_from_row!(&r))),
            }
        })
    }

    async fn certificate_key(&self, owner_uin: &str, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let sealed: Option<Option<Vec<u8>>> = with_pool!(self, p => {
            sqlx::query_scalar("SELECT private_key FROM certificates WHERE owner_uin = $1 AND id = $2")
                .bind(owner_uin).bind(id).fetch_optional(p).await.map_err(db)?
        });
        match sealed.flatten() {
            None => Ok(None),
            Some(s) => Ok(Some(self.cipher.open(&Self::key_context(id), &s)?)),
        }
    }

    async fn certificate_by_fingerprint(&self, owner_uin: &str, fingerprint: &str) -> Result<Option<String>, StoreError> {
        with_pool!(self, p => {
            sqlx::query_scalar("SELECT id FROM certificates WHERE owner_uin = $1 AND fingerprint = $2 ORDER BY seq LIMIT 1")
                .bind(owner_uin).bind(fingerprint).fetch_optional(p).await.map_err(db)
        })
    }

    async fn list_certificates(&self, owner_uin: &str, q: &CertQuery, now: i64) -> Result<(i64, Vec<CertRecord>), StoreError> {
        let built = query::build(owner_uin, q, now);
        let count_sql = format!("SELECT COUNT(*) FROM certificates c {}", built.where_sql);
        let n = built.args.len();
        let page_sql =
            format!("SELECT {CERT_COLUMNS} FROM certificates c {} {} LIMIT ${} OFFSET ${}", built.where_sql, built.order_sql, n + 1, n + 2);
        with_pool!(self, p => {
            let total: i64 = bind_args!(sqlx::query_scalar(&count_sql), &built.args).fetch_one(p).await.map_err(db)?;
            let rows = bind_args!(sqlx::query(&page_sql), &built.args)
                .bind(q.limit).bind(q.offset).fetch_all(p).await.map_err(db)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(cert_from_row!(r));
            }
            Ok((total, out))
        })
    }

    async fn update_alias(&self, owner_uin: &str, id: &str, alias: &str, log: &NewLog, now: i64) -> Result<bool, StoreError> {
        with_pool!(self, p => {
            let _writer = self.writer().await;
            let mut tx = Tx::begin(p).await.map_err(db)?;
            let r = sqlx::query("UPDATE certificates SET alias = $1 WHERE owner_uin = $2 AND id = $3")
                .bind(alias).bind(owner_uin).bind(id).execute(&mut *tx).await.map_err(db)?;
            if r.rows_affected() == 0 {
                return Ok(false);
            }
            insert_log!(&mut *tx, owner_uin, log, now);
            tx.commit().await.map_err(db)?;
            Ok(true)
        })
    }

    async fn update_project(
        &self,
        owner_uin: &str,
        ids: &[String],
        project_id: i64,
        actor: &str,
        now: i64,
    ) -> Result<Vec<String>, StoreError> {
        with_pool!(self, p => {
            let _writer = self.writer().await;
            let mut tx = Tx::begin(p).await.map_err(db)?;
            let mut moved = Vec::new();
            for id in ids {
                let r = sqlx::query("UPDATE certificates SET project_id = $1 WHERE owner_uin = $2 AND id = $3")
                    .bind(project_id).bind(owner_uin).bind(id).execute(&mut *tx).await.map_err(db)?;
                if r.rows_affected() > 0 {
                    let log = NewLog { cert_id: id.clone(), kind: "changeProject".into(),
                        action: format!("用户[uin: {owner_uin}] 修改项目 证书[id: {id}] -> {project_id}"), actor: actor.to_string() };
                    insert_log!(&mut *tx, owner_uin, log, now);
                    moved.push(id.clone());
                }
            }
            tx.commit().await.map_err(db)?;
            Ok(moved)
        })
    }

    async fn update_ignore_notice(
        &self,
        owner_uin: &str,
        ids: &[String],
        ignore: bool,
        actor: &str,
        now: i64,
    ) -> Result<Vec<String>, StoreError> {
        with_pool!(self, p => {
            let _writer = self.writer().await;
            let mut tx = Tx::begin(p).await.map_err(db)?;
            let mut changed = Vec::new();
            for id in ids {
                let r = sqlx::query("UPDATE certificates SET ignore_notice = $1 WHERE owner_uin = $2 AND id = $3")
                    .bind(i64::from(ignore)).bind(owner_uin).bind(id).execute(&mut *tx).await.map_err(db)?;
                if r.rows_affected() > 0 {
                    let what = if ignore { "忽略到期通知" } else { "恢复到期通知" };
                    let log = NewLog { cert_id: id.clone(), kind: "modifyExpiringNotification".into(),
                        action: format!("用户[uin: {owner_uin}] {what} 证书[id: {id}]"), actor: actor.to_string() };
                    insert_log!(&mut *tx, owner_uin, log, now);
                    changed.push(id.clone());
                }
            }
            tx.commit().await.map_err(db)?;
            Ok(changed)
        })
    }

    async fn delete_certificate(&self, owner_uin: &str, id: &str, log: &NewLog, now: i64) -> Result<bool, StoreError> {
        with_pool!(self, p => {
            let _writer = self.writer().await;
            let mut tx = Tx::begin(p).await.map_err(db)?;
            sqlx::query("DELETE FROM cert_tags WHERE cert_id IN (SELECT id FROM certificates WHERE owner_uin = $1 AND id = $2)")
                .bind(owner_uin).bind(id).execute(&mut *tx).await.map_err(db)?;
            let r = sqlx::query("DELETE FROM certificates WHERE owner_uin = $1 AND id = $2")
                .bind(owner_uin).bind(id).execute(&mut *tx).await.map_err(db)?;
            if r.rows_affected() == 0 {
                return Ok(false);
            }
            insert_log!(&mut *tx, owner_uin, log, now);
            tx.commit().await.map_err(db)?;
            Ok(true)
        })
    }

    async fn append_log(&self, owner_uin: &str, log: &NewLog, now: i64) -> Result<(), StoreError> {
        with_pool!(self, p => {
            insert_log!(p, owner_uin, log, now);
            Ok(())
        })
    }

    async fn list_logs(&self, owner_uin: &str, q: &LogQuery) -> Result<(i64, Vec<OperateLog>), StoreError> {
        with_pool!(self, p => {
            let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM operate_logs WHERE owner_uin = $1 AND created_at >= $2 AND created_at <= $3")
                .bind(owner_uin).bind(q.start).bind(q.end).fetch_one(p).await.map_err(db)?;
            let rows = sqlx::query("SELECT id, owner_uin, cert_id, kind, action, actor, created_at FROM operate_logs \
                WHERE owner_uin = $1 AND created_at >= $2 AND created_at <= $3 ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5")
                .bind(owner_uin).bind(q.start).bind(q.end).bind(q.limit).bind(q.offset).fetch_all(p).await.map_err(db)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(OperateLog {
                    id: r.try_get("id").map_err(db)?,
                    owner_uin: r.try_get("owner_uin").map_err(db)?,
                    cert_id: r.try_get("cert_id").map_err(db)?,
                    kind: r.try_get("kind").map_err(db)?,
                    action: r.try_get("action").map_err(db)?,
                    actor: r.try_get("actor").map_err(db)?,
                    created_at: r.try_get("created_at").map_err(db)?,
                });
            }
            Ok((total, out))
        })
    }

    async fn create_delete_tasks(&self, owner_uin: &str, certs: &[(String, Vec<String>)], now: i64) -> Result<Vec<DeleteTask>, StoreError> {
        jobs::create_delete_tasks(self, owner_uin, certs, now).await
    }

    async fn delete_tasks(&self, owner_uin: &str, ids: &[String]) -> Result<Vec<DeleteTask>, StoreError> {
        jobs::delete_tasks(self, owner_uin, ids).await
    }

    async fn finish_delete_task(&self, task_id: &str, status: DeleteStatus, error: &str, now: i64) -> Result<bool, StoreError> {
        jobs::finish_delete_task(self, task_id, status, error, now).await
    }

    async fn insert_ca(&self, ca: &CaRecord) -> Result<CaRecord, StoreError> {
        let rk = self.cipher.seal(&Self::ca_context(&ca.family, "root"), &ca.root_key)?;
        let ik = self.cipher.seal(&Self::ca_context(&ca.family, "intermediate"), &ca.intermediate_key)?;
        with_pool!(self, p => {
            // Several nodes may create a family at once: the first one stored wins.
            sqlx::query("INSERT INTO ca_hierarchies (family, root_der, root_key, intermediate_der, intermediate_key, created_at) \
                VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (family) DO NOTHING")
                .bind(&ca.family).bind(&ca.root_der).bind(&rk).bind(&ca.intermediate_der).bind(&ik).bind(ca.created_at)
                .execute(p).await.map_err(db)?;
        });
        self.ca_rows(Some(&ca.family)).await?.into_iter().next().ok_or_else(|| StoreError::Backend("CA vanished".into()))
    }

    async fn ca(&self, family: &str) -> Result<Option<CaRecord>, StoreError> {
        Ok(self.ca_rows(Some(family)).await?.into_iter().next())
    }

    async fn cas(&self) -> Result<Vec<CaRecord>, StoreError> {
        self.ca_rows(None).await
    }

    async fn insert_pending_certificate(
        &self,
        c: &CertRecord,
        private_key: Option<&[u8]>,
        log: &NewLog,
        job_kind: JobKind,
        deadline: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut row = self.prepare(c, private_key, log, now)?;
        row.job = Some((job_kind, deadline));
        self.insert(row).await
    }

    async fn claim_jobs(&self, kind: JobKind, now: i64, lease: i64, limit: i64) -> Result<Vec<Job>, StoreError> {
        jobs::claim_jobs(self, kind, now, lease, limit).await
    }

    async fn claim_cert_job(&self, kind: JobKind, cert_id: &str, now: i64, lease: i64) -> Result<Option<Job>, StoreError> {
        jobs::claim_cert_job(self, kind, cert_id, now, lease).await
    }

    async fn hurry_jobs(&self, cert_id: &str, now: i64) -> Result<(), StoreError> {
        jobs::hurry_jobs(self, cert_id, now).await
    }

    async fn settle_job(&self, id: i64, outcome: &JobOutcome) -> Result<(), StoreError> {
        jobs::settle_job(self, id, outcome).await
    }

    async fn mark_issued(&self, owner_uin: &str, id: &str, issued: &Issued, log: &NewLog, now: i64) -> Result<bool, StoreError> {
        lifecycle::mark_issued(self, owner_uin, id, issued, log, now).await
    }

    async fn transition(&self, owner_uin: &str, id: &str, t: &Transition<'_>, now: i64) -> Result<bool, StoreError> {
        lifecycle::transition(self, owner_uin, id, t, now).await
    }

    async fn reissue(&self, r: &Reissue<'_>, now: i64) -> Result<bool, StoreError> {
        lifecycle::reissue(self, r, now).await
    }

    async fn approve_revoke_request(
        &self,
        request_id: i64,
        processor_comment: &str,
        cert: (&str, &str),
        t: &Transition<'_>,
        now: i64,
    ) -> Result<bool, StoreError> {
        lifecycle::approve_revoke_request(self, request_id, processor_comment, cert, t, now).await
    }

    async fn serial_status(&self, family: &str, serial: &str) -> Result<Option<SerialStatus>, StoreError> {
        revocation::serial_status(self, family, serial).await
    }

    async fn revoked_serials(&self, family: &str) -> Result<Vec<RevokedSerial>, StoreError> {
        revocation::revoked_serials(self, family).await
    }

    async fn crl(&self, ca: &str) -> Result<Option<StoredCrl>, StoreError> {
        revocation::crl(self, ca).await
    }

    async fn crl_head(&self, ca: &str) -> Result<Option<(i64, i64)>, StoreError> {
        revocation::crl_head(self, ca).await
    }

    async fn revocation_mark(&self, ca: &str) -> Result<i64, StoreError> {
        revocation::revocation_mark(self, ca).await
    }

    async fn crl_stale(&self, ca: &str) -> Result<bool, StoreError> {
        revocation::crl_stale(self, ca).await
    }

    async fn save_crl(&self, ca: &str, crl: &StoredCrl) -> Result<bool, StoreError> {
        revocation::save_crl(self, ca, crl).await
    }

    async fn create_revoke_request(
        &self,
        owner_uin: &str,
        cert_id: &str,
        comments: &str,
        requester: &str,
        now: i64,
    ) -> Result<RevokeRequest, StoreError> {
        revocation::create_revoke_request(self, owner_uin, cert_id, comments, requester, now).await
    }

    async fn revoke_request(&self, owner_uin: Option<&str>, id: i64) -> Result<Option<RevokeRequest>, StoreError> {
        revocation::revoke_request(self, owner_uin, id).await
    }

    async fn revoke_requests(&self, status: Option<RevokeRequestStatus>) -> Result<Vec<RevokeRequest>, StoreError> {
        revocation::revoke_requests(self, status).await
    }

    async fn decide_revoke_request(
        &self,
        id: i64,
        status: RevokeRequestStatus,
        processor_comment: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        revocation::decide_revoke_request(self, id, status, processor_comment, now).await
    }

    async fn try_lease(&self, name: &str, holder: &str, now: i64, until: i64) -> Result<bool, StoreError> {
        revocation::try_lease(self, name, holder, now, until).await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        revocation::release_lease(self, name, holder).await
    }

    async fn claim_signature(&self, claim: &SignatureClaim, now: i64) -> Result<ClaimState, StoreError> {
        replay::claim(self, claim, now).await
    }

    async fn finish_signature(&self, key_id: &str, signature: &str, response: &[u8]) -> Result<(), StoreError> {
        replay::finish(self, key_id, signature, response).await
    }

    async fn release_signature(&self, key_id: &str, signature: &str) -> Result<(), StoreError> {
        replay::release(self, key_id, signature).await
    }

    async fn prune_signatures(&self, now: i64) -> Result<u64, StoreError> {
        replay::prune(self, now).await
    }
}
