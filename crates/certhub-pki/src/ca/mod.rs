//! certhub's own CA: a root and an issuing intermediate per key family, and
//! issuance of leaf certificates from a CSR or a public key, linted before use.

use rcgen::{
    BasicConstraints, CertificateParams, CrlDistributionPoint, CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, RsaKeySize, SanType, SerialNumber, SignatureAlgorithm, SubjectPublicKeyInfo,
};
use rustls_pki_types::CertificateDer;
use time::{Duration, OffsetDateTime};

use crate::PkiError;
use crate::der::{self, tag};
use crate::parse::ParsedCert;

pub mod signer;
mod sm2;
pub mod tbs;

pub use signer::{CaSigner, KeySigner};

/// A key family with its own root and intermediate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaFamily {
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384,
    /// RSA 2048 with SHA-256.
    Rsa2048,
    /// RSA 4096 with SHA-256.
    Rsa4096,
    /// SM2 with SM3 (国密).
    Sm2,
}

impl CaFamily {
    /// Every family certhub runs.
    pub const ALL: [CaFamily; 5] = [CaFamily::EcdsaP256, CaFamily::EcdsaP384, CaFamily::Rsa2048, CaFamily::Rsa4096, CaFamily::Sm2];

    /// Stable name, also the CA's path segment in CRL and issuer URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            CaFamily::EcdsaP256 => "ecdsa-p256",
            CaFamily::EcdsaP384 => "ecdsa-p384",
            CaFamily::Rsa2048 => "rsa-2048",
            CaFamily::Rsa4096 => "rsa-4096",
            CaFamily::Sm2 => "sm2",
        }
    }

    /// Parses a name; `ecdsa` and `rsa` alone mean the smaller size.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "ecdsa-p256" | "ecdsa" | "ecc" | "p256" => CaFamily::EcdsaP256,
            "ecdsa-p384" | "p384" => CaFamily::EcdsaP384,
            "rsa-2048" | "rsa" | "rsa2048" => CaFamily::Rsa2048,
            "rsa-4096" | "rsa4096" => CaFamily::Rsa4096,
            "sm2" | "gm" => CaFamily::Sm2,
            _ => return None,
        })
    }

    /// The rcgen algorithm of the families rcgen signs; SM2 is written by hand (`sm2`).
    fn rcgen_algorithm(self) -> Option<&'static SignatureAlgorithm> {
        match self {
            CaFamily::EcdsaP256 => Some(&rcgen::PKCS_ECDSA_P256_SHA256),
            CaFamily::EcdsaP384 => Some(&rcgen::PKCS_ECDSA_P384_SHA384),
            CaFamily::Rsa2048 | CaFamily::Rsa4096 => Some(&rcgen::PKCS_RSA_SHA256),
            CaFamily::Sm2 => None,
        }
    }

    fn generate_key(self) -> Result<KeyPair, PkiError> {
        let alg = self.rcgen_algorithm().ok_or_else(|| PkiError::Unacceptable("rcgen cannot make SM2 keys".into()))?;
        let r = match self {
            CaFamily::Rsa2048 => KeyPair::generate_rsa_for(alg, RsaKeySize::_2048),
            CaFamily::Rsa4096 => KeyPair::generate_rsa_for(alg, RsaKeySize::_4096),
            _ => KeyPair::generate_for(alg),
        };
        r.map_err(|e| PkiError::Unacceptable(format!("key generation failed: {e}")))
    }
}

/// A fresh key of the family for a subscriber: PKCS#8 and SubjectPublicKeyInfo DER. RSA takes long: not on a request thread.
pub fn generate_subject_key(family: CaFamily) -> Result<(Vec<u8>, Vec<u8>), PkiError> {
    use rcgen::PublicKeyData;
    if family == CaFamily::Sm2 {
        return sm2::generate_key();
    }
    let kp = family.generate_key()?;
    Ok((kp.serialize_der(), kp.subject_public_key_info()))
}

/// One family's hierarchy: DER certificates and PKCS#8 keys (the caller seals the keys).
#[derive(Clone)]
pub struct CaMaterial {
    /// The family.
    pub family: CaFamily,
    /// Root certificate.
    pub root_der: Vec<u8>,
    /// Root key, PKCS#8.
    pub root_key: Vec<u8>,
    /// Issuing intermediate certificate.
    pub intermediate_der: Vec<u8>,
    /// Intermediate key, PKCS#8.
    pub intermediate_key: Vec<u8>,
}

