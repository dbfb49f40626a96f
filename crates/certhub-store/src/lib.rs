//! certhub-store
