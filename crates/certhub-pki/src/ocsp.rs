//! OCSP (RFC 6960): reading requests and writing signed responses, by hand,
//! because the responses are signed with certhub's own `CaSigner` keys.

use aws_lc_rs::digest;

use crate::PkiError;
use crate::ca::CaSigner;
use crate::ca::signer::signed;
use crate::ca::tbs::{self, CTX0};
use crate::der::{self, tag};

/// Largest OCSP request we read.
pub const MAX_REQUEST: usize = 8 * 1024;
/// Most certificates asked about in one request.
pub const MAX_SINGLE_REQUESTS: usize = 16;

/// id-sha1 1.3.14.3.2.26
const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
/// id-sha256 2.16.840.1.101.3.4.2.1
const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
/// id-pkix-ocsp-basic 1.3.6.1.5.5.7.48.1.1
const OCSP_BASIC: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];

/// The hash a CertID was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-1 (what most clients send).
    Sha1,
    /// SHA-256.
    Sha256,
}

impl HashAlg {
    /// Hashes `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let alg = match self {
            HashAlg::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            HashAlg::Sha256 => &digest::SHA256,
        };
        digest::digest(alg, data).as_ref().to_vec()
    }
}

/// One certificate asked about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertId {
    /// The CertID exactly as sent, echoed in the response.
    pub der: Vec<u8>,
    /// Its hash algorithm.
    pub hash: HashAlg,
    /// Hash of the issuer's Name.
    pub issuer_name_hash: Vec<u8>,
    /// Hash of the issuer's public key bits.
    pub issuer_key_hash: Vec<u8>,
    /// Serial, big-endian magnitude without leading zeros.
    pub serial: Vec<u8>,
}

/// Why a request could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OcspError {
    /// Not an OCSP request we understand.
    #[error("malformed OCSP request")]
    Malformed,
}

fn cert_id(tlv: der::Tlv<'_>) -> Result<CertId, OcspError> {
    let parts = der::children(tlv.value).ok_or(OcspError::Malformed)?;
    let [alg, name, key, serial] = parts.as_slice() else { return Err(OcspError::Malformed) };
    let alg_parts = (alg.tag == tag::SEQUENCE).then(|| der::children(alg.value)).flatten().ok_or(OcspError::Malformed)?;
    let hash = match alg_parts.first() {
        Some(o) if o.tag == tag::OID && o.value == SHA1 => HashAlg::Sha1,
        Some(o) if o.tag == tag::OID && o.value == SHA256 => HashAlg::Sha256,
        _ => return Err(OcspError::Malformed),
    };
    if name.tag != tag::OCTET_STRING || key.tag != tag::OCTET_STRING || serial.tag != tag::INTEGER || serial.value.is_empty() {
        return Err(OcspError::Malformed);
    }
    let magnitude: Vec<u8> = serial.value.iter().copied().skip_while(|b| *b == 0).collect();
    Ok(CertId {
        der: tlv.raw.to_vec(),
        hash,
        issuer_name_hash: name.value.to_vec(),
        issuer_key_hash: key.value.to_vec(),
        serial: magnitude,
    })
}

/// Reads an OCSPRequest and returns the CertIDs it asks about (the nonce and any signature are ignored:
/// responses are pre-signed, as RFC 5019 allows).
pub fn parse_request(input: &[u8]) -> Result<Vec<CertId>, OcspError> {
    if input.len() > MAX_REQUEST {
        return Err(OcspError::Malformed);
    }
    let (req, rest) = der::expect(input, tag::SEQUENCE).ok_or(OcspError::Malformed)?;
    if !rest.is_empty() {
        return Err(OcspError::Malformed);
    }
    let outer = der::children(req.value).ok_or(OcspError::Malformed)?;
    let tbs = outer.first().filter(|t| t.tag == tag::SEQUENCE).ok_or(OcspError::Malformed)?;
    let fields = der::children(tbs.value).ok_or(OcspError::Malformed)?;
    // version [0] and requestorName [1] are optional and come first; the list is the first SEQUENCE.
    let list = fields.iter().find(|t| t.tag == tag::SEQUENCE).ok_or(OcspError::Malformed)?;
    let requests = der::children(list.value).ok_or(OcspError::Malformed)?;
    if requests.is_empty() || requests.len() > MAX_SINGLE_REQUESTS {
        return Err(OcspError::Malformed);
    }
    requests
        .into_iter()
        .map(|r| {
            let inner = (r.tag == tag::SEQUENCE).then(|| der::children(r.value)).flatten().ok_or(OcspError::Malformed)?;
            let id = inner.first().filter(|t| t.tag == tag::SEQUENCE).ok_or(OcspError::Malformed)?;
            cert_id(*id)
        })
        .collect()
}

/// What the responder says about one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    /// Issued and not revoked.
    Good,
    /// Revoked at a time, for an RFC 5280 reason code.
    Revoked { at: i64, reason: u8 },
    /// Not a certificate this responder knows.
    Unknown,
}

/// The responder: its signing key and identity.
pub struct Responder<'a> {
    /// Signs the responses (the issuing CA's key: no delegated responder certificate is needed).
    pub signer: &'a dyn CaSigner,
    /// The issuing CA's SubjectPublicKeyInfo, DER (its key hash is the ResponderID).
    pub issuer_spki: &'a [u8],
}

