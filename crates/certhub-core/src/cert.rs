//! The certificate's vocabulary, door-neutral: lifecycle status, where it came from, what kind it is,
//! why it was revoked. Each door spells these its own way (in its own crate); the store keeps its own encoding.

/// Where a certificate is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertStatus {
    /// Ordered; waiting for its domain to validate.
    Pending,
    /// Issued (or uploaded) and within its dates.
    Issued,
    /// Validation or issuance failed; the order may be resubmitted.
    Failed,
    /// Past its notAfter.
    Expired,
    /// Ordered; certhub published the DNS validation record itself and waits for it to validate.
    DnsAdded,
    /// An organisation-validated order waiting for the customer's documents.
    AwaitingDocuments,
    /// The order is being cancelled.
    Cancelling,
    /// The order was cancelled.
    Cancelled,
    /// Documents received; the confirmation letter is awaited.
    AwaitingLetter,
    /// A revocation waits for its domain validation.
    Revoking,
    /// Revoked.
    Revoked,
    /// A reissue of it is pending; it stays valid meanwhile.
    Reissuing,
    /// A revocation waits for its confirmation letter.
    RevokeLetterPending,
    /// A free order waiting for the customer's documents.
    FreeAwaitingDocuments,
    /// The order was refunded.
    Refunded,
    /// The certificate is being moved between accounts.
    Migrating,
}

impl CertStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [CertStatus; 16] = [
        CertStatus::Pending,
        CertStatus::Issued,
        CertStatus::Failed,
        CertStatus::Expired,
        CertStatus::DnsAdded,
        CertStatus::AwaitingDocuments,
        CertStatus::Cancelling,
        CertStatus::Cancelled,
        CertStatus::AwaitingLetter,
        CertStatus::Revoking,
        CertStatus::Revoked,
        CertStatus::Reissuing,
        CertStatus::RevokeLetterPending,
        CertStatus::FreeAwaitingDocuments,
        CertStatus::Refunded,
        CertStatus::Migrating,
    ];
}

/// Where a certificate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The customer uploaded it (and perhaps its key).
    Upload,
    /// certhub's own CA issued it.
    Certhub,
}

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CertType {
    /// A server (end-entity) certificate.
    #[default]
    Server,
    /// A CA certificate (for client authentication).
    Ca,
}

/// How much the CA checked before issuing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValidationLevel {
    /// Domain validated.
    Dv,
    /// Organisation validated.
    Ov,
    /// Extended validation.
    Ev,
}

/// Why a certificate was revoked: RFC 5280 §5.3.1 CRLReason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RevocationReason {
    /// unspecified (0).
    #[default]
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3).
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// certificateHold (6).
    CertificateHold,
    /// removeFromCRL (8).
    RemoveFromCrl,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
    /// aACompromise (10).
    AaCompromise,
}

impl RevocationReason {
    /// The CRLReason code RFC 5280 assigns (what CRLs and OCSP carry).
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::RemoveFromCrl => 8,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }

    /// The reason of an RFC 5280 code; `None` for 7 (unused) and codes past 10.
    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            0 => Self::Unspecified,
            1 => Self::KeyCompromise,
            2 => Self::CaCompromise,
            3 => Self::AffiliationChanged,
            4 => Self::Superseded,
            5 => Self::CessationOfOperation,
            6 => Self::CertificateHold,
            8 => Self::RemoveFromCrl,
            9 => Self::PrivilegeWithdrawn,
            10 => Self::AaCompromise,
            _ => return None,
        })
    }
}

/// Where an administrator's revocation request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevokeRequestStatus {
    /// Waiting for a decision.
    Pending,
    /// Approved: the certificate was revoked.
    Approved,
    /// Rejected: nothing changed.
    Rejected,
}
