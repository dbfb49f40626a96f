//! Export formats: PEM bundles, PFX, JKS and the per-server ZIP archives that
//! DownloadCertificate and the download links hand out.

pub mod jks;
pub mod pfx;

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

use crate::parse::pem;

/// Server types a certificate can be packaged for (Tencent `ServiceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceType {
    /// nginx: bundle + key.
    Nginx,
    /// Apache: certificate, chain, key.
    Apache,
    /// Tomcat: JKS keystore.
    Tomcat,
    /// IIS: PFX.
    Iis,
    /// A JKS keystore.
    Jks,
    /// The root certificate.
    Root,
    /// Plain PEM files.
    Other,
}

impl ServiceType {
    /// Every type, in the order the all-formats archive lists them.
    pub const ALL: [ServiceType; 7] = [
        ServiceType::Nginx,
        ServiceType::Apache,
        ServiceType::Tomcat,
        ServiceType::Iis,
        ServiceType::Jks,
        ServiceType::Other,
        ServiceType::Root,
    ];

    /// Parses the vendor's lower-case name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "nginx" => ServiceType::Nginx,
            "apache" => ServiceType::Apache,
            "tomcat" => ServiceType::Tomcat,
            "iis" => ServiceType::Iis,
            "jks" => ServiceType::Jks,
            "root" => ServiceType::Root,
            "other" => ServiceType::Other,
            _ => return None,
        })
    }

    /// The vendor's lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::Nginx => "nginx",
            ServiceType::Apache => "apache",
            ServiceType::Tomcat => "tomcat",
            ServiceType::Iis => "iis",
            ServiceType::Jks => "jks",
            ServiceType::Root => "root",
            ServiceType::Other => "other",
        }
    }
}

/// Everything needed to package one certificate.
#[derive(Debug, Clone, Copy)]
pub struct Bundle<'a> {
    /// File stem, normally the primary domain.
    pub name: &'a str,
    /// The end-entity certificate, DER.
    pub leaf_der: &'a [u8],
    /// Intermediates then root, DER each.
    pub chain_der: &'a [Vec<u8>],
    /// Unencrypted PKCS#8 key, when there is one.
    pub key_pkcs8_der: Option<&'a [u8]>,
    /// The CSR, when one is kept.
    pub csr_pem: Option<&'a str>,
    /// Password of the JKS / PFX, written into `keystorePass.txt`.
    pub password: &'a str,
}

/// Why a package could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// The format needs a private key and there is none.
    #[error("the {0} format needs a private key")]
    NeedsKey(&'static str),
    /// Encoding failed.
    #[error("encoding failed: {0}")]
    Encode(String),
}

/// A name safe as a file name: `*` becomes `_`, anything outside `[A-Za-z0-9._-]` becomes `_`.
pub fn safe_name(name: &str) -> String {
    let s: String =
        name.chars().take(200).map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() { "certificate".into() } else { s }
}

/// Archive file name, e.g. `www.example.com_nginx.zip` (`..._all.zip` for every format).
pub fn zip_file_name(service: Option<ServiceType>, name: &str) -> String {
    format!("{}_{}.zip", safe_name(name), service.map_or("all", ServiceType::as_str))
}

/// A certificate as PEM.
pub fn cert_pem(der: &[u8]) -> String {
    pem::encode("CERTIFICATE", der)
}

/// A PKCS#8 key as PEM.
pub fn key_pem(pkcs8_der: &[u8]) -> String {
    pem::encode("PRIVATE KEY", pkcs8_der)
}

struct Files(Vec<(String, Vec<u8>)>);

impl Files {
    fn add(&mut self, path: String, data: impl Into<Vec<u8>>) {
        self.0.push((path, data.into()));
    }
}

