//! Domain records: accounts, API keys, certificates, operation logs and delete tasks.

use serde::{Deserialize, Serialize};

pub use crate::cert::{CertStatus, CertType, RevocationReason, RevokeRequestStatus, Source, ValidationLevel};
use crate::dcv::Method;
pub use crate::extra::{CaInfo, CertExtra, ChainEntry, Challenge, ChallengeKind, RevokeLetter};
use crate::jobs::{DeleteStatus, JobKind, JobPayload};

/// A tenant. Every row of every table belongs to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The vendor's OwnerUin: 12 digits.
    pub uin: String,
    /// The vendor's AppId.
    pub app_id: i64,
    /// A human name, unique.
    pub name: String,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

/// Which door an API key opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// Tencent SecretId / SecretKey.
    Tencent,
    /// Huawei Cloud access key (AK) / secret key (SK), for SDK-HMAC-SHA256.
    Huawei,
    /// DigiCert CertCentral API key (`X-DC-DEVKEY`).
    Digicert,
    /// A DigiCert API key that may also approve or reject revocation requests.
    DigicertAdmin,
}

impl KeyKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Tencent => "tencent",
            KeyKind::Huawei => "huawei",
            KeyKind::Digicert => "digicert",
            KeyKind::DigicertAdmin => "digicert-admin",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "tencent" => Some(KeyKind::Tencent),
            "huawei" => Some(KeyKind::Huawei),
            "digicert" => Some(KeyKind::Digicert),
            "digicert-admin" => Some(KeyKind::DigicertAdmin),
            _ => None,
        }
    }
}

/// An API key without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKey {
    /// The public identifier (SecretId).
    pub secret_id: String,
    /// The owning account.
    pub owner_uin: String,
    /// The owning account's AppId.
    pub app_id: i64,
    /// Which door it opens.
    pub kind: KeyKind,
    /// Disabled keys authenticate nothing.
    pub enabled: bool,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

/// An API key with its raw secret, as needed to verify HMAC signatures.
#[derive(Clone)]
pub struct ApiKeySecret {
    /// The key.
    pub key: ApiKey,
    /// The raw SecretKey bytes.
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeySecret").field("key", &self.key).field("secret", &"<redacted>").finish()
    }
}

/// A resource tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Tag key.
    pub tag_key: String,
    /// Tag value.
    pub tag_value: String,
}

/// One certificate of an account, uploaded or issued.
#[derive(Debug, Clone, PartialEq)]
pub struct CertRecord {
    /// 8-character ID.
    pub id: String,
    /// Owning account.
    pub owner_uin: String,
    /// Project.
    pub project_id: i64,
    /// Remark name.
    pub alias: String,
    /// Uploaded by the customer or issued by certhub's CA.
    pub source: Source,
    /// Server or CA certificate.
    pub cert_type: CertType,
    /// Product package type; `None` for uploads.
    pub package_type: Option<String>,
    /// Product name; empty for uploads.
    pub product_name: String,
    /// Primary domain (common name, else first SAN).
    pub domain: String,
    /// Every DNS name and IP of the certificate, primary first.
    pub sans: Vec<String>,
    /// Where it is in its life.
    pub status: CertStatus,
    /// Status detail (`PRE-REVIEWING`, ...); empty when none.
    pub status_msg: String,
    /// Domain validation method, when one applies.
    pub verify_type: Option<Method>,
    /// notBefore, unix seconds.
    pub not_before: Option<i64>,
    /// notAfter, unix seconds.
    pub not_after: Option<i64>,
    /// Creation time, unix seconds.
    pub insert_time: i64,
    /// Leaf then chain, PEM.
    pub cert_pem: Option<String>,
    /// SHA-1 of the leaf DER, upper-case hex.
    pub fingerprint: Option<String>,
    /// Key algorithm as the vendor writes it (`RSA 2048`, `ECC 256`, `SM2`).
    pub key_algorithm: String,
    /// SM2 (国密) certificate.
    pub is_sm: bool,
    /// A private key is stored.
    pub has_key: bool,
    /// Expiry notifications are ignored.
    pub ignore_expiry_notice: bool,
    /// Downloads are allowed.
    pub allow_download: bool,
    /// Tags.
    pub tags: Vec<Tag>,
    /// `CertificateUse` given at upload.
    pub certificate_use: Option<String>,
    /// Everything else (CA details, chain, validation and reissue bookkeeping).
    pub extra: CertExtra,
    /// Serial number (lower-case hex) of a certificate certhub's CA issued; indexed for OCSP and CRLs.
    pub serial: Option<String>,
    /// When and why it was revoked.
    pub revocation: Option<Revocation>,
}

