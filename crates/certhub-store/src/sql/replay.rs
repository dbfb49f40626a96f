//! Signature records: the first use of each request signature, what it was bound
//! to and its answer, until the signature expires. The claim is a unique insert,
//! so across every node sharing the database exactly one request runs per signature.
//!
//! A record lives for minutes and only ever refuses or repeats a request, so its
//! commits skip the disk sync that certificate writes wait for (SQLite
//! `synchronous=NORMAL` connections of their own, PostgreSQL `synchronous_commit
//! = off`): an application crash loses none of them (the WAL is written), a power
//! cut may lose the last few. Without this every read would wait for the disk.

use std::sync::Arc;

use certhub_core::StoreError;
use certhub_core::model::{ClaimState, SignatureClaim};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::rows::db;
use super::{Pool, SqlStore};

const CLAIM: &str = "INSERT INTO signature_claims (key_id, signature, fingerprint, request_id, response, expires_at) \
    VALUES ($1, $2, $3, $4, $5, $6) \
    ON CONFLICT (key_id, signature) DO UPDATE SET fingerprint = excluded.fingerprint, request_id = excluded.request_id, \
    response = excluded.response, expires_at = excluded.expires_at WHERE signature_claims.expires_at < $7";
const SEEN: &str = "SELECT fingerprint, request_id, response FROM signature_claims WHERE key_id = $1 AND signature = $2";
const FINISH: &str = "UPDATE signature_claims SET response = $3 WHERE key_id = $1 AND signature = $2";
const RELEASE: &str = "DELETE FROM signature_claims WHERE key_id = $1 AND signature = $2 AND response IS NULL";
const PRUNE: &str = "DELETE FROM signature_claims WHERE expires_at < $1";

/// The SQLite connections for signature records: same database, no sync per commit.
pub(super) async fn sqlite_pool(opts: SqliteConnectOptions) -> Result<SqlitePool, StoreError> {
    let opts = opts.synchronous(SqliteSynchronous::Normal);
    SqlitePoolOptions::new().max_connections(2).after_release(super::tx::release_check).connect_with(opts).await.map_err(db)
}

/// Most claims committed in one SQLite transaction.
const MAX_BATCH: usize = 256;

/// One queued claim: the row and where its outcome (won or not) goes.
type Queued = (SignatureClaim, Option<Vec<u8>>, i64, oneshot::Sender<Result<bool, StoreError>>);

/// SQLite signature records. Every request claims a signature, so claims are group
/// committed: one writer task takes whatever has queued while the last transaction ran
/// and commits it as one (SQLite has one writer; one transaction per claim would make
/// every read wait its turn at the lock).
pub(super) struct SqliteClaims {
    /// Connections for signature records.
    pub(super) pool: SqlitePool,
    tx: mpsc::UnboundedSender<Queued>,
}

impl SqliteClaims {
    /// Starts the writer task; `write_lock` is the lock every SQLite writer takes.
    pub(super) fn start(pool: SqlitePool, write_lock: Arc<Mutex<()>>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(claim_writer(pool.clone(), write_lock, rx));
        Self { pool, tx }
    }

    /// Queues one claim (answer already sealed) and waits for its commit; true when it won.
    async fn claim(&self, c: &SignatureClaim, sealed: Option<Vec<u8>>, now: i64) -> Result<bool, StoreError> {
        let (reply, done) = oneshot::channel();
        self.tx.send((c.clone(), sealed, now, reply)).map_err(|_| StoreError::Backend("the store is closed".into()))?;
        done.await.map_err(|_| StoreError::Backend("the claim writer stopped".into()))?
    }
}

async fn claim_writer(pool: SqlitePool, write_lock: Arc<Mutex<()>>, mut rx: mpsc::UnboundedReceiver<Queued>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let _writer = write_lock.lock().await;
        match commit_claims(&pool, &batch).await {
            Ok(won) => {
                for ((_, _, _, reply), w) in batch.drain(..).zip(won) {
                    let _ = reply.send(Ok(w));
                }
            }
            Err(e) => {
                for (_, _, _, reply) in batch.drain(..) {
                    let _ = reply.send(Err(StoreError::Backend(e.to_string())));
                }
            }
        }
    }
}

