//! certhub-pki: certificate and key parsing, chain building and export formats.

pub mod ca;
pub mod crl;
pub mod der;
pub mod error;
pub mod export;
pub mod ocsp;
pub mod parse;

pub use error::PkiError;
