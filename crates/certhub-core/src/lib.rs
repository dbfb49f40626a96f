//! certhub-core
