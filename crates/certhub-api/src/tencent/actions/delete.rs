//! DeleteCertificate, DeleteCertificates, DescribeDeleteCertificatesTaskResult.

use certhub_core::jobs::DeleteStatus;
use certhub_service::ServiceError;
use serde::{Deserialize, Serialize};

use super::{Ctx, required};
use crate::tencent::ApiError;
use crate::tencent::params::Bool;

/// DeleteCertificate request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteCertificateRequest {
    /// Certificate ID.
    pub certificate_id: String,
    /// Check bound resources first (asynchronous deletion).
    pub is_check_resource: Option<Bool>,
}

/// DeleteCertificate response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteCertificateResponse {
    /// Deleted now.
    pub delete_result: bool,
    /// The asynchronous task.
    pub task_id: Option<String>,
}

/// Deletes one certificate, now or as a task.
pub async fn delete_certificate(ctx: &Ctx, req: DeleteCertificateRequest) -> Result<DeleteCertificateResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    if req.is_check_resource.is_some_and(|b| b.0) {
        ctx.service.certificate(&ctx.caller, &req.certificate_id).await?;
        let batch = ctx.service.delete_many(&ctx.caller, std::slice::from_ref(&req.certificate_id), true).await?;
        let task_id = batch.tasks.first().map(|t| t.task_id.clone());
        return Ok(DeleteCertificateResponse { delete_result: false, task_id });
    }
    ctx.service.delete(&ctx.caller, &req.certificate_id).await?;
    Ok(DeleteCertificateResponse { delete_result: true, task_id: None })
}

/// DeleteCertificates request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteCertificatesRequest {
    /// Certificates (at most 100).
    pub certificate_ids: Vec<String>,
    /// Check bound resources first (asynchronous deletion).
    pub is_sync: Option<Bool>,
}

/// BatchDeleteFail.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BatchDeleteFail {
    /// Certificate.
    pub cert_id: String,
    /// Reason.
    pub msg: String,
}

/// CertTaskId.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CertTaskId {
    /// Certificate.
    pub cert_id: String,
    /// Task.
    pub task_id: String,
}

/// DeleteCertificates response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteCertificatesResponse {
    /// Deleted.
    pub success: Vec<String>,
    /// Not deleted.
    pub fail: Vec<BatchDeleteFail>,
    /// Tasks (asynchronous mode).
    pub cert_task_ids: Vec<CertTaskId>,
}

/// Deletes up to 100 certificates.
pub async fn delete_certificates(ctx: &Ctx, req: DeleteCertificatesRequest) -> Result<DeleteCertificatesResponse, ApiError> {
    let batch =
        ctx.service.delete_many(&ctx.caller, &req.certificate_ids, req.is_sync.is_some_and(|b| b.0)).await.map_err(|e| match e {
            ServiceError::TooManyCertificates(n) => ApiError::new(
                "FailedOperation.CertificateSyncTaskCertificateIdCountInvalid",
                format!("At most {n} certificate IDs per call."),
            ),
            other => other.into(),
        })?;
    Ok(DeleteCertificatesResponse {
        success: batch.success,
        fail: batch.fail.into_iter().map(|(cert_id, msg)| BatchDeleteFail { cert_id, msg }).collect(),
        cert_task_ids: batch.tasks.into_iter().map(|t| CertTaskId { cert_id: t.cert_id, task_id: t.task_id }).collect(),
    })
}

/// DescribeDeleteCertificatesTaskResult request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeDeleteCertificatesTaskResultRequest {
    /// Tasks (at most 100).
    pub task_ids: Vec<String>,
}

/// DeleteTaskResult.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteTaskResult {
    /// Task.
    pub task_id: String,
    /// Certificate.
    pub cert_id: String,
    /// The vendor's task status (see `task_status`).
    pub status: i64,
    /// Failure reason.
    pub error: String,
    /// Time of this result.
    pub cache_time: String,
    /// The certificate's domains.
    pub domains: Vec<String>,
}

/// DescribeDeleteCertificatesTaskResult response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeDeleteCertificatesTaskResultResponse {
    /// Results.
    pub delete_task_result: Vec<DeleteTaskResult>,
}

/// The vendor's number for a task status: 0 running, 1 done, 2 failed (3 role missing, 4 resources bound and
/// 5 lookup timed out concern cloud resources, which nothing here binds).
fn task_status(s: DeleteStatus) -> i64 {
    match s {
        DeleteStatus::Running => 0,
        DeleteStatus::Deleted => 1,
        DeleteStatus::Failed => 2,
    }
}

/// Results of asynchronous deletions.
pub async fn describe_delete_certificates_task_result(
    ctx: &Ctx,
    req: DescribeDeleteCertificatesTaskResultRequest,
) -> Result<DescribeDeleteCertificatesTaskResultResponse, ApiError> {
    let tasks = ctx.service.delete_task_results(&ctx.caller, &req.task_ids).await.map_err(|e| match e {
        ServiceError::TooManyCertificates(n) => ApiError::new("InvalidParameterValue", format!("At most {n} task IDs per call.")),
        other => other.into(),
    })?;
    Ok(DescribeDeleteCertificatesTaskResultResponse {
        delete_task_result: tasks
            .into_iter()
            .map(|t| DeleteTaskResult {
                task_id: t.task_id,
                cert_id: t.cert_id,
                status: task_status(t.status),
                error: t.error,
                cache_time: certhub_core::clock::format_timestamp(t.updated_at),
                domains: t.domains,
            })
            .collect(),
    })
}
