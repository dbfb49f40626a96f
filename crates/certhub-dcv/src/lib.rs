//! certhub-dcv: domain control validation. FILE validation fetches
//! `http://<domain>/.well-known/pki-validation/<key>` with no redirects, a size
//! cap and a timeout, and refuses private and loopback addresses unless told.

pub mod file;

pub use file::FileValidator;
