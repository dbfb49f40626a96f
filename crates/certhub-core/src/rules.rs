//! The rules every door and the store agree on, defined once: what may be deployed, downloaded, renewed,
//! revoked or cancelled, what is still waiting for validation, and what expires soon. The store renders the
//! status sets and windows below into its SQL filters, so a listing and a single record never disagree.

use crate::cert::{CertStatus, CertType, Source};
use crate::model::CertRecord;

/// How close to its notAfter a certificate counts as expiring, seconds (30 days).
pub const EXPIRY_WINDOW: i64 = 30 * 86_400;
/// How long after its notAfter an expired certificate may still be renewed, seconds (30 days).
pub const RENEW_GRACE: i64 = 30 * 86_400;

/// Orders still waiting for their domain to validate.
pub const WAITING: &[CertStatus] = &[CertStatus::Pending, CertStatus::DnsAdded];
/// Statuses in which a certificate may be deployed (with a key, of server type).
pub const DEPLOYABLE: &[CertStatus] = &[CertStatus::Issued];
/// Statuses in which a certificate counts as expiring when a listing filters for it.
pub const EXPIRING: &[CertStatus] = &[CertStatus::Issued];
/// Statuses in which a certhub certificate may be renewed (within the window).
pub const RENEWABLE: &[CertStatus] = &[CertStatus::Issued, CertStatus::Expired];
/// Statuses in which the certificate's files may be downloaded (it has been issued).
pub const DOWNLOADABLE: &[CertStatus] =
    &[CertStatus::Issued, CertStatus::Expired, CertStatus::Revoking, CertStatus::Revoked, CertStatus::Reissuing];
/// Statuses an order can be cancelled from: not yet issued, not already closed.
pub const CANCELLABLE: &[CertStatus] =
    &[CertStatus::Pending, CertStatus::Failed, CertStatus::DnsAdded, CertStatus::AwaitingDocuments, CertStatus::FreeAwaitingDocuments];
/// Statuses in which a certificate may not be deleted: a revocation or reissue in flight must finish first.
pub const UNDELETABLE: &[CertStatus] = &[CertStatus::Revoking, CertStatus::Reissuing];

/// Whether `not_after` falls within the expiry window: later than `now`, at most `EXPIRY_WINDOW` after it.
pub fn expires_soon(not_after: Option<i64>, now: i64) -> bool {
    not_after.is_some_and(|t| t > now && t - now <= EXPIRY_WINDOW)
}

/// Whether a certhub certificate can be revoked now, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocability {
    /// It can.
    Revocable,
    /// The customer's own certificate: certhub did not issue it.
    Uploaded,
    /// Revoked, or being revoked, already.
    AlreadyRevoked,
    /// Not issued, expired, or without a serial of certhub's CA.
    NotNow,
}

impl CertRecord {
    /// Still waiting for its domain to validate.
    pub fn is_waiting(&self) -> bool {
        WAITING.contains(&self.status)
    }

    /// Deployable: issued, of server type, with its key.
    pub fn is_deployable(&self) -> bool {
        DEPLOYABLE.contains(&self.status) && self.has_key && self.cert_type == CertType::Server
    }

    /// Expires within the window (and has not expired), whatever its status.
    pub fn expires_soon(&self, now: i64) -> bool {
        expires_soon(self.not_after, now)
    }

    /// What the expiring filter of a listing selects: in an `EXPIRING` status and within the window.
    pub fn is_expiring(&self, now: i64) -> bool {
        EXPIRING.contains(&self.status) && self.expires_soon(now)
    }

    /// Renewable: issued by certhub, in a `RENEWABLE` status, expiring within the window or expired within the grace.
    pub fn is_renewable(&self, now: i64) -> bool {
        self.source == Source::Certhub
            && RENEWABLE.contains(&self.status)
            && self.not_after.is_some_and(|t| t <= now + EXPIRY_WINDOW && t > now - RENEW_GRACE)
    }

    /// Its files may be downloaded: issued at some point, and certhub holds them.
    pub fn is_downloadable(&self) -> bool {
        DOWNLOADABLE.contains(&self.status) && self.cert_pem.is_some()
    }

    /// An order that may still be cancelled.
    pub fn is_cancellable(&self) -> bool {
        self.source == Source::Certhub && CANCELLABLE.contains(&self.status)
    }

    /// Whether it may be deleted now.
    pub fn is_deletable(&self) -> bool {
        !UNDELETABLE.contains(&self.status)
    }

    /// Whether certhub can revoke it now, and if not, why.
    pub fn revocability(&self, now: i64) -> Revocability {
        if self.source == Source::Upload {
            Revocability::Uploaded
        } else if matches!(self.status, CertStatus::Revoked | CertStatus::Revoking) {
            Revocability::AlreadyRevoked
        } else if self.status != CertStatus::Issued || self.serial.is_none() || self.not_after.is_some_and(|t| t <= now) {
            Revocability::NotNow
        } else {
            Revocability::Revocable
        }
    }
}