fn add_service(files: &mut Files, service: ServiceType, b: &Bundle<'_>) -> Result<(), ExportError> {
    let n = safe_name(b.name);
    let dir = format!("{n}_{}", service.as_str());
    let chain_pem: String = b.chain_der.iter().map(|c| cert_pem(c)).collect();
    let leaf_pem = cert_pem(b.leaf_der);
    let key = b.key_pkcs8_der.map(key_pem);
    let mut chain_refs: Vec<&[u8]> = vec![b.leaf_der];
    chain_refs.extend(b.chain_der.iter().map(Vec::as_slice));
    match service {
        ServiceType::Nginx => {
            let bundle = format!("{leaf_pem}{chain_pem}");
            files.add(format!("{dir}/{n}_bundle.crt"), bundle.clone());
            files.add(format!("{dir}/{n}_bundle.pem"), bundle);
            if let Some(k) = &key {
                files.add(format!("{dir}/{n}.key"), k.clone());
            }
        }
        ServiceType::Apache => {
            files.add(format!("{dir}/root_bundle.crt"), chain_pem);
            files.add(format!("{dir}/{n}.crt"), leaf_pem);
            if let Some(k) = &key {
                files.add(format!("{dir}/{n}.key"), k.clone());
            }
        }
        ServiceType::Tomcat | ServiceType::Jks => {
            let store = match b.key_pkcs8_der {
                Some(k) => jks::write(&n, k, &chain_refs, b.password, now_ms()),
                None => {
                    let named: Vec<(String, &[u8])> = chain_refs.iter().enumerate().map(|(i, c)| (format!("{n}-{i}"), *c)).collect();
                    let refs: Vec<(&str, &[u8])> = named.iter().map(|(a, c)| (a.as_str(), *c)).collect();
                    jks::write_trusted(&refs, b.password, now_ms())
                }
            };
            files.add(format!("{dir}/{n}.jks"), store);
            files.add(format!("{dir}/keystorePass.txt"), b.password);
        }
        ServiceType::Iis => {
            let k = b.key_pkcs8_der.ok_or(ExportError::NeedsKey("iis"))?;
            files.add(format!("{dir}/{n}.pfx"), pfx::write(&n, k, &chain_refs, b.password)?);
            files.add(format!("{dir}/keystorePass.txt"), b.password);
        }
        ServiceType::Other => {
            files.add(format!("{dir}/{n}.pem"), leaf_pem);
            files.add(format!("{dir}/{n}_chain.pem"), chain_pem);
            if let Some(k) = &key {
                files.add(format!("{dir}/{n}.key"), k.clone());
            }
        }
        ServiceType::Root => {
            let root = b.chain_der.last().map_or(b.leaf_der, Vec::as_slice);
            files.add(format!("{dir}/root_bundle.crt"), cert_pem(root));
        }
    }
    if let (Some(csr), ServiceType::Nginx | ServiceType::Apache | ServiceType::Other) = (b.csr_pem, service) {
        files.add(format!("{dir}/{n}.csr"), csr);
    }
    Ok(())
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn zip(files: Files) -> Result<Vec<u8>, ExportError> {
    let enc = |e: zip::result::ZipError| ExportError::Encode(e.to_string());
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).unix_permissions(0o600);
    for (path, data) in files.0 {
        w.start_file(path, opts).map_err(enc)?;
        w.write_all(&data).map_err(|e| ExportError::Encode(e.to_string()))?;
    }
    Ok(w.finish().map_err(enc)?.into_inner())
}

/// The ZIP archive for one server type.
pub fn zip_for(service: ServiceType, b: &Bundle<'_>) -> Result<Vec<u8>, ExportError> {
    let mut files = Files(Vec::new());
    add_service(&mut files, service, b)?;
    zip(files)
}

/// The ZIP archive with every format (IIS only when there is a key).
pub fn zip_all(b: &Bundle<'_>) -> Result<Vec<u8>, ExportError> {
    let mut files = Files(Vec::new());
    for s in ServiceType::ALL {
        if s == ServiceType::Iis && b.key_pkcs8_der.is_none() {
            continue;
        }
        add_service(&mut files, s, b)?;
    }
    zip(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names() {
        assert_eq!(zip_file_name(Some(ServiceType::Nginx), "www.example.com"), "www.example.com_nginx.zip");
        assert_eq!(zip_file_name(Some(ServiceType::Iis), "*.example.com"), "_.example.com_iis.zip");
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name(""), "certificate");
        for t in ServiceType::ALL {
            assert_eq!(ServiceType::parse(t.as_str()), Some(t));
        }
        assert_eq!(ServiceType::parse("NGINX"), None);
    }

    proptest! {
        #[test]
        fn safe_names_are_safe(s in ".{0,300}") {
            let n = safe_name(&s);
            prop_assert!(!n.is_empty() && !n.starts_with('.') && n.len() <= 200);
            prop_assert!(n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')));
        }
    }
}
