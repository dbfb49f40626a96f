//! `certhub request list|approve|reject`: the administrator's side of DigiCert-style revocation requests.

use certhub_core::model::RevokeRequestStatus;
use serde_json::json;

use crate::cli::{RequestCommand, StoreArgs};
use crate::{config, wiring};

async fn service(store: &StoreArgs) -> Result<certhub_service::Service, String> {
    let file = config::load_file(store.config.as_deref())?;
    let settings = config::store_settings(store, &file);
    let (db, cipher) = wiring::open(&settings).await?;
    let public_url = file.public_url.clone().unwrap_or_else(|| "http://127.0.0.1:8080".into());
    Ok(wiring::service(db, &cipher, &public_url, 3600, 7 * 86_400))
}

/// Every request status and its name on the command line.
const STATUSES: [(RevokeRequestStatus, &str); 3] =
    [(RevokeRequestStatus::Pending, "pending"), (RevokeRequestStatus::Approved, "approved"), (RevokeRequestStatus::Rejected, "rejected")];

fn status_name(s: RevokeRequestStatus) -> &'static str {
    STATUSES.iter().find(|(k, _)| *k == s).map_or("", |(_, n)| n)
}

/// Runs a request subcommand.
pub async fn run(cmd: RequestCommand) -> Result<(), String> {
    match cmd {
        RequestCommand::List { store, status, json } => {
            let svc = service(&store).await?;
            let rows = match status.as_deref() {
                None => svc.revoke_requests(None).await.map_err(|e| e.to_string())?,
                // A status no request can have lists nothing.
                Some(name) => match STATUSES.iter().find(|(_, n)| *n == name) {
                    Some((s, _)) => svc.revoke_requests(Some(*s)).await.map_err(|e| e.to_string())?,
                    None => Vec::new(),
                },
            };
            if json {
                let out: Vec<_> = rows
                    .iter()
                    .map(|r| {
                        json!({"Id": r.id, "CertificateId": r.cert_id, "OwnerUin": r.owner_uin, "Status": status_name(r.status),
                               "Comments": r.comments, "Requester": r.requester, "ProcessorComment": r.processor_comment,
                               "CreatedAt": r.created_at})
                    })
                    .collect();
                println!("{}", serde_json::Value::Array(out));
            } else {
                for r in rows {
                    println!("{}  {}  {}  {}  {}", r.id, status_name(r.status), r.cert_id, r.owner_uin, r.comments);
                }
            }
            Ok(())
        }
        RequestCommand::Approve { store, id, comment } => decide(&store, id, true, &comment).await,
        RequestCommand::Reject { store, id, comment } => decide(&store, id, false, &comment).await,
    }
}

async fn decide(store: &StoreArgs, id: i64, approve: bool, comment: &str) -> Result<(), String> {
    let svc = service(store).await?;
    let r = svc.decide_revoke_request(id, approve, comment).await.map_err(|e| e.to_string())?;
    println!("request {} {}: certificate {}", r.id, status_name(r.status), r.cert_id);
    Ok(())
}
