//! Fair background work: a validation stuck on an HTTP server that accepts and
//! never answers delays neither another account's CompleteCertificate nor the
//! revocation and delete workers; CompleteCertificate acts on the caller's own
//! order and succeeds when the background check was faster.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use certhub_core::dcv::{DcvFailure, DomainValidator};
use certhub_core::jobs::{DeleteStatus, JobKind};
use certhub_core::model::CertStatus;
use certhub_core::{Clock, Store, SystemClock};
use certhub_dcv::FileValidator;
use certhub_pki::parse::TrustStore;
use certhub_service::apply::ApplyInput;
use certhub_service::scheduler::Every;
use certhub_service::{Caller, Service, ServiceConfig};
use certhub_store::{Sealer, SqlStore};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const STALLED: &str = "stalled.example.com";

/// Domains named `STALLED` are fetched for real from a server that never answers; every other check passes.
struct RoutedValidator {
    stalled: FileValidator,
}

#[async_trait]
impl DomainValidator for RoutedValidator {
    async fn check_file(&self, domain: &str, path: &str, expected: &str) -> Result<(), DcvFailure> {
        if domain == STALLED { self.stalled.check_file(domain, path, expected).await } else { Ok(()) }
    }
    async fn check_txt(&self, _name: &str, _expected: &str) -> Result<(), DcvFailure> {
        Ok(())
    }
    async fn check_caa(&self, _domain: &str) -> Result<(), DcvFailure> {
        Ok(())
    }
}

/// A server that accepts connections, reports each, and never answers.
async fn stalled_server() -> (u16, mpsc::UnboundedReceiver<()>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
            let _ = tx.send(());
        }
    });
    (port, rx)
}

async fn service(name: &str) -> (Service, mpsc::UnboundedReceiver<()>) {
    let dir = std::env::temp_dir().join(format!("certhub-fair-{name}-{}", certhub_core::ids::random_alnum(8)));
    std::fs::create_dir_all(&dir).expect("dir");
    let cipher = Arc::new(Sealer::from_bytes(&[3u8; 32]).expect("cipher"));
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let store: Arc<dyn Store> = Arc::new(SqlStore::connect(&url, cipher.clone()).await.expect("store"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let config = ServiceConfig { public_url: "http://127.0.0.1:1".into(), download_url_ttl: 3600, dcv_window: 3600 };
    let (port, accepted) = stalled_server().await;
    // A generous client timeout: what bounds the stall is certhub's own deadlines, not this one.
    let stalled =
        FileValidator { port, connect_to: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)), allow_private: true, timeout: Duration::from_secs(600) };
    let svc =
        Service::new(store, clock, TrustStore::default(), config, cipher.clone()).with_validator(Arc::new(RoutedValidator { stalled }));
    svc.ensure_cas().await.expect("CAs");
    (svc, accepted)
}

async fn caller(svc: &Service, name: &str) -> Caller {
    let account = svc.store().ensure_account(name, 0).await.expect("account");
    Caller { owner_uin: account.uin, app_id: account.app_id, credential: "test".into() }
}

async fn order(svc: &Service, who: &Caller, domain: &str) -> String {
    let input = ApplyInput {
        dv_auth_method: "FILE".into(),
        domain: domain.into(),
        csr_encrypt_algo: Some("ECC".into()),
        csr_key_parameter: Some("prime256v1".into()),
        ..ApplyInput::default()
    };
    svc.apply(who, input).await.expect("applied")
}

fn csr(name: &str) -> String {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    params.serialize_request(&key).expect("csr").pem().expect("pem")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complete_certificate_checks_only_the_callers_order() {
    let (svc, mut accepted) = service("complete").await;
    let (slow, fast) = (caller(&svc, "slow-account").await, caller(&svc, "fast-account").await);
    // The other account's order is older, so it comes first in the shared queue.
    let _stuck = order(&svc, &slow, STALLED).await;
    let mine = order(&svc, &fast, "fast.example.com").await;
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(5), svc.complete(&fast, &mine))
        .await
        .expect("CompleteCertificate must not wait for another account's stalled order")
        .expect("completed");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(svc.certificate(&fast, &mine).await.expect("read").status, CertStatus::Issued);
    assert!(accepted.try_recv().is_err(), "the other account's order was not checked in this request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complete_certificate_succeeds_when_the_background_check_issued_first() {
    let (svc, _accepted) = service("raced").await;
    let who = caller(&svc, "raced-account").await;
    let id = order(&svc, &who, "raced.example.com").await;
    assert_eq!(svc.run_validations().await.expect("background pass"), 1);
    assert_eq!(svc.certificate(&who, &id).await.expect("read").status, CertStatus::Issued);
    svc.complete(&who, &id).await.expect("an order certhub already issued completes without error");
    assert!(svc.complete(&who, "no-such-id").await.is_err(), "an unknown order is still refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_validation_delays_no_revocation_or_delete() {
    let (svc, mut accepted) = service("workers").await;
    let (slow, other) = (caller(&svc, "stalled-account").await, caller(&svc, "other-account").await);
    let to_revoke = svc.issue_validated_csr(&other, &csr("revoke.example.com"), 90).await.expect("issued");
    let to_delete = svc.issue_validated_csr(&other, &csr("delete.example.com"), 90).await.expect("issued");
    let stuck = order(&svc, &slow, STALLED).await;
    let quick = Duration::from_millis(50);
    let plan: Vec<Every> = [JobKind::Validation, JobKind::Revocation, JobKind::Crl, JobKind::Ocsp, JobKind::Delete]
        .into_iter()
        .map(|kind| Every::new(kind, quick, Duration::from_secs(300)))
        .collect();
    let scheduler = svc.start_scheduler(&plan);
    // The validation worker is now inside the request that will never be answered.
    tokio::time::timeout(Duration::from_secs(10), accepted.recv()).await.expect("validation started").expect("connection");
    svc.request_revocation(&other, &to_revoke, Some("keyCompromise")).await.expect("revocation requested");
    let tasks = svc.delete_many(&other, std::slice::from_ref(&to_delete), true).await.expect("delete task").tasks;
    let task_ids: Vec<String> = tasks.iter().map(|t| t.task_id.clone()).collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let revoked = svc.certificate(&other, &to_revoke).await.expect("read").status == CertStatus::Revoked;
        let deleted = svc.delete_task_results(&other, &task_ids).await.expect("tasks").iter().all(|t| t.status == DeleteStatus::Deleted);
        if revoked && deleted {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "revoked: {revoked}, deleted: {deleted}: a stalled validation held them up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(svc.certificate(&slow, &stuck).await.expect("read").status, CertStatus::Pending, "the stalled order is still waiting");
    scheduler.stop().await;
}
