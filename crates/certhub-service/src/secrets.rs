//! Small secrets kept in a certificate's `extra` document (the keystore password
//! a customer chose), sealed with AES-256-GCM under a key derived from the
//! service's own key so the database never holds them in clear.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::hmac;
use base64::Engine;

use crate::Service;

impl Service {
    fn secret_key(&self) -> Option<LessSafeKey> {
        let k = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, self.url_key.as_slice()), b"certhub extra-secret v1");
        UnboundKey::new(&AES_256_GCM, k.as_ref()).ok().map(LessSafeKey::new)
    }

    /// Seals `secret` for certificate `id`: base64 of nonce and ciphertext.
    pub(crate) fn seal_secret(&self, id: &str, secret: &str) -> Option<String> {
        let key = self.secret_key()?;
        let mut nonce = [0u8; 12];
        aws_lc_rs::rand::fill(&mut nonce).ok()?;
        let mut buf = secret.as_bytes().to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(id.as_bytes()), &mut buf).ok()?;
        Some(base64::engine::general_purpose::STANDARD.encode([nonce.as_slice(), &buf].concat()))
    }

    /// Opens what `seal_secret` sealed for the same certificate.
    pub(crate) fn open_secret(&self, id: &str, sealed: &str) -> Option<String> {
        let key = self.secret_key()?;
        let raw = base64::engine::general_purpose::STANDARD.decode(sealed).ok()?;
        let (nonce, ct) = raw.split_at_checked(12)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = ct.to_vec();
        let plain = key.open_in_place(nonce, Aad::from(id.as_bytes()), &mut buf).ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}
