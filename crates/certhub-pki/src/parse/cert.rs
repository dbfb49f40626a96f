//! X.509 certificates as we need them: names, validity, key algorithm, raw parts for chain checks.

use aws_lc_rs::digest;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::pem;
use crate::PkiError;
use crate::der::{self, oid, tag};

/// The public-key algorithm of a certificate or private key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA with this modulus size in bits.
    Rsa(u32),
    /// ECDSA on NIST P-256.
    EcP256,
    /// ECDSA on NIST P-384.
    EcP384,
    /// ECDSA on NIST P-521.
    EcP521,
    /// SM2 (国密) on sm2p256v1.
    Sm2,
    /// Anything else (Ed25519, DSA, ...): stored, never issued.
    Other,
}

impl KeyAlgorithm {
    /// The vendor's spelling: `RSA 2048`, `ECC 256`, `SM2`.
    pub fn vendor_name(self) -> String {
        match self {
            KeyAlgorithm::Rsa(bits) => format!("RSA {bits}"),
            KeyAlgorithm::EcP256 => "ECC 256".into(),
            KeyAlgorithm::EcP384 => "ECC 384".into(),
            KeyAlgorithm::EcP521 => "ECC 521".into(),
            KeyAlgorithm::Sm2 => "SM2".into(),
            KeyAlgorithm::Other => "OTHER".into(),
        }
    }

    /// The family alone: `RSA`, `ECC`, `SM2`.
    pub fn family(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa(_) => "RSA",
            KeyAlgorithm::EcP256 | KeyAlgorithm::EcP384 | KeyAlgorithm::EcP521 => "ECC",
            KeyAlgorithm::Sm2 => "SM2",
            KeyAlgorithm::Other => "OTHER",
        }
    }

    /// The algorithm named by a SubjectPublicKeyInfo's AlgorithmIdentifier and key bits.
    pub(crate) fn from_spki(spki_der: &[u8]) -> KeyAlgorithm {
        let Some((seq, _)) = der::expect(spki_der, tag::SEQUENCE) else { return KeyAlgorithm::Other };
        let Some(parts) = der::children(seq.value) else { return KeyAlgorithm::Other };
        let (Some(alg), Some(bits)) = (parts.first(), parts.get(1)) else { return KeyAlgorithm::Other };
        let Some(alg_parts) = der::children(alg.value) else { return KeyAlgorithm::Other };
        let Some(alg_oid) = alg_parts.first() else { return KeyAlgorithm::Other };
        if alg_oid.value == oid::RSA_ENCRYPTION {
            // subjectPublicKey = BIT STRING { 0 unused bits, RSAPublicKey }
            let key = bits.value.get(1..).unwrap_or_default();
            return rsa_modulus_bits(key).map(KeyAlgorithm::Rsa).unwrap_or(KeyAlgorithm::Other);
        }
        if alg_oid.value == oid::EC_PUBLIC_KEY {
            return match alg_parts.get(1).map(|p| p.value) {
                Some(c) if c == oid::P256 => KeyAlgorithm::EcP256,
                Some(c) if c == oid::P384 => KeyAlgorithm::EcP384,
                Some(c) if c == oid::P521 => KeyAlgorithm::EcP521,
                Some(c) if c == oid::SM2 => KeyAlgorithm::Sm2,
                _ => KeyAlgorithm::Other,
            };
        }
        KeyAlgorithm::Other
    }
}

/// Bits of the modulus of a DER RSAPublicKey (or the `n` of an RSAPrivateKey after its version).
pub(crate) fn rsa_modulus_bits(rsa_public_key: &[u8]) -> Option<u32> {
    let (seq, _) = der::expect(rsa_public_key, tag::SEQUENCE)?;
    let (n, _) = der::expect(seq.value, tag::INTEGER)?;
    let n = n.value;
    let n = match n.iter().position(|&b| b != 0) {
        Some(i) => &n[i..],
        None => return None,
    };
    let lead = 8 - n[0].leading_zeros();
    Some((n.len() as u32 - 1) * 8 + lead)
}

/// A parsed certificate with the raw parts we keep.
#[derive(Debug, Clone)]
pub struct ParsedCert {
    /// The DER encoding.
    pub der: Vec<u8>,
    /// Subject common name, if any.
    pub common_name: Option<String>,
    /// Issuer common name, if any.
    pub issuer_common_name: Option<String>,
    /// DNS names and IP addresses of the SAN extension, in order.
    pub sans: Vec<String>,
    /// notBefore, unix seconds.
    pub not_before: i64,
    /// notAfter, unix seconds.
    pub not_after: i64,
    /// basicConstraints CA flag.
    pub is_ca: bool,
    /// Key algorithm.
    pub key_algorithm: KeyAlgorithm,
    /// SubjectPublicKeyInfo DER.
    pub spki: Vec<u8>,
    /// Raw subject Name DER.
    pub subject_raw: Vec<u8>,
    /// Raw issuer Name DER.
    pub issuer_raw: Vec<u8>,
    /// TBSCertificate DER (what the issuer signed).
    pub tbs: Vec<u8>,
    /// Signature algorithm OID, dotted.
    pub signature_oid: String,
    /// Signature value.
    pub signature: Vec<u8>,
    /// Serial number, upper-case hex.
    pub serial_hex: String,
    /// SHA-1 of the DER, upper-case hex.
    pub sha1_fingerprint: String,
    /// SHA-256 of the DER, upper-case hex.
    pub sha256_fingerprint: String,
    /// A readable subject (`CN=..., O=...`).
    pub subject_display: String,
}

