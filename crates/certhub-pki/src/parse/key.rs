//! Private keys: PKCS#1, SEC1 and PKCS#8, plain or encrypted (PKCS#8 PBES2 or
//! OpenSSL's legacy `Proc-Type: 4,ENCRYPTED`), for RSA, ECDSA and SM2.
//! Every key is normalised to unencrypted PKCS#8 DER, which the store then seals.

use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, ECDSA_P521_SHA512_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
use md5::{Digest, Md5};

use super::cert::{KeyAlgorithm, ParsedCert, rsa_modulus_bits};
use super::pem;
use crate::PkiError;
use crate::der::{self, oid, tag};

/// A private key in unencrypted PKCS#8 form.
#[derive(Clone)]
pub struct ParsedKey {
    /// PrivateKeyInfo DER.
    pub pkcs8: Vec<u8>,
    /// Its algorithm.
    pub algorithm: KeyAlgorithm,
    /// It arrived encrypted.
    pub was_encrypted: bool,
}

impl std::fmt::Debug for ParsedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedKey").field("algorithm", &self.algorithm).field("pkcs8", &"<redacted>").finish()
    }
}

/// Parses the first private key of `text`, decrypting it with `password` when it is encrypted.
pub fn parse_private_key(text: &str, password: Option<&str>) -> Result<ParsedKey, PkiError> {
    if text.len() > super::cert::MAX_TEXT {
        return Err(PkiError::KeyParse("private key text is too large".into()));
    }
    let blocks = pem::blocks(text).map_err(|e| PkiError::KeyParse(e.to_string()))?;
    let block = blocks
        .into_iter()
        .find(|b| b.label.ends_with("PRIVATE KEY"))
        .ok_or_else(|| PkiError::KeyParse("no PRIVATE KEY block found".into()))?;
    let password = password.filter(|p| !p.is_empty());
    let legacy_encrypted = block.headers.iter().any(|(k, v)| k == "Proc-Type" && v.contains("ENCRYPTED"));
    let body = if legacy_encrypted {
        let dek = block
            .headers
            .iter()
            .find(|(k, _)| k == "DEK-Info")
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| PkiError::KeyParse("encrypted key without DEK-Info".into()))?;
        let pw = password.ok_or(PkiError::KeyPasswordRequired)?;
        legacy_decrypt(dek, pw.as_bytes(), &block.der)?
    } else {
        block.der.clone()
    };
    let (pkcs8, was_encrypted) = match block.label.as_str() {
        "PRIVATE KEY" => (body, legacy_encrypted),
        "ENCRYPTED PRIVATE KEY" => {
            let pw = password.ok_or(PkiError::KeyPasswordRequired)?;
            let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(body.as_slice())
                .map_err(|e| PkiError::KeyParse(format!("encrypted PKCS#8: {e}")))?;
            super::kdf::check_cost(&info.encryption_algorithm)?;
            let doc = info.decrypt(pw.as_bytes()).map_err(|_| PkiError::KeyDecrypt("wrong password or unsupported encryption".into()))?;
            (doc.as_bytes().to_vec(), true)
        }
        "RSA PRIVATE KEY" => (wrap_pkcs8(oid::RSA_ENCRYPTION, None, &body), legacy_encrypted),
        "EC PRIVATE KEY" | "SM2 PRIVATE KEY" => {
            let curve = sec1_curve(&body).ok_or_else(|| PkiError::KeyParse("EC key without a named curve".into()))?;
            (wrap_pkcs8(oid::EC_PUBLIC_KEY, Some(&curve), &body), legacy_encrypted)
        }
        other => return Err(PkiError::KeyParse(format!("unsupported key type {other}"))),
    };
    let algorithm = pkcs8_algorithm(&pkcs8)?;
    let key = ParsedKey { pkcs8, algorithm, was_encrypted };
    key.validate()?;
    Ok(key)
}

/// PrivateKeyInfo { version 0, AlgorithmIdentifier { alg, params }, OCTET STRING inner }.
fn wrap_pkcs8(alg: &[u8], curve: Option<&[u8]>, inner: &[u8]) -> Vec<u8> {
    let version = der::write(tag::INTEGER, &[0]);
    let alg_oid = der::write(tag::OID, alg);
    let params = match curve {
        Some(c) => der::write(tag::OID, c),
        None => der::write(tag::NULL, &[]),
    };
    let alg_id = der::sequence(&[&alg_oid, &params]);
    let key = der::write(tag::OCTET_STRING, inner);
    der::sequence(&[&version, &alg_id, &key])
}

/// The named curve of an ECPrivateKey (its `[0] parameters`).
fn sec1_curve(sec1: &[u8]) -> Option<Vec<u8>> {
    let (seq, _) = der::expect(sec1, tag::SEQUENCE)?;
    let parts = der::children(seq.value)?;
    let params = parts.iter().find(|p| p.tag == 0xa0)?;
    let (oid, _) = der::expect(params.value, tag::OID)?;
    Some(oid.value.to_vec())
}

