//! Chain building and verification: order what was uploaded, check every link's
//! signature, and find the trust anchor.

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use sm2::dsa::signature::Verifier;

use super::cert::{KeyAlgorithm, ParsedCert, parse_certificates};
use crate::PkiError;

/// The SM2 distinguishing identifier every mainstream implementation uses by default (GB/T 35276).
const SM2_DEFAULT_DISTID: &str = "1234567812345678";

/// Roots a chain may end in.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<ParsedCert>,
}

impl TrustStore {
    /// A store trusting nothing.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds every certificate of a PEM bundle; unparsable entries are skipped.
    pub fn add_pem_bundle(&mut self, text: &str) -> usize {
        let mut added = 0;
        for block in super::pem::blocks(text).unwrap_or_default() {
            if let Ok(c) = ParsedCert::from_der(&block.der) {
                self.anchors.push(c);
                added += 1;
            }
        }
        added
    }

    /// The operating system's bundle, when one is installed.
    pub fn system() -> Self {
        let mut s = Self::empty();
        for path in ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"] {
            if let Ok(text) = std::fs::read_to_string(path) {
                s.add_pem_bundle(&text);
                break;
            }
        }
        s
    }

    /// Adds one anchor.
    pub fn add(&mut self, cert: ParsedCert) {
        self.anchors.push(cert);
    }

    /// The anchor that issued `cert`, if any.
    pub fn issuer_of(&self, cert: &ParsedCert) -> Option<&ParsedCert> {
        self.anchors.iter().find(|a| a.subject_raw == cert.issuer_raw && verify_issued_by(cert, a))
    }

    /// True when `cert` itself is one of the anchors.
    pub fn contains(&self, cert: &ParsedCert) -> bool {
        self.anchors.iter().any(|a| a.der == cert.der)
    }
}

fn aws_alg(sig_oid: &str, issuer: KeyAlgorithm) -> Option<&'static dyn VerificationAlgorithm> {
    Some(match (sig_oid, issuer) {
        ("1.2.840.113549.1.1.11", KeyAlgorithm::Rsa(_)) => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        ("1.2.840.113549.1.1.12", KeyAlgorithm::Rsa(_)) => &signature::RSA_PKCS1_2048_8192_SHA384,
        ("1.2.840.113549.1.1.13", KeyAlgorithm::Rsa(_)) => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        ("1.2.840.113549.1.1.5", KeyAlgorithm::Rsa(_)) => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        ("1.2.840.10045.4.3.2", KeyAlgorithm::EcP256) => &signature::ECDSA_P256_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", KeyAlgorithm::EcP256) => &signature::ECDSA_P256_SHA384_ASN1,
        ("1.2.840.10045.4.3.2", KeyAlgorithm::EcP384) => &signature::ECDSA_P384_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", KeyAlgorithm::EcP384) => &signature::ECDSA_P384_SHA384_ASN1,
        ("1.2.840.10045.4.3.4", KeyAlgorithm::EcP521) => &signature::ECDSA_P521_SHA512_ASN1,
        _ => return None,
    })
}

/// What checking one link's signature found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCheck {
    /// The issuer's key verifies the child's signature.
    Verified,
    /// Names differ, or the signature does not verify (or does not fit the issuer's key).
    Invalid,
    /// The signature algorithm is one certhub cannot verify (RSA-PSS, ...): nothing is known.
    Unverifiable,
}

/// Signature algorithms `check_link` knows; one of these over the wrong key type is invalid, not unknown.
const KNOWN_SIGNATURES: &[&str] = &[
    "1.2.840.113549.1.1.5",
    "1.2.840.113549.1.1.11",
    "1.2.840.113549.1.1.12",
    "1.2.840.113549.1.1.13",
    "1.2.840.10045.4.3.2",
    "1.2.840.10045.4.3.3",
    "1.2.840.10045.4.3.4",
    "1.2.156.10197.1.501",
];

/// Checks that `issuer`'s name and key issued `child`.
pub fn check_link(child: &ParsedCert, issuer: &ParsedCert) -> LinkCheck {
    if child.issuer_raw != issuer.subject_raw {
        return LinkCheck::Invalid;
    }
    let Some(key) = issuer.public_key_bits() else { return LinkCheck::Invalid };
    let verified = if child.signature_oid == "1.2.156.10197.1.501" && issuer.key_algorithm == KeyAlgorithm::Sm2 {
        let (Ok(vk), Ok(sig)) =
            (sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_DISTID, key), sm2::dsa::Signature::from_der(&child.signature))
        else {
            return LinkCheck::Invalid;
        };
        vk.verify(&child.tbs, &sig).is_ok()
    } else {
        match aws_alg(&child.signature_oid, issuer.key_algorithm) {
            Some(alg) => UnparsedPublicKey::new(alg, key).verify(&child.tbs, &child.signature).is_ok(),
            None if KNOWN_SIGNATURES.contains(&child.signature_oid.as_str()) => false,
            None => return LinkCheck::Unverifiable,
        }
    };
    if verified { LinkCheck::Verified } else { LinkCheck::Invalid }
}

