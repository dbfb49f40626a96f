//! The SM2-with-SM3 (国密) hierarchy and its leaves, written by hand because rcgen
//! cannot sign SM2. Signatures use the GM/T 0009 default distinguishing ID, as
//! OpenSSL assumes when it verifies.

use sm2::pkcs8::{EncodePrivateKey, EncodePublicKey};

use super::signer::{CaSigner, KeySigner, signed};
use super::tbs::{self, CertFields, oid};
use super::{CaFamily, CaMaterial, LeafSpec, aia_value, random_serial_bytes};
use crate::PkiError;

/// Key usage bit numbers (RFC 5280 §4.2.1.3).
const DIGITAL_SIGNATURE: u8 = 0;
const KEY_ENCIPHERMENT: u8 = 2;
const KEY_CERT_SIGN: u8 = 5;
const CRL_SIGN: u8 = 6;

/// A fresh SM2 key: PKCS#8 and SubjectPublicKeyInfo DER.
pub(crate) fn generate_key() -> Result<(Vec<u8>, Vec<u8>), PkiError> {
    let failed = || PkiError::Unacceptable("SM2 key generation failed".into());
    // Rejection sampling: a random 32-byte string is a valid scalar unless it is 0 or ≥ n.
    for _ in 0..16 {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| failed())?;
        if let Ok(sk) = sm2::SecretKey::from_slice(&bytes) {
            let pkcs8 = sk.to_pkcs8_der().map_err(|_| failed())?.as_bytes().to_vec();
            let spki = sk.public_key().to_public_key_der().map_err(|_| failed())?.as_bytes().to_vec();
            return Ok((pkcs8, spki));
        }
    }
    Err(failed())
}

#[allow(clippy::too_many_arguments)]
fn ca_cert(
    signer: &KeySigner,
    issuer_name: &[u8],
    issuer_key_id: &[u8],
    subject_name: &[u8],
    spki: &[u8],
    now: i64,
    years: i64,
    path_len: Option<u8>,
    crl: Option<&str>,
) -> Result<Vec<u8>, PkiError> {
    let ski = tbs::key_id(spki)?;
    let serial = random_serial_bytes()?;
    let mut extensions = vec![
        tbs::extension(oid::BASIC_CONSTRAINTS, true, &tbs::basic_constraints(Some(path_len))),
        tbs::extension(oid::KEY_USAGE, true, &tbs::key_usage(&[DIGITAL_SIGNATURE, KEY_CERT_SIGN, CRL_SIGN])),
        tbs::extension(oid::SUBJECT_KEY_ID, false, &crate::der::write(crate::der::tag::OCTET_STRING, &ski)),
    ];
    if path_len.is_some() {
        extensions.push(tbs::extension(oid::AUTHORITY_KEY_ID, false, &tbs::authority_key_id(issuer_key_id)));
    }
    if let Some(uri) = crl {
        extensions.push(tbs::extension(oid::CRL_DP, false, &tbs::crl_distribution_point(uri)));
    }
    let fields = CertFields {
        serial: &serial,
        issuer: issuer_name,
        subject: subject_name,
        not_before: now - 3600,
        not_after: now + years * 365 * 86_400,
        spki_der: spki,
        extensions,
    };
    signed(signer, &tbs::tbs_certificate(&fields, signer.algorithm_der())?)
}

/// Creates the SM2 root and issuing intermediate.
pub(crate) fn generate(org: &str, public_url: &str, now: i64) -> Result<CaMaterial, PkiError> {
    let family = CaFamily::Sm2;
    let (root_key, root_spki) = generate_key()?;
    let root_signer = KeySigner::from_pkcs8(family, &root_key)?;
    let root_name = tbs::name(&format!("{org} Root CA {}", family.as_str()), Some(org));
    let root_id = tbs::key_id(&root_spki)?;
    let root_der = ca_cert(&root_signer, &root_name, &root_id, &root_name, &root_spki, now, 20, None, None)?;
    let (int_key, int_spki) = generate_key()?;
    let int_name = tbs::name(&format!("{org} Issuing CA {}", family.as_str()), Some(org));
    let crl = format!("{public_url}/crl/{}-root.crl", family.as_str());
    let intermediate_der = ca_cert(&root_signer, &root_name, &root_id, &int_name, &int_spki, now, 10, Some(0), Some(&crl))?;
    Ok(CaMaterial { family, root_der, root_key, intermediate_der, intermediate_key: int_key })
}

/// Signs an SM2 TLS leaf with the SM2 intermediate (linting is the caller's).
pub(crate) fn issue(ca: &CaMaterial, spec: &LeafSpec, now: i64) -> Result<Vec<u8>, PkiError> {
    let cn = spec.names.first().ok_or_else(|| PkiError::Unacceptable("no name to certify".into()))?;
    let issuer = crate::parse::ParsedCert::from_der(&ca.intermediate_der)?;
    let issuer_id = tbs::subject_key_id(&ca.intermediate_der)?;
    let signer = KeySigner::from_pkcs8(CaFamily::Sm2, &ca.intermediate_key)?;
    let fam = CaFamily::Sm2.as_str();
    let url = &spec.public_url;
    let serial = random_serial_bytes()?;
    let fields = CertFields {
        serial: &serial,
        issuer: &issuer.subject_raw,
        subject: &tbs::name(cn, None),
        not_before: now - 60,
        not_after: now + spec.validity_days * 86_400,
        spki_der: &spec.spki_der,
        extensions: vec![
            tbs::extension(oid::BASIC_CONSTRAINTS, true, &tbs::basic_constraints(None)),
            tbs::extension(oid::KEY_USAGE, true, &tbs::key_usage(&[DIGITAL_SIGNATURE, KEY_ENCIPHERMENT])),
            tbs::extension(oid::EXT_KEY_USAGE, false, &crate::der::sequence(&[&crate::der::write(crate::der::tag::OID, oid::SERVER_AUTH)])),
            tbs::extension(oid::SUBJECT_ALT_NAME, false, &tbs::dns_names(&spec.names)),
            tbs::extension(oid::AUTHORITY_KEY_ID, false, &tbs::authority_key_id(&issuer_id)),
            tbs::extension(oid::SUBJECT_KEY_ID, false, &crate::der::write(crate::der::tag::OCTET_STRING, &tbs::key_id(&spec.spki_der)?)),
            tbs::extension(oid::CRL_DP, false, &tbs::crl_distribution_point(&format!("{url}/crl/{fam}.crl"))),
            tbs::extension(oid::AIA, false, &aia_value(&format!("{url}/ocsp"), &format!("{url}/ca/{fam}.crt"))),
        ],
    };
    signed(&signer, &tbs::tbs_certificate(&fields, signer.algorithm_der())?)
}