struct Pkcs8Parts<'a> {
    alg: &'a [u8],
    params: Option<der::Tlv<'a>>,
    inner: &'a [u8],
}

fn pkcs8_parts(pkcs8: &[u8]) -> Option<Pkcs8Parts<'_>> {
    let (seq, _) = der::expect(pkcs8, tag::SEQUENCE)?;
    let parts = der::children(seq.value)?;
    let alg_id = parts.get(1).filter(|p| p.tag == tag::SEQUENCE)?;
    let alg_parts = der::children(alg_id.value)?;
    let alg = alg_parts.first().filter(|p| p.tag == tag::OID)?;
    let inner = parts.get(2).filter(|p| p.tag == tag::OCTET_STRING)?;
    Some(Pkcs8Parts { alg: alg.value, params: alg_parts.get(1).copied(), inner: inner.value })
}

fn pkcs8_algorithm(pkcs8: &[u8]) -> Result<KeyAlgorithm, PkiError> {
    let p = pkcs8_parts(pkcs8).ok_or_else(|| PkiError::KeyParse("not a PKCS#8 PrivateKeyInfo".into()))?;
    if p.alg == oid::RSA_ENCRYPTION {
        // RSAPrivateKey { version, n, ... }: skip the version to reach n.
        let (seq, _) = der::expect(p.inner, tag::SEQUENCE).ok_or_else(|| PkiError::KeyParse("bad RSA key".into()))?;
        let (_, after_version) = der::expect(seq.value, tag::INTEGER).ok_or_else(|| PkiError::KeyParse("bad RSA key".into()))?;
        let fake_public = der::write(tag::SEQUENCE, after_version);
        let bits = rsa_modulus_bits(&fake_public).ok_or_else(|| PkiError::KeyParse("bad RSA modulus".into()))?;
        return Ok(KeyAlgorithm::Rsa(bits));
    }
    if p.alg == oid::EC_PUBLIC_KEY {
        let curve = match p.params.filter(|t| t.tag == tag::OID) {
            Some(t) => t.value.to_vec(),
            None => sec1_curve(p.inner).ok_or_else(|| PkiError::KeyParse("EC key without a named curve".into()))?,
        };
        return Ok(match curve.as_slice() {
            c if c == oid::P256 => KeyAlgorithm::EcP256,
            c if c == oid::P384 => KeyAlgorithm::EcP384,
            c if c == oid::P521 => KeyAlgorithm::EcP521,
            c if c == oid::SM2 => KeyAlgorithm::Sm2,
            _ => return Err(PkiError::KeyParse("unsupported elliptic curve".into())),
        });
    }
    Err(PkiError::KeyParse("unsupported private key algorithm".into()))
}

/// The SEC1 private scalar of an EC PKCS#8 key.
/// The private scalar of an EC (or SM2) PKCS#8 key.
pub fn ec_private_scalar(pkcs8: &[u8]) -> Option<Vec<u8>> {
    let p = pkcs8_parts(pkcs8)?;
    let (seq, _) = der::expect(p.inner, tag::SEQUENCE)?;
    let parts = der::children(seq.value)?;
    let scalar = parts.get(1).filter(|t| t.tag == tag::OCTET_STRING)?;
    Some(scalar.value.to_vec())
}

impl ParsedKey {
    /// The public key in the form a certificate carries it (RSAPublicKey DER or an uncompressed point).
    fn public_key_bits(&self) -> Result<Vec<u8>, PkiError> {
        let bad = |e: String| PkiError::KeyParse(e);
        match self.algorithm {
            KeyAlgorithm::Rsa(_) => {
                let p = pkcs8_parts(&self.pkcs8).ok_or_else(|| bad("bad RSA key".into()))?;
                let (seq, _) = der::expect(p.inner, tag::SEQUENCE).ok_or_else(|| bad("bad RSA key".into()))?;
                let parts = der::children(seq.value).ok_or_else(|| bad("bad RSA key".into()))?;
                let (n, e) = match (parts.get(1), parts.get(2)) {
                    (Some(n), Some(e)) => (n.raw, e.raw),
                    _ => return Err(bad("bad RSA key".into())),
                };
                Ok(der::sequence(&[n, e]))
            }
            KeyAlgorithm::EcP256 | KeyAlgorithm::EcP384 | KeyAlgorithm::EcP521 => {
                let alg = match self.algorithm {
                    KeyAlgorithm::EcP256 => &ECDSA_P256_SHA256_ASN1_SIGNING,
                    KeyAlgorithm::EcP384 => &ECDSA_P384_SHA384_ASN1_SIGNING,
                    _ => &ECDSA_P521_SHA512_ASN1_SIGNING,
                };
                let kp = EcdsaKeyPair::from_private_key_der(alg, &self.pkcs8).map_err(|e| bad(format!("invalid EC key: {e}")))?;
                Ok(kp.public_key().as_ref().to_vec())
            }
            KeyAlgorithm::Sm2 => {
                let scalar = ec_private_scalar(&self.pkcs8).ok_or_else(|| bad("bad SM2 key".into()))?;
                let sk = sm2::SecretKey::from_slice(&scalar).map_err(|_| bad("invalid SM2 scalar".into()))?;
                Ok(sk.public_key().to_sec1_bytes().to_vec())
            }
            KeyAlgorithm::Other => Err(bad("unsupported key".into())),
        }
    }

