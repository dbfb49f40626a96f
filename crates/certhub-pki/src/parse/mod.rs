//! Parsing what customers upload: PEM text, certificates, private keys, chains.

pub mod cert;
pub mod chain;
pub mod key;
pub mod pem;

pub use cert::{KeyAlgorithm, ParsedCert, parse_certificates};
pub use chain::{ChainReport, TrustStore, check_chain, order_chain, verify_issued_by};
pub use key::{ParsedKey, parse_private_key};