impl std::fmt::Debug for CaMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaMaterial").field("family", &self.family).finish_non_exhaustive()
    }
}

fn rc(e: rcgen::Error) -> PkiError {
    PkiError::Unacceptable(e.to_string())
}

fn at(t: i64) -> Result<OffsetDateTime, PkiError> {
    OffsetDateTime::from_unix_timestamp(t).map_err(|e| PkiError::Unacceptable(e.to_string()))
}

/// At least 64 bits of CSPRNG output, positive (RFC 5280 §4.1.2.2): 16 bytes, top bit clear.
pub fn random_serial() -> Result<SerialNumber, PkiError> {
    Ok(SerialNumber::from_slice(&random_serial_bytes()?))
}

/// The bytes of `random_serial`: 16, the first in 0x01..=0x7f so the INTEGER is positive and minimal.
pub(crate) fn random_serial_bytes() -> Result<[u8; 16], PkiError> {
    let mut b = [0u8; 16];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| PkiError::Unacceptable("random generator failed".into()))?;
    b[0] &= 0x7f;
    b[0] |= 0x01;
    Ok(b)
}

fn ca_params(cn: &str, org: &str, now: i64, years: i64, path_len: Option<u8>) -> Result<CertificateParams, PkiError> {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, org);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(match path_len {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    p.not_before = at(now - 3600)?;
    p.not_after = at(now + years * 365 * 86_400)?;
    p.serial_number = Some(random_serial()?);
    p.use_authority_key_identifier_extension = path_len.is_some();
    Ok(p)
}

/// Creates a root and an issuing intermediate for one family. RSA-4096 takes seconds: never call on a request thread.
pub fn generate(family: CaFamily, org: &str, public_url: &str, now: i64) -> Result<CaMaterial, PkiError> {
    if family == CaFamily::Sm2 {
        return sm2::generate(org, public_url, now);
    }
    let root_key = family.generate_key()?;
    let root_params = ca_params(&format!("{org} Root CA {}", family.as_str()), org, now, 20, None)?;
    let root = root_params.self_signed(&root_key).map_err(rc)?;
    let issuer = Issuer::new(root_params, &root_key);
    let int_key = family.generate_key()?;
    let mut int_params = ca_params(&format!("{org} Issuing CA {}", family.as_str()), org, now, 10, Some(0))?;
    int_params.crl_distribution_points =
        vec![CrlDistributionPoint { uris: vec![format!("{public_url}/crl/{}-root.crl", family.as_str())] }];
    let int = int_params.signed_by(&int_key, &issuer).map_err(rc)?;
    Ok(CaMaterial {
        family,
        root_der: root.der().to_vec(),
        root_key: root_key.serialize_der(),
        intermediate_der: int.der().to_vec(),
        intermediate_key: int_key.serialize_der(),
    })
}

/// What to put in a leaf.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    /// DNS names, the first is the common name.
    pub names: Vec<String>,
    /// Validity in days.
    pub validity_days: i64,
    /// certhub's public base URL, for AIA and the CRL distribution point.
    pub public_url: String,
    /// SubjectPublicKeyInfo DER of the subject's key.
    pub spki_der: Vec<u8>,
}

/// DER of the AuthorityInfoAccess extension value: OCSP and CA issuers URLs.
pub(crate) fn aia_value(ocsp: &str, issuers: &str) -> Vec<u8> {
    let access = |oid: &[u8], uri: &str| der::sequence(&[&der::write(tag::OID, oid), &der::write(0x86, uri.as_bytes())]);
    // id-ad-ocsp 1.3.6.1.5.5.7.48.1 and id-ad-caIssuers 1.3.6.1.5.5.7.48.2
    der::sequence(&[
        &access(&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01], ocsp),
        &access(&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02], issuers),
    ])
}

/// Signs a TLS server leaf with the family's intermediate, then lints it; a lint failure refuses issuance.
pub fn issue(ca: &CaMaterial, spec: &LeafSpec, now: i64) -> Result<Vec<u8>, PkiError> {
    let der = if ca.family == CaFamily::Sm2 { sm2::issue(ca, spec, now)? } else { issue_rcgen(ca, spec, now)? };
    let failures = lint(&der, &ca.intermediate_der, spec, now);
    if failures.is_empty() { Ok(der) } else { Err(PkiError::Unacceptable(format!("pre-issuance lint failed: {}", failures.join("; ")))) }
}

