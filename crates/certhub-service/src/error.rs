//! The service's errors; each door maps them to its vendor's codes.

use certhub_core::StoreError;
use certhub_pki::PkiError;

/// Why a use case failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The certificate does not exist in the caller's account.
    #[error("the certificate does not exist")]
    CertificateNotFound,
    /// A required parameter is absent.
    #[error("missing parameter: {0}")]
    MissingParameter(String),
    /// A parameter has a value outside its domain.
    #[error("invalid parameter value: {0}")]
    InvalidParameterValue(String),
    /// Certificate or key content was rejected.
    #[error(transparent)]
    Pki(#[from] PkiError),
    /// An SM2 certificate was uploaded where it is not allowed.
    #[error("the certificate looks like an SM2 certificate")]
    CertificateEncryptInvalid,
    /// More certificate IDs than the action allows.
    #[error("too many certificate IDs: at most {0}")]
    TooManyCertificates(usize),
    /// The certificate's status does not allow the operation.
    #[error("the certificate status does not allow this operation")]
    InvalidStatus,
    /// The status does not allow download.
    #[error("the current certificate status does not allow download")]
    StatusNotAllowDownload,
    /// Downloads were switched off for the certificate.
    #[error("the certificate does not allow download")]
    DownloadNotAllowed,
    /// Unknown ServiceType.
    #[error("unsupported download service type: {0}")]
    ServiceTypeNotSupported(String),
    /// A signed download link is invalid or expired.
    #[error("the download link is invalid or has expired")]
    LinkInvalid,
    /// Packaging failed.
    #[error("export failed: {0}")]
    Export(String),
    /// The operation is not available on this server.
    #[error("not supported: {0}")]
    Unsupported(String),
    /// The certificate is not pending (already issued, failed or cancelled).
    #[error("the certificate does not exist or has already been issued")]
    NotPending,
    /// The account reached its free-certificate quota.
    #[error("the number of free certificates exceeds the limit of {0}")]
    FreeLimit(i64),
    /// The main domain reached its free-certificate cap: main domain and cap.
    #[error("该主域（{0}）下申请的免费证书数量已达到{1}个上限，请购买付费证书。")]
    MainDomainLimit(String, i64),
    /// The certificate is already revoked (or being revoked).
    #[error("the certificate is already revoked")]
    AlreadyRevoked,
    /// A reissue of the certificate is pending.
    #[error("a reissue of this certificate is pending; cancel it or wait for it to complete")]
    ReissuePending,
    /// A DV certificate needs no revocation letter.
    #[error("当前证书是DV证书，不支持上传确认函")]
    LetterNotForDv,
    /// No such revocation request.
    #[error("the request does not exist")]
    RequestNotFound,
    /// The request was already decided.
    #[error("the request is no longer pending")]
    RequestNotPending,
    /// A revocation request for the certificate is already waiting for a decision.
    #[error("a revocation request for this certificate is already pending")]
    RevokeRequestPending,
    /// A contact e-mail is malformed.
    #[error("invalid e-mail address")]
    BadEmail,
    /// A parameter the operation cannot use (e.g. DNS_AUTO for a domain outside the updatable zone).
    #[error("invalid parameter: {0}")]
    InvalidParam(String),
    /// The order cannot be cancelled (absent, or no longer under review).
    #[error("the certificate does not exist or cannot be cancelled")]
    NotCancellable,
    /// The status does not allow a domain-validation check.
    #[error("the certificate's current status does not allow domain validation")]
    StatusNotAllowVerify,
    /// The status does not allow resubmitting.
    #[error("the certificate status does not allow re-application")]
    StatusNotAllowResubmit,
    /// The order was already reissued (free certificates: once).
    #[error("the order has already been reissued")]
    AlreadyReplaced,
    /// The certificate's source does not support the operation (e.g. an uploaded certificate).
    #[error("the certificate's source does not support this operation")]
    InvalidSource,
    /// A reissue asked for an algorithm the product does not allow.
    #[error("invalid algorithm: {0}")]
    RenewAlgorithmInvalid(String),
    /// A supplied CSR is malformed, unsigned or names other domains.
    #[error("invalid CSR: {0}")]
    RenewCsrInvalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
