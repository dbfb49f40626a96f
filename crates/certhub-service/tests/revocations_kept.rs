//! A revocation is never forgotten: deleting the certificate keeps its serial in the CRL and OCSP says
//! `revoked`; a revocation whose CRL was never generated (the node crashed right after the commit) is
//! published by the next refresh of any node, not when the CRL falls due hours later.

use std::sync::Arc;

use certhub_core::model::{CertStatus, RevocationReason};
use certhub_core::store::Transition;
use certhub_core::{Clock, Store, SystemClock};
use certhub_pki::parse::TrustStore;
use certhub_service::revoke::Door;
use certhub_service::{Caller, Service, ServiceConfig};
use certhub_store::{Sealer, SqlStore};
use x509_parser::prelude::FromDer;

async fn node(url: &str) -> Service {
    let cipher = Arc::new(Sealer::from_bytes(&[9u8; 32]).expect("cipher"));
    let store: Arc<dyn Store> = Arc::new(SqlStore::connect(url, cipher.clone()).await.expect("store"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let config = ServiceConfig { public_url: "http://127.0.0.1:1".into(), download_url_ttl: 3600, dcv_window: 3600 };
    Service::new(store, clock, TrustStore::default(), config, cipher.clone())
}

fn csr(name: &str) -> String {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    params.serialize_request(&key).expect("csr").pem().expect("pem")
}

/// The serials (lower-case hex) the stored CRL of `ca` lists.
async fn crl_serials(svc: &Service, ca: &str) -> Vec<String> {
    let crl = svc.store().crl(ca).await.expect("read").expect("a CRL is stored");
    let (_, parsed) = x509_parser::revocation_list::CertificateRevocationList::from_der(&crl.der).expect("parses");
    parsed.iter_revoked_certificates().map(|r| norm(&hex::encode(r.raw_serial()))).collect()
}

/// A serial as hex without leading zeros (DER may add one to keep the integer positive).
fn norm(serial: &str) -> String {
    serial.trim_start_matches('0').to_string()
}

async fn setup() -> (Service, Caller, String) {
    let dir = std::env::temp_dir().join(format!("certhub-revocations-{}", certhub_core::ids::random_alnum(10)));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}", dir.join("certhub.db").display());
    let svc = node(&url).await;
    svc.ensure_cas().await.expect("CAs");
    let account = svc.store().ensure_account("kept", 0).await.expect("account");
    let caller = Caller { owner_uin: account.uin, app_id: account.app_id, credential: "test".into() };
    (svc, caller, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_revoked_certificate_stays_revoked_in_crl_and_ocsp() {
    let (svc, caller, _) = setup().await;
    let id = svc.issue_validated_csr(&caller, &csr("gone.kept.example"), 90).await.expect("issued");
    let cert = svc.store().certificate(&caller.owner_uin, &id).await.expect("read").expect("issued");
    let serial = norm(&cert.serial.clone().expect("serial"));
    svc.revoke_now(&caller, &id, "keyCompromise", Door::Huawei).await.expect("revoked");
    assert!(crl_serials(&svc, "ecdsa-p256").await.contains(&serial));

    let deleted = svc.delete_many(&caller, std::slice::from_ref(&id), false).await.expect("delete");
    assert_eq!(deleted.success, vec![id.clone()]);
    assert!(svc.store().certificate(&caller.owner_uin, &id).await.expect("read").is_none(), "the record is gone");

    // Regenerated after the delete: the serial is still listed, and OCSP's source still says revoked.
    svc.generate_crl(certhub_pki::ca::CaFamily::EcdsaP256, false).await.expect("CRL");
    assert!(crl_serials(&svc, "ecdsa-p256").await.contains(&serial), "the deleted certificate's revocation left the CRL");
    let status =
        svc.store().serial_status("ecdsa-p256", cert.serial.as_deref().expect("serial")).await.expect("status").expect("still known");
    let revocation = status.revocation.expect("still revoked");
    assert_eq!(revocation.reason, RevocationReason::KeyCompromise);
    assert_eq!(Some(status.not_after), cert.not_after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_committed_without_its_crl_is_published_on_the_next_refresh() {
    let (svc, caller, url) = setup().await;
    let id = svc.issue_validated_csr(&caller, &csr("crash.kept.example"), 90).await.expect("issued");
    let serial = norm(&svc.store().certificate(&caller.owner_uin, &id).await.expect("read").and_then(|c| c.serial).expect("serial"));
    // A fresh CRL is published, then the node commits a revocation and dies before regenerating it.
    svc.generate_crl(certhub_pki::ca::CaFamily::EcdsaP256, false).await.expect("CRL");
    let now = SystemClock.now();
    let log = certhub_core::model::NewLog { cert_id: id.clone(), kind: "revoked".into(), action: "revoked".into(), actor: "t".into() };
    let revocation = certhub_core::model::Revocation { at: now, reason: RevocationReason::KeyCompromise };
    let t = Transition {
        from: &[CertStatus::Issued],
        to: CertStatus::Revoked,
        msg: "",
        extra: None,
        log: &log,
        job: None,
        revocation: Some(revocation),
    };
    assert!(svc.store().transition(&caller.owner_uin, &id, &t, now).await.expect("revoke"));
    assert!(!crl_serials(&svc, "ecdsa-p256").await.contains(&serial), "precondition: the CRL predates the revocation");
    assert!(svc.store().crl_stale("ecdsa-p256").await.expect("stale"), "the revocation marks the CRL stale");
    drop(svc);

    // Another process (a restart, or any other node) heals it on its first refresh tick.
    let restarted = node(&url).await;
    restarted.refresh_status().await.expect("refresh");
    assert!(crl_serials(&restarted, "ecdsa-p256").await.contains(&serial), "the revocation is still missing from the CRL");
    assert!(!restarted.store().crl_stale("ecdsa-p256").await.expect("stale"));
    let served = restarted.crl("ecdsa-p256").await.expect("crl").expect("served");
    assert_eq!(served.number, restarted.store().crl("ecdsa-p256").await.expect("read").expect("stored").number);
}
