//! The vendor's certificate status codes (0 to 15) and their labels.

/// Certificate status codes, as `DescribeCertificate.Status` reports them.
pub mod code {
    /// Under review / pending validation.
    pub const PENDING: i64 = 0;
    /// Issued (approved).
    pub const ISSUED: i64 = 1;
    /// Review failed.
    pub const FAILED: i64 = 2;
    /// Expired.
    pub const EXPIRED: i64 = 3;
    /// DNS record added automatically.
    pub const DNS_ADDED: i64 = 4;
    /// Order being cancelled.
    pub const CANCELLING: i64 = 6;
    /// Cancelled.
    pub const CANCELLED: i64 = 7;
    /// Being revoked.
    pub const REVOKING: i64 = 9;
    /// Revoked.
    pub const REVOKED: i64 = 10;
    /// Being reissued.
    pub const REISSUING: i64 = 11;
    /// Revocation confirmation letter pending upload.
    pub const REVOKE_LETTER_PENDING: i64 = 12;
}

/// The Chinese label of a status, as the vendor's StatusName shows it.
pub fn status_name(status: i64) -> &'static str {
    match status {
        0 => "审核中",
        1 => "已颁发",
        2 => "审核失败",
        3 => "已过期",
        4 => "已添加DNS记录",
        5 => "企业证书，待提交资料",
        6 => "订单取消中",
        7 => "已取消",
        8 => "已提交资料，待上传确认函",
        9 => "证书吊销中",
        10 => "已吊销",
        11 => "重颁发中",
        12 => "待上传吊销确认函",
        13 => "免费证书待提交资料",
        14 => "证书已退款",
        15 => "证书迁移中",
        _ => "",
    }
}
