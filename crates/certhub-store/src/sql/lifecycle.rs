//! Status changes: issuing a pending order, and guarded transitions with their
//! log rows (and the jobs they queue; the queue itself is in `jobs.rs`).
//! The `Store` impl in `mod.rs` delegates here.

use certhub_core::StoreError;
use certhub_core::model::{CertStatus, Issued, NewLog, RevokeRequestStatus};
use certhub_core::rules::WAITING;
use certhub_core::store::{Reissue, Transition};

use super::rows::{db, json, next_seq};
use super::tx::Tx;
use super::{Pool, SqlStore};
use crate::codes;

pub(super) async fn mark_issued(
    s: &SqlStore,
    owner_uin: &str,
    id: &str,
    issued: &Issued,
    log: &NewLog,
    now: i64,
) -> Result<bool, StoreError> {
    with_pool!(s, p => {
        let _writer = s.writer().await;
        let mut tx = Tx::begin(p).await.map_err(db)?;
        let sql = format!("UPDATE certificates SET status = $8, status_msg = '', cert_pem = $1, not_before = $2, not_after = $3, \
            fingerprint = $4, serial = $5 WHERE owner_uin = $6 AND id = $7 AND {}", codes::status_in("status", WAITING));
        let r = sqlx::query(&sql)
            .bind(&issued.cert_pem).bind(issued.not_before).bind(issued.not_after).bind(&issued.fingerprint).bind(&issued.serial)
            .bind(owner_uin).bind(id).bind(codes::status(CertStatus::Issued)).execute(&mut *tx).await.map_err(db)?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        insert_log!(&mut *tx, owner_uin, log, now);
        tx.commit().await.map_err(db)?;
        Ok(true)
    })
}

/// Copies a revocation into `revocations` (which deleting the certificate never touches) and raises its CA's
/// mark, in the transaction that revokes: a CRL read before this commit is thereby known to be stale.
macro_rules! record_revocation {
    ($tx:expr, $owner:expr, $id:expr, $r:expr) => {{
        sqlx::query(
            "INSERT INTO revocations (ca_family, serial, revoked_at, reason, not_after, cert_id) \
             SELECT ca_family, serial, $1, $2, COALESCE(not_after, 0), id FROM certificates \
             WHERE owner_uin = $3 AND id = $4 AND ca_family IS NOT NULL AND serial IS NOT NULL \
             ON CONFLICT (ca_family, serial) DO NOTHING",
        )
        .bind($r.at)
        .bind(codes::reason($r.reason))
        .bind($owner)
        .bind($id)
        .execute(&mut *$tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO crl_marks (ca, revision) SELECT ca_family, 1 FROM certificates \
             WHERE owner_uin = $1 AND id = $2 AND ca_family IS NOT NULL \
             ON CONFLICT (ca) DO UPDATE SET revision = crl_marks.revision + 1",
        )
        .bind($owner)
        .bind($id)
        .execute(&mut *$tx)
        .await
        .map_err(db)?;
    }};
}

/// A transition's guarded UPDATE and the values it binds.
struct Guarded {
    sql: String,
    extra: Option<String>,
    revoked_at: Option<i64>,
    reason: Option<i64>,
}

fn guarded(t: &Transition<'_>) -> Result<Guarded, StoreError> {
    let from = codes::status_in("status", t.from);
    let sql = format!(
        "UPDATE certificates SET status = $1, status_msg = $2, extra = COALESCE($3, extra), \
         revoked_at = COALESCE($4, revoked_at), revoke_reason = COALESCE($5, revoke_reason) \
         WHERE owner_uin = $6 AND id = $7 AND {from}"
    );
    Ok(Guarded {
        sql,
        extra: t.extra.map(json).transpose()?,
        revoked_at: t.revocation.map(|r| r.at),
        reason: t.revocation.map(|r| codes::reason(r.reason)),
    })
}

/// Runs a transition inside the open transaction `$tx`: evaluates to whether the status matched
/// (and then its log row and job are written too).
macro_rules! run_transition {
    ($tx:expr, $g:expr, $t:expr, $owner:expr, $id:expr, $now:expr) => {{
        let (g, t) = ($g, $t);
        let r = sqlx::query(&g.sql)
            .bind(codes::status(t.to))
            .bind(t.msg)
            .bind(&g.extra)
            .bind(g.revoked_at)
            .bind(g.reason)
            .bind($owner)
            .bind($id)
            .execute(&mut *$tx)
            .await
            .map_err(db)?;
        let applied = r.rows_affected() > 0;
        if applied {
            insert_log!(&mut *$tx, $owner, t.log, $now);
            if let Some(r) = t.revocation {
                record_revocation!($tx, $owner, $id, r);
            }
            if let Some((kind, deadline)) = t.job {
                insert_job!(&mut *$tx, kind, &certhub_core::jobs::JobPayload::Certificate, $owner, $id, $now, deadline);
            }
        }
        applied
    }};
}

pub(super) async fn transition(s: &SqlStore, owner_uin: &str, id: &str, t: &Transition<'_>, now: i64) -> Result<bool, StoreError> {
    if t.from.is_empty() {
        return Ok(false);
    }
    let g = guarded(t)?;
    with_pool!(s, p => {
        let _writer = s.writer().await;
        let mut tx = Tx::begin(p).await.map_err(db)?;
        if !run_transition!(tx, &g, t, owner_uin, id, now) {
            return Ok(false);
        }
        tx.commit().await.map_err(db)?;
        Ok(true)
    })
}

/// The original's move to status 11 and the new pending order (its key, log row and validation job) in one transaction.
pub(super) async fn reissue(s: &SqlStore, r: &Reissue<'_>, now: i64) -> Result<bool, StoreError> {
    let g = guarded(r.mark)?;
    let mut row = s.prepare(r.order, r.private_key, r.log, now)?;
    row.job = Some((r.job_kind, r.deadline));
    let owner = r.order.owner_uin.as_str();
    with_pool!(s, p => {
        let _writer = s.writer().await;
        let mut tx = Tx::begin(p).await.map_err(db)?;
        if !run_transition!(tx, &g, r.mark, owner, r.original, now) {
            return Ok(false);
        }
        insert_prepared!(tx, &row);
        tx.commit().await.map_err(db)?;
        Ok(true)
    })
}

/// A pending revocation request approved and its certificate's transition (to status 10) in one transaction;
/// false, with nothing changed, when the request was no longer pending or the certificate's status did not match.
pub(super) async fn approve_revoke_request(
    s: &SqlStore,
    request_id: i64,
    processor_comment: &str,
    cert: (&str, &str),
    t: &Transition<'_>,
    now: i64,
) -> Result<bool, StoreError> {
    let g = guarded(t)?;
    let (owner, id) = cert;
    with_pool!(s, p => {
        let _writer = s.writer().await;
        let mut tx = Tx::begin(p).await.map_err(db)?;
        let decided = sqlx::query("UPDATE revoke_requests SET status = $6, processor_comment = $1, updated_at = $2 \
            WHERE id = $3 AND owner_uin = $4 AND cert_id = $5 AND status = $7")
            .bind(processor_comment).bind(now).bind(request_id).bind(owner).bind(id).bind(codes::request_status(RevokeRequestStatus::Approved)).bind(codes::request_status(RevokeRequestStatus::Pending)).execute(&mut *tx).await.map_err(db)?;
        if decided.rows_affected() == 0 || !run_transition!(tx, &g, t, owner, id, now) {
            return Ok(false);
        }
        tx.commit().await.map_err(db)?;
        Ok(true)
    })
}
