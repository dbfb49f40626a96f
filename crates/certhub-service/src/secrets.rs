//! Small secrets kept in a certificate's record (the keystore password a
//! customer chose), sealed by the one sealer so the database never holds them
//! in clear. A secret that cannot be sealed or opened is an error, not a blank.

use crate::{Service, ServiceError};

/// What a certificate's secret is bound to: a sealed password copied to another record does not open there.
fn context(cert_id: &str) -> String {
    format!("cert-secret:{cert_id}")
}

impl Service {
    /// Seals `secret` for certificate `id`, as text.
    pub(crate) fn seal_secret(&self, id: &str, secret: &str) -> Result<String, ServiceError> {
        Ok(self.sealer.seal_text(&context(id), secret)?)
    }

    /// Opens what `seal_secret` sealed for the same certificate (or what the sealer before it did: that was bound
    /// to the bare certificate ID).
    pub(crate) fn open_secret(&self, id: &str, sealed: &str) -> Result<String, ServiceError> {
        Ok(self.sealer.open_text(&context(id), id, sealed)?)
    }
}
