//! Row plumbing shared by every store method: error mapping, row decoding and
//! the insert statements that more than one write path runs.

use certhub_core::StoreError;

pub(super) fn db(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(d.message().to_string()),
        _ => StoreError::Backend(e.to_string()),
    }
}

/// Binds a list of `Arg`s to a query.
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Int(i) => q.bind(*i),
                Arg::Text(s) => q.bind(s.clone()),
            };
        }
        q
    }};
}

pub(super) const CERT_COLUMNS: &str = "c.id, c.owner_uin, c.project_id, c.alias, c.source, c.cert_type, c.package_type, \
    c.product_name, c.domain, c.sans, c.status, c.status_msg, c.verify_type, c.not_before, c.not_after, \
    c.insert_time, c.cert_pem, c.fingerprint, c.key_algorithm, c.is_sm, c.has_key, c.ignore_notice, \
    c.allow_download, c.tags, c.certificate_use, c.extra, c.serial, c.revoked_at, c.revoke_reason";

macro_rules! cert_from_row {
    ($row:expr) => {{
        let row = $row;
        let sans: String = row.try_get("sans").map_err(db)?;
        let tags: String = row.try_get("tags").map_err(db)?;
        let extra: String = row.try_get("extra").map_err(db)?;
        CertRecord {
            id: row.try_get("id").map_err(db)?,
            owner_uin: row.try_get("owner_uin").map_err(db)?,
            project_id: row.try_get("project_id").map_err(db)?,
            alias: row.try_get("alias").map_err(db)?,
            source: crate::codes::parse_source(&row.try_get::<String, _>("source").map_err(db)?)?,
            cert_type: crate::codes::parse_cert_type(&row.try_get::<String, _>("cert_type").map_err(db)?)?,
            package_type: row.try_get("package_type").map_err(db)?,
            product_name: row.try_get("product_name").map_err(db)?,
            domain: row.try_get("domain").map_err(db)?,
            sans: serde_json::from_str(&sans).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            status: crate::codes::parse_status(row.try_get("status").map_err(db)?)?,
            status_msg: row.try_get("status_msg").map_err(db)?,
            verify_type: row
                .try_get::<Option<String>, _>("verify_type")
                .map_err(db)?
                .as_deref()
                .map(crate::codes::parse_method)
                .transpose()?,
            not_before: row.try_get("not_before").map_err(db)?,
            not_after: row.try_get("not_after").map_err(db)?,
            insert_time: row.try_get("insert_time").map_err(db)?,
            cert_pem: row.try_get("cert_pem").map_err(db)?,
            fingerprint: row.try_get("fingerprint").map_err(db)?,
            key_algorithm: row.try_get("key_algorithm").map_err(db)?,
            is_sm: row.try_get::<i64, _>("is_sm").map_err(db)? != 0,
            has_key: row.try_get::<i64, _>("has_key").map_err(db)? != 0,
            ignore_expiry_notice: row.try_get::<i64, _>("ignore_notice").map_err(db)? != 0,
            allow_download: row.try_get::<i64, _>("allow_download").map_err(db)? != 0,
            tags: serde_json::from_str::<Vec<Tag>>(&tags).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            certificate_use: row.try_get("certificate_use").map_err(db)?,
            extra: serde_json::from_str::<certhub_core::model::CertExtra>(&extra).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            serial: row.try_get("serial").map_err(db)?,
            revocation: match (
                row.try_get::<Option<i64>, _>("revoked_at").map_err(db)?,
                row.try_get::<Option<i64>, _>("revoke_reason").map_err(db)?,
            ) {
                (Some(at), reason) => {
                    Some(certhub_core::model::Revocation { at, reason: crate::codes::parse_reason(reason.unwrap_or(0))? })
                }
                _ => None,
            },
        }
    }};
}

macro_rules! task_from_row {
    ($row:expr) => {{
        let row = $row;
        let domains: String = row.try_get("domains").map_err(db)?;
        DeleteTask {
            task_id: row.try_get::<i64, _>("id").map_err(db)?.to_string(),
            owner_uin: row.try_get("owner_uin").map_err(db)?,
            cert_id: row.try_get("cert_id").map_err(db)?,
            status: {
                let n: i64 = row.try_get("status").map_err(db)?;
                certhub_core::jobs::DeleteStatus::from_code(n).ok_or_else(|| StoreError::Corrupt(format!("delete task status {n}")))?
            },
            domains: serde_json::from_str(&domains).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            error: row.try_get("error").map_err(db)?,
            updated_at: row.try_get("updated_at").map_err(db)?,
        }
    }};
}

/// Queues a job inside `$exec` (a transaction): kind, payload, owner, certificate, first run and deadline.
macro_rules! insert_job {
    ($exec:expr, $kind:expr, $payload:expr, $owner:expr, $cert:expr, $run_at:expr, $deadline:expr) => {
        sqlx::query(
            "INSERT INTO jobs (kind, owner_uin, cert_id, state, run_at, deadline, attempts, lease_until, last_error, payload) \
            VALUES ($1, $2, $3, $4, $5, $6, 0, 0, '', $7)",
        )
        .bind($kind.as_str())
        .bind($owner)
        .bind($cert)
        .bind(certhub_core::jobs::JobState::Queued.as_str())
        .bind($run_at)
        .bind($deadline)
        .bind($crate::sql::jobs::payload_column($payload))
        .execute($exec)
        .await
        .map_err(db)?
    };
}

