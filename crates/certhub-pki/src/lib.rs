//! certhub-pki: certificate and key parsing, chain building and export formats.

pub mod export;
