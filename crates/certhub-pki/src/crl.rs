//! Certificate revocation lists (RFC 5280 §5), written straight to DER and
//! signed through `CaSigner`: a million entries must take well under 3 s.

use crate::PkiError;
use crate::ca::CaSigner;
use crate::ca::signer::signed;
use crate::ca::tbs::{self, CTX0, oid};
use crate::der::{self, tag};

/// cRLNumber 2.5.29.20
const CRL_NUMBER: &[u8] = &[0x55, 0x1d, 0x14];
/// reasonCode 2.5.29.21
const REASON_CODE: &[u8] = &[0x55, 0x1d, 0x15];
/// ENUMERATED.
const ENUMERATED: u8 = 0x0a;

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlEntry {
    /// Serial number, big-endian magnitude.
    pub serial: Vec<u8>,
    /// Revocation time, unix seconds.
    pub revoked_at: i64,
    /// CRLReason code; 0 (unspecified) is left out, as RFC 5280 asks.
    pub reason: u8,
}

/// What a CRL says besides its entries.
#[derive(Debug, Clone)]
pub struct CrlInfo<'a> {
    /// The issuing CA's subject Name, DER.
    pub issuer_name: &'a [u8],
    /// The issuing CA's key identifier (its SubjectKeyIdentifier), for the authority key identifier.
    pub issuer_key_id: &'a [u8],
    /// CRL number, increasing with every CRL of this CA.
    pub number: u64,
    /// thisUpdate, unix seconds.
    pub this_update: i64,
    /// nextUpdate, unix seconds.
    pub next_update: i64,
}

/// A reason code the CRL (and OCSP) may carry: RFC 5280 §5.3.1, without the unused 7.
pub fn valid_reason(code: i64) -> bool {
    matches!(code, 0..=6 | 8..=10)
}

fn entry(e: &CrlEntry, out: &mut Vec<u8>) -> Result<(), PkiError> {
    let serial = tbs::integer(&e.serial);
    let when = tbs::time(e.revoked_at)?;
    let exts = if e.reason == 0 {
        Vec::new()
    } else {
        let reason = der::write(ENUMERATED, &[e.reason]);
        der::write(tag::SEQUENCE, &tbs::extension(REASON_CODE, false, &reason))
    };
    out.extend_from_slice(&der::write(tag::SEQUENCE, &[serial.as_slice(), &when, &exts].concat()));
    Ok(())
}

/// Builds and signs a v2 CRL listing `entries`.
pub fn build(signer: &dyn CaSigner, info: &CrlInfo<'_>, entries: &[CrlEntry]) -> Result<Vec<u8>, PkiError> {
    // Entries are ~40 bytes each; one buffer avoids a million small copies up the tree.
    let mut list = Vec::with_capacity(entries.len() * 48);
    for e in entries {
        entry(e, &mut list)?;
    }
    let extensions = der::write(
        CTX0,
        &der::sequence(&[
            &tbs::extension(oid::AUTHORITY_KEY_ID, false, &tbs::authority_key_id(info.issuer_key_id)),
            &tbs::extension(CRL_NUMBER, false, &tbs::small_integer(info.number)),
        ]),
    );
    let mut body = Vec::with_capacity(list.len() + 512);
    body.extend_from_slice(&tbs::small_integer(1));
    body.extend_from_slice(signer.algorithm_der());
    body.extend_from_slice(info.issuer_name);
    body.extend_from_slice(&tbs::time(info.this_update)?);
    body.extend_from_slice(&tbs::time(info.next_update)?);
    if !list.is_empty() {
        body.extend_from_slice(&der::write(tag::SEQUENCE, &list));
    }
    body.extend_from_slice(&extensions);
    signed(signer, &der::write(tag::SEQUENCE, &body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca::{self, CaFamily, KeySigner, tbs};
    use crate::parse::ParsedCert;
    use x509_parser::prelude::FromDer;

    #[test]
    fn lists_entries_with_reasons_and_parses() {
        let m = ca::generate(CaFamily::EcdsaP256, "t", "http://x", 1_800_000_000).expect("ca");
        let issuer = ParsedCert::from_der(&m.intermediate_der).expect("issuer");
        let signer = KeySigner::from_pkcs8(CaFamily::EcdsaP256, &m.intermediate_key).expect("signer");
        let info = CrlInfo {
            issuer_name: &issuer.subject_raw,
            issuer_key_id: &tbs::subject_key_id(&m.intermediate_der).expect("ski"),
            number: 7,
            this_update: 1_800_000_000,
            next_update: 1_800_086_400,
        };
        let entries = vec![
            CrlEntry { serial: vec![0x01, 0x02, 0x03], revoked_at: 1_799_999_000, reason: 1 },
            CrlEntry { serial: vec![0xff; 16], revoked_at: 1_799_999_500, reason: 0 },
        ];
        let der = build(&signer, &info, &entries).expect("crl");
        let (_, crl) = x509_parser::revocation_list::CertificateRevocationList::from_der(&der).expect("parses");
        assert_eq!(crl.iter_revoked_certificates().count(), 2);
        assert_eq!(crl.crl_number().map(|n| n.to_string()), Some("7".into()));
        let empty = build(&signer, &info, &[]).expect("empty crl");
        let (_, crl) = x509_parser::revocation_list::CertificateRevocationList::from_der(&empty).expect("parses");
        assert_eq!(crl.iter_revoked_certificates().count(), 0);
        assert!(valid_reason(1) && !valid_reason(7) && !valid_reason(11));
    }
}
