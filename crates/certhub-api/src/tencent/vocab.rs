//! The Tencent door's spelling of the model: status numbers and their Chinese labels, `From`,
//! `CertificateType` and `VerifyType` values. Nothing outside this door uses these words.

use certhub_core::dcv::Method;
use certhub_core::model::{CertStatus, CertType, Source};

/// Each status, its `Status` number and its `StatusName` label.
const STATUSES: [(CertStatus, i64, &str); 16] = [
    (CertStatus::Pending, 0, "审核中"),
    (CertStatus::Issued, 1, "已颁发"),
    (CertStatus::Failed, 2, "审核失败"),
    (CertStatus::Expired, 3, "已过期"),
    (CertStatus::DnsAdded, 4, "已添加DNS记录"),
    (CertStatus::AwaitingDocuments, 5, "企业证书，待提交资料"),
    (CertStatus::Cancelling, 6, "订单取消中"),
    (CertStatus::Cancelled, 7, "已取消"),
    (CertStatus::AwaitingLetter, 8, "已提交资料，待上传确认函"),
    (CertStatus::Revoking, 9, "证书吊销中"),
    (CertStatus::Revoked, 10, "已吊销"),
    (CertStatus::Reissuing, 11, "重颁发中"),
    (CertStatus::RevokeLetterPending, 12, "待上传吊销确认函"),
    (CertStatus::FreeAwaitingDocuments, 13, "免费证书待提交资料"),
    (CertStatus::Refunded, 14, "证书已退款"),
    (CertStatus::Migrating, 15, "证书迁移中"),
];

/// The `Status` number of a status.
pub fn status_number(s: CertStatus) -> i64 {
    STATUSES.iter().find(|(k, _, _)| *k == s).map_or(-1, |(_, n, _)| *n)
}

/// The status a `Status` number names (0 to 15).
pub fn status_of_number(n: i64) -> Option<CertStatus> {
    STATUSES.iter().find(|(_, v, _)| *v == n).map(|(k, _, _)| *k)
}

/// The `StatusName` label of a status.
pub fn status_name(s: CertStatus) -> &'static str {
    STATUSES.iter().find(|(k, _, _)| *k == s).map_or("", |(_, _, l)| l)
}

/// The `From` value of a source.
pub fn source_name(s: Source) -> &'static str {
    match s {
        Source::Upload => "upload",
        Source::Certhub => "certhub",
    }
}

/// The `CertificateType` value of a type.
pub fn cert_type_name(t: CertType) -> &'static str {
    match t {
        CertType::Server => "SVR",
        CertType::Ca => "CA",
    }
}

/// The type a `CertificateType` value names, case-insensitively.
pub fn parse_cert_type(s: &str) -> Option<CertType> {
    match s.to_ascii_uppercase().as_str() {
        "SVR" => Some(CertType::Server),
        "CA" => Some(CertType::Ca),
        _ => None,
    }
}

/// The `VerifyType` / `DvAuthMethod` value of a validation method.
pub fn method_name(m: Method) -> &'static str {
    match m {
        Method::File => "FILE",
        Method::Dns => "DNS",
        Method::DnsAuto => "DNS_AUTO",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_labels_are_the_vendors() {
        for (i, s) in CertStatus::ALL.into_iter().enumerate() {
            assert_eq!(status_number(s), i as i64);
            assert_eq!(status_of_number(i as i64), Some(s));
        }
        assert_eq!(status_of_number(16), None);
        assert_eq!((status_name(CertStatus::Issued), status_name(CertStatus::Revoked)), ("已颁发", "已吊销"));
        assert_eq!(parse_cert_type("svr"), Some(CertType::Server));
    }
}