fn generalized(unix: i64) -> Result<Vec<u8>, PkiError> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).map_err(|e| PkiError::Unacceptable(e.to_string()))?;
    let s = format!("{:04}{:02}{:02}{:02}{:02}{:02}Z", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second());
    Ok(der::write(0x18, s.as_bytes()))
}

/// Hash of the subjectPublicKey bits of an SPKI, with `alg`.
pub fn key_hash(spki_der: &[u8], alg: HashAlg) -> Result<Vec<u8>, PkiError> {
    let bad = || PkiError::Unacceptable("malformed SubjectPublicKeyInfo".into());
    let (spki, _) = der::expect(spki_der, tag::SEQUENCE).ok_or_else(bad)?;
    let parts = der::children(spki.value).ok_or_else(bad)?;
    let bits = parts.get(1).filter(|t| t.tag == tag::BIT_STRING && !t.value.is_empty()).ok_or_else(bad)?;
    Ok(alg.digest(&bits.value[1..]))
}

/// A signed, successful OCSPResponse for one CertID.
pub fn respond(r: &Responder<'_>, id: &CertId, status: CertStatus, this_update: i64, next_update: i64) -> Result<Vec<u8>, PkiError> {
    let cert_status = match status {
        CertStatus::Good => vec![0x80, 0x00],
        CertStatus::Unknown => vec![0x82, 0x00],
        CertStatus::Revoked { at, reason } => {
            let mut info = generalized(at)?;
            if reason != 0 {
                info.extend_from_slice(&der::write(CTX0, &der::write(0x0a, &[reason])));
            }
            der::write(0xa1, &info)
        }
    };
    let single = der::sequence(&[&id.der, &cert_status, &generalized(this_update)?, &der::write(CTX0, &generalized(next_update)?)]);
    let responder_id = der::write(0xa2, &der::write(tag::OCTET_STRING, &key_hash(r.issuer_spki, HashAlg::Sha1)?));
    let data = der::sequence(&[&responder_id, &generalized(this_update)?, &der::sequence(&[&single])]);
    let basic = signed(r.signer, &data)?;
    let bytes = der::sequence(&[&der::write(tag::OID, OCSP_BASIC), &der::write(tag::OCTET_STRING, &basic)]);
    Ok(der::sequence(&[&der::write(0x0a, &[0]), &der::write(CTX0, &bytes)]))
}

/// An unsuccessful OCSPResponse: 1 malformedRequest, 2 internalError, 3 tryLater, 6 unauthorized.
pub fn error_response(status: u8) -> Vec<u8> {
    der::sequence(&[&der::write(0x0a, &[status])])
}

/// Status code of a request we could not read.
pub const MALFORMED_REQUEST: u8 = 1;
/// Status code of a failure on our side.
pub const INTERNAL_ERROR: u8 = 2;
/// Status code for a CA this responder does not serve.
pub const UNAUTHORIZED: u8 = 6;

/// An unsigned OCSPRequest for `ids`, without a nonce (what `openssl ocsp -no_nonce` sends).
pub fn request(ids: &[&CertId]) -> Vec<u8> {
    let singles: Vec<Vec<u8>> = ids.iter().map(|id| der::sequence(&[&id.der])).collect();
    der::sequence(&[&der::sequence(&[&der::write(tag::SEQUENCE, &singles.concat())])])
}

/// The store's spelling of a serial: lower-case hex of the magnitude, no leading zero bytes.
pub fn serial_hex(serial: &[u8]) -> String {
    let start = serial.iter().position(|b| *b != 0).unwrap_or(serial.len().saturating_sub(1));
    hex::encode(&serial[start..])
}

/// A CertID for `serial` under an issuer (what a client would send), for pre-signing and tests.
pub fn cert_id_for(issuer_name: &[u8], issuer_spki: &[u8], serial: &[u8], alg: HashAlg) -> Result<CertId, PkiError> {
    let oid = match alg {
        HashAlg::Sha1 => SHA1,
        HashAlg::Sha256 => SHA256,
    };
    let name_hash = alg.digest(issuer_name);
    let key = key_hash(issuer_spki, alg)?;
    let der = der::sequence(&[
        &der::sequence(&[&der::write(tag::OID, oid), &[tag::NULL, 0]]),
        &der::write(tag::OCTET_STRING, &name_hash),
        &der::write(tag::OCTET_STRING, &key),
        &tbs::integer(serial),
    ]);
    let magnitude = serial.iter().copied().skip_while(|b| *b == 0).collect();
    Ok(CertId { der, hash: alg, issuer_name_hash: name_hash, issuer_key_hash: key, serial: magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_request_round_trips_through_the_parser() {
        let spki = crate::der::sequence(&[&crate::der::sequence(&[]), &crate::der::write(tag::BIT_STRING, &[0, 4, 1, 2])]);
        let id = cert_id_for(b"0\x00", &spki, &[0x00, 0x81, 0x02], HashAlg::Sha1).expect("id");
        let req = request(&[&id]);
        let got = parse_request(&req).expect("parses");
        assert_eq!(got, vec![id.clone()]);
        assert_eq!(got[0].serial, vec![0x81, 0x02]);
        assert_eq!(parse_request(&req[..req.len() - 1]), Err(OcspError::Malformed));
        assert_eq!(parse_request(b""), Err(OcspError::Malformed));
        assert_eq!(error_response(MALFORMED_REQUEST), [0x30, 0x03, 0x0a, 0x01, 0x01]);
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_request(&bytes);
        }
    }
}
