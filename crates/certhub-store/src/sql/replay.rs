//! Signature records: the first use of each request signature, what it was bound
//! to and (for a write) its answer, until the signature expires. The claim is a
//! unique insert, so across every node sharing the database exactly one request
//! runs per signature.
//!
//! A record lives for minutes and only ever refuses or repeats a request, so its
//! commits skip the disk sync that certificate writes wait for (SQLite
//! `synchronous=NORMAL` connections of their own, PostgreSQL connections with
//! `synchronous_commit = off`): an application crash loses none of them (the WAL is
//! written), a power cut may lose the last few. Without this every read would wait
//! for the disk.
//!
//! Every request claims one signature, so a claim must cost about what a point read
//! costs: on SQLite claims are group committed (one statement for all that queued
//! while the last transaction ran), on PostgreSQL a claim is one autocommitted
//! statement (one round trip).

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Arc;

use certhub_core::StoreError;
use certhub_core::model::{ClaimState, SignatureClaim};
use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::rows::db;
use super::{Pool, SqlStore};

const COLUMNS: &str = "INSERT INTO signature_claims (key_id, signature, fingerprint, request_id, response, expires_at) VALUES ";
/// Takes over a record only once it has expired: `$1` is the claiming time.
const UPSERT: &str = " ON CONFLICT (key_id, signature) DO UPDATE SET fingerprint = excluded.fingerprint, \
    request_id = excluded.request_id, response = excluded.response, expires_at = excluded.expires_at \
    WHERE signature_claims.expires_at < $1";
const SEEN: &str = "SELECT fingerprint, request_id, response FROM signature_claims WHERE key_id = $1 AND signature = $2";
const FINISH: &str = "UPDATE signature_claims SET response = $3 WHERE key_id = $1 AND signature = $2";
const RELEASE: &str = "DELETE FROM signature_claims WHERE key_id = $1 AND signature = $2 AND response IS NULL";
const PRUNE: &str = "DELETE FROM signature_claims WHERE expires_at < $1";

/// `INSERT … VALUES (…), … ON CONFLICT …` for `rows` claims, numbered after the claiming time `$1`.
fn claim_statement(rows: usize) -> String {
    let mut sql = String::from(COLUMNS);
    for i in 0..rows {
        let b = 2 + i * 6;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(${}, ${}, ${}, ${}, ${}, ${})", b, b + 1, b + 2, b + 3, b + 4, b + 5));
    }
    sql.push_str(UPSERT);
    sql.push_str(" RETURNING key_id, signature");
    sql
}

/// The connections signature records are written on.
pub(super) enum Claims {
    /// SQLite: connections of their own and a group-committing writer.
    Sqlite(SqliteClaims),
    /// PostgreSQL: connections whose commits do not wait for the disk.
    Postgres(PgPool),
}

impl Claims {
    /// Closes the connections.
    pub(super) async fn close(&self) {
        match self {
            Claims::Sqlite(c) => c.pool.close().await,
            Claims::Postgres(p) => p.close().await,
        }
    }
}

/// The SQLite connections for signature records: same database, no sync per commit, and
/// no checkpoint in line: the claim writer is on every request's path, and a checkpoint
/// waits for the disk (`checkpointer` runs them beside it instead).
pub(super) async fn sqlite_pool(opts: SqliteConnectOptions) -> Result<SqlitePool, StoreError> {
    let opts = opts.synchronous(SqliteSynchronous::Normal).pragma("wal_autocheckpoint", "0");
    SqlitePoolOptions::new().max_connections(2).after_release(super::tx::release_check).connect_with(opts).await.map_err(db)
}

/// The PostgreSQL connections for signature records: same database, `synchronous_commit = off`.
pub(super) async fn postgres_pool(url: &str) -> Result<PgPool, StoreError> {
    let opts = PgConnectOptions::from_str(url).map_err(db)?.options([("synchronous_commit", "off")]);
    PgPoolOptions::new().max_connections(8).after_release(super::tx::release_check).connect_with(opts).await.map_err(db)
}