fn issue_rcgen(ca: &CaMaterial, spec: &LeafSpec, now: i64) -> Result<Vec<u8>, PkiError> {
    let cn = spec.names.first().ok_or_else(|| PkiError::Unacceptable("no name to certify".into()))?;
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn.as_str());
    p.distinguished_name = dn;
    p.subject_alt_names = spec
        .names
        .iter()
        .map(|n| rcgen::string::Ia5String::try_from(n.as_str()).map(SanType::DnsName).map_err(|e| PkiError::Unacceptable(e.to_string())))
        .collect::<Result<_, _>>()?;
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.not_before = at(now - 60)?;
    p.not_after =
        at(now)?.checked_add(Duration::days(spec.validity_days)).ok_or_else(|| PkiError::Unacceptable("validity overflow".into()))?;
    p.serial_number = Some(random_serial()?);
    p.use_authority_key_identifier_extension = true;
    let fam = ca.family.as_str();
    p.crl_distribution_points = vec![CrlDistributionPoint { uris: vec![format!("{}/crl/{fam}.crl", spec.public_url)] }];
    p.custom_extensions = vec![CustomExtension::from_oid_content(
        &[1, 3, 6, 1, 5, 5, 7, 1, 1],
        aia_value(&format!("{}/ocsp", spec.public_url), &format!("{}/ca/{fam}.crt", spec.public_url)),
    )];
    let key = KeyPair::try_from(ca.intermediate_key.as_slice()).map_err(rc)?;
    let issuer = Issuer::from_ca_cert_der(&CertificateDer::from(ca.intermediate_der.as_slice()), &key).map_err(rc)?;
    let subject = SubjectPublicKeyInfo::from_der(&spec.spki_der).map_err(rc)?;
    Ok(p.signed_by(&subject, &issuer).map_err(rc)?.der().to_vec())
}

/// Pre-issuance lints: every failure found, empty when the certificate may be used.
pub fn lint(leaf_der: &[u8], issuer_der: &[u8], spec: &LeafSpec, now: i64) -> Vec<String> {
    let mut f = Vec::new();
    let (leaf, issuer) = match (ParsedCert::from_der(leaf_der), ParsedCert::from_der(issuer_der)) {
        (Ok(l), Ok(i)) => (l, i),
        _ => return vec!["certificate does not parse".into()],
    };
    if !crate::parse::verify_issued_by(&leaf, &issuer) {
        f.push("signature does not verify with the issuer".into());
    }
    let want: Vec<String> = spec.names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let got: Vec<String> = leaf.sans.iter().map(|n| n.to_ascii_lowercase()).collect();
    if got.is_empty() || got != want {
        f.push(format!("SANs {got:?} differ from the validated names {want:?}"));
    }
    if leaf.is_ca {
        f.push("leaf must not be a CA".into());
    }
    let serial = hex::decode(&leaf.serial_hex).unwrap_or_default();
    let significant = serial.iter().skip_while(|b| **b == 0).count();
    if significant < 9 {
        f.push("serial has fewer than 64 bits of entropy".into());
    }
    if leaf.not_after - leaf.not_before > spec.validity_days * 86_400 + 120 || leaf.not_before > now {
        f.push("validity outside the profile".into());
    }
    match leaf.key_algorithm {
        crate::parse::KeyAlgorithm::Rsa(bits) if bits < 2048 => f.push(format!("weak RSA key ({bits} bits)")),
        crate::parse::KeyAlgorithm::Other => f.push("unsupported subject key".into()),
        _ => {}
    }
    match x509_parser::parse_x509_certificate(leaf_der) {
        Ok((_, c)) => {
            let eku_ok = c.extended_key_usage().ok().flatten().is_some_and(|e| e.value.server_auth);
            if !eku_ok {
                f.push("missing serverAuth EKU".into());
            }
            let ku_ok = c.key_usage().ok().flatten().is_some_and(|k| k.value.digital_signature());
            if !ku_ok {
                f.push("missing digitalSignature key usage".into());
            }
            let text = String::from_utf8_lossy(leaf_der);
            if !text.contains(&format!("{}/ocsp", spec.public_url)) {
                f.push("AIA OCSP URL missing".into());
            }
            if !text.contains(&format!("{}/crl/", spec.public_url)) {
                f.push("CRL distribution point missing".into());
            }
        }
        Err(_) => f.push("certificate does not parse".into()),
    }
    f
}
