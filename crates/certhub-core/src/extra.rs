//! What a certificate record carries beyond its columns, typed: the order's key and CA, its domain
//! challenge, reissue and revocation bookkeeping, and an upload's chain. Stored as one JSON document
//! in this shape (snake_case, every field optional); each door renders the parts it shows.

use serde::{Deserialize, Serialize};

use crate::cert::ValidationLevel;

/// Everything about a certificate that is not a column of its own.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CertExtra {
    /// The CA family that signs (or signed) it (`rsa-2048`, ...); certhub's certificates only.
    pub family: Option<String>,
    /// The subject's SubjectPublicKeyInfo, DER in base64, kept until the order is issued.
    pub spki: Option<String>,
    /// How much the CA checked.
    pub validation_level: Option<ValidationLevel>,
    /// The order's reference.
    pub order_id: Option<String>,
    /// The certificate this order renews.
    pub origin_certificate_id: Option<String>,
    /// The order's contact e-mail.
    pub contact_email: Option<String>,
    /// Remove the DNS_AUTO record once issued.
    pub delete_dns_auto_record: bool,
    /// The password of generated keystores, sealed.
    pub csr_key_password: Option<String>,
    /// The uploaded private key was password-protected.
    pub key_password_custom: bool,
    /// The record that proves control of the domain for issuance.
    pub challenge: Option<Challenge>,
    /// The record that proves control of the domain for a revocation.
    pub revoke_challenge: Option<Challenge>,
    /// The revocation's reason as the requester wrote it.
    pub revoke_reason_text: Option<String>,
    /// The door that asked for the revocation.
    pub revoke_door: Option<String>,
    /// The revocation confirmation letter, once uploaded.
    pub revoke_letter: Option<RevokeLetter>,
    /// On a reissue order: the original's ID.
    pub reissue_of: Option<String>,
    /// On an original: the pending reissue's ID.
    pub reissuing_as: Option<String>,
    /// On an original: the issued reissue's ID.
    pub reissued_as: Option<String>,
    /// Reissues completed so far.
    pub replace_count: i64,
    /// Why a reissue was asked for.
    pub replace_reason: Option<String>,
    /// The review was cancelled (the order may be resubmitted).
    pub audit_cancelled: bool,
    /// The order was cancelled for good.
    pub order_cancelled: bool,
    /// An upload's chain, leaf first.
    pub chain: Option<Vec<ChainEntry>>,
    /// An uploaded CA certificate's chain details.
    pub ca: Option<CaInfo>,
    /// 1 individual, 2 company (paid orders).
    pub company_type: Option<i64>,
    /// The renewal order's ID.
    pub renew_order: Option<String>,
}

/// What the customer (or certhub, for DNS_AUTO) publishes to prove control of a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// The domain.
    pub domain: String,
    /// The TXT record's label (DNS) or the file's name (FILE).
    pub key: String,
    /// The TXT record's or file's content.
    pub value: String,
    /// The directory the file is served from (FILE); empty for DNS.
    pub path: String,
    /// The TXT record's label under the domain (DNS); empty for FILE.
    pub sub_domain: String,
    /// A TXT record or a file.
    pub kind: ChallengeKind,
}

/// How a challenge is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChallengeKind {
    /// A DNS TXT record.
    Txt,
    /// A file served over HTTP.
    File,
}

/// A revocation confirmation letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeLetter {
    /// The file type the customer gave.
    #[serde(rename = "type")]
    pub kind: String,
    /// Bytes.
    pub size: i64,
    /// The letter, base64.
    pub content: String,
    /// Upload time, unix seconds.
    pub uploaded_at: i64,
}

/// One certificate of an uploaded chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainEntry {
    /// The issuer's common name.
    pub issuer: String,
    /// The subject's display name.
    pub subject: String,
    /// SHA-1 of the DER, lower-case hex.
    pub fingerprint: String,
    /// notBefore, unix seconds.
    pub not_before: i64,
    /// notAfter, unix seconds.
    pub not_after: i64,
}

/// An uploaded CA certificate's chain, one entry per certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CaInfo {
    /// Key algorithm families (`RSA`, `ECC`, `SM2`).
    pub algorithms: Vec<String>,
    /// Display names.
    pub common_names: Vec<String>,
    /// notAfter of each, unix seconds.
    pub not_afters: Vec<i64>,
}