macro_rules! insert_log {
    ($exec:expr, $owner:expr, $log:expr, $now:expr) => {
        sqlx::query("INSERT INTO operate_logs (owner_uin, cert_id, kind, action, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind($owner.to_string())
            .bind($log.cert_id.clone())
            .bind($log.kind.clone())
            .bind($log.action.clone())
            .bind($log.actor.clone())
            .bind($now)
            .execute($exec)
            .await
            .map_err(db)?
    };
}

/// Inserts a certificate row and its tag rows.
macro_rules! insert_cert_rows {
    ($tx:expr, $c:expr, $sans:expr, $tags:expr, $extra:expr, $sealed:expr) => {{
        let (c, sans, tags, extra, sealed) = ($c, &$sans, &$tags, &$extra, &$sealed);
        sqlx::query(
            "INSERT INTO certificates (id, owner_uin, project_id, alias, source, cert_type, package_type, \
                product_name, domain, sans, status, status_msg, verify_type, not_before, not_after, insert_time, cert_pem, \
                fingerprint, key_algorithm, is_sm, has_key, ignore_notice, allow_download, tags, certificate_use, extra, private_key, seq, \
                serial, ca_family) \
                VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30)",
        )
        .bind(&c.id)
        .bind(&c.owner_uin)
        .bind(c.project_id)
        .bind(&c.alias)
        .bind(crate::codes::source(c.source))
        .bind(crate::codes::cert_type(c.cert_type))
        .bind(&c.package_type)
        .bind(&c.product_name)
        .bind(&c.domain)
        .bind(&sans)
        .bind(crate::codes::status(c.status))
        .bind(&c.status_msg)
        .bind(c.verify_type.map(crate::codes::method))
        .bind(c.not_before)
        .bind(c.not_after)
        .bind(c.insert_time)
        .bind(&c.cert_pem)
        .bind(&c.fingerprint)
        .bind(&c.key_algorithm)
        .bind(i64::from(c.is_sm))
        .bind(i64::from(sealed.is_some()))
        .bind(i64::from(c.ignore_expiry_notice))
        .bind(i64::from(c.allow_download))
        .bind(&tags)
        .bind(&c.certificate_use)
        .bind(&extra)
        .bind(&sealed)
        .bind(next_seq())
        .bind(&c.serial)
        // The issuing CA of certhub's own certificates, for OCSP and CRL lookups.
        .bind(c.extra.family.clone().filter(|_| c.source == certhub_core::model::Source::Certhub))
        .execute(&mut *$tx)
        .await
        .map_err(db)?;
        for t in &c.tags {
            sqlx::query("INSERT INTO cert_tags (cert_id, tag_key, tag_value) VALUES ($1, $2, $3)")
                .bind(&c.id)
                .bind(&t.tag_key)
                .bind(&t.tag_value)
                .execute(&mut *$tx)
                .await
                .map_err(db)?;
        }
    }};
}

/// A per-process increasing number (microseconds, bumped on ties) that orders
/// certificates created within the same second.
pub(super) fn next_seq() -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
    let mut prev = LAST.load(Ordering::SeqCst);
    loop {
        let next = now.max(prev + 1);
        match LAST.compare_exchange(prev, next, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => return next,
            Err(actual) => prev = actual,
        }
    }
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A certificate insert with everything serialised and sealed up front, so that
/// it can wait in a group commit without borrowing from its caller.
pub(super) struct PreparedInsert {
    pub cert: certhub_core::model::CertRecord,
    pub sans: String,
    pub tags: String,
    pub extra: String,
    pub sealed: Option<Vec<u8>>,
    pub log: certhub_core::model::NewLog,
    pub now: i64,
    /// A job to queue with the certificate: kind and deadline.
    pub job: Option<(certhub_core::jobs::JobKind, i64)>,
}

impl PreparedInsert {
    pub(super) fn new(
        c: &certhub_core::model::CertRecord,
        sealed: Option<Vec<u8>>,
        log: &certhub_core::model::NewLog,
        now: i64,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            sans: json(&c.sans)?,
            tags: json(&c.tags)?,
            extra: json(&c.extra)?,
            cert: c.clone(),
            sealed,
            log: log.clone(),
            now,
            job: None,
        })
    }
}

/// Runs one `PreparedInsert` (certificate, tags, log row, optional job) inside `$tx`.
macro_rules! insert_prepared {
    ($tx:expr, $row:expr) => {{
        let row = $row;
        insert_cert_rows!(&mut *$tx, &row.cert, row.sans, row.tags, row.extra, row.sealed);
        insert_log!(&mut *$tx, row.cert.owner_uin, row.log, row.now);
        if let Some((kind, deadline)) = &row.job {
            insert_job!(
                &mut *$tx,
                kind,
                &certhub_core::jobs::JobPayload::Certificate,
                &row.cert.owner_uin,
                &row.cert.id,
                row.now,
                *deadline
            );
        }
    }};
}
