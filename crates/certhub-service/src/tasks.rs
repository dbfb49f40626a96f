//! Batch and asynchronous deletion. A task is a row first and a queued delete job
//! second (written together), so a restart resumes whatever was still running and
//! only the node holding the job's lease writes the task's result.

use certhub_core::jobs::{DeleteStatus, JobKind, JobOutcome, JobPayload};
use certhub_core::model::{DeleteTask, Job};

use crate::logs::log_row;
use crate::scheduler::DEFAULT_CONCURRENCY;
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

    /// Runs the due delete jobs once; returns how many certificates were deleted.
    pub async fn run_delete_tasks(&self) -> Result<usize, ServiceError> {
        self.run_queued(JobKind::Delete, DEFAULT_CONCURRENCY).await
    }

    /// One delete job: deletes its certificate when it may be deleted and records the task's result.
    pub(crate) async fn run_delete_task(&self, job: &Job) -> Result<JobOutcome, ServiceError> {
        let JobPayload::DeleteTask { task_id } = &job.payload else {
            return Ok(JobOutcome::Failed("a delete job without its task".into()));
        };
        let caller = Caller::system(&job.owner_uin);
        let (status, error) = match self.store.certificate(&job.owner_uin, &job.cert_id).await? {
            None => (DeleteStatus::Failed, "证书不存在"),
            Some(cert) => match self.check_deletable(&cert) {
                Err(_) => (DeleteStatus::Failed, "当前的证书状态不支持此操作"),
                // No cloud resources can be bound to a certificate yet, so nothing blocks it.
                Ok(()) => {
                    let log = log_row(&caller, &job.cert_id, "delete", "删除");
                    if self.store.delete_certificate(&job.owner_uin, &job.cert_id, &log, self.now()).await? {
                        (DeleteStatus::Deleted, "")
                    } else {
                        (DeleteStatus::Failed, "证书不存在")
                    }
                }
            },
        };
        // A task that already has a result (an earlier run whose lease lapsed) keeps it.
        if !self.store.finish_delete_task(task_id, status, error, self.now()).await? {
            return Ok(JobOutcome::skipped("the task already has its result"));
        }
        Ok(match status {
            DeleteStatus::Deleted => JobOutcome::done(),
            _ => JobOutcome::skipped(error),
        })
    }
}