/// A revocation: time and RFC 5280 reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revocation {
    /// Revocation time, unix seconds.
    pub at: i64,
    /// CRLReason (RFC 5280 §5.3.1).
    pub reason: RevocationReason,
}

/// What an OCSP responder or CRL needs about one serial of certhub's CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SerialStatus {
    /// notAfter, unix seconds.
    pub not_after: i64,
    /// Set once revoked.
    pub revocation: Option<Revocation>,
}

/// One entry of a CRL: serial (lower-case hex) and revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedSerial {
    /// Serial, lower-case hex.
    pub serial: String,
    /// When and why.
    pub revocation: Revocation,
}

/// The latest CRL of one CA, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCrl {
    /// CRL number.
    pub number: i64,
    /// thisUpdate, unix seconds.
    pub this_update: i64,
    /// DER.
    pub der: Vec<u8>,
    /// The CA's revocation mark (`Store::revocation_mark`) read before this CRL's entries: every revocation
    /// recorded up to that mark is listed. A higher mark means the CRL is stale.
    pub covered: i64,
}

/// A revocation request awaiting an administrator (the DigiCert workflow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokeRequest {
    /// Request ID.
    pub id: i64,
    /// Owning account.
    pub owner_uin: String,
    /// The certificate to revoke.
    pub cert_id: String,
    /// Pending, approved or rejected.
    pub status: RevokeRequestStatus,
    /// The requester's message.
    pub comments: String,
    /// The API key that asked.
    pub requester: String,
    /// The administrator's message.
    pub processor_comment: String,
    /// Submitted, unix seconds.
    pub created_at: i64,
    /// Last change, unix seconds.
    pub updated_at: i64,
}

/// A log row to write in the same transaction as the change it records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLog {
    /// The certificate concerned.
    pub cert_id: String,
    /// The vendor's OperationLog.Type (`upload`, `delete`, ...).
    pub kind: String,
    /// Human text.
    pub action: String,
    /// Who did it (SecretId or CLI), `--` for the system.
    pub actor: String,
}

/// A stored operation-log row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperateLog {
    /// Sequence number.
    pub id: i64,
    /// Owning account.
    pub owner_uin: String,
    /// Certificate concerned.
    pub cert_id: String,
    /// The vendor's OperationLog.Type.
    pub kind: String,
    /// Human text.
    pub action: String,
    /// Who did it.
    pub actor: String,
    /// When, unix seconds.
    pub created_at: i64,
}

/// An asynchronous deletion task (DeleteCertificates with IsSync).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeleteTask {
    /// Task ID, numeric string.
    pub task_id: String,
    /// Owning account.
    pub owner_uin: String,
    /// Certificate to delete.
    pub cert_id: String,
    /// Running, deleted or failed.
    pub status: DeleteStatus,
    /// Domains of the certificate, kept after it is gone.
    pub domains: Vec<String>,
    /// Failure reason.
    pub error: String,
    /// Last update, unix seconds.
    pub updated_at: i64,
}

/// Order of a certificate listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertOrder {
    /// Newest first (the vendor's default).
    #[default]
    InsertDesc,
    /// Soonest expiry first.
    ExpiryAsc,
    /// Latest expiry first.
    ExpiryDesc,
}

