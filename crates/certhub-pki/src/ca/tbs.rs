//! DER pieces of certificates, CRLs and OCSP responses that we write by hand:
//! for SM2 (which rcgen cannot sign) and for structures rcgen does not make.

use sha1::{Digest, Sha1};

use crate::PkiError;
use crate::der::{self, tag};

/// Context tag of the first explicit or implicit element, constructed.
pub(crate) const CTX0: u8 = 0xa0;
/// BOOLEAN.
const BOOLEAN: u8 = 0x01;
/// UTF8String.
const UTF8: u8 = 0x0c;
/// SET.
const SET: u8 = 0x31;

/// Object identifiers written here, DER content octets.
pub(crate) mod oid {
    pub const CN: &[u8] = &[0x55, 0x04, 0x03];
    pub const ORG: &[u8] = &[0x55, 0x04, 0x0a];
    pub const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
    pub const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
    pub const SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
    pub const AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1d, 0x23];
    pub const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
    pub const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
    pub const CRL_DP: &[u8] = &[0x55, 0x1d, 0x1f];
    pub const AIA: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];
    pub const SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
}

/// A non-negative INTEGER from big-endian magnitude bytes.
pub(crate) fn integer(magnitude: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = {
        let skip = magnitude.iter().take_while(|b| **b == 0).count().min(magnitude.len().saturating_sub(1));
        &magnitude[skip..]
    };
    if trimmed.is_empty() {
        return der::write(tag::INTEGER, &[0]);
    }
    if trimmed[0] & 0x80 != 0 {
        let mut v = Vec::with_capacity(trimmed.len() + 1);
        v.push(0);
        v.extend_from_slice(trimmed);
        der::write(tag::INTEGER, &v)
    } else {
        der::write(tag::INTEGER, trimmed)
    }
}

/// A small non-negative INTEGER.
pub(crate) fn small_integer(n: u64) -> Vec<u8> {
    integer(&n.to_be_bytes())
}

/// RFC 5280 Time: UTCTime through 2049, GeneralizedTime after.
pub(crate) fn time(unix: i64) -> Result<Vec<u8>, PkiError> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).map_err(|e| PkiError::Unacceptable(e.to_string()))?;
    let (y, mo, d, h, mi, s) = (t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second());
    Ok(if (1950..2050).contains(&y) {
        der::write(0x17, format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100).as_bytes())
    } else {
        der::write(0x18, format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z").as_bytes())
    })
}

/// A Name of a common name and, when given, an organisation.
pub(crate) fn name(cn: &str, org: Option<&str>) -> Vec<u8> {
    let rdn = |oid: &[u8], value: &str| der::write(SET, &der::sequence(&[&der::write(tag::OID, oid), &der::write(UTF8, value.as_bytes())]));
    let mut parts = Vec::new();
    if let Some(o) = org {
        parts.push(rdn(oid::ORG, o));
    }
    parts.push(rdn(oid::CN, cn));
    der::write(tag::SEQUENCE, &parts.concat())
}

/// One Extension.
pub(crate) fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let id = der::write(tag::OID, oid);
    let body = der::write(tag::OCTET_STRING, value);
    if critical { der::sequence(&[&id, &der::write(BOOLEAN, &[0xff]), &body]) } else { der::sequence(&[&id, &body]) }
}

/// BasicConstraints: a CA with an optional path length, or an end entity.
pub(crate) fn basic_constraints(ca: Option<Option<u8>>) -> Vec<u8> {
    match ca {
        None => der::sequence(&[]),
        Some(None) => der::sequence(&[&der::write(BOOLEAN, &[0xff])]),
        Some(Some(n)) => der::sequence(&[&der::write(BOOLEAN, &[0xff]), &small_integer(u64::from(n))]),
    }
}

/// KeyUsage bits as a DER BIT STRING (bit 0 is the most significant of the first byte).
pub(crate) fn key_usage(bits: &[u8]) -> Vec<u8> {
    let mut value = [0u8; 2];
    for &b in bits {
        value[usize::from(b / 8)] |= 0x80 >> (b % 8);
    }
    let len = if value[1] == 0 { 1 } else { 2 };
    let last = value[len - 1];
    let unused = if last == 0 { 0 } else { last.trailing_zeros() as u8 };
    let mut content = vec![unused];
    content.extend_from_slice(&value[..len]);
    der::write(tag::BIT_STRING, &content)
}