impl ParsedCert {
    /// Parses one DER certificate; trailing bytes are an error.
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        let (rest, cert) = X509Certificate::from_der(der).map_err(|e| PkiError::CertificateParse(e.to_string()))?;
        if !rest.is_empty() {
            return Err(PkiError::CertificateParse("trailing data after certificate".into()));
        }
        let cn = |name: &x509_parser::x509::X509Name<'_>| name.iter_common_name().next().and_then(|a| a.as_str().ok()).map(str::to_string);
        let mut sans = Vec::new();
        if let Ok(Some(ext)) = cert.subject_alternative_name() {
            for gn in &ext.value.general_names {
                match gn {
                    GeneralName::DNSName(d) => sans.push(d.to_string()),
                    GeneralName::IPAddress(ip) => {
                        if let Some(s) = ip_to_string(ip) {
                            sans.push(s);
                        }
                    }
                    _ => {}
                }
            }
        }
        let spki = cert.public_key().raw.to_vec();
        let key_algorithm = KeyAlgorithm::from_spki(&spki);
        let fp = |alg: &'static digest::Algorithm| hex::encode_upper(digest::digest(alg, der).as_ref());
        Ok(ParsedCert {
            der: der.to_vec(),
            common_name: cn(cert.subject()),
            issuer_common_name: cn(cert.issuer()),
            sans,
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            is_ca: cert.is_ca(),
            key_algorithm,
            spki,
            subject_raw: cert.subject().as_raw().to_vec(),
            issuer_raw: cert.issuer().as_raw().to_vec(),
            tbs: cert.tbs_certificate.as_ref().to_vec(),
            signature_oid: cert.signature_algorithm.algorithm.to_id_string(),
            signature: cert.signature_value.data.to_vec(),
            serial_hex: hex::encode_upper(cert.raw_serial()),
            sha1_fingerprint: fp(&digest::SHA1_FOR_LEGACY_USE_ONLY),
            sha256_fingerprint: fp(&digest::SHA256),
            subject_display: cert.subject().to_string(),
        })
    }

    /// The primary domain: the common name, else the first SAN, else empty.
    pub fn primary_domain(&self) -> String {
        self.common_name.clone().or_else(|| self.sans.first().cloned()).unwrap_or_default()
    }

    /// Every name of the certificate, primary first, without duplicates.
    pub fn all_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        let primary = self.primary_domain();
        if !primary.is_empty() {
            out.push(primary);
        }
        for s in &self.sans {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
                out.push(s.clone());
            }
        }
        out
    }

    /// The BIT STRING content of the SPKI (RSAPublicKey DER, or an EC point), without the unused-bits byte.
    pub fn public_key_bits(&self) -> Option<&[u8]> {
        let (seq, _) = der::expect(&self.spki, tag::SEQUENCE)?;
        let parts = der::children(seq.value)?;
        let bits = parts.get(1).filter(|t| t.tag == tag::BIT_STRING)?;
        bits.value.get(1..)
    }

    /// Self-issued (subject equals issuer).
    pub fn is_self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw
    }

    /// The name shown in chain listings: CN, else the whole subject.
    pub fn display_name(&self) -> String {
        self.common_name.clone().unwrap_or_else(|| self.subject_display.clone())
    }
}

fn ip_to_string(ip: &[u8]) -> Option<String> {
    match ip.len() {
        4 => Some(std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string()),
        16 => {
            let arr: [u8; 16] = ip.try_into().ok()?;
            Some(std::net::Ipv6Addr::from(arr).to_string())
        }
        _ => None,
    }
}

/// Upper bound on the size of a certificate text we parse (a long chain is ~20 KB).
pub const MAX_TEXT: usize = 1 << 20;

/// Parses every certificate of a PEM text (or a bare base64 DER), in the order given.
pub fn parse_certificates(text: &str) -> Result<Vec<ParsedCert>, PkiError> {
    if text.len() > MAX_TEXT {
        return Err(PkiError::CertificateParse("certificate text is too large".into()));
    }
    let blocks = match pem::blocks(text) {
        Ok(b) => b,
        Err(pem::PemError::NoBlock) => {
            // Accept a bare base64 DER, as some tools export it.
            use base64::Engine;
            let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let der = base64::engine::general_purpose::STANDARD
                .decode(cleaned.as_bytes())
                .map_err(|_| PkiError::CertificateParse("no PEM certificate found".into()))?;
            return Ok(vec![ParsedCert::from_der(&der)?]);
        }
        Err(e) => return Err(PkiError::CertificateParse(e.to_string())),
    };
    let mut out = Vec::new();
    for b in blocks {
        match b.label.as_str() {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => out.push(ParsedCert::from_der(&b.der)?),
            other if other.contains("PRIVATE KEY") => {
                return Err(PkiError::CertificateParse("a private key was given where a certificate was expected".into()));
            }
            _ => {}
        }
    }
    if out.is_empty() {
        return Err(PkiError::CertificateParse("no CERTIFICATE block found".into()));
    }
    Ok(out)
}
