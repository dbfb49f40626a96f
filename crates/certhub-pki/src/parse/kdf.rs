//! Cost bounds for the password-based key derivation of an encrypted PKCS#8 key.
//!
//! The derivation parameters travel inside the uploaded key, so an attacker chooses
//! them: scrypt with N = 2^40 asks for a petabyte of memory (the allocation aborts the
//! process) and PBKDF2 with 4·10^9 iterations keeps a core busy for hours. The
//! parameters are therefore read and checked before anything is derived.

use pkcs8::pkcs5::EncryptionScheme;
use pkcs8::pkcs5::pbes2::Kdf;

use crate::PkiError;

/// Largest accepted scrypt cost N, as a power of two (2^20: 1 GiB with r = 8).
pub const MAX_SCRYPT_LOG_N: u32 = 20;
/// Largest accepted scrypt block size r.
pub const MAX_SCRYPT_R: u16 = 8;
/// Largest accepted scrypt parallelisation p.
pub const MAX_SCRYPT_P: u16 = 4;
/// Largest accepted PBKDF2 iteration count.
pub const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;
/// Longest accepted derived key, bytes (AES-256 needs 32).
pub const MAX_KEY_LENGTH: u16 = 64;

/// Refuses a scheme whose key derivation would cost more than the bounds above.
pub(crate) fn check_cost(scheme: &EncryptionScheme) -> Result<(), PkiError> {
    let params = match scheme {
        // PBES1 counts iterations in 16 bits: at most 65,535 cheap hashes.
        EncryptionScheme::Pbes1(_) => return Ok(()),
        EncryptionScheme::Pbes2(p) => p,
        _ => return Err(refuse("unsupported encryption scheme")),
    };
    if params.kdf.key_length().is_some_and(|l| l == 0 || l > MAX_KEY_LENGTH) {
        return Err(refuse("the derived key length is out of bounds"));
    }
    match &params.kdf {
        Kdf::Pbkdf2(p) => {
            if p.iteration_count == 0 || p.iteration_count > MAX_PBKDF2_ITERATIONS {
                return Err(refuse(&format!("PBKDF2 iteration count must be 1 to {MAX_PBKDF2_ITERATIONS}")));
            }
        }
        Kdf::Scrypt(s) => {
            let n = s.cost_parameter;
            // The KDF library panics on N = 0 and rounds other non-powers of two.
            if n < 2 || !n.is_power_of_two() || n > 1u64 << MAX_SCRYPT_LOG_N {
                return Err(refuse(&format!("scrypt N must be a power of two from 2 to 2^{MAX_SCRYPT_LOG_N}")));
            }
            if s.block_size == 0 || s.block_size > MAX_SCRYPT_R {
                return Err(refuse(&format!("scrypt r must be 1 to {MAX_SCRYPT_R}")));
            }
            if s.parallelization == 0 || s.parallelization > MAX_SCRYPT_P {
                return Err(refuse(&format!("scrypt p must be 1 to {MAX_SCRYPT_P}")));
            }
        }
        _ => return Err(refuse("unsupported key derivation function")),
    }
    Ok(())
}

fn refuse(why: &str) -> PkiError {
    PkiError::KeyDecrypt(format!("key derivation cost refused: {why}"))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::PkiError;
    use crate::der::{self, tag};
    use crate::parse::parse_private_key;

    const PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
    const PBKDF2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c];
    const SCRYPT: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x04, 0x0b];
    const HMAC_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09];
    const AES256_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a];

    fn int(v: u64) -> Vec<u8> {
        let mut bytes: Vec<u8> = v.to_be_bytes().iter().copied().skip_while(|&b| b == 0).collect();
        if bytes.first().is_none_or(|&b| b & 0x80 != 0) {
            bytes.insert(0, 0);
        }
        der::write(tag::INTEGER, &bytes)
    }

    fn oid(o: &[u8]) -> Vec<u8> {
        der::write(tag::OID, o)
    }

    /// An EncryptedPrivateKeyInfo with the given KDF (OID and parameters) and junk ciphertext:
    /// the bound must refuse it before any derivation or decryption.
    fn encrypted_key_pem(kdf: Vec<u8>) -> String {
        let cipher = der::sequence(&[&oid(AES256_CBC), &der::write(tag::OCTET_STRING, &[7; 16])]);
        let pbes2 = der::sequence(&[&oid(PBES2), &der::sequence(&[&kdf, &cipher])]);
        let info = der::sequence(&[&pbes2, &der::write(tag::OCTET_STRING, &[1; 48])]);
        crate::parse::pem::encode("ENCRYPTED PRIVATE KEY", &info)
    }

    fn scrypt(n: u64, r: u64, p: u64) -> String {
        let salt = der::write(tag::OCTET_STRING, &[9; 16]);
        encrypted_key_pem(der::sequence(&[&oid(SCRYPT), &der::sequence(&[&salt, &int(n), &int(r), &int(p)])]))
    }

    fn pbkdf2(iterations: u64, key_length: Option<u64>) -> String {
        let salt = der::write(tag::OCTET_STRING, &[9; 16]);
        let prf = der::sequence(&[&oid(HMAC_SHA256), &der::write(tag::NULL, &[])]);
        let len = key_length.map(int).unwrap_or_default();
        encrypted_key_pem(der::sequence(&[&oid(PBKDF2), &der::sequence(&[&salt, &int(iterations), &len, &prf])]))
    }

    fn refused_at_once(pem: &str) -> String {
        let started = Instant::now();
        let err = parse_private_key(pem, Some("pw")).expect_err("refused");
        assert!(started.elapsed() < Duration::from_millis(200), "took {:?}", started.elapsed());
        match err {
            PkiError::KeyDecrypt(m) => m,
            other => panic!("expected KeyDecrypt, got {other:?}"),
        }
    }

    #[test]
    fn scrypt_costs_above_the_bounds_are_refused_before_deriving() {
        for (n, r, p) in [(1 << 40, 8, 1), (1 << 21, 8, 1), (1 << 14, 9, 1), (1 << 14, 8, 5), (0, 8, 1), (1000, 8, 1), (1 << 14, 0, 1)] {
            let m = refused_at_once(&scrypt(n, r, p));
            assert!(m.contains("cost refused"), "N={n} r={r} p={p}: {m}");
        }
    }

    #[test]
    fn pbkdf2_costs_above_the_bounds_are_refused_before_deriving() {
        for (iterations, len) in [(4_000_000_000, None), (1_000_001, None), (0, None), (2048, Some(60_000))] {
            let m = refused_at_once(&pbkdf2(iterations, len));
            assert!(m.contains("cost refused"), "{iterations}/{len:?}: {m}");
        }
    }

    #[test]
    fn costs_within_the_bounds_reach_decryption() {
        // Junk ciphertext: these fail on decryption (wrong password), not on the bound.
        for pem in [scrypt(1 << 10, 8, 1), pbkdf2(2048, None), pbkdf2(2048, Some(32))] {
            let err = parse_private_key(&pem, Some("pw")).expect_err("junk ciphertext");
            assert!(matches!(&err, PkiError::KeyDecrypt(m) if !m.contains("cost refused")), "{err:?}");
        }
    }
}
