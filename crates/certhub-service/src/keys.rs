//! Accounts and API keys, as the CLI and the doors use them.

use certhub_core::ids;
use certhub_core::model::{Account, ApiKey, ApiKeySecret, KeyKind};

use crate::{Caller, Service, ServiceError};

/// A caller who presented a known, enabled key of a kind the door accepts.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// Who is calling.
    pub caller: Caller,
    /// The key's kind (a door accepting several tells them apart by it).
    pub kind: KeyKind,
    /// The raw secret, for the door's own signature or key check.
    pub secret: Vec<u8>,
}

/// Why a key authenticates nobody; each door maps these to its own codes.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No key has this ID.
    #[error("unknown key")]
    Unknown,
    /// The key exists but is disabled.
    #[error("disabled key")]
    Disabled,
    /// The key is enabled but opens another door.
    #[error("the key is of kind {0:?}, which this door does not accept")]
    WrongKind(KeyKind),
    /// The lookup itself failed.
    #[error(transparent)]
    Internal(#[from] ServiceError),
}

/// A freshly created key with its secret, shown once.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    /// The account.
    pub account: Account,
    /// SecretId.
    pub secret_id: String,
    /// SecretKey, in clear, only here.
    pub secret_key: String,
}

impl Service {
    /// Creates a key for the account `name`, creating the account when new.
    pub async fn create_key(&self, account_name: &str, kind: KeyKind) -> Result<CreatedKey, ServiceError> {
        let now = self.now();
        let account = self.store.ensure_account(account_name, now).await?;
        let secret_id = match kind {
            KeyKind::Tencent => ids::secret_id(),
            KeyKind::Huawei => ids::huawei_ak(),
            KeyKind::Digicert | KeyKind::DigicertAdmin => ids::digicert_key_id(),
        };
        let secret_key = ids::secret_key();
        self.store.create_api_key(&account.uin, kind, &secret_id, secret_key.as_bytes(), now).await?;
        Ok(CreatedKey { account, secret_id, secret_key })
    }

    /// Every key, without secrets.
    pub async fn list_keys(&self) -> Result<Vec<ApiKey>, ServiceError> {
        Ok(self.store.list_api_keys().await?)
    }

    /// Enables or disables a key; false when it does not exist.
    pub async fn set_key_enabled(&self, secret_id: &str, enabled: bool) -> Result<bool, ServiceError> {
        Ok(self.store.set_api_key_enabled(secret_id, enabled).await?)
    }

    /// The key `id` as a caller, when it exists, is enabled and is one of `accepts` (checked in that order).
    /// The secret comes back for the door to verify the request's signature or key with.
    pub async fn authenticate(&self, accepts: &[KeyKind], id: &str) -> Result<Authenticated, AuthError> {
        let ApiKeySecret { key, secret } = self.store.api_key(id).await.map_err(ServiceError::from)?.ok_or(AuthError::Unknown)?;
        if !key.enabled {
            return Err(AuthError::Disabled);
        }
        if !accepts.contains(&key.kind) {
            return Err(AuthError::WrongKind(key.kind));
        }
        let caller = Caller { owner_uin: key.owner_uin, app_id: key.app_id, credential: key.secret_id };
        Ok(Authenticated { caller, kind: key.kind, secret })
    }

    /// The account with this OwnerUin.
    pub async fn account(&self, uin: &str) -> Result<Option<Account>, ServiceError> {
        Ok(self.store.account(uin).await?)
    }
}
