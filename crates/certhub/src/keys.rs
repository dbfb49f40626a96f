//! `certhub key create|list|disable|enable`.

use certhub_core::model::KeyKind;
use serde_json::json;

use crate::cli::{KeyCommand, StoreArgs};
use crate::{config, wiring};

async fn service(store: &StoreArgs) -> Result<certhub_service::Service, String> {
    let file = config::load_file(store.config.as_deref())?;
    let settings = config::store_settings(store, &file);
    let (db, cipher) = wiring::open(&settings).await?;
    Ok(wiring::service(db, &cipher, "http://127.0.0.1", 3600, 7 * 86_400))
}

/// Runs a key subcommand.
pub async fn run(cmd: KeyCommand) -> Result<(), String> {
    match cmd {
        KeyCommand::Create { store, account, kind, admin, json } => {
            let kind = match (kind.as_str(), admin) {
                ("tencent", false) => KeyKind::Tencent,
                ("huawei", false) => KeyKind::Huawei,
                ("digicert", false) => KeyKind::Digicert,
                ("digicert", true) => KeyKind::DigicertAdmin,
                (_, true) => return Err("--admin applies only to --kind digicert".into()),
                (other, _) => return Err(format!("unknown key kind {other}; use tencent, huawei or digicert")),
            };
            let svc = service(&store).await?;
            let k = svc.create_key(&account, kind).await.map_err(|e| e.to_string())?;
            if matches!(kind, KeyKind::Digicert | KeyKind::DigicertAdmin) {
                // DigiCert clients send one opaque key: the ID and the secret together.
                let api_key = format!("{}{}", k.secret_id, k.secret_key);
                if json {
                    println!("{}", json!({"ApiKey": api_key, "KeyId": k.secret_id, "OwnerUin": k.account.uin, "Admin": admin}));
                } else {
                    println!("ApiKey:   {api_key}\nOwnerUin: {}", k.account.uin);
                }
                return Ok(());
            }
            if json {
                println!(
                    "{}",
                    json!({"SecretId": k.secret_id, "SecretKey": k.secret_key, "OwnerUin": k.account.uin, "AppId": k.account.app_id})
                );
            } else {
                println!(
                    "SecretId:  {}\nSecretKey: {}\nOwnerUin:  {}\nAppId:     {}",
                    k.secret_id, k.secret_key, k.account.uin, k.account.app_id
                );
            }
            Ok(())
        }
        KeyCommand::List { store, json } => {
            let svc = service(&store).await?;
            let keys = svc.list_keys().await.map_err(|e| e.to_string())?;
            if json {
                let rows: Vec<_> = keys
                    .iter()
                    .map(|k| {
                        json!({"SecretId": k.secret_id, "OwnerUin": k.owner_uin, "AppId": k.app_id,
                                    "Kind": k.kind.as_str(), "Enabled": k.enabled, "CreatedAt": k.created_at})
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
            } else {
                for k in keys {
                    let state = if k.enabled { "enabled" } else { "disabled" };
                    println!("{}  {}  {}  {}", k.secret_id, k.owner_uin, k.kind.as_str(), state);
                }
            }
            Ok(())
        }
        KeyCommand::Disable { store, secret_id } => set_enabled(&store, &secret_id, false).await,
        KeyCommand::Enable { store, secret_id } => set_enabled(&store, &secret_id, true).await,
    }
}

async fn set_enabled(store: &StoreArgs, secret_id: &str, enabled: bool) -> Result<(), String> {
    let svc = service(store).await?;
    if svc.set_key_enabled(secret_id, enabled).await.map_err(|e| e.to_string())? {
        println!("{secret_id} {}", if enabled { "enabled" } else { "disabled" });
        Ok(())
    } else {
        Err(format!("no key {secret_id}"))
    }
}
