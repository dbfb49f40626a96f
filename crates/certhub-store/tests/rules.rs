//! The store's SQL filters select exactly what the model's rules (`certhub_core::rules`) say, record by record.

use std::sync::Arc;

use certhub_core::Store;
use certhub_core::model::{CertQuery, CertRecord, CertStatus, CertType, NewLog, Source};
use certhub_store::{Sealer, SqlStore};

fn record(
    n: usize,
    owner: &str,
    status: CertStatus,
    not_after: Option<i64>,
    source: Source,
    has_key: bool,
    cert_type: CertType,
) -> CertRecord {
    CertRecord {
        id: format!("r{n:07}"),
        owner_uin: owner.into(),
        project_id: 0,
        alias: String::new(),
        source,
        cert_type,
        package_type: None,
        product_name: String::new(),
        domain: format!("r{n}.example.com"),
        sans: vec![format!("r{n}.example.com")],
        status,
        status_msg: String::new(),
        verify_type: None,
        not_before: None,
        not_after,
        insert_time: 0,
        cert_pem: None,
        fingerprint: None,
        key_algorithm: "RSA 2048".into(),
        is_sm: false,
        has_key,
        ignore_expiry_notice: false,
        allow_download: true,
        tags: Vec::new(),
        certificate_use: None,
        extra: Default::default(),
        serial: None,
        revocation: None,
    }
}

#[tokio::test]
async fn listing_filters_agree_with_the_rules() {
    let dir = std::env::temp_dir().join(format!("certhub-rules-{}", certhub_core::ids::random_alnum(10)));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
    let store = SqlStore::connect(&url, Arc::new(Sealer::from_bytes(&[3u8; 32]).expect("cipher"))).await.expect("store");
    let owner = store.ensure_account("rules", 0).await.expect("account").uin;
    let now = 1_700_000_000;
    let day = 86_400;
    // Every status against notAfter values on and around each window's edges, both sources, keys and types.
    let edges = [
        None,
        Some(now - 31 * day),
        Some(now - 30 * day),
        Some(now - day),
        Some(now),
        Some(now + 1),
        Some(now + 30 * day),
        Some(now + 30 * day + 1),
    ];
    let mut all = Vec::new();
    for status in CertStatus::ALL {
        for not_after in edges {
            for (source, has_key, cert_type) in [
                (Source::Certhub, true, CertType::Server),
                (Source::Upload, true, CertType::Server),
                (Source::Upload, false, CertType::Server),
                (Source::Upload, true, CertType::Ca),
            ] {
                all.push(record(all.len(), &owner, status, not_after, source, has_key, cert_type));
            }
        }
    }
    for c in &all {
        let log = NewLog { cert_id: c.id.clone(), kind: "upload".into(), action: String::new(), actor: "t".into() };
        store.insert_certificate(c, c.has_key.then_some(b"KEY".as_slice()), &log, now).await.expect("insert");
    }
    let ids = |q: CertQuery| {
        let store = &store;
        let owner = &owner;
        async move {
            let (_, rows) = store.list_certificates(owner, &CertQuery { limit: 10_000, ..q }, now).await.expect("list");
            let mut ids: Vec<String> = rows.into_iter().map(|c| c.id).collect();
            ids.sort();
            ids
        }
    };
    let expect = |f: &dyn Fn(&CertRecord) -> bool| {
        let mut ids: Vec<String> = all.iter().filter(|c| f(c)).map(|c| c.id.clone()).collect();
        ids.sort();
        ids
    };
    let expiring = ids(CertQuery { expiring_only: true, ..Default::default() }).await;
    assert!(!expiring.is_empty());
    assert_eq!(expiring, expect(&|c| c.is_expiring(now)));
    assert_eq!(ids(CertQuery { renewable_only: true, ..Default::default() }).await, expect(&|c| c.is_renewable(now)));
    assert_eq!(ids(CertQuery { pending_issue_only: true, ..Default::default() }).await, expect(&|c| c.is_waiting()));
    let deployable = ids(CertQuery { deployable: Some(true), ..Default::default() }).await;
    assert!(!deployable.is_empty());
    assert_eq!(deployable, expect(&|c| c.is_deployable()));
    assert_eq!(ids(CertQuery { deployable: Some(false), ..Default::default() }).await, expect(&|c| !c.is_deployable()));
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
