//! Prepares an OCSP benchmark: issues a certificate into a certhub data
//! directory and writes what both responders need — certhub's chain, an OCSP
//! request for the leaf, and an `openssl ocsp` index and signing key for the
//! same CA — so that both answer the same question.
//!
//! `cargo run --release -p certhub-api --example ocspfixture -- DATA_DIR OUT_DIR`

use std::sync::Arc;

use certhub_core::{Clock, Store, SystemClock};
use certhub_pki::ca::CaFamily;
use certhub_pki::ocsp::{self, HashAlg};
use certhub_pki::parse::{ParsedCert, TrustStore, pem};
use certhub_service::{Caller, Service, ServiceConfig};
use certhub_store::SqlStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, data, out] = args.as_slice() else {
        eprintln!("usage: ocspfixture DATA_DIR OUT_DIR");
        std::process::exit(2);
    };
    let (data, out) = (std::path::Path::new(data), std::path::Path::new(out));
    std::fs::create_dir_all(data)?;
    std::fs::create_dir_all(out)?;
    let cipher = Arc::new(certhub_store::master_key::load_or_create(data)?);
    let store: Arc<dyn Store> =
        Arc::new(SqlStore::connect(&format!("sqlite://{}", data.join("certhub.db").display()), cipher.clone()).await?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let config = ServiceConfig { public_url: "http://127.0.0.1".into(), download_url_ttl: 3600, dcv_window: 3600 };
    let service = Service::new(store.clone(), clock, TrustStore::default(), config, cipher.clone());
    service.ensure_cas().await?;
    let account = store.ensure_account("ocsp-bench", 0).await?;
    let caller = Caller { owner_uin: account.uin, app_id: account.app_id, credential: "bench".into() };
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = rcgen::CertificateParams::new(vec!["ocsp.bench.example".to_string()])?;
    params.distinguished_name.push(rcgen::DnType::CommonName, "ocsp.bench.example");
    let csr = params.serialize_request(&key)?.pem()?;
    let id = service.issue_validated_csr(&caller, &csr, 90).await?;
    let cert = service.certificate(&caller, &id).await?;
    let blocks = pem::blocks(cert.cert_pem.as_deref().unwrap_or_default())?;
    for (name, b) in ["leaf.pem", "int.pem", "root.pem"].iter().zip(&blocks) {
        std::fs::write(out.join(name), pem::encode("CERTIFICATE", &b.der))?;
    }
    let (leaf, int) = (ParsedCert::from_der(&blocks[0].der)?, ParsedCert::from_der(&blocks[1].der)?);
    let serial = hex::decode(&leaf.serial_hex)?;
    let id = ocsp::cert_id_for(&int.subject_raw, &int.spki, &serial, HashAlg::Sha1)?;
    std::fs::write(out.join("request.der"), ocsp::request(&[&id]))?;
    // The same CA for `openssl ocsp`: its key, and an index saying the leaf is valid.
    let ca = store.ca(CaFamily::EcdsaP256.as_str()).await?.ok_or("no CA")?;
    std::fs::write(out.join("int.key"), pem::encode("PRIVATE KEY", &ca.intermediate_key))?;
    let expiry = time::OffsetDateTime::from_unix_timestamp(leaf.not_after)?;
    let fmt = time::macros::format_description!("[year repr:last_two][month][day][hour][minute][second]Z");
    std::fs::write(out.join("index.txt"), format!("V\t{}\t\t{}\tunknown\t/CN=ocsp.bench.example\n", expiry.format(fmt)?, leaf.serial_hex))?;
    println!("{}", out.display());
    Ok(())
}
