//! certhub-store: the store on SQLite (embedded default) and PostgreSQL, and key encryption at rest.

pub mod cipher;
mod codes;
mod legacy;
pub mod private_fs;
mod query;
mod schema;
mod sql;

pub use cipher::{KeyCipher, MasterKeyError};
pub use sql::SqlStore;
