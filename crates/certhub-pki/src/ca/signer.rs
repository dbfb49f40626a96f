//! Signing with a CA key: certificates, CRLs and OCSP responses all go through
//! `CaSigner`, so a key held elsewhere (PKCS#11, a KMS) only has to implement it.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use sm2::dsa::signature::Signer as _;

use super::CaFamily;
use crate::PkiError;
use crate::der::{self, tag};

/// The SM2 distinguishing ID of GM/T 0009 and GM/T 0015 (`openssl verify -vfyopt distid:1234567812345678`).
pub const SM2_DISTID: &str = "1234567812345678";

/// Something that signs with a CA's private key.
pub trait CaSigner: Send + Sync {
    /// DER of the AlgorithmIdentifier the signatures carry.
    fn algorithm_der(&self) -> &[u8];
    /// Signs `message` (a TBSCertificate, TBSCertList or ResponseData); the value for the BIT STRING.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, PkiError>;
}

enum Key {
    Ecdsa(EcdsaKeyPair),
    Rsa(RsaKeyPair),
    Sm2(Box<sm2::dsa::SigningKey>),
}

/// A CA key held in this process, opened from PKCS#8.
pub struct KeySigner {
    key: Key,
    algorithm: Vec<u8>,
}

impl std::fmt::Debug for KeySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySigner").finish_non_exhaustive()
    }
}

/// DER AlgorithmIdentifier for a signature OID (content octets); RSA carries NULL parameters.
fn algorithm(oid: &[u8], null_params: bool) -> Vec<u8> {
    let oid = der::write(tag::OID, oid);
    if null_params { der::sequence(&[&oid, &[tag::NULL, 0]]) } else { der::sequence(&[&oid]) }
}

/// ecdsa-with-SHA256 1.2.840.10045.4.3.2
const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
/// ecdsa-with-SHA384 1.2.840.10045.4.3.3
const ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
/// sha256WithRSAEncryption 1.2.840.113549.1.1.11
const RSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
/// SM2-with-SM3 1.2.156.10197.1.501
pub(crate) const SM2_SM3: &[u8] = &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75];

impl KeySigner {
    /// Opens a family's PKCS#8 key.
    pub fn from_pkcs8(family: CaFamily, pkcs8: &[u8]) -> Result<Self, PkiError> {
        let bad = |e: String| PkiError::KeyParse(format!("CA key ({}): {e}", family.as_str()));
        let (key, algorithm) = match family {
            CaFamily::EcdsaP256 => (
                Key::Ecdsa(EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8).map_err(|e| bad(e.to_string()))?),
                algorithm(ECDSA_SHA256, false),
            ),
            CaFamily::EcdsaP384 => (
                Key::Ecdsa(EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_ASN1_SIGNING, pkcs8).map_err(|e| bad(e.to_string()))?),
                algorithm(ECDSA_SHA384, false),
            ),
            CaFamily::Rsa2048 | CaFamily::Rsa4096 => {
                (Key::Rsa(RsaKeyPair::from_pkcs8(pkcs8).map_err(|e| bad(e.to_string()))?), algorithm(RSA_SHA256, true))
            }
            CaFamily::Sm2 => {
                let scalar = crate::parse::ec_private_scalar(pkcs8).ok_or_else(|| bad("not an EC PKCS#8 key".into()))?;
                let sk = sm2::SecretKey::from_slice(&scalar).map_err(|_| bad("invalid SM2 scalar".into()))?;
                let signing = sm2::dsa::SigningKey::new(SM2_DISTID, &sk).map_err(|_| bad("invalid SM2 key".into()))?;
                (Key::Sm2(Box::new(signing)), algorithm(SM2_SM3, false))
            }
        };
        Ok(Self { key, algorithm })
    }
}

impl CaSigner for KeySigner {
    fn algorithm_der(&self) -> &[u8] {
        &self.algorithm
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, PkiError> {
        let failed = |what: &str| PkiError::Unacceptable(format!("{what} signing failed"));
        match &self.key {
            Key::Ecdsa(k) => Ok(k.sign(&SystemRandom::new(), message).map_err(|_| failed("ECDSA"))?.as_ref().to_vec()),
            Key::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig).map_err(|_| failed("RSA"))?;
                Ok(sig)
            }
            Key::Sm2(k) => {
                let sig: sm2::dsa::Signature = k.try_sign(message).map_err(|_| failed("SM2"))?;
                Ok(sig.to_der().as_bytes().to_vec())
            }
        }
    }
}

/// Wraps a signed structure: SEQUENCE { tbs, algorithm, BIT STRING signature }.
pub fn signed(signer: &dyn CaSigner, tbs: &[u8]) -> Result<Vec<u8>, PkiError> {
    let sig = signer.sign(tbs)?;
    let mut bits = Vec::with_capacity(sig.len() + 1);
    bits.push(0);
    bits.extend_from_slice(&sig);
    Ok(der::sequence(&[tbs, signer.algorithm_der(), &der::write(tag::BIT_STRING, &bits)]))
}
