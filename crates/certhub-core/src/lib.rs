//! certhub-core: the domain types, the store and clock traits, and identifiers.
//!
//! This crate depends on nothing of ours; every other crate depends on it.

pub mod cert;
pub mod clock;
pub mod dcv;
pub mod extra;
pub mod ids;
pub mod jobs;
pub mod model;
pub mod profile;
pub mod rules;
pub mod seal;
pub mod store;

pub use clock::{Clock, FixedClock, SystemClock};
pub use store::{Store, StoreError};
