//! One `authenticate` for every door: a key is found, enabled and of a kind the
//! door accepts, checked in that order, each refusal with its own cause.

use std::sync::Arc;

use certhub_core::model::KeyKind;
use certhub_core::{Clock, Store, SystemClock};
use certhub_pki::parse::TrustStore;
use certhub_service::keys::AuthError;
use certhub_service::{Service, ServiceConfig};
use certhub_store::{Sealer, SqlStore};

async fn service() -> Service {
    let dir = std::env::temp_dir().join(format!("certhub-auth-{}", certhub_core::ids::random_alnum(10)));
    std::fs::create_dir_all(&dir).expect("dir");
    let cipher = Arc::new(Sealer::from_bytes(&[2u8; 32]).expect("cipher"));
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let store: Arc<dyn Store> = Arc::new(SqlStore::connect(&url, cipher.clone()).await.expect("store"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let config = ServiceConfig { public_url: "http://127.0.0.1:1".into(), download_url_ttl: 3600, dcv_window: 3600 };
    Service::new(store, clock, TrustStore::default(), config, cipher.clone())
}

#[tokio::test]
async fn a_key_authenticates_only_when_known_enabled_and_of_an_accepted_kind() {
    let svc = service().await;
    let key = svc.create_key("auth", KeyKind::DigicertAdmin).await.expect("key");

    let ok = svc.authenticate(&[KeyKind::Digicert, KeyKind::DigicertAdmin], &key.secret_id).await.expect("accepted");
    assert_eq!(ok.caller.owner_uin, key.account.uin);
    assert_eq!(ok.caller.app_id, key.account.app_id);
    assert_eq!(ok.caller.credential, key.secret_id);
    assert_eq!(ok.kind, KeyKind::DigicertAdmin);
    assert_eq!(ok.secret, key.secret_key.as_bytes());

    let wrong = svc.authenticate(&[KeyKind::Tencent], &key.secret_id).await;
    assert!(matches!(wrong, Err(AuthError::WrongKind(KeyKind::DigicertAdmin))), "{wrong:?}");
    let unknown = svc.authenticate(&[KeyKind::Tencent], "AKIDnosuchkey").await;
    assert!(matches!(unknown, Err(AuthError::Unknown)), "{unknown:?}");

    // Disabled is reported before the kind: a disabled key says nothing about which door it opens.
    assert!(svc.set_key_enabled(&key.secret_id, false).await.expect("disable"));
    let disabled = svc.authenticate(&[KeyKind::Tencent], &key.secret_id).await;
    assert!(matches!(disabled, Err(AuthError::Disabled)), "{disabled:?}");

    let account = svc.account(&key.account.uin).await.expect("read").expect("the account");
    assert_eq!(account.name, "auth");
    assert!(svc.account("no-such-uin").await.expect("read").is_none());
}
