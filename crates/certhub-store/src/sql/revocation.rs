//! The store's side of revocation: serial lookups for OCSP, revoked serials and
//! stored CRLs, singleton leases, and revocation requests. The `Store` impl in
//! `mod.rs` delegates here.

use certhub_core::StoreError;
use certhub_core::model::{Revocation, RevokeRequest, RevokeRequestStatus, RevokedSerial, SerialStatus, StoredCrl};
use sqlx::Row;

use super::rows::db;
use super::{Pool, SqlStore};
use crate::codes;
use crate::query::Arg;

pub(super) async fn serial_status(s: &SqlStore, family: &str, serial: &str) -> Result<Option<SerialStatus>, StoreError> {
    with_pool!(s, p => {
        // A recorded revocation answers first: it outlives the certificate record.
        let revoked = sqlx::query("SELECT not_after, revoked_at, reason FROM revocations WHERE ca_family = $1 AND serial = $2")
            .bind(family).bind(serial).fetch_optional(p).await.map_err(db)?;
        if let Some(r) = revoked {
            return Ok(Some(SerialStatus {
                not_after: r.try_get("not_after").map_err(db)?,
                revocation: Some(Revocation {
                    at: r.try_get("revoked_at").map_err(db)?,
                    reason: codes::parse_reason(r.try_get("reason").map_err(db)?)?,
                }),
            }));
        }
        let row = sqlx::query("SELECT not_after, revoked_at, revoke_reason FROM certificates WHERE ca_family = $1 AND serial = $2")
            .bind(family).bind(serial).fetch_optional(p).await.map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let revoked_at: Option<i64> = r.try_get("revoked_at").map_err(db)?;
        let reason: Option<i64> = r.try_get("revoke_reason").map_err(db)?;
        Ok(Some(SerialStatus {
            not_after: r.try_get::<Option<i64>, _>("not_after").map_err(db)?.unwrap_or(0),
            revocation: match revoked_at {
                Some(at) => Some(Revocation { at, reason: codes::parse_reason(reason.unwrap_or(0))? }),
                None => None,
            },
        }))
    })
}

pub(super) async fn revoked_serials(s: &SqlStore, family: &str) -> Result<Vec<RevokedSerial>, StoreError> {
    with_pool!(s, p => {
        let rows = sqlx::query("SELECT serial, revoked_at, reason FROM revocations WHERE ca_family = $1 ORDER BY revoked_at, serial")
            .bind(family).fetch_all(p).await.map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(RevokedSerial {
                serial: r.try_get("serial").map_err(db)?,
                revocation: Revocation {
                    at: r.try_get("revoked_at").map_err(db)?,
                    reason: codes::parse_reason(r.try_get("reason").map_err(db)?)?,
                },
            });
        }
        Ok(out)
    })
}

pub(super) async fn revocation_mark(s: &SqlStore, ca: &str) -> Result<i64, StoreError> {
    with_pool!(s, p => {
        let mark: Option<i64> = sqlx::query_scalar("SELECT revision FROM crl_marks WHERE ca = $1").bind(ca).fetch_optional(p).await.map_err(db)?;
        Ok(mark.unwrap_or(0))
    })
}

pub(super) async fn crl_stale(s: &SqlStore, ca: &str) -> Result<bool, StoreError> {
    with_pool!(s, p => {
        let stale: i64 = sqlx::query_scalar("SELECT CASE WHEN COALESCE((SELECT revision FROM crl_marks WHERE ca = $1), 0) \
            > COALESCE((SELECT covered FROM crls WHERE ca = $1), -1) THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END")
            .bind(ca).fetch_one(p).await.map_err(db)?;
        Ok(stale != 0)
    })
}

pub(super) async fn crl(s: &SqlStore, ca: &str) -> Result<Option<StoredCrl>, StoreError> {
    with_pool!(s, p => {
        let row = sqlx::query("SELECT number, this_update, der, covered FROM crls WHERE ca = $1").bind(ca).fetch_optional(p).await.map_err(db)?;
        match row {
            Some(r) => Ok(Some(StoredCrl {
                number: r.try_get("number").map_err(db)?,
                this_update: r.try_get("this_update").map_err(db)?,
                der: r.try_get("der").map_err(db)?,
                covered: r.try_get("covered").map_err(db)?,
            })),
            None => Ok(None),
        }
    })
}

pub(super) async fn crl_head(s: &SqlStore, ca: &str) -> Result<Option<(i64, i64)>, StoreError> {
    with_pool!(s, p => {
        let row = sqlx::query("SELECT number, this_update FROM crls WHERE ca = $1").bind(ca).fetch_optional(p).await.map_err(db)?;
        match row {
            Some(r) => Ok(Some((r.try_get("number").map_err(db)?, r.try_get("this_update").map_err(db)?))),
            None => Ok(None),
        }
    })
}

