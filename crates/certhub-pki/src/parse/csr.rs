//! Certificate signing requests a customer supplies: signature checked, names and key read.

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use super::cert::KeyAlgorithm;
use super::pem;
use crate::PkiError;

/// Largest CSR we read, PEM or DER.
pub const MAX_CSR: usize = 16 * 1024;

/// A CSR whose self-signature verified.
#[derive(Debug, Clone)]
pub struct ParsedCsr {
    /// SubjectPublicKeyInfo, DER.
    pub spki_der: Vec<u8>,
    /// The key's algorithm.
    pub key_algorithm: KeyAlgorithm,
    /// Subject CN and requested DNS SANs, lower-case, without duplicates.
    pub names: Vec<String>,
}

/// Parses a PEM (`CERTIFICATE REQUEST` / `NEW CERTIFICATE REQUEST`) or DER CSR and verifies its signature.
pub fn parse_csr(input: &[u8]) -> Result<ParsedCsr, PkiError> {
    let bad = |m: String| PkiError::Unacceptable(format!("CSR: {m}"));
    if input.len() > MAX_CSR {
        return Err(bad(format!("larger than {MAX_CSR} bytes")));
    }
    let der = match std::str::from_utf8(input) {
        Ok(text) if text.contains("-----BEGIN") => {
            let blocks = pem::blocks(text).map_err(|e| bad(e.to_string()))?;
            let block = blocks
                .into_iter()
                .find(|b| b.label.ends_with("CERTIFICATE REQUEST"))
                .ok_or_else(|| bad("no CERTIFICATE REQUEST block".into()))?;
            block.der
        }
        _ => input.to_vec(),
    };
    let (rest, csr) = X509CertificationRequest::from_der(&der).map_err(|e| bad(e.to_string()))?;
    if !rest.is_empty() {
        return Err(bad("trailing data".into()));
    }
    if csr.signature_algorithm.algorithm.to_id_string() == "1.2.156.10197.1.501" {
        verify_sm2(&csr).map_err(|()| bad("SM2 signature does not verify".into()))?;
    } else {
        csr.verify_signature().map_err(|e| bad(format!("signature does not verify: {e}")))?;
    }
    let info = &csr.certification_request_info;
    let mut names: Vec<String> = Vec::new();
    let mut push = |n: &str| {
        let n = n.trim().trim_end_matches('.').to_ascii_lowercase();
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    };
    if let Some(cn) = info.subject.iter_common_name().next().and_then(|a| a.as_str().ok()) {
        push(cn);
    }
    for ext in csr.requested_extensions().into_iter().flatten() {
        if let ParsedExtension::SubjectAlternativeName(san) = ext {
            for gn in &san.general_names {
                if let GeneralName::DNSName(d) = gn {
                    push(d);
                }
            }
        }
    }
    let spki_der = info.subject_pki.raw.to_vec();
    Ok(ParsedCsr { key_algorithm: KeyAlgorithm::from_spki(&spki_der), spki_der, names })
}

/// Checks an SM2-with-SM3 self-signature. GM/T 0009's default ID is the standard;
/// OpenSSL 3.0 signs with an empty ID unless told otherwise, so that is accepted too.
fn verify_sm2(csr: &X509CertificationRequest<'_>) -> Result<(), ()> {
    use sm2::dsa::signature::Verifier;
    let info = &csr.certification_request_info;
    let point: &[u8] = &info.subject_pki.subject_public_key.data;
    let sig = sm2::dsa::Signature::from_der(&csr.signature_value.data).map_err(|_| ())?;
    for id in [crate::ca::signer::SM2_DISTID, ""] {
        let key = sm2::dsa::VerifyingKey::from_sec1_bytes(id, point).map_err(|_| ())?;
        if key.verify(info.raw, &sig).is_ok() {
            return Ok(());
        }
    }
    Err(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csr(names: &[&str]) -> String {
        let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let mut params = rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("params");
        params.distinguished_name.push(rcgen::DnType::CommonName, names[0]);
        params.serialize_request(&kp).expect("csr").pem().expect("pem")
    }

    #[test]
    fn reads_names_and_key() {
        let p = parse_csr(csr(&["www.Example.test", "example.test"]).as_bytes()).expect("csr");
        assert_eq!(p.names, ["www.example.test", "example.test"]);
        assert_eq!(p.key_algorithm, KeyAlgorithm::EcP256);
    }

    #[test]
    fn refuses_tampering_and_garbage() {
        let good = csr(&["a.example.test"]);
        let block = pem::blocks(&good).expect("pem").remove(0);
        let mut der = block.der.clone();
        // Flip a byte inside the signed part: the signature no longer verifies.
        der[40] ^= 0x01;
        assert!(parse_csr(&der).is_err());
        assert!(parse_csr(b"").is_err());
        assert!(parse_csr(b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n").is_err());
        assert!(parse_csr(&vec![0x30; MAX_CSR + 1]).is_err());
        assert!(parse_csr(&block.der[..block.der.len() / 2]).is_err(), "truncated");
    }
}
