//! How the model's enums are written in the database: the one place that maps each to its column value.
//! The encodings are those of the first release (integers and strings in existing columns), kept so that
//! existing databases read unchanged.

use certhub_core::StoreError;
use certhub_core::dcv::Method;
use certhub_core::model::{CertStatus, CertType, RevocationReason, RevokeRequestStatus, Source};

/// `certificates.status`: each status and its stored integer.
const STATUSES: [(CertStatus, i64); 16] = [
    (CertStatus::Pending, 0),
    (CertStatus::Issued, 1),
    (CertStatus::Failed, 2),
    (CertStatus::Expired, 3),
    (CertStatus::DnsAdded, 4),
    (CertStatus::AwaitingDocuments, 5),
    (CertStatus::Cancelling, 6),
    (CertStatus::Cancelled, 7),
    (CertStatus::AwaitingLetter, 8),
    (CertStatus::Revoking, 9),
    (CertStatus::Revoked, 10),
    (CertStatus::Reissuing, 11),
    (CertStatus::RevokeLetterPending, 12),
    (CertStatus::FreeAwaitingDocuments, 13),
    (CertStatus::Refunded, 14),
    (CertStatus::Migrating, 15),
];

fn corrupt(what: &str, v: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} {v}"))
}

/// The stored integer of a status.
pub(crate) fn status(s: CertStatus) -> i64 {
    STATUSES.iter().find(|(k, _)| *k == s).map_or(-1, |(_, v)| *v)
}

/// The status a stored integer means.
pub(crate) fn parse_status(v: i64) -> Result<CertStatus, StoreError> {
    STATUSES.iter().find(|(_, c)| *c == v).map(|(k, _)| *k).ok_or_else(|| corrupt("status", v))
}

/// `{column} IN (...)` over these statuses; never empty-handed (an empty set matches nothing).
pub(crate) fn status_in(column: &str, set: &[CertStatus]) -> String {
    if set.is_empty() {
        return "1 = 0".into();
    }
    // The values are integers formatted here, never caller text.
    let list = set.iter().map(|s| status(*s).to_string()).collect::<Vec<_>>().join(", ");
    format!("{column} IN ({list})")
}

/// `certificates.source`.
pub(crate) fn source(s: Source) -> &'static str {
    match s {
        Source::Upload => "upload",
        Source::Certhub => "certhub",
    }
}

/// The source a stored value means.
pub(crate) fn parse_source(v: &str) -> Result<Source, StoreError> {
    [Source::Upload, Source::Certhub].into_iter().find(|s| source(*s) == v).ok_or_else(|| corrupt("source", v))
}

/// `certificates.cert_type`.
pub(crate) fn cert_type(t: CertType) -> &'static str {
    match t {
        CertType::Server => "SVR",
        CertType::Ca => "CA",
    }
}

/// The certificate type a stored value means.
pub(crate) fn parse_cert_type(v: &str) -> Result<CertType, StoreError> {
    [CertType::Server, CertType::Ca].into_iter().find(|t| cert_type(*t) == v).ok_or_else(|| corrupt("certificate type", v))
}

/// `certificates.verify_type`.
pub(crate) fn method(m: Method) -> &'static str {
    match m {
        Method::File => "FILE",
        Method::Dns => "DNS",
        Method::DnsAuto => "DNS_AUTO",
    }
}

/// The validation method a stored value means.
pub(crate) fn parse_method(v: &str) -> Result<Method, StoreError> {
    [Method::File, Method::Dns, Method::DnsAuto].into_iter().find(|m| method(*m) == v).ok_or_else(|| corrupt("method", v))
}

/// `revoke_requests.status`.
pub(crate) fn request_status(s: RevokeRequestStatus) -> &'static str {
    match s {
        RevokeRequestStatus::Pending => "pending",
        RevokeRequestStatus::Approved => "approved",
        RevokeRequestStatus::Rejected => "rejected",
    }
}

/// The request status a stored value means.
pub(crate) fn parse_request_status(v: &str) -> Result<RevokeRequestStatus, StoreError> {
    [RevokeRequestStatus::Pending, RevokeRequestStatus::Approved, RevokeRequestStatus::Rejected]
        .into_iter()
        .find(|s| request_status(*s) == v)
        .ok_or_else(|| corrupt("request status", v))
}

/// `revocations.reason` and `certificates.revoke_reason`: the RFC 5280 code.
pub(crate) fn reason(r: RevocationReason) -> i64 {
    i64::from(r.code())
}

/// The reason a stored code means.
pub(crate) fn parse_reason(v: i64) -> Result<RevocationReason, StoreError> {
    RevocationReason::from_code(v).ok_or_else(|| corrupt("revocation reason", v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_round_trips() {
        for s in CertStatus::ALL {
            assert_eq!(parse_status(status(s)).expect("status"), s);
        }
        for s in [Source::Upload, Source::Certhub] {
            assert_eq!(parse_source(source(s)).expect("source"), s);
        }
        for m in [Method::File, Method::Dns, Method::DnsAuto] {
            assert_eq!(parse_method(method(m)).expect("method"), m);
        }
        for c in 0..=10 {
            assert_eq!(parse_reason(c).map(reason).ok(), (c != 7).then_some(c));
        }
        assert!(parse_status(16).is_err() && parse_source("x").is_err());
        assert_eq!(status_in("c.status", &[CertStatus::Issued, CertStatus::Expired]), "c.status IN (1, 3)");
    }
}
