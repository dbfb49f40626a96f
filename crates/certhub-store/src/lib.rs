//! certhub-store: the store on SQLite (embedded default) and PostgreSQL, and the master key that seals secrets at rest.

mod codes;
mod legacy;
pub mod master_key;
pub mod private_fs;
mod query;
mod schema;
mod sql;

pub use certhub_core::seal::Sealer;
pub use master_key::MasterKeyError;
pub use sql::SqlStore;
