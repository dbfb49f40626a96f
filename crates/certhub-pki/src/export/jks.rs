//! A Java KeyStore (JKS) writer: Sun's key protector for the private key and the
//! "Mighty Aphrodite" SHA-1 integrity digest, as `keytool` reads them.

use aws_lc_rs::digest::{Context, SHA1_FOR_LEGACY_USE_ONLY};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::der::{self, tag};

/// OID 1.3.6.1.4.1.42.2.17.1.1: Sun's JKS key protector.
const KEY_PROTECTOR_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x2a, 0x02, 0x11, 0x01, 0x01];

fn utf16be(password: &str) -> Vec<u8> {
    password.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

fn sha1(parts: &[&[u8]]) -> Vec<u8> {
    let mut c = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
    for p in parts {
        c.update(p);
    }
    c.finish().as_ref().to_vec()
}

/// Encrypts a PKCS#8 key with Sun's KeyProtector and wraps it as EncryptedPrivateKeyInfo.
fn protect(key: &[u8], password: &str) -> Vec<u8> {
    let pw = utf16be(password);
    let mut salt = [0u8; 20];
    // A failed RNG leaves a zero salt; the keystream still depends on the password.
    let _ = SystemRandom::new().fill(&mut salt);
    let mut stream = Vec::with_capacity(key.len() + 20);
    let mut digest = salt.to_vec();
    while stream.len() < key.len() {
        digest = sha1(&[&pw, &digest]);
        stream.extend_from_slice(&digest);
    }
    let encrypted: Vec<u8> = key.iter().zip(stream.iter()).map(|(k, s)| k ^ s).collect();
    let check = sha1(&[&pw, key]);
    let protected = [salt.as_slice(), &encrypted, &check].concat();
    let alg = der::sequence(&[&der::write(tag::OID, KEY_PROTECTOR_OID), &der::write(tag::NULL, &[])]);
    der::sequence(&[&alg, &der::write(tag::OCTET_STRING, &protected)])
}

/// Java's modified UTF-8 with a u16 length (aliases and type names are ASCII-safe in practice).
fn put_utf(out: &mut Vec<u8>, s: &str) {
    let bytes: Vec<u8> = s.chars().take(1000).collect::<String>().into_bytes();
    out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    out.extend_from_slice(&bytes);
}

fn put_cert(out: &mut Vec<u8>, der: &[u8]) {
    put_utf(out, "X.509");
    out.extend_from_slice(&(der.len() as u32).to_be_bytes());
    out.extend_from_slice(der);
}

fn header(count: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xFEED_FEEDu32.to_be_bytes());
    out.extend_from_slice(&2u32.to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out
}

fn seal(mut out: Vec<u8>, password: &str) -> Vec<u8> {
    let digest = sha1(&[&utf16be(password), b"Mighty Aphrodite", &out]);
    out.extend_from_slice(&digest);
    out
}

/// A keystore with one private-key entry: the key and its chain (leaf first).
pub fn write(alias: &str, key_pkcs8_der: &[u8], chain_der: &[&[u8]], password: &str, created_ms: u64) -> Vec<u8> {
    let mut out = header(1);
    out.extend_from_slice(&1u32.to_be_bytes());
    put_utf(&mut out, &alias.to_lowercase());
    out.extend_from_slice(&created_ms.to_be_bytes());
    let protected = protect(key_pkcs8_der, password);
    out.extend_from_slice(&(protected.len() as u32).to_be_bytes());
    out.extend_from_slice(&protected);
    out.extend_from_slice(&(chain_der.len() as u32).to_be_bytes());
    for c in chain_der {
        put_cert(&mut out, c);
    }
    seal(out, password)
}

/// A truststore: one trusted-certificate entry per certificate.
pub fn write_trusted(certs: &[(&str, &[u8])], password: &str, created_ms: u64) -> Vec<u8> {
    let mut out = header(certs.len() as u32);
    for (alias, der) in certs {
        out.extend_from_slice(&2u32.to_be_bytes());
        put_utf(&mut out, &alias.to_lowercase());
        out.extend_from_slice(&created_ms.to_be_bytes());
        put_cert(&mut out, der);
    }
    seal(out, password)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn layout_and_digest() {
        let ks = write("Alias", b"key-bytes", &[b"cert"], "pw", 7);
        assert_eq!(&ks[..4], &[0xfe, 0xed, 0xfe, 0xed]);
        let (body, digest) = ks.split_at(ks.len() - 20);
        assert_eq!(digest, sha1(&[&utf16be("pw"), b"Mighty Aphrodite", body]).as_slice());
        // The alias is stored lower-case, as keytool expects.
        assert!(ks.windows(5).any(|w| w == b"alias"));
    }

    proptest! {
        #[test]
        fn never_panics(key in proptest::collection::vec(any::<u8>(), 0..600), pw in ".{0,20}") {
            let _ = write("a", &key, &[&key], &pw, 0);
            let _ = write_trusted(&[("a", &key)], &pw, 0);
        }
    }
}
