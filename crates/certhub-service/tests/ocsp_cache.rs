//! The OCSP cache keeps answers only for serials certhub issued: a client asking
//! about any number of made-up serials gets signed `unknown` answers, and the
//! cache does not grow.

use std::sync::Arc;

use certhub_core::{Clock, Store, SystemClock};
use certhub_pki::ocsp::{self, HashAlg};
use certhub_pki::parse::{ParsedCert, TrustStore, pem};
use certhub_service::{Caller, Service, ServiceConfig};
use certhub_store::{Sealer, SqlStore};

fn csr(name: &str) -> String {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    params.serialize_request(&key).expect("csr").pem().expect("pem")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_serials_are_answered_but_never_cached() {
    let dir = std::env::temp_dir().join(format!("certhub-ocsp-{}", certhub_core::ids::random_alnum(10)));
    std::fs::create_dir_all(&dir).expect("dir");
    let cipher = Arc::new(Sealer::from_bytes(&[7u8; 32]).expect("cipher"));
    let store: Arc<dyn Store> =
        Arc::new(SqlStore::connect(&format!("sqlite://{}", dir.join("t.db").display()), cipher.clone()).await.expect("store"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let config = ServiceConfig { public_url: "http://127.0.0.1:1".into(), download_url_ttl: 3600, dcv_window: 3600 };
    let service = Service::new(store.clone(), clock, TrustStore::default(), config, cipher.clone());
    service.ensure_cas().await.expect("CAs");
    let account = store.ensure_account("ocsp-test", 0).await.expect("account");
    let caller = Caller { owner_uin: account.uin, app_id: account.app_id, credential: "test".into() };
    let id = service.issue_validated_csr(&caller, &csr("ocsp.example.test"), 90).await.expect("issued");
    let cert = service.certificate(&caller, &id).await.expect("stored");
    let chain = pem::blocks(cert.cert_pem.as_deref().expect("pem")).expect("chain");
    let issuer = ParsedCert::from_der(&chain[1].der).expect("intermediate");
    let ask = |serial: Vec<u8>| {
        let id = ocsp::cert_id_for(&issuer.subject_raw, &issuer.spki, &serial, HashAlg::Sha1).expect("cert id");
        ocsp::request(&[&id])
    };

    for i in 0..300u32 {
        let serial = [0x7f, 0x11, 0x22].iter().copied().chain(i.to_be_bytes()).collect();
        let (_, this_update) = service.ocsp(&ask(serial)).await;
        assert!(this_update.is_some(), "an unknown serial under our issuer gets a signed answer");
    }
    assert_eq!(service.ocsp_cached(), 0, "answers for serials certhub never issued are not kept");

    let serial = hex::decode(cert.serial.as_deref().expect("serial")).expect("hex");
    let (first, t1) = service.ocsp(&ask(serial.clone())).await;
    assert!(t1.is_some());
    assert_eq!(service.ocsp_cached(), 1, "the issued certificate's answer is pre-signed and kept");
    let (again, _) = service.ocsp(&ask(serial)).await;
    assert_eq!(first, again, "served from the cache");
    let _ = std::fs::remove_dir_all(&dir);
}
