//! AES-256-GCM encryption at rest under a key-encryption key (KEK).
//!
//! Every ciphertext is bound to its row by associated data, so a blob copied
//! into another row fails to decrypt instead of silently lending its key.

use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use certhub_core::StoreError;

const MAGIC: &[u8; 3] = b"CH1";

/// Errors loading or creating the master key.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    /// The key file or variable is not 32 bytes of hex.
    #[error("master key must be 64 hex characters")]
    Malformed,
    /// The key file could not be read or written.
    #[error("master key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The key file grants group or others access: anyone who can read it can open every key.
    #[error("master key file {path} is readable by group or others (mode {mode:03o}); run `chmod 600 {path}`")]
    Exposed {
        /// The file.
        path: String,
        /// Its group/other permission bits.
        mode: u32,
    },
    /// The random generator failed.
    #[error("random generator failed")]
    Random,
}

/// The key-encryption key and the operations that use it.
pub struct KeyCipher {
    key: LessSafeKey,
    derive: hmac::Key,
}

impl std::fmt::Debug for KeyCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyCipher(<redacted>)")
    }
}

impl KeyCipher {
    /// A cipher from 32 raw key bytes.
    pub fn from_bytes(kek: &[u8; 32]) -> Result<Self, MasterKeyError> {
        let unbound = UnboundKey::new(&AES_256_GCM, kek).map_err(|_| MasterKeyError::Malformed)?;
        Ok(Self { key: LessSafeKey::new(unbound), derive: hmac::Key::new(hmac::HMAC_SHA256, kek) })
    }

    /// A cipher from 64 hex characters (as in `CERTHUB_MASTER_KEY`).
    pub fn from_hex(s: &str) -> Result<Self, MasterKeyError> {
        let bytes = hex::decode(s.trim()).map_err(|_| MasterKeyError::Malformed)?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| MasterKeyError::Malformed)?;
        Self::from_bytes(&arr)
    }

    /// Loads `master.key` from `dir`, creating it (mode 0600) with a fresh random key on first start.
    pub fn load_or_create(dir: &Path) -> Result<Self, MasterKeyError> {
        let path = dir.join("master.key");
        let io = |source| MasterKeyError::Io { path: path.display().to_string(), source };
        match std::fs::read_to_string(&path) {
            Ok(s) => {
                let mode = crate::private_fs::shared_mode(&path).map_err(io)?;
                if mode != 0 {
                    return Err(MasterKeyError::Exposed { path: path.display().to_string(), mode });
                }
                Self::from_hex(&s)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                crate::private_fs::create_private_dir(dir).map_err(io)?;
                let mut kek = [0u8; 32];
                SystemRandom::new().fill(&mut kek).map_err(|_| MasterKeyError::Random)?;
                write_private_file(&path, hex::encode(kek).as_bytes()).map_err(io)?;
                Self::from_bytes(&kek)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Encrypts `plain`, bound to `context` (e.g. `cert-key:Juz8JAxn`).
    pub fn seal(&self, context: &str, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| StoreError::Crypto("random generator failed".into()))?;
        let mut buf = plain.to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut buf)
            .map_err(|_| StoreError::Crypto("seal failed".into()))?;
        let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + buf.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        Ok(out)
    }

    /// Decrypts what `seal` produced for the same `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        let err = || StoreError::Crypto(format!("cannot decrypt {context}: wrong master key or tampered data"));
        let rest = sealed.strip_prefix(MAGIC.as_slice()).ok_or_else(err)?;
        if rest.len() < NONCE_LEN {
            return Err(err());
        }
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| err())?;
        let mut buf = ct.to_vec();
        let plain =
            self.key.open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut buf).map_err(|_| err())?;
        Ok(plain.to_vec())
    }

    /// A 32-byte subkey for `purpose` (e.g. signing download URLs), independent of the sealing key.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let tag = hmac::sign(&self.derive, purpose.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(&tag.as_ref()[..32]);
        out
    }
}

#[cfg(unix)]
fn write_private_file(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(data)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private_file(path: &Path, data: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let c = KeyCipher::from_bytes(&[7u8; 32]).unwrap();
        let sealed = c.seal("cert-key:A", b"secret key material").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"secret"), "plaintext visible in ciphertext");
        assert_eq!(c.open("cert-key:A", &sealed).unwrap(), b"secret key material");
        assert!(c.open("cert-key:B", &sealed).is_err(), "context must bind the ciphertext");
        let other = KeyCipher::from_bytes(&[8u8; 32]).unwrap();
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
    fn master_key_file_is_created_private_and_reloaded() {
        let dir = std::env::temp_dir().join(format!("certhub-kek-{}", certhub_core::ids::random_alnum(8)));
        let c1 = KeyCipher::load_or_create(&dir).unwrap();
        let sealed = c1.seal("x", b"data").unwrap();
        let c2 = KeyCipher::load_or_create(&dir).unwrap();
        assert_eq!(c2.open("x", &sealed).unwrap(), b"data");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("master.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let key = dir.join("master.key");
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = KeyCipher::load_or_create(&dir).expect_err("exposed key refused");
            assert!(err.to_string().contains("chmod 600"), "{err}");
        }
        assert!(matches!(KeyCipher::from_hex("zz"), Err(MasterKeyError::Malformed)));
        let _ = std::fs::remove_dir_all(dir);
    }
}