/// How often the write-ahead log is copied back into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Checkpoints the write-ahead log beside the writers (PASSIVE: it never blocks them),
/// since the claim connections leave it to grow. Stops when the pool closes.
async fn checkpointer(pool: SqlitePool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
            tracing::warn!(error = %e, "checkpointing the write-ahead log failed");
        }
    }
}

/// Most claims committed in one SQLite statement (6 parameters each, under SQLite's 32766).
const MAX_BATCH: usize = 256;

/// One queued claim: the row, its sealed answer, the claiming time and where its outcome (won or not) goes.
type Queued = (SignatureClaim, Option<Vec<u8>>, i64, oneshot::Sender<Result<bool, StoreError>>);

/// SQLite signature records. Every request claims a signature, so claims are group
/// committed: one writer task takes whatever has queued while the last transaction ran
/// and commits it as one statement (SQLite has one writer; one transaction per claim
/// would make every read wait its turn at the lock).
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
        tokio::spawn(checkpointer(pool.clone()));
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

/// Commits a batch in one statement. Of claims of one signature within the batch the
/// first wins, exactly as if each had committed alone in queue order; the earliest
/// claiming time decides whether a stored record has expired (the conservative choice).
async fn commit_claims(pool: &SqlitePool, batch: &[Queued]) -> Result<Vec<bool>, StoreError> {
    let mut first = HashSet::with_capacity(batch.len());
    let rows: Vec<bool> = batch.iter().map(|(c, ..)| first.insert((c.key_id.as_str(), c.signature.as_str()))).collect();
    let now = batch.iter().map(|(_, _, now, _)| *now).min().unwrap_or_default();
    let sql = claim_statement(first.len());
    let mut q = sqlx::query(&sql).bind(now);
    for ((c, sealed, _, _), _) in batch.iter().zip(&rows).filter(|(_, unique)| **unique) {
        q = q.bind(&c.key_id).bind(&c.signature).bind(&c.fingerprint).bind(&c.request_id).bind(sealed).bind(c.expires_at);
    }
    let mut tx = super::tx::Tx::begin(pool).await.map_err(db)?;
    let won: HashSet<(String, String)> = q
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get("key_id")?, r.try_get("signature")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(batch.iter().zip(rows).map(|((c, ..), unique)| unique && won.contains(&(c.key_id.clone(), c.signature.clone()))).collect())
}

/// The sealing context of a stored answer, so one record's answer cannot be moved to another.
fn context(key_id: &str, signature: &str) -> String {
    format!("replay:{key_id}:{signature}")
}

/// Runs one write statement on the signature-record connections; returns the rows affected.
macro_rules! write {
    ($s:expr, $query:expr) => {{
        match &$s.claims {
            Claims::Sqlite(c) => {
                let _writer = $s.writer().await;
                $query.execute(&c.pool).await.map_err(db)?.rows_affected()
            }
            Claims::Postgres(p) => $query.execute(p).await.map_err(db)?.rows_affected(),
        }
    }};
}

pub(super) async fn claim(s: &SqlStore, c: &SignatureClaim, now: i64) -> Result<ClaimState, StoreError> {
    let sealed = c.response.as_deref().map(|r| s.cipher.seal(&context(&c.key_id, &c.signature), r)).transpose()?;
    let won = match &s.claims {
        Claims::Sqlite(claims) => claims.claim(c, sealed, now).await?,
        Claims::Postgres(p) => {
            let sql = claim_statement(1);
            let q = sqlx::query(&sql).bind(now).bind(&c.key_id).bind(&c.signature).bind(&c.fingerprint).bind(&c.request_id);
            q.bind(&sealed).bind(c.expires_at).fetch_optional(p).await.map_err(db)?.is_some()
        }
    };
    if won {
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
