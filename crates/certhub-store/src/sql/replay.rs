//! Signature records: the first use of each request signature, what it was bound
//! to and its answer, until the signature expires. The claim is a unique insert,
//! so across every node sharing the database exactly one request runs per signature.
//!
//! A record lives for minutes and only ever refuses or repeats a request, so its
//! commits skip the disk sync that certificate writes wait for (SQLite
//! `synchronous=NORMAL` connections of their own, PostgreSQL `synchronous_commit
//! = off`): an application crash loses none of them (the WAL is written), a power
//! cut may lose the last few. Without this every read would wait for the disk.

use certhub_core::StoreError;
use certhub_core::model::{ClaimState, SignatureClaim};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::rows::db;
use super::{Pool, SqlStore};

const CLAIM: &str = "INSERT INTO signature_claims (key_id, signature, fingerprint, request_id, response, expires_at) \
    VALUES ($1, $2, $3, $4, NULL, $5) \
    ON CONFLICT (key_id, signature) DO UPDATE SET fingerprint = excluded.fingerprint, request_id = excluded.request_id, \
    response = NULL, expires_at = excluded.expires_at WHERE signature_claims.expires_at < $6";
const SEEN: &str = "SELECT fingerprint, request_id, response FROM signature_claims WHERE key_id = $1 AND signature = $2";
const FINISH: &str = "UPDATE signature_claims SET response = $3 WHERE key_id = $1 AND signature = $2";
const RELEASE: &str = "DELETE FROM signature_claims WHERE key_id = $1 AND signature = $2 AND response IS NULL";
const PRUNE: &str = "DELETE FROM signature_claims WHERE expires_at < $1";

/// The SQLite connections for signature records: same database, no sync per commit.
pub(super) async fn sqlite_pool(opts: SqliteConnectOptions) -> Result<SqlitePool, StoreError> {
    let opts = opts.synchronous(SqliteSynchronous::Normal);
    SqlitePoolOptions::new().max_connections(2).after_release(super::tx::release_check).connect_with(opts).await.map_err(db)
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
                $query.execute(replay.as_ref().unwrap_or(p)).await.map_err(db)?.rows_affected()
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
    let inserted = write!(
        s,
        sqlx::query(CLAIM).bind(&c.key_id).bind(&c.signature).bind(&c.fingerprint).bind(&c.request_id).bind(c.expires_at).bind(now)
    );
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