pub(super) async fn save_crl(s: &SqlStore, ca: &str, crl: &StoredCrl) -> Result<bool, StoreError> {
    // Compare-and-set on the number: of several nodes generating at once, exactly one stores each number.
    with_pool!(s, p => {
        let _writer = s.writer().await;
        let r = if crl.number == 1 {
            sqlx::query("INSERT INTO crls (ca, number, this_update, der, covered) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ca) DO NOTHING")
                .bind(ca).bind(crl.number).bind(crl.this_update).bind(&crl.der).bind(crl.covered).execute(p).await.map_err(db)?
        } else {
            sqlx::query("UPDATE crls SET number = $1, this_update = $2, der = $3, covered = $4 WHERE ca = $5 AND number = $6")
                .bind(crl.number).bind(crl.this_update).bind(&crl.der).bind(crl.covered).bind(ca).bind(crl.number - 1)
                .execute(p).await.map_err(db)?
        };
        Ok(r.rows_affected() == 1)
    })
}

pub(super) async fn create_revoke_request(
    s: &SqlStore,
    owner_uin: &str,
    cert_id: &str,
    comments: &str,
    requester: &str,
    now: i64,
) -> Result<RevokeRequest, StoreError> {
    with_pool!(s, p => {
        let _writer = s.writer().await;
        let id: i64 = sqlx::query_scalar("INSERT INTO revoke_requests (owner_uin, cert_id, status, comments, requester, processor_comment, \
            created_at, updated_at) VALUES ($1, $2, $6, $3, $4, '', $5, $5) RETURNING id")
            .bind(owner_uin).bind(cert_id).bind(comments).bind(requester).bind(now).bind(codes::request_status(RevokeRequestStatus::Pending)).fetch_one(p).await.map_err(db)?;
        Ok(RevokeRequest {
            id, owner_uin: owner_uin.into(), cert_id: cert_id.into(), status: RevokeRequestStatus::Pending, comments: comments.into(),
            requester: requester.into(), processor_comment: String::new(), created_at: now, updated_at: now,
        })
    })
}

pub(super) async fn revoke_request(s: &SqlStore, owner_uin: Option<&str>, id: i64) -> Result<Option<RevokeRequest>, StoreError> {
    let rows = match owner_uin {
        Some(owner) => request_rows(s, "WHERE id = $1 AND owner_uin = $2", &[Arg::Int(id), Arg::Text(owner.to_string())]).await?,
        None => request_rows(s, "WHERE id = $1", &[Arg::Int(id)]).await?,
    };
    Ok(rows.into_iter().next())
}

pub(super) async fn revoke_requests(s: &SqlStore, status: Option<RevokeRequestStatus>) -> Result<Vec<RevokeRequest>, StoreError> {
    match status {
        Some(st) => request_rows(s, "WHERE status = $1", &[Arg::Text(codes::request_status(st).into())]).await,
        None => request_rows(s, "", &[]).await,
    }
}

pub(super) async fn decide_revoke_request(
    s: &SqlStore,
    id: i64,
    status: RevokeRequestStatus,
    processor_comment: &str,
    now: i64,
) -> Result<bool, StoreError> {
    with_pool!(s, p => {
        let _writer = s.writer().await;
        let r = sqlx::query("UPDATE revoke_requests SET status = $1, processor_comment = $2, updated_at = $3 WHERE id = $4 AND status = $5")
            .bind(codes::request_status(status)).bind(processor_comment).bind(now).bind(id)
            .bind(codes::request_status(RevokeRequestStatus::Pending)).execute(p).await.map_err(db)?;
        Ok(r.rows_affected() == 1)
    })
}

pub(super) async fn try_lease(s: &SqlStore, name: &str, holder: &str, now: i64, until: i64) -> Result<bool, StoreError> {
    with_pool!(s, p => {
        let _writer = s.writer().await;
        let r = sqlx::query("INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3) \
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
            WHERE leases.until < $4 OR leases.holder = $2")
            .bind(name).bind(holder).bind(until).bind(now).execute(p).await.map_err(db)?;
        Ok(r.rows_affected() == 1)
    })
}

pub(super) async fn release_lease(s: &SqlStore, name: &str, holder: &str) -> Result<(), StoreError> {
    with_pool!(s, p => {
        let _writer = s.writer().await;
        sqlx::query("UPDATE leases SET until = 0 WHERE name = $1 AND holder = $2").bind(name).bind(holder).execute(p).await.map_err(db)?;
        Ok(())
    })
}

async fn request_rows(s: &SqlStore, filter: &str, args: &[Arg]) -> Result<Vec<RevokeRequest>, StoreError> {
    let sql = format!(
        "SELECT id, owner_uin, cert_id, status, comments, requester, processor_comment, created_at, updated_at \
         FROM revoke_requests {filter} ORDER BY id DESC"
    );
    with_pool!(s, p => {
        let q = bind_args!(sqlx::query(&sql), args);
        let mut out = Vec::new();
        for r in q.fetch_all(p).await.map_err(db)? {
            out.push(RevokeRequest {
                id: r.try_get("id").map_err(db)?,
                owner_uin: r.try_get("owner_uin").map_err(db)?,
                cert_id: r.try_get("cert_id").map_err(db)?,
                status: codes::parse_request_status(&r.try_get::<String, _>("status").map_err(db)?)?,
                comments: r.try_get("comments").map_err(db)?,
                requester: r.try_get("requester").map_err(db)?,
                processor_comment: r.try_get("processor_comment").map_err(db)?,
                created_at: r.try_get("created_at").map_err(db)?,
                updated_at: r.try_get("updated_at").map_err(db)?,
            });
        }
        Ok(out)
    })
}
