//! Downloads: the inline ZIP of DownloadCertificate and the signed, expiring
//! links of DescribeDownloadCertificateUrl that certhub serves itself.

use aws_lc_rs::hmac;
use certhub_core::ids;
use certhub_core::model::CertRecord;
use certhub_pki::export::{self, Bundle, ServiceType};
use certhub_pki::parse::pem;

use crate::logs::log_row;
use crate::{Caller, Service, ServiceError};

/// A packaged download.
#[derive(Debug, Clone)]
pub struct Archive {
    /// File name, e.g. `www.example.com_nginx.zip`.
    pub filename: String,
    /// ZIP bytes.
    pub bytes: Vec<u8>,
}

/// A signed link.
#[derive(Debug, Clone)]
pub struct DownloadLink {
    /// The absolute URL.
    pub url: String,
    /// The archive's file name.
    pub filename: String,
}

fn downloadable(cert: &CertRecord) -> Result<(), ServiceError> {
    if !cert.allow_download {
        return Err(ServiceError::DownloadNotAllowed);
    }
    // Issued, expired and revoked certificates still have content to hand out.
    if !cert.is_downloadable() {
        return Err(ServiceError::StatusNotAllowDownload);
    }
    Ok(())
}

impl Service {
    async fn package(&self, owner_uin: &str, cert: &CertRecord, service: Option<ServiceType>) -> Result<Archive, ServiceError> {
        downloadable(cert)?;
        let text = cert.cert_pem.as_deref().unwrap_or_default();
        let blocks = pem::blocks(text).map_err(|e| ServiceError::Export(e.to_string()))?;
        let (leaf, chain) = match blocks.split_first() {
            Some((l, c)) => (l.der.clone(), c.iter().map(|b| b.der.clone()).collect::<Vec<_>>()),
            None => return Err(ServiceError::Export("no certificate stored".into())),
        };
        let key = self.store.certificate_key(owner_uin, &cert.id).await?;
        // The password the customer chose at application, else a fresh random one.
        let chosen = cert.extra.csr_key_password.as_deref().map(|s| self.open_secret(&cert.id, s));
        let password = chosen.transpose()?.unwrap_or_else(|| ids::random_alnum(16));
        let name = if cert.domain.is_empty() { cert.id.clone() } else { cert.domain.clone() };
        let bundle =
            Bundle { name: &name, leaf_der: &leaf, chain_der: &chain, key_pkcs8_der: key.as_deref(), csr_pem: None, password: &password };
        let bytes = match service {
            Some(s) => export::zip_for(s, &bundle),
            None => export::zip_all(&bundle),
        }
        .map_err(|e| ServiceError::Export(e.to_string()))?;
        Ok(Archive { filename: export::zip_file_name(service, &name), bytes })
    }

    /// The ZIP with every format, as DownloadCertificate returns it.
    pub async fn download(&self, caller: &Caller, id: &str) -> Result<Archive, ServiceError> {
        let cert = self.certificate(caller, id).await?;
        let archive = self.package(&caller.owner_uin, &cert, None).await?;
        self.store.append_log(&caller.owner_uin, &log_row(caller, id, "download", "下载"), self.now()).await?;
        Ok(archive)
    }

    fn link_mac(&self, owner_uin: &str, id: &str, service: &str, expires: i64) -> String {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.url_key.as_slice());
        let msg = format!("{owner_uin}\n{id}\n{service}\n{expires}");
        hex::encode(hmac::sign(&key, msg.as_bytes()).as_ref())
    }

    /// A signed link to the ZIP for one server type, valid for the configured time.
    pub async fn download_link(&self, caller: &Caller, id: &str, service_type: &str) -> Result<DownloadLink, ServiceError> {
        let service = ServiceType::parse(service_type).ok_or_else(|| ServiceError::ServiceTypeNotSupported(service_type.to_string()))?;
        let cert = self.certificate(caller, id).await?;
        downloadable(&cert)?;
        let expires = self.now() + self.config.download_url_ttl;
        let mac = self.link_mac(&caller.owner_uin, id, service.as_str(), expires);
        let name = if cert.domain.is_empty() { cert.id.clone() } else { cert.domain.clone() };
        let filename = export::zip_file_name(Some(service), &name);
        let url = format!(
            "{}/download/{}/{}/{}?expires={}&signature={}",
            self.config.public_url,
            caller.owner_uin,
            id,
            service.as_str(),
            expires,
            mac
        );
        Ok(DownloadLink { url, filename })
    }

    /// Serves a signed link: checks the MAC and expiry, then packages the certificate.
    pub async fn redeem_link(
        &self,
        owner_uin: &str,
        id: &str,
        service_type: &str,
        expires: i64,
        signature: &str,
    ) -> Result<Archive, ServiceError> {
        let service = ServiceType::parse(service_type).ok_or(ServiceError::LinkInvalid)?;
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.url_key.as_slice());
        let msg = format!("{owner_uin}\n{id}\n{}\n{expires}", service.as_str());
        let tag = hex::decode(signature).map_err(|_| ServiceError::LinkInvalid)?;
        hmac::verify(&key, msg.as_bytes(), &tag).map_err(|_| ServiceError::LinkInvalid)?;
        if expires < self.now() {
            return Err(ServiceError::LinkInvalid);
        }
        let cert = self.store.certificate(owner_uin, id).await?.ok_or(ServiceError::CertificateNotFound)?;
        let archive = self.package(owner_uin, &cert, Some(service)).await?;
        let log = certhub_core::model::NewLog {
            cert_id: id.to_string(),
            kind: "download".into(),
            action: format!("用户[uin: {owner_uin}] 下载 证书[id: {id}] ({})", service.as_str()),
            actor: "--".into(),
        };
        self.store.append_log(owner_uin, &log, self.now()).await?;
        Ok(archive)
    }
}
