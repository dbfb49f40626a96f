//! Accounts and API keys, as the CLI and the doors use them.

use certhub_core::ids;
use certhub_core::model::{Account, ApiKey, ApiKeySecret, KeyKind};

use crate::{Service, ServiceError};

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

    /// The key with its secret, for signature verification.
    pub async fn lookup_key(&self, secret_id: &str) -> Result<Option<ApiKeySecret>, ServiceError> {
        Ok(self.store.api_key(secret_id).await?)
    }
}
