//! Accounts and API keys: the records every door authenticates against. The `Store`
//! impl in `mod.rs` delegates here.

use certhub_core::StoreError;
use certhub_core::model::{Account, ApiKey, ApiKeySecret, KeyKind};
use sqlx::Row;

use super::rows::db;
use super::{Pool, SqlStore};

/// An `accounts` row (uin, app_id, name, created_at) as an `Account`; a macro because the row type differs per backend.
macro_rules! account_from_row {
    ($r:expr) => {{
        let r = $r;
        Account {
            uin: r.try_get("uin").map_err(db)?,
            app_id: r.try_get("app_id").map_err(db)?,
            name: r.try_get("name").map_err(db)?,
            created_at: r.try_get("created_at").map_err(db)?,
        }
    }};
}

/// An `api_keys` row joined with its account's app_id, as an `ApiKey` (without the secret).
macro_rules! api_key_from_row {
    ($r:expr) => {{
        let r = $r;
        let kind: String = r.try_get("kind").map_err(db)?;
        ApiKey {
            secret_id: r.try_get("secret_id").map_err(db)?,
            owner_uin: r.try_get("owner_uin").map_err(db)?,
            app_id: r.try_get("app_id").map_err(db)?,
            kind: KeyKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("key kind {kind}")))?,
            enabled: r.try_get::<i64, _>("enabled").map_err(db)? != 0,
            created_at: r.try_get("created_at").map_err(db)?,
        }
    }};
}

pub(super) async fn ensure_account(s: &SqlStore, name: &str, now: i64) -> Result<Account, StoreError> {
    with_pool!(s, p => {
        let existing = sqlx::query("SELECT uin, app_id, name, created_at FROM accounts WHERE name = $1")
            .bind(name).fetch_optional(p).await.map_err(db)?;
        if let Some(r) = existing {
            return Ok(account_from_row!(&r));
        }
        let acct = Account { uin: certhub_core::ids::owner_uin(), app_id: certhub_core::ids::app_id(), name: name.to_string(), created_at: now };
        let res = sqlx::query("INSERT INTO accounts (uin, app_id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&acct.uin).bind(acct.app_id).bind(&acct.name).bind(now).execute(p).await;
        match res {
            Ok(_) => Ok(acct),
            // Created concurrently by another process: read it back.
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                let r = sqlx::query("SELECT uin, app_id, name, created_at FROM accounts WHERE name = $1")
                    .bind(name).fetch_one(p).await.map_err(db)?;
                Ok(account_from_row!(&r))
            }
            Err(e) => Err(db(e)),
        }
    })
}

pub(super) async fn account(s: &SqlStore, uin: &str) -> Result<Option<Account>, StoreError> {
    with_pool!(s, p => {
        let r = sqlx::query("SELECT uin, app_id, name, created_at FROM accounts WHERE uin = $1")
            .bind(uin).fetch_optional(p).await.map_err(db)?;
        match r {
            None => Ok(None),
            Some(r) => Ok(Some(account_from_row!(&r))),
        }
    })
}

pub(super) async fn create_api_key(
    s: &SqlStore,
    owner_uin: &str,
    kind: KeyKind,
    secret_id: &str,
    secret: &[u8],
    now: i64,
) -> Result<ApiKey, StoreError> {
    let sealed = s.cipher.seal(&SqlStore::secret_context(secret_id), secret)?;
    with_pool!(s, p => {
        let app_id: i64 = sqlx::query_scalar("SELECT app_id FROM accounts WHERE uin = $1")
            .bind(owner_uin).fetch_optional(p).await.map_err(db)?
            .ok_or_else(|| StoreError::Backend(format!("no account {owner_uin}")))?;
        sqlx::query("INSERT INTO api_keys (secret_id, owner_uin, kind, secret, enabled, created_at) VALUES ($1, $2, $3, $4, 1, $5)")
            .bind(secret_id).bind(owner_uin).bind(kind.as_str()).bind(sealed).bind(now)
            .execute(p).await.map_err(db)?;
        Ok(ApiKey { secret_id: secret_id.to_string(), owner_uin: owner_uin.to_string(), app_id, kind, enabled: true, created_at: now })
    })
}

pub(super) async fn api_key(s: &SqlStore, secret_id: &str) -> Result<Option<ApiKeySecret>, StoreError> {
    let row = with_pool!(s, p => {
        let r = sqlx::query("SELECT k.secret_id, k.owner_uin, a.app_id, k.kind, k.secret, k.enabled, k.created_at \
            FROM api_keys k JOIN accounts a ON a.uin = k.owner_uin WHERE k.secret_id = $1")
            .bind(secret_id).fetch_optional(p).await.map_err(db)?;
        match r {
            None => None,
            Some(r) => {
                let sealed: Vec<u8> = r.try_get("secret").map_err(db)?;
                Some((api_key_from_row!(&r), sealed))
            }
        }
    });
    match row {
        None => Ok(None),
        Some((key, sealed)) => {
            let secret = s.cipher.open(&SqlStore::secret_context(&key.secret_id), &sealed)?;
            Ok(Some(ApiKeySecret { key, secret }))
        }
    }
}

pub(super) async fn list_api_keys(s: &SqlStore) -> Result<Vec<ApiKey>, StoreError> {
    with_pool!(s, p => {
        let rows = sqlx::query("SELECT k.secret_id, k.owner_uin, a.app_id, k.kind, k.enabled, k.created_at \
            FROM api_keys k JOIN accounts a ON a.uin = k.owner_uin ORDER BY k.created_at, k.secret_id")
            .fetch_all(p).await.map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(api_key_from_row!(&r));
        }
        Ok(out)
    })
}

pub(super) async fn set_api_key_enabled(s: &SqlStore, secret_id: &str, enabled: bool) -> Result<bool, StoreError> {
    with_pool!(s, p => {
        let r = sqlx::query("UPDATE api_keys SET enabled = $1 WHERE secret_id = $2")
            .bind(i64::from(enabled)).bind(secret_id).execute(p).await.map_err(db)?;
        Ok(r.rows_affected() > 0)
    })
}