/// Runs the claims in order in one transaction; within it a later claim of the same
/// signature sees the earlier one, exactly as if each had committed alone.
async fn commit_claims(pool: &SqlitePool, batch: &[Queued]) -> Result<Vec<bool>, StoreError> {
    let mut tx = super::tx::Tx::begin(pool).await.map_err(db)?;
    let mut won = Vec::with_capacity(batch.len());
    for (c, sealed, now, _) in batch {
        let r = sqlx::query(CLAIM)
            .bind(&c.key_id)
            .bind(&c.signature)
            .bind(&c.fingerprint)
            .bind(&c.request_id)
            .bind(sealed)
            .bind(c.expires_at)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        won.push(r.rows_affected() == 1);
    }
    tx.commit().await.map_err(db)?;
    Ok(won)
}

/// The sealing context of a stored answer, so one record's answer cannot be moved to another.
fn context(key_id: &str, signature: &str) -> String {
    format!("replay:{key_id}:{signature}")
}

/// Runs one write statement on the signature-record connections; returns the rows affected.
macro_rules! write {
    ($s:expr, $query:expr) => {{
        match (&$s.pool, &$s.replay) {
            (Pool::Sqlite(p), replay) => {
                let _writer = $s.writer().await;
                $query.execute(replay.as_ref().map_or(p, |r| &r.pool)).await.map_err(db)?.rows_affected()
            }
            (Pool::Postgres(p), _) => {
                let mut tx = super::tx::Tx::begin(p).await.map_err(db)?;
                sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *tx).await.map_err(db)?;
                let n = $query.execute(&mut *tx).await.map_err(db)?.rows_affected();
                tx.commit().await.map_err(db)?;
                n
            }
        }
    }};
}

pub(super) async fn claim(s: &SqlStore, c: &SignatureClaim, now: i64) -> Result<ClaimState, StoreError> {
    let sealed = c.response.as_deref().map(|r| s.cipher.seal(&context(&c.key_id, &c.signature), r)).transpose()?;
    let inserted = if let Some(claims) = &s.replay {
        u64::from(claims.claim(c, sealed, now).await?)
    } else {
        write!(
            s,
            sqlx::query(CLAIM)
                .bind(&c.key_id)
                .bind(&c.signature)
                .bind(&c.fingerprint)
                .bind(&c.request_id)
                .bind(&sealed)
                .bind(c.expires_at)
                .bind(now)
        )
    };
    if inserted == 1 {
        return Ok(ClaimState::Claimed);
    }
    let seen: Option<(String, String, Option<Vec<u8>>)> = with_pool!(s, p => {
        match sqlx::query(SEEN).bind(&c.key_id).bind(&c.signature).fetch_optional(p).await.map_err(db)? {
            Some(r) => Some((r.try_get("fingerprint").map_err(db)?, r.try_get("request_id").map_err(db)?, r.try_get("response").map_err(db)?)),
            None => None,
        }
    });
    // Pruned between the insert and the read: the signature expired meanwhile, and the
    // timestamp check refuses it from now on; treat it as a record nobody can match.
    let Some((fingerprint, request_id, sealed)) = seen else {
        return Ok(ClaimState::Seen { fingerprint: String::new(), request_id: String::new(), response: None });
    };
    let response = sealed.map(|b| s.cipher.open(&context(&c.key_id, &c.signature), &b)).transpose()?;
    Ok(ClaimState::Seen { fingerprint, request_id, response })
}

pub(super) async fn finish(s: &SqlStore, key_id: &str, signature: &str, response: &[u8]) -> Result<(), StoreError> {
    let sealed = s.cipher.seal(&context(key_id, signature), response)?;
    write!(s, sqlx::query(FINISH).bind(key_id).bind(signature).bind(&sealed));
    Ok(())
}

pub(super) async fn release(s: &SqlStore, key_id: &str, signature: &str) -> Result<(), StoreError> {
    write!(s, sqlx::query(RELEASE).bind(key_id).bind(signature));
    Ok(())
}

pub(super) async fn prune(s: &SqlStore, now: i64) -> Result<u64, StoreError> {
    Ok(write!(s, sqlx::query(PRUNE).bind(now)))
}
