//! The durable job queue and the DeleteCertificates tasks whose work it carries:
//! leasing due jobs (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer on
//! SQLite), settling a run's outcome, and the tasks' visible results.
//! The `Store` impl in `mod.rs` delegates here.

use certhub_core::StoreError;
use certhub_core::jobs::{DeleteStatus, JobKind, JobOutcome, JobPayload, JobState};
use certhub_core::model::{DeleteTask, Job};
use sqlx::Row;

use super::rows::{db, json};
use super::tx::Tx;
use super::{Pool, SqlStore};

/// A delete job has no deadline of its own: it runs until its task has a result.
const NO_DEADLINE: i64 = i64::MAX;

/// The `payload` column of a job: the task ID of a delete job, empty otherwise.
pub(super) fn payload_column(p: &JobPayload) -> &str {
    match p {
        JobPayload::Certificate => "",
        JobPayload::DeleteTask { task_id } => task_id,
    }
}

fn decode_payload(kind: JobKind, column: String) -> JobPayload {
    match kind {
        JobKind::Delete => JobPayload::DeleteTask { task_id: column },
        _ => JobPayload::Certificate,
    }
}

pub(super) async fn claim_jobs(s: &SqlStore, kind: JobKind, now: i64, lease: i64, limit: i64) -> Result<Vec<Job>, StoreError> {
    claim(s, "run_at <= $3", None, kind, now, lease, limit).await
}

pub(super) async fn claim_cert_job(s: &SqlStore, kind: JobKind, cert_id: &str, now: i64, lease: i64) -> Result<Option<Job>, StoreError> {
    // Due or not: the caller asked for this certificate's check now.
    Ok(claim(s, "cert_id = $6", Some(cert_id), kind, now, lease, 1).await?.into_iter().next())
}

/// Leases queued, unleased jobs of `kind` that also match `filter` (`$6` is `cert_id` when given).
async fn claim(
    s: &SqlStore,
    filter: &str,
    cert_id: Option<&str>,
    kind: JobKind,
    now: i64,
    lease: i64,
    limit: i64,
) -> Result<Vec<Job>, StoreError> {
    // One statement: SQLite serialises writers; PostgreSQL skips rows another node holds.
    let lock = match s.pool {
        Pool::Postgres(_) => " FOR UPDATE SKIP LOCKED",
        Pool::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE jobs SET lease_until = $1, attempts = attempts + 1 WHERE id IN \
         (SELECT id FROM jobs WHERE kind = $2 AND state = $5 AND {filter} AND lease_until <= $3 ORDER BY run_at, id LIMIT $4{lock}) \
         RETURNING id, kind, owner_uin, cert_id, run_at, deadline, attempts, last_error, payload"
    );
    with_pool!(s, p => {
        let mut q = sqlx::query(&sql).bind(now + lease).bind(kind.as_str()).bind(now).bind(limit).bind(JobState::Queued.as_str());
        if let Some(c) = cert_id {
            q = q.bind(c);
        }
        let rows = q.fetch_all(p).await.map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let stored: String = r.try_get("kind").map_err(db)?;
            let kind = JobKind::parse(&stored).ok_or_else(|| StoreError::Corrupt(format!("job kind {stored}")))?;
            out.push(Job {
                id: r.try_get("id").map_err(db)?,
                kind,
                payload: decode_payload(kind, r.try_get("payload").map_err(db)?),
                owner_uin: r.try_get("owner_uin").map_err(db)?,
                cert_id: r.try_get("cert_id").map_err(db)?,
                run_at: r.try_get("run_at").map_err(db)?,
                deadline: r.try_get("deadline").map_err(db)?,
                attempts: r.try_get("attempts").map_err(db)?,
                last_error: r.try_get("last_error").map_err(db)?,
            });
        }
        Ok(out)
    })
}

