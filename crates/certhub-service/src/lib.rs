//! certhub-service