/// Filters of a certificate listing; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct CertQuery {
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return.
    pub limit: i64,
    /// Substring of ID, alias or domain.
    pub search_key: Option<String>,
    /// Server or CA certificates only.
    pub cert_type: Option<CertType>,
    /// Project.
    pub project_id: Option<i64>,
    /// Any of these statuses.
    pub statuses: Vec<CertStatus>,
    /// `Some(true)` uploads only, `Some(false)` issued only.
    pub uploaded: Option<bool>,
    /// SM2 only.
    pub sm_only: bool,
    /// Expiring only (`CertRecord::is_expiring`).
    pub expiring_only: bool,
    /// Deployable (`CertRecord::is_deployable`) or not.
    pub deployable: Option<bool>,
    /// Waiting for validation only (`CertRecord::is_waiting`).
    pub pending_issue_only: bool,
    /// Renewable only (`CertRecord::is_renewable`).
    pub renewable_only: bool,
    /// Every one of these tags.
    pub tags: Vec<Tag>,
    /// Only these IDs.
    pub ids: Vec<String>,
    /// Only this product's package type.
    pub package_type: Option<String>,
    /// Only certificates whose domain is this main domain or under it.
    pub main_domain: Option<String>,
    /// Ordering.
    pub order: CertOrder,
}

/// Time window and page of an operation-log listing.
#[derive(Debug, Clone, Copy)]
pub struct LogQuery {
    /// From, unix seconds, inclusive.
    pub start: i64,
    /// To, unix seconds, inclusive.
    pub end: i64,
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return.
    pub limit: i64,
}

/// One CA family's hierarchy as stored: certificates and (decrypted) PKCS#8 keys.
#[derive(Clone, PartialEq, Eq)]
pub struct CaRecord {
    /// Family name (`ecdsa-p256`, ...).
    pub family: String,
    /// Root certificate, DER.
    pub root_der: Vec<u8>,
    /// Root key, PKCS#8.
    pub root_key: Vec<u8>,
    /// Intermediate certificate, DER.
    pub intermediate_der: Vec<u8>,
    /// Intermediate key, PKCS#8.
    pub intermediate_key: Vec<u8>,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

impl std::fmt::Debug for CaRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaRecord").field("family", &self.family).field("created_at", &self.created_at).finish_non_exhaustive()
    }
}

/// A durable unit of background work (validation polling, revocation, deletion) with a lease.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    /// Sequence number.
    pub id: i64,
    /// What to do.
    pub kind: JobKind,
    /// What the kind needs beyond the certificate.
    pub payload: JobPayload,
    /// Owning account.
    pub owner_uin: String,
    /// Certificate concerned.
    pub cert_id: String,
    /// Next run, unix seconds.
    pub run_at: i64,
    /// Give up after this time, unix seconds.
    pub deadline: i64,
    /// Runs so far.
    pub attempts: i64,
    /// Last failure.
    pub last_error: String,
}

/// The outcome of issuing a pending certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// Leaf then chain, PEM.
    pub cert_pem: String,
    /// notBefore.
    pub not_before: i64,
    /// notAfter.
    pub not_after: i64,
    /// SHA-1 of the leaf, upper-case hex.
    pub fingerprint: String,
    /// The leaf's serial, lower-case hex.
    pub serial: String,
}

/// The first use of a request signature within its window: what it was bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureClaim {
    /// The key that signed (SecretId or Huawei AK).
    pub key_id: String,
    /// Hash of the signature (v3) or of the nonce (v1): what must not be used for another request.
    pub signature: String,
    /// Hash of what the signature was first used for (action, version, region, body...).
    pub fingerprint: String,
    /// The RequestId of the first answer.
    pub request_id: String,
    /// Unix seconds after which the signature has expired and the record may go.
    pub expires_at: i64,
    /// The answer, when the request ran before claiming (read-only actions): stored with the claim.
    pub response: Option<Vec<u8>>,
}

/// What the store knows of a signature when claiming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimState {
    /// Not seen before: the claim is now this caller's, and it must run the request.
    Claimed,
    /// Seen before: the first use's binding and, once it finished, its stored answer.
    Seen {
        /// Fingerprint of the first use.
        fingerprint: String,
        /// RequestId of the first use.
        request_id: String,
        /// The first answer's body, once it is known.
        response: Option<Vec<u8>>,
    },
}
