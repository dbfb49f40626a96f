//! Batch and asynchronous deletion. A task is a row first and work second, so a
//! restart resumes whatever was still running.

use certhub_core::model::DeleteTask;

use crate::logs::log_row;
use crate::{Caller, Service, ServiceError};

/// Outcome of a synchronous batch delete.
#[derive(Debug, Clone, Default)]
pub struct BatchDelete {
    /// Deleted.
    pub success: Vec<String>,
    /// Not deleted, with the reason.
    pub fail: Vec<(String, String)>,
    /// Tasks created (asynchronous mode).
    pub tasks: Vec<DeleteTask>,
}

/// Most IDs in one batch.
pub const MAX_BATCH: usize = 100;

impl Service {
    /// Deletes certificates: at once, or as tasks when `check_resources` is set.
    pub async fn delete_many(&self, caller: &Caller, ids: &[String], check_resources: bool) -> Result<BatchDelete, ServiceError> {
        if ids.is_empty() {
            return Err(ServiceError::MissingParameter("CertificateIds".into()));
        }
        if ids.len() > MAX_BATCH {
            return Err(ServiceError::TooManyCertificates(MAX_BATCH));
        }
        let mut out = BatchDelete::default();
        if check_resources {
            let mut wanted = Vec::new();
            for id in ids {
                let domains = match self.certificate(caller, id).await {
                    Ok(c) => c.sans,
                    Err(ServiceError::CertificateNotFound) => Vec::new(),
                    Err(e) => return Err(e),
                };
                wanted.push((id.clone(), domains));
            }
            out.tasks = self.store.create_delete_tasks(&caller.owner_uin, &wanted, self.now()).await?;
            return Ok(out);
        }
        for id in ids {
            match self.delete(caller, id).await {
                Ok(()) => out.success.push(id.clone()),
                Err(ServiceError::CertificateNotFound) => out.fail.push((id.clone(), "证书不存在".into())),
                Err(ServiceError::InvalidStatus) => out.fail.push((id.clone(), "当前的证书状态不支持此操作".into())),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The caller's tasks with these IDs.
    pub async fn delete_task_results(&self, caller: &Caller, ids: &[String]) -> Result<Vec<DeleteTask>, ServiceError> {
        if ids.is_empty() {
            return Err(ServiceError::MissingParameter("TaskIds".into()));
        }
        if ids.len() > MAX_BATCH {
            return Err(ServiceError::TooManyCertificates(MAX_BATCH));
        }
        Ok(self.store.delete_tasks(&caller.owner_uin, ids).await?)
    }

    /// Runs every pending delete task once; returns how many finished.
    pub async fn run_delete_tasks(&self) -> Result<usize, ServiceError> {
        let pending = self.store.pending_delete_tasks().await?;
        let mut done = 0;
        for task in pending {
            let caller = Caller::system(&task.owner_uin);
            let (status, error) = match self.store.certificate(&task.owner_uin, &task.cert_id).await? {
                None => (2, "证书不存在".to_string()),
                Some(cert) => match self.check_deletable(&cert) {
                    Err(_) => (2, "当前的证书状态不支持此操作".to_string()),
                    // No cloud resources can be bound to a certificate yet, so nothing blocks it.
                    Ok(()) => {
                        let log = log_row(&caller, &task.cert_id, "delete", "删除");
                        if self.store.delete_certificate(&task.owner_uin, &task.cert_id, &log, self.now()).await? {
                            (1, String::new())
                        } else {
                            (2, "证书不存在".to_string())
                        }
                    }
                },
            };
            self.store.finish_delete_task(&task.task_id, status, &error, self.now()).await?;
            done += 1;
        }
        Ok(done)
    }
}
