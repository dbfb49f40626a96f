//! The one sealer for everything certhub keeps encrypted at rest: certificate
//! and CA keys, API secrets, replayed answers, and secrets inside certificate
//! records. AES-256-GCM under the key-encryption key (KEK); every ciphertext is
//! bound to its row by associated data (its `context`), so a blob copied into
//! another row fails to open instead of silently lending its contents.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;

use crate::StoreError;

/// The first bytes of every sealed blob (format version 1).
const MAGIC: &[u8; 3] = b"CH1";
/// Purpose of the subkey that signs download links; the legacy text sealer was keyed from it.
const DOWNLOAD_URL_PURPOSE: &str = "download-url";
/// What the legacy text sealer fed HMAC to derive its key from the download-link subkey.
const LEGACY_TEXT_LABEL: &[u8] = b"certhub extra-secret v1";

/// The key-encryption key and the operations that use it.
pub struct Sealer {
    key: LessSafeKey,
    derive: hmac::Key,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(<redacted>)")
    }
}

fn crypto(msg: impl Into<String>) -> StoreError {
    StoreError::Crypto(msg.into())
}

fn aes_key(bytes: &[u8]) -> Result<LessSafeKey, StoreError> {
    UnboundKey::new(&AES_256_GCM, bytes).map(LessSafeKey::new).map_err(|_| crypto("the sealing key must be 32 bytes"))
}

/// Opens `nonce ‖ ciphertext ‖ tag` under `key`, bound to `aad`.
fn open_raw(key: &LessSafeKey, aad: &str, raw: &[u8], what: &str) -> Result<Vec<u8>, StoreError> {
    let err = || crypto(format!("cannot decrypt {what}: wrong master key or tampered data"));
    let (nonce, ct) = raw.split_at_checked(NONCE_LEN).ok_or_else(err)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| err())?;
    let mut buf = ct.to_vec();
    let plain = key.open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buf).map_err(|_| err())?;
    Ok(plain.to_vec())
}

impl Sealer {
    /// A sealer from the 32 raw bytes of the KEK.
    pub fn from_bytes(kek: &[u8; 32]) -> Result<Self, StoreError> {
        Ok(Self { key: aes_key(kek)?, derive: hmac::Key::new(hmac::HMAC_SHA256, kek) })
    }

    /// Encrypts `plain`, bound to `context` (e.g. `cert-key:Juz8JAxn`): magic, nonce, ciphertext and tag.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| crypto("random generator failed"))?;
        let mut buf = plain.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut buf)
            .map_err(|_| crypto("seal failed"))?;
        let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + buf.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        Ok(out)
    }

    /// Decrypts what `seal` produced for the same `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        let rest = sealed
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| crypto(format!("cannot decrypt {context}: wrong master key or tampered data")))?;
        open_raw(&self.key, context, rest, context)
    }

    /// `seal` for a text field (a JSON document, a text column): the sealed blob in base64.
    pub fn seal_text(&self, context: &str, plain: &str) -> Result<String, StoreError> {
        Ok(base64::engine::general_purpose::STANDARD.encode(self.seal(context, plain.as_bytes())?))
    }

    /// Opens what `seal_text` sealed for `context`. Text sealed before there was one sealer (base64 of nonce and
    /// ciphertext, under a key derived from the download-link subkey, bound to `legacy_aad`) still opens.
    pub fn open_text(&self, context: &str, legacy_aad: &str, sealed: &str) -> Result<String, StoreError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .map_err(|_| crypto(format!("cannot decrypt {context}: not base64")))?;
        // A legacy blob starts with a random nonce, so it may begin with the magic too: try both before failing.
        let plain = match self.open(context, &raw) {
            Ok(plain) => plain,
            Err(current) => self.open_legacy_text(legacy_aad, &raw).map_err(|_| current)?,
        };
        String::from_utf8(plain).map_err(|_| crypto(format!("{context} is not UTF-8")))
    }

    fn open_legacy_text(&self, aad: &str, raw: &[u8]) -> Result<Vec<u8>, StoreError> {
        let key = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &self.derive(DOWNLOAD_URL_PURPOSE)), LEGACY_TEXT_LABEL);
        open_raw(&aes_key(key.as_ref())?, aad, raw, aad)
    }

    /// A 32-byte subkey for `purpose`, independent of the sealing key.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let tag = hmac::sign(&self.derive, purpose.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(&tag.as_ref()[..32]);
        out
    }

    /// The subkey that signs download links.
    pub fn download_url_key(&self) -> [u8; 32] {
        self.derive(DOWNLOAD_URL_PURPOSE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let c = Sealer::from_bytes(&[7u8; 32]).unwrap();
        let sealed = c.seal("cert-key:A", b"secret key material").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"secret"), "plaintext visible in ciphertext");
        assert_eq!(c.open("cert-key:A", &sealed).unwrap(), b"secret key material");
        assert!(c.open("cert-key:B", &sealed).is_err(), "context must bind the ciphertext");
        let other = Sealer::from_bytes(&[8u8; 32]).unwrap();
        assert!(other.open("cert-key:A", &sealed).is_err());
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(c.open("cert-key:A", &tampered).is_err());
        assert!(c.open("cert-key:A", b"CH1").is_err());
        assert!(c.open("cert-key:A", b"").is_err());
        assert_ne!(c.derive("a"), c.derive("b"));
    }

    #[test]
    fn text_round_trips_and_errors_are_errors() {
        let c = Sealer::from_bytes(&[7u8; 32]).unwrap();
        let sealed = c.seal_text("cert-secret:A", "hunter2").unwrap();
        assert_eq!(c.open_text("cert-secret:A", "A", &sealed).unwrap(), "hunter2");
        assert!(c.open_text("cert-secret:B", "B", &sealed).is_err(), "bound to its context");
        assert!(c.open_text("cert-secret:A", "A", "not base64!").is_err());
        assert!(Sealer::from_bytes(&[8u8; 32]).unwrap().open_text("cert-secret:A", "A", &sealed).is_err());
    }

    /// The legacy text format, sealed here exactly as the old service-side sealer did.
    fn legacy_seal(c: &Sealer, aad: &str, secret: &str) -> String {
        let k = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &c.download_url_key()), b"certhub extra-secret v1");
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, k.as_ref()).unwrap());
        let nonce = [9u8; 12];
        let mut buf = secret.as_bytes().to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad.as_bytes()), &mut buf).unwrap();
        base64::engine::general_purpose::STANDARD.encode([nonce.as_slice(), &buf].concat())
    }

    #[test]
    fn text_sealed_by_the_legacy_sealer_still_opens() {
        let c = Sealer::from_bytes(&[7u8; 32]).unwrap();
        let old = legacy_seal(&c, "Juz8JAxn", "chosen-password");
        assert_eq!(c.open_text("cert-secret:Juz8JAxn", "Juz8JAxn", &old).unwrap(), "chosen-password");
        assert!(c.open_text("cert-secret:other", "other", &old).is_err(), "still bound to its certificate");
        assert!(Sealer::from_bytes(&[8u8; 32]).unwrap().open_text("cert-secret:Juz8JAxn", "Juz8JAxn", &old).is_err());
    }
}