pub(super) async fn hurry_jobs(s: &SqlStore, cert_id: &str, now: i64) -> Result<(), StoreError> {
    with_pool!(s, p => {
        sqlx::query("UPDATE jobs SET run_at = $1 WHERE cert_id = $2 AND state = $3 AND run_at > $1")
            .bind(now).bind(cert_id).bind(JobState::Queued.as_str()).execute(p).await.map_err(db)?;
        Ok(())
    })
}

pub(super) async fn settle_job(s: &SqlStore, id: i64, outcome: &JobOutcome) -> Result<(), StoreError> {
    with_pool!(s, p => {
        match outcome {
            JobOutcome::RetryAt(at, why) => {
                sqlx::query("UPDATE jobs SET run_at = $1, lease_until = 0, last_error = $2 WHERE id = $3")
                    .bind(*at).bind(why).bind(id).execute(p).await.map_err(db)?;
            }
            JobOutcome::Done(note) | JobOutcome::Failed(note) => {
                sqlx::query("UPDATE jobs SET state = $1, last_error = $2, lease_until = 0 WHERE id = $3")
                    .bind(outcome.state().as_str()).bind(note).bind(id).execute(p).await.map_err(db)?;
            }
        }
        Ok(())
    })
}

pub(super) async fn create_delete_tasks(
    s: &SqlStore,
    owner_uin: &str,
    certs: &[(String, Vec<String>)],
    now: i64,
) -> Result<Vec<DeleteTask>, StoreError> {
    with_pool!(s, p => {
        let _writer = s.writer().await;
        let mut tx = Tx::begin(p).await.map_err(db)?;
        let mut out = Vec::with_capacity(certs.len());
        for (cert_id, domains) in certs {
            let id: i64 = sqlx::query_scalar("INSERT INTO delete_tasks (owner_uin, cert_id, status, domains, error, updated_at) \
                VALUES ($1, $2, $3, $4, '', $5) RETURNING id")
                .bind(owner_uin).bind(cert_id).bind(DeleteStatus::Running.code()).bind(json(domains)?).bind(now)
                .fetch_one(&mut *tx).await.map_err(db)?;
            let task_id = id.to_string();
            let payload = JobPayload::DeleteTask { task_id: task_id.clone() };
            insert_job!(&mut *tx, JobKind::Delete, &payload, owner_uin, cert_id, now, NO_DEADLINE);
            out.push(DeleteTask { task_id, owner_uin: owner_uin.to_string(), cert_id: cert_id.clone(),
                status: DeleteStatus::Running, domains: domains.clone(), error: String::new(), updated_at: now });
        }
        tx.commit().await.map_err(db)?;
        Ok(out)
    })
}

pub(super) async fn delete_tasks(s: &SqlStore, owner_uin: &str, ids: &[String]) -> Result<Vec<DeleteTask>, StoreError> {
    let nums: Vec<i64> = ids.iter().filter_map(|s| s.parse().ok()).collect();
    let mut out = Vec::new();
    with_pool!(s, p => {
        for id in nums {
            let r = sqlx::query("SELECT id, owner_uin, cert_id, status, domains, error, updated_at FROM delete_tasks WHERE owner_uin = $1 AND id = $2")
                .bind(owner_uin).bind(id).fetch_optional(p).await.map_err(db)?;
            if let Some(r) = r {
                out.push(task_from_row!(&r));
            }
        }
    });
    Ok(out)
}

pub(super) async fn finish_delete_task(
    s: &SqlStore,
    task_id: &str,
    status: DeleteStatus,
    error: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let id: i64 = task_id.parse().map_err(|_| StoreError::Corrupt(format!("task id {task_id}")))?;
    with_pool!(s, p => {
        // Only a running task takes a result: a second run of its job (after a lost lease) cannot overwrite the first.
        let r = sqlx::query("UPDATE delete_tasks SET status = $1, error = $2, updated_at = $3 WHERE id = $4 AND status = $5")
            .bind(status.code()).bind(error).bind(now).bind(id).bind(DeleteStatus::Running.code()).execute(p).await.map_err(db)?;
        Ok(r.rows_affected() > 0)
    })
}
