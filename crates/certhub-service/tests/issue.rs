//! Issuance from a CSR in every family certhub runs, SM2 included; each leaf is
//! checked by openssl against the chain certhub stored with it.

use std::process::Command;
use std::sync::Arc;

use certhub_core::model::CertStatus;
use certhub_core::{Clock, Store, SystemClock};
use certhub_pki::parse::{TrustStore, pem};
use certhub_service::{Caller, Service, ServiceConfig, ServiceError};
use certhub_store::{Sealer, SqlStore};

fn openssl(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn every_family_issues_from_a_csr_and_openssl_verifies_the_chain() {
    let dir = std::env::temp_dir().join(format!("certhub-issue-{}", certhub_core::ids::random_alnum(10)));
    std::fs::create_dir_all(&dir).expect("dir");
    let cipher = Arc::new(Sealer::from_bytes(&[9u8; 32]).expect("cipher"));
    let store: Arc<dyn Store> =
        Arc::new(SqlStore::connect(&format!("sqlite://{}", dir.join("t.db").display()), cipher.clone()).await.expect("store"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let config = ServiceConfig { public_url: "http://127.0.0.1:1".into(), download_url_ttl: 3600, dcv_window: 3600 };
    let service = Service::new(store.clone(), clock, TrustStore::default(), config, cipher.clone());
    let cas = service.ensure_cas().await.expect("CAs");
    assert_eq!(cas.len(), 5, "ECDSA P-256/P-384, RSA 2048/4096 and SM2");
    let account = store.ensure_account("issue-test", 0).await.expect("account");
    let caller = Caller { owner_uin: account.uin, app_id: account.app_id, credential: "test".into() };

    let cases = [
        ("ecdsa", vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "ECC 256", false),
        ("p384", vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], "ECC 384", false),
        ("rsa", vec!["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "RSA 2048", false),
        ("sm2", vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2"], "SM2", true),
    ];
    for (name, keygen, algorithm, sm) in cases {
        let key = format!("{name}.key");
        let mut args = vec!["genpkey"];
        args.extend(keygen);
        args.extend(["-out", &key]);
        assert!(openssl(&dir, &args).0);
        let subj = format!("/CN={name}.example.test");
        let csr = format!("{name}.csr");
        let mut req = vec!["req", "-new", "-key", &key, "-subj", &subj, "-out", &csr];
        if sm {
            req.push("-sm3");
        }
        let (ok, out) = openssl(&dir, &req);
        assert!(ok, "{out}");
        let csr_pem = std::fs::read_to_string(dir.join(&csr)).expect("csr");
        let id = service.issue_validated_csr(&caller, &csr_pem, 90).await.expect("issued");
        let cert = service.certificate(&caller, &id).await.expect("stored");
        assert_eq!((cert.status, cert.key_algorithm.as_str(), cert.is_sm), (CertStatus::Issued, algorithm, sm), "{name}");
        let pem_text = cert.cert_pem.expect("pem");
        let blocks = pem::blocks(&pem_text).expect("chain");
        assert_eq!(blocks.len(), 3, "leaf, intermediate, root");
        for (i, f) in ["leaf.pem", "int.pem", "root.pem"].iter().enumerate() {
            std::fs::write(dir.join(f), pem::encode("CERTIFICATE", &blocks[i].der)).expect("write");
        }
        let (ok, out) = if sm {
            // Each SM2 link as its own target: `-vfyopt` reaches only the target certificate in OpenSSL 3.0.
            let id = "distid:1234567812345678";
            let int = openssl(&dir, &["verify", "-vfyopt", id, "-CAfile", "root.pem", "int.pem"]);
            assert!(int.0, "{}", int.1);
            openssl(&dir, &["verify", "-vfyopt", id, "-partial_chain", "-CAfile", "int.pem", "-purpose", "sslserver", "leaf.pem"])
        } else {
            openssl(&dir, &["verify", "-CAfile", "root.pem", "-untrusted", "int.pem", "-purpose", "sslserver", "leaf.pem"])
        };
        assert!(ok, "{name}: {out}");
        let (_, a) = openssl(&dir, &["x509", "-in", "leaf.pem", "-pubkey", "-noout"]);
        let (_, b) = openssl(&dir, &["pkey", "-in", &key, "-pubout"]);
        assert_eq!(a.trim(), b.trim(), "{name}: the leaf certifies the CSR's key");
    }

    // A paid (non-free) certificate reissues into any family, SM2 included: the new order
    // holds a fresh SM2 key and the original shows status 11 until it is issued.
    let csr_pem = std::fs::read_to_string(dir.join("ecdsa.csr")).expect("csr");
    let original = service.issue_validated_csr(&caller, &csr_pem, 90).await.expect("issued");
    let input = certhub_service::replace::ReplaceInput {
        certificate_id: original.clone(),
        valid_type: "DNS".into(),
        csr: certhub_service::replace::CsrSource::Online { algo: Some("SM2".into()), parameter: None },
        key_password: None,
        reason: Some("国密".into()),
    };
    let new_id = service.replace(&caller, input.clone()).await.expect("reissue");
    let order = service.certificate(&caller, &new_id).await.expect("order");
    assert_eq!((order.status, order.key_algorithm.as_str(), order.is_sm, order.has_key), (CertStatus::Pending, "SM2", true, true));
    assert_eq!(service.certificate(&caller, &original).await.expect("original").status, CertStatus::Reissuing);
    let key = store.certificate_key(&caller.owner_uin, &new_id).await.expect("key").expect("kept");
    let key_pem = pem::encode("PRIVATE KEY", &key);
    let parsed = certhub_pki::parse::parse_private_key(&key_pem, None).expect("the kept key parses");
    assert_eq!(parsed.algorithm, certhub_pki::parse::KeyAlgorithm::Sm2);
    let bad = certhub_service::replace::ReplaceInput {
        csr: certhub_service::replace::CsrSource::Online { algo: Some("SM2".into()), parameter: Some("2048".into()) },
        ..input
    };
    assert!(matches!(service.replace(&caller, bad).await, Err(ServiceError::AlreadyReplaced | ServiceError::RenewAlgorithmInvalid(_))));

    // A CSR naming something that is not a domain, and a garbage CSR, are refused.
    assert!(openssl(&dir, &["req", "-new", "-key", "ecdsa.key", "-subj", "/CN=10.0.0.1", "-out", "ip.csr"]).0);
    let ip = std::fs::read_to_string(dir.join("ip.csr")).expect("csr");
    assert!(matches!(service.issue_validated_csr(&caller, &ip, 90).await, Err(ServiceError::RenewCsrInvalid(_))));
    assert!(matches!(service.issue_validated_csr(&caller, "garbage", 90).await, Err(ServiceError::RenewCsrInvalid(_))));
    let _ = std::fs::remove_dir_all(&dir);
}
