//! Service errors in the vendor's codes. Actions with their own codes for a case
//! (`DownloadCertificate`'s status, batch limits) override these where they call.

use certhub_pki::PkiError;
use certhub_service::ServiceError;

use super::ApiError;

/// The vendor code and message for a service error.
pub fn to_api(e: ServiceError) -> ApiError {
    let msg = e.to_string();
    let code = match &e {
        ServiceError::CertificateNotFound => "FailedOperation.CertificateNotFound",
        ServiceError::MissingParameter(_) => "MissingParameter",
        ServiceError::InvalidParameterValue(_) => "InvalidParameterValue",
        ServiceError::Pki(p) => match p {
            PkiError::CertificateParse(_) | PkiError::KeyParse(_) => "FailedOperation.CertificateParseError",
            PkiError::KeyPasswordRequired | PkiError::KeyDecrypt(_) => "InvalidParameter.WithDetailReason",
            PkiError::KeyMismatch => "FailedOperation.CertificateMismatch",
            PkiError::Chain(_) => "FailedOperation.CertificateChainError",
            PkiError::NotCa(_) => "FailedOperation.CertificateCaError",
            PkiError::Unacceptable(_) => "FailedOperation.CertificateInvalid",
        },
        ServiceError::CertificateEncryptInvalid => "FailedOperation.CertificateEncryptInvalid",
        ServiceError::TooManyCertificates(_) => "InvalidParameter.CertificatesNumberExceeded",
        ServiceError::InvalidStatus => "FailedOperation.InvalidCertificateStatusCode",
        ServiceError::StatusNotAllowDownload => "FailedOperation.CertificateStatusNotAllowDownload",
        ServiceError::DownloadNotAllowed => "FailedOperation.CertificateNotAllowDownload",
        ServiceError::ServiceTypeNotSupported(_) => "FailedOperation.CertificateDownloadServiceTypeNotSupport",
        ServiceError::LinkInvalid => "FailedOperation",
        ServiceError::Unsupported(_) => "UnsupportedOperation",
        ServiceError::NotPending => "FailedOperation.CertificateNotFoundOrAudited",
        ServiceError::FreeLimit(_) => "FailedOperation.ExceedsFreeLimit",
        ServiceError::MainDomainLimit(..) => "FailedOperation.MainDomainCertificateCountLimit",
        ServiceError::AlreadyRevoked => "FailedOperation.InvalidCertificateStatusCode",
        ServiceError::ReissuePending => "FailedOperation.InvalidCertificateStatusCode",
        ServiceError::RequestNotFound | ServiceError::RequestNotPending | ServiceError::RevokeRequestPending => "FailedOperation",
        ServiceError::LetterNotForDv => "FailedOperation.UploadConfirmCertificateNotSupportDV",
        ServiceError::BadEmail => "InvalidParameterValue.CertificateEmailParseInvalid",
        ServiceError::InvalidParam(_) => "FailedOperation.InvalidParam",
        ServiceError::NotCancellable => "FailedOperation.CertificateNotFoundOrCantCancel",
        ServiceError::StatusNotAllowVerify => "FailedOperation.CertificateStatusNotAllowVerify",
        ServiceError::StatusNotAllowResubmit => "FailedOperation.CertificateStatusNotAllowResubmit",
        ServiceError::AlreadyReplaced => "FailedOperation.OrderAlreadyReplaced",
        ServiceError::InvalidSource => "FailedOperation.InvalidCertificateSource",
        ServiceError::RenewAlgorithmInvalid(_) => "InvalidParameter.RenewAlgorithmInvalid",
        ServiceError::RenewCsrInvalid(_) => "InvalidParameter.RenewCsrInvalid",
        ServiceError::Export(_) | ServiceError::Store(_) => {
            tracing::error!(error = %msg, "internal error");
            return ApiError::new("InternalError", "Internal error.");
        }
    };
    ApiError::new(code, msg)
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        to_api(e)
    }
}
