//! The storage interface every backend implements. Every certificate query is scoped to an account.

use async_trait::async_trait;

use crate::jobs::{DeleteStatus, JobKind, JobOutcome};
use crate::model::{
    Account, ApiKey, ApiKeySecret, CaRecord, CertExtra, CertQuery, CertRecord, CertStatus, ClaimState, DeleteTask, Issued, Job, KeyKind,
    LogQuery, NewLog, OperateLog, Revocation, RevokeRequest, RevokeRequestStatus, RevokedSerial, SerialStatus, SignatureClaim, StoredCrl,
};

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or is unreachable.
    #[error("database error: {0}")]
    Backend(String),
    /// A uniqueness constraint was violated.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Encryption or decryption at rest failed (wrong master key, or tampered data).
    #[error("key encryption error: {0}")]
    Crypto(String),
    /// A stored value could not be decoded.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

/// Persistent state of certhub.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Returns the account named `name`, creating it when absent.
    async fn ensure_account(&self, name: &str, now: i64) -> Result<Account, StoreError>;
    /// The account with this OwnerUin.
    async fn account(&self, uin: &str) -> Result<Option<Account>, StoreError>;

    /// Stores a new key; `secret` is encrypted at rest.
    async fn create_api_key(&self, owner_uin: &str, kind: KeyKind, secret_id: &str, secret: &[u8], now: i64) -> Result<ApiKey, StoreError>;
    /// The key and its decrypted secret.
    async fn api_key(&self, secret_id: &str) -> Result<Option<ApiKeySecret>, StoreError>;
    /// Every key, without secrets.
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;
    /// Enables or disables a key; false when it does not exist.
    async fn set_api_key_enabled(&self, secret_id: &str, enabled: bool) -> Result<bool, StoreError>;

    /// Inserts a certificate, its encrypted private key and its log row in one transaction.
    async fn insert_certificate(&self, cert: &CertRecord, private_key: Option<&[u8]>, log: &NewLog, now: i64) -> Result<(), StoreError>;
    /// One certificate of the account.
    async fn certificate(&self, owner_uin: &str, id: &str) -> Result<Option<CertRecord>, StoreError>;
    /// The decrypted private key (PKCS#8 DER) of one certificate of the account.
    async fn certificate_key(&self, owner_uin: &str, id: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// The ID of the account's certificate with this fingerprint, if any.
    async fn certificate_by_fingerprint(&self, owner_uin: &str, fingerprint: &str) -> Result<Option<String>, StoreError>;
    /// A page of the account's certificates and the total that match.
    async fn list_certificates(&self, owner_uin: &str, query: &CertQuery, now: i64) -> Result<(i64, Vec<CertRecord>), StoreError>;
    /// Sets the alias; false when the certificate does not exist.
    async fn update_alias(&self, owner_uin: &str, id: &str, alias: &str, log: &NewLog, now: i64) -> Result<bool, StoreError>;
    /// Moves certificates to a project; returns the IDs that moved.
    async fn update_project(
        &self,
        owner_uin: &str,
        ids: &[String],
        project_id: i64,
        actor: &str,
        now: i64,
    ) -> Result<Vec<String>, StoreError>;
    /// Sets the ignore-expiry-notification flag; returns the IDs changed.
    async fn update_ignore_notice(
        &self,
        owner_uin: &str,
        ids: &[String],
        ignore: bool,
        actor: &str,
        now: i64,
    ) -> Result<Vec<String>, StoreError>;
    /// Deletes a certificate and its key; false when it does not exist.
    async fn delete_certificate(&self, owner_uin: &str, id: &str, log: &NewLog, now: i64) -> Result<bool, StoreError>;
    /// Writes a log row on its own (for reads that are logged, like downloads).
    async fn append_log(&self, owner_uin: &str, log: &NewLog, now: i64) -> Result<(), StoreError>;
    /// A page of the account's logs in a time window, newest first, and the total that match.
    async fn list_logs(&self, owner_uin: &str, query: &LogQuery) -> Result<(i64, Vec<OperateLog>), StoreError>;

    /// Creates running delete tasks for these certificates, each with its queued delete job, in one transaction;
    /// returns them with their IDs.
    async fn create_delete_tasks(&self, owner_uin: &str, certs: &[(String, Vec<String>)], now: i64) -> Result<Vec<DeleteTask>, StoreError>;
    /// The account's delete tasks with these IDs.
    async fn delete_tasks(&self, owner_uin: &str, ids: &[String]) -> Result<Vec<DeleteTask>, StoreError>;
    /// Records the result of a running delete task; false (nothing written) when it already has one.
    async fn finish_delete_task(&self, task_id: &str, status: DeleteStatus, error: &str, now: i64) -> Result<bool, StoreError>;

    /// Stores a CA hierarchy unless one exists for the family (keys sealed); returns the one that is stored.
    async fn insert_ca(&self, ca: &CaRecord) -> Result<CaRecord, StoreError>;
    /// The hierarchy of a family, keys decrypted.
    async fn ca(&self, family: &str) -> Result<Option<CaRecord>, StoreError>;
    /// Every family stored, keys decrypted.
    async fn cas(&self) -> Result<Vec<CaRecord>, StoreError>;

    /// Inserts a pending certificate, its sealed key (if certhub holds one), its log row and its first job in one transaction.
    async fn insert_pending_certificate(
        &self,
        cert: &CertRecord,
        private_key: Option<&[u8]>,
        log: &NewLog,
        job_kind: JobKind,
        deadline: i64,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Leases up to `limit` due jobs of `kind` for `lease` seconds (several nodes never get the same job: PostgreSQL
    /// skips rows another node has locked, SQLite has one writer).
    async fn claim_jobs(&self, kind: JobKind, now: i64, lease: i64, limit: i64) -> Result<Vec<Job>, StoreError>;
    /// Leases the certificate's queued job of `kind` now, due or not; `None` when there is none or another worker holds it.
    async fn claim_cert_job(&self, kind: JobKind, cert_id: &str, now: i64, lease: i64) -> Result<Option<Job>, StoreError>;
    /// Runs the certificate's queued jobs at once.
    async fn hurry_jobs(&self, cert_id: &str, now: i64) -> Result<(), StoreError>;
    /// Records how a run of a leased job ended and gives its lease back: ended, or queued again for later.
    async fn settle_job(&self, id: i64, outcome: &JobOutcome) -> Result<(), StoreError>;
    /// Moves a waiting certificate (`rules::WAITING`) to issued with its log row; false if it was not pending.
    async fn mark_issued(&self, owner_uin: &str, id: &str, issued: &Issued, log: &NewLog, now: i64) -> Result<bool, StoreError>;
    /// Applies a guarded status change with its log row (and job) in one transaction; false if the status did not match.
    async fn transition(&self, owner_uin: &str, id: &str, t: &Transition<'_>, now: i64) -> Result<bool, StoreError>;
    /// Marks the original (its `mark` transition) and inserts the new pending order in one transaction;
    /// false, with nothing written, when the original's status did not match.
    async fn reissue(&self, r: &Reissue<'_>, now: i64) -> Result<bool, StoreError>;
    /// Approves a pending revocation request and applies its certificate's transition (`cert`: owner and ID) in one
    /// transaction; false, with nothing written, when the request was not pending or the status did not match.
    async fn approve_revoke_request(
        &self,
        request_id: i64,
        processor_comment: &str,
        cert: (&str, &str),
        t: &Transition<'_>,
        now: i64,
    ) -> Result<bool, StoreError>;

    /// OCSP: the status of a serial of the CA `family` (any account); `None` when certhub never issued it.
    async fn serial_status(&self, family: &str, serial: &str) -> Result<Option<SerialStatus>, StoreError>;
    /// CRL: every revoked serial of the CA `family`, kept when the certificate record is deleted.
    async fn revoked_serials(&self, family: &str) -> Result<Vec<RevokedSerial>, StoreError>;
    /// The latest stored CRL of a CA (`family`, or `family-root`).
    async fn crl(&self, ca: &str) -> Result<Option<StoredCrl>, StoreError>;
    /// The number and thisUpdate of the latest stored CRL of a CA, without its (possibly large) body.
    async fn crl_head(&self, ca: &str) -> Result<Option<(i64, i64)>, StoreError>;
    /// A counter of the CA's revocations, raised in the same transaction as each one; read it before
    /// `revoked_serials` and store it as the CRL's `covered`.
    async fn revocation_mark(&self, ca: &str) -> Result<i64, StoreError>;
    /// True when a revocation was recorded after the stored CRL's entries were read (or no CRL is stored yet).
    async fn crl_stale(&self, ca: &str) -> Result<bool, StoreError>;
    /// Stores a CRL if `crl.number` is the next number (compare-and-set); false when another node stored it first.
    async fn save_crl(&self, ca: &str, crl: &StoredCrl) -> Result<bool, StoreError>;

    /// Takes (or renews) the named lease for `holder` until `until` when it is free or already `holder`'s;
    /// how several nodes agree that one of them runs a singleton job (CRL generation).
    async fn try_lease(&self, name: &str, holder: &str, now: i64, until: i64) -> Result<bool, StoreError>;
    /// Gives the lease back early, if `holder` has it.
    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError>;

    /// Files a revocation request (status `pending`).
    async fn create_revoke_request(
        &self,
        owner_uin: &str,
        cert_id: &str,
        comments: &str,
        requester: &str,
        now: i64,
    ) -> Result<RevokeRequest, StoreError>;
    /// One revocation request; `owner_uin` `None` for an administrator.
    async fn revoke_request(&self, owner_uin: Option<&str>, id: i64) -> Result<Option<RevokeRequest>, StoreError>;
    /// Revocation requests, newest first, optionally of one status.
    async fn revoke_requests(&self, status: Option<RevokeRequestStatus>) -> Result<Vec<RevokeRequest>, StoreError>;
    /// Moves a pending request to approved or rejected; false when it was not pending.
    async fn decide_revoke_request(
        &self,
        id: i64,
        status: RevokeRequestStatus,
        processor_comment: &str,
        now: i64,
    ) -> Result<bool, StoreError>;

    /// Claims a signature for one request (a unique insert, so exactly one caller on any node
    /// gets `Claimed`); everyone else sees the first claim. An expired record counts as absent.
    async fn claim_signature(&self, claim: &SignatureClaim, now: i64) -> Result<ClaimState, StoreError>;
    /// Stores the answer of a claimed signature (sealed at rest: answers may hold private keys).
    async fn finish_signature(&self, key_id: &str, signature: &str, response: &[u8]) -> Result<(), StoreError>;
    /// Drops an unfinished claim whose request could not run to an answer, so it can be retried.
    async fn release_signature(&self, key_id: &str, signature: &str) -> Result<(), StoreError>;
    /// Deletes signature records that expired before `now`; returns how many.
    async fn prune_signatures(&self, now: i64) -> Result<u64, StoreError>;
}

/// A reissue: the original certificate's move to Reissuing and the new pending order that replaces it.
#[derive(Debug, Clone)]
pub struct Reissue<'a> {
    /// The original certificate's ID (same account as `order`).
    pub original: &'a str,
    /// The original's transition (to Reissuing).
    pub mark: &'a Transition<'a>,
    /// The new pending order.
    pub order: &'a CertRecord,
    /// Its private key (PKCS#8 DER), sealed at rest, when certhub holds it.
    pub private_key: Option<&'a [u8]>,
    /// The new order's log row.
    pub log: &'a NewLog,
    /// The validation job queued for it: kind and deadline.
    pub job_kind: JobKind,
    /// The job's deadline.
    pub deadline: i64,
}

/// A status change that applies only while the certificate is in one of `from`.
#[derive(Debug, Clone)]
pub struct Transition<'a> {
    /// The statuses the change may start from.
    pub from: &'a [CertStatus],
    /// The new status.
    pub to: CertStatus,
    /// The new status message.
    pub msg: &'a str,
    /// A replacement for the certificate's `extra` document, when it changes.
    pub extra: Option<&'a CertExtra>,
    /// The operation-log row written with the change.
    pub log: &'a NewLog,
    /// A job to queue with the change: kind and deadline.
    pub job: Option<(JobKind, i64)>,
    /// Set with a change to Revoked: the revocation time and reason the CRL and OCSP publish.
    pub revocation: Option<Revocation>,
}
