//! Errors of certificate and key handling; the doors map each to a vendor code.

/// What went wrong with a certificate, key or chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    /// The certificate text is not PEM/DER we can parse.
    #[error("certificate cannot be parsed: {0}")]
    CertificateParse(String),
    /// The private key text cannot be parsed.
    #[error("private key cannot be parsed: {0}")]
    KeyParse(String),
    /// The private key is encrypted and no password was given.
    #[error("private key is encrypted; a password is required")]
    KeyPasswordRequired,
    /// The private key password is wrong (or the encryption is unsupported).
    #[error("private key cannot be decrypted: {0}")]
    KeyDecrypt(String),
    /// The private key does not belong to the certificate.
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    /// The certificates given do not form one chain.
    #[error("certificate chain is broken: {0}")]
    Chain(String),
    /// A CA certificate was expected.
    #[error("not a CA certificate: {0}")]
    NotCa(String),
    /// The certificate uses something we refuse (weak key, unknown algorithm).
    #[error("certificate not acceptable: {0}")]
    Unacceptable(String),
}
