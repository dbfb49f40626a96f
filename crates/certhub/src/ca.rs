//! `certhub ca list|export`.

use certhub_pki::ca::CaFamily;
use certhub_pki::parse::{ParsedCert, pem};
use serde_json::json;

use crate::cli::{CaCommand, StoreArgs};
use crate::{config, wiring};

async fn service(store: &StoreArgs, public_url: &str) -> Result<certhub_service::Service, String> {
    let file = config::load_file(store.config.as_deref())?;
    let settings = config::store_settings(store, &file);
    let (db, cipher) = wiring::open(&settings).await?;
    Ok(wiring::service(db, &cipher, public_url.trim_end_matches('/'), 3600, 7 * 86_400))
}

fn describe(der: &[u8]) -> serde_json::Value {
    match ParsedCert::from_der(der) {
        Ok(c) => json!({"Subject": c.subject_display, "NotAfter": certhub_core::clock::format_timestamp(c.not_after),
                        "Sha256": c.sha256_fingerprint, "KeyAlgorithm": c.key_algorithm.vendor_name()}),
        Err(e) => json!({"Error": e.to_string()}),
    }
}

/// Runs a CA subcommand.
pub async fn run(cmd: CaCommand) -> Result<(), String> {
    match cmd {
        CaCommand::List { store, public_url, json } => {
            let svc = service(&store, &public_url).await?;
            let cas = svc.ensure_cas().await.map_err(|e| e.to_string())?;
            let rows: Vec<_> = cas
                .iter()
                .map(|c| json!({"Family": c.family, "Root": describe(&c.root_der), "Intermediate": describe(&c.intermediate_der)}))
                .collect();
            if json {
                println!("{}", serde_json::Value::Array(rows));
            } else {
                for r in rows {
                    println!("{}\n  root:         {}\n  intermediate: {}", r["Family"], r["Root"]["Subject"], r["Intermediate"]["Subject"]);
                }
            }
            Ok(())
        }
        CaCommand::Export { store, public_url, family, root_only } => {
            let fam = CaFamily::parse(&family)
                .ok_or_else(|| format!("unknown CA family {family}; use ecdsa, ecdsa-p384, rsa, rsa-4096 or sm2"))?;
            let svc = service(&store, &public_url).await?;
            svc.ensure_cas().await.map_err(|e| e.to_string())?;
            let ca = svc.ca(fam).await.map_err(|e| e.to_string())?.ok_or("CA missing after creation")?;
            if !root_only {
                print!("{}", pem::encode("CERTIFICATE", &ca.intermediate_der));
            }
            print!("{}", pem::encode("CERTIFICATE", &ca.root_der));
            Ok(())
        }
    }
}