    /// Checks the key is internally consistent where our crypto library can tell.
    fn validate(&self) -> Result<(), PkiError> {
        if let KeyAlgorithm::Rsa(bits) = self.algorithm
            && (2048..=8192).contains(&bits)
        {
            RsaKeyPair::from_pkcs8(&self.pkcs8).map_err(|e| PkiError::KeyParse(format!("invalid RSA key: {e}")))?;
        }
        self.public_key_bits().map(|_| ())
    }

    /// True when this key is the private half of `cert`'s public key.
    pub fn matches(&self, cert: &ParsedCert) -> bool {
        if self.algorithm != cert.key_algorithm {
            return false;
        }
        let (Ok(mine), Some(theirs)) = (self.public_key_bits(), cert.public_key_bits()) else {
            return false;
        };
        match self.algorithm {
            KeyAlgorithm::Sm2 => {
                let a = sm2::PublicKey::from_sec1_bytes(&mine);
                let b = sm2::PublicKey::from_sec1_bytes(theirs);
                matches!((a, b), (Ok(a), Ok(b)) if a == b)
            }
            KeyAlgorithm::Rsa(_) => rsa_public_eq(&mine, theirs),
            _ => mine == theirs,
        }
    }
}

/// Compares two RSAPublicKey DER values by (n, e), ignoring encoding leniency of leading zeros.
fn rsa_public_eq(a: &[u8], b: &[u8]) -> bool {
    let ints = |x: &[u8]| -> Option<(Vec<u8>, Vec<u8>)> {
        let (seq, _) = der::expect(x, tag::SEQUENCE)?;
        let parts = der::children(seq.value)?;
        let strip = |v: &[u8]| v.iter().skip_while(|&&b| b == 0).copied().collect::<Vec<u8>>();
        Some((strip(parts.first()?.value), strip(parts.get(1)?.value)))
    };
    matches!((ints(a), ints(b)), (Some(x), Some(y)) if x == y)
}

/// Decrypts an OpenSSL legacy-encrypted PEM body (`DEK-Info: ALG,IV`).
fn legacy_decrypt(dek_info: &str, password: &[u8], data: &[u8]) -> Result<Vec<u8>, PkiError> {
    let (alg, iv_hex) = dek_info.split_once(',').ok_or_else(|| PkiError::KeyParse("malformed DEK-Info".into()))?;
    let iv = hex::decode(iv_hex.trim()).map_err(|_| PkiError::KeyParse("malformed DEK-Info IV".into()))?;
    if iv.len() < 8 {
        return Err(PkiError::KeyParse("DEK-Info IV too short".into()));
    }
    let key_len = match alg.trim() {
        "AES-128-CBC" => 16,
        "AES-192-CBC" => 24,
        "AES-256-CBC" => 32,
        "DES-EDE3-CBC" => 24,
        other => return Err(PkiError::KeyDecrypt(format!("unsupported legacy cipher {other}"))),
    };
    let key = evp_bytes_to_key(password, &iv[..8], key_len);
    let fail = || PkiError::KeyDecrypt("wrong password or corrupt key".into());
    let plain = match alg.trim() {
        "AES-128-CBC" => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv).map_err(|_| fail())?.decrypt_padded_vec::<Pkcs7>(data),
        "AES-192-CBC" => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv).map_err(|_| fail())?.decrypt_padded_vec::<Pkcs7>(data),
        "AES-256-CBC" => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv).map_err(|_| fail())?.decrypt_padded_vec::<Pkcs7>(data),
        _ => cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv).map_err(|_| fail())?.decrypt_padded_vec::<Pkcs7>(data),
    };
    let plain = plain.map_err(|_| fail())?;
    // A wrong password usually still unpads by chance; the DER check catches it.
    if der::expect(&plain, tag::SEQUENCE).is_none() {
        return Err(fail());
    }
    Ok(plain)
}

/// OpenSSL's EVP_BytesToKey with MD5 and one iteration.
fn evp_bytes_to_key(password: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 16);
    let mut prev: Vec<u8> = Vec::new();
    while out.len() < len {
        let mut h = Md5::new();
        h.update(&prev);
        h.update(password);
        h.update(salt);
        prev = h.finalize().to_vec();
        out.extend_from_slice(&prev);
    }
    out.truncate(len);
    out
}