/// The RFC 5280 method-1 key identifier: SHA-1 of the subjectPublicKey bits.
pub(crate) fn key_id(spki_der: &[u8]) -> Result<Vec<u8>, PkiError> {
    let bad = || PkiError::Unacceptable("malformed SubjectPublicKeyInfo".into());
    let (spki, _) = der::expect(spki_der, tag::SEQUENCE).ok_or_else(bad)?;
    let parts = der::children(spki.value).ok_or_else(bad)?;
    let bits = parts.get(1).filter(|t| t.tag == tag::BIT_STRING && !t.value.is_empty()).ok_or_else(bad)?;
    Ok(Sha1::digest(&bits.value[1..]).to_vec())
}

/// The key identifier a certificate's subjects must name: its SubjectKeyIdentifier, else the method-1 hash.
pub fn subject_key_id(cert_der: &[u8]) -> Result<Vec<u8>, PkiError> {
    use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};
    let (_, cert) = X509Certificate::from_der(cert_der).map_err(|e| PkiError::CertificateParse(e.to_string()))?;
    for ext in cert.extensions() {
        if let ParsedExtension::SubjectKeyIdentifier(id) = ext.parsed_extension() {
            return Ok(id.0.to_vec());
        }
    }
    key_id(cert.public_key().raw)
}

/// AuthorityKeyIdentifier with a key identifier only.
pub(crate) fn authority_key_id(id: &[u8]) -> Vec<u8> {
    der::sequence(&[&der::write(0x80, id)])
}

/// SubjectAltName of DNS names.
pub(crate) fn dns_names(names: &[String]) -> Vec<u8> {
    let parts: Vec<Vec<u8>> = names.iter().map(|n| der::write(0x82, n.as_bytes())).collect();
    der::write(tag::SEQUENCE, &parts.concat())
}

/// CRLDistributionPoints with one full-name URI.
pub(crate) fn crl_distribution_point(uri: &str) -> Vec<u8> {
    let full_name = der::write(CTX0, &der::write(0x86, uri.as_bytes()));
    der::sequence(&[&der::sequence(&[&der::write(CTX0, &full_name)])])
}

/// What a hand-written certificate holds.
pub(crate) struct CertFields<'a> {
    pub serial: &'a [u8],
    pub issuer: &'a [u8],
    pub subject: &'a [u8],
    pub not_before: i64,
    pub not_after: i64,
    pub spki_der: &'a [u8],
    pub extensions: Vec<Vec<u8>>,
}

/// DER TBSCertificate (v3) for a signature algorithm.
pub(crate) fn tbs_certificate(f: &CertFields<'_>, algorithm_der: &[u8]) -> Result<Vec<u8>, PkiError> {
    let version = der::write(CTX0, &small_integer(2));
    let validity = der::sequence(&[&time(f.not_before)?, &time(f.not_after)?]);
    let exts = der::write(0xa3, &der::write(tag::SEQUENCE, &f.extensions.concat()));
    Ok(der::sequence(&[&version, &integer(f.serial), algorithm_der, f.issuer, &validity, f.subject, f.spki_der, &exts]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_usage_bits_encode_as_openssl_does() {
        // digitalSignature, keyCertSign, cRLSign
        assert_eq!(key_usage(&[0, 5, 6]), [0x03, 0x02, 0x01, 0x86]);
        // digitalSignature, keyEncipherment
        assert_eq!(key_usage(&[0, 2]), [0x03, 0x02, 0x05, 0xa0]);
    }

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(integer(&[0, 0, 0x7f]), [0x02, 0x01, 0x7f]);
        assert_eq!(integer(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(&[0, 0]), [0x02, 0x01, 0x00]);
        assert_eq!(small_integer(2), [0x02, 0x01, 0x02]);
    }

    #[test]
    fn times_switch_to_generalized_in_2050() {
        assert_eq!(time(0).expect("t"), der::write(0x17, b"700101000000Z"));
        assert_eq!(time(2_524_608_000).expect("t"), der::write(0x18, b"20500101000000Z"));
    }
}
