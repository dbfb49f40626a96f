//! The key-encryption key (KEK) behind the one sealer (`certhub_core::seal`):
//! read from `CERTHUB_MASTER_KEY` or `master.key`, created on first start.

use std::path::Path;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use certhub_core::seal::Sealer;

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

/// The sealer from 64 hex characters (as in `CERTHUB_MASTER_KEY`).
pub fn from_hex(s: &str) -> Result<Sealer, MasterKeyError> {
    let bytes = hex::decode(s.trim()).map_err(|_| MasterKeyError::Malformed)?;
    let arr: [u8; 32] = bytes.try_into().map_err(|_| MasterKeyError::Malformed)?;
    Sealer::from_bytes(&arr).map_err(|_| MasterKeyError::Malformed)
}

/// The sealer keyed from `master.key` in `dir`, the file created (mode 0600) with a fresh random key on first start.
pub fn load_or_create(dir: &Path) -> Result<Sealer, MasterKeyError> {
    let path = dir.join("master.key");
    let io = |source| MasterKeyError::Io { path: path.display().to_string(), source };
    match std::fs::read_to_string(&path) {
        Ok(s) => {
            let mode = crate::private_fs::shared_mode(&path).map_err(io)?;
            if mode != 0 {
                return Err(MasterKeyError::Exposed { path: path.display().to_string(), mode });
            }
            from_hex(&s)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::private_fs::create_private_dir(dir).map_err(io)?;
            let mut kek = [0u8; 32];
            SystemRandom::new().fill(&mut kek).map_err(|_| MasterKeyError::Random)?;
            write_private_file(&path, hex::encode(kek).as_bytes()).map_err(io)?;
            Sealer::from_bytes(&kek).map_err(|_| MasterKeyError::Malformed)
        }
        Err(e) => Err(io(e)),
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
    fn master_key_file_is_created_private_and_reloaded() {
        let dir = std::env::temp_dir().join(format!("certhub-kek-{}", certhub_core::ids::random_alnum(8)));
        let c1 = load_or_create(&dir).unwrap();
        let sealed = c1.seal("x", b"data").unwrap();
        let c2 = load_or_create(&dir).unwrap();
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
            let err = load_or_create(&dir).expect_err("exposed key refused");
            assert!(err.to_string().contains("chmod 600"), "{err}");
        }
        assert!(matches!(from_hex("zz"), Err(MasterKeyError::Malformed)));
        let _ = std::fs::remove_dir_all(dir);
    }
}