/// True only when `issuer`'s name and key verifiably issued `child`.
pub fn verify_issued_by(child: &ParsedCert, issuer: &ParsedCert) -> bool {
    check_link(child, issuer) == LinkCheck::Verified
}

/// Orders certificates leaf first, each followed by its issuer; every certificate must take part.
pub fn order_chain(certs: Vec<ParsedCert>) -> Result<Vec<ParsedCert>, PkiError> {
    let mut pool: Vec<ParsedCert> = Vec::with_capacity(certs.len());
    for c in certs {
        if !pool.iter().any(|p| p.der == c.der) {
            pool.push(c);
        }
    }
    if pool.is_empty() {
        return Err(PkiError::CertificateParse("no certificate".into()));
    }
    // A leaf issues none of the others.
    let issues_another =
        |c: &ParsedCert, pool: &[ParsedCert]| pool.iter().any(|o| o.der != c.der && !o.is_self_issued() && o.issuer_raw == c.subject_raw);
    let leaves: Vec<usize> = (0..pool.len()).filter(|&i| !issues_another(&pool[i], &pool)).collect();
    let start = match leaves.as_slice() {
        [one] => *one,
        _ if leaves.contains(&0) => 0,
        _ => return Err(PkiError::Chain("the certificates do not form a single chain".into())),
    };
    let mut ordered = vec![pool.remove(start)];
    while let Some(last) = ordered.last() {
        if last.is_self_issued() {
            break;
        }
        let Some(pos) = pool.iter().position(|p| p.subject_raw == last.issuer_raw) else { break };
        // A link certhub cannot verify still orders by names; `check_chain` never calls it valid.
        if check_link(last, &pool[pos]) == LinkCheck::Invalid {
            return Err(PkiError::Chain(format!(
                "the signature of \"{}\" does not verify with \"{}\"",
                last.display_name(),
                pool[pos].display_name()
            )));
        }
        ordered.push(pool.remove(pos));
    }
    if let Some(extra) = pool.first() {
        return Err(PkiError::Chain(format!("\"{}\" does not belong to the chain", extra.display_name())));
    }
    Ok(ordered)
}

/// What `CheckCertificateChain` reports.
#[derive(Debug, Clone)]
pub struct ChainReport {
    /// Every link verified and the chain reaches a root (given, or trusted).
    pub valid: bool,
    /// The chain ends in a trust anchor.
    pub trusted: bool,
    /// Display names from leaf to root (the trusted root appended when it was not given).
    pub names: Vec<String>,
    /// The issuer that is missing between the top of the chain and any root.
    pub missing_issuer: Option<String>,
    /// Why the chain is broken, when it is.
    pub problem: Option<String>,
}

/// Checks a pasted chain against a trust store.
pub fn check_chain(text: &str, trust: &TrustStore) -> Result<ChainReport, PkiError> {
    let certs = parse_certificates(text)?;
    let fallback_names: Vec<String> = certs.iter().map(ParsedCert::display_name).collect();
    let ordered = match order_chain(certs) {
        Ok(o) => o,
        Err(e) => {
            return Ok(ChainReport {
                valid: false,
                trusted: false,
                names: fallback_names,
                missing_issuer: None,
                problem: Some(e.to_string()),
            });
        }
    };
    let mut names: Vec<String> = ordered.iter().map(ParsedCert::display_name).collect();
    let Some(top) = ordered.last() else {
        return Err(PkiError::CertificateParse("no certificate".into()));
    };
    if let Some(child) = ordered.windows(2).find(|w| check_link(&w[0], &w[1]) != LinkCheck::Verified).map(|w| &w[0]) {
        return Ok(ChainReport {
            valid: false,
            trusted: false,
            names,
            missing_issuer: None,
            problem: Some(format!("the signature of \"{}\" ({}) cannot be verified", child.display_name(), child.signature_oid)),
        });
    }
    if top.is_self_issued() {
        let self_signed = check_link(top, top);
        let trusted = trust.contains(top);
        let problem = match self_signed {
            LinkCheck::Verified => None,
            LinkCheck::Invalid => Some("the root's self-signature does not verify".into()),
            LinkCheck::Unverifiable => Some(format!("the root's self-signature ({}) cannot be verified", top.signature_oid)),
        };
        return Ok(ChainReport { valid: problem.is_none(), trusted, names, missing_issuer: None, problem });
    }
    if let Some(anchor) = trust.issuer_of(top) {
        names.push(anchor.display_name());
        return Ok(ChainReport { valid: true, trusted: true, names, missing_issuer: None, problem: None });
    }
    let missing = top.issuer_common_name.clone().unwrap_or_else(|| "unknown issuer".into());
    Ok(ChainReport {
        valid: false,
        trusted: false,
        names,
        problem: Some(format!("the chain is incomplete: the issuer \"{missing}\" of \"{}\" is missing", top.display_name())),
        missing_issuer: Some(missing),
    })
}
