//! DescribeCertificateOperateLogs.

use certhub_core::clock::{format_timestamp, parse_timestamp};
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::tencent::ApiError;
use crate::tencent::params::Int;

/// DescribeCertificateOperateLogs request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeCertificateOperateLogsRequest {
    /// Offset.
    pub offset: Option<Int>,
    /// Page size (default 20, at most 1000).
    pub limit: Option<Int>,
    /// From (`YYYY-MM-DD hh:mm:ss`), default 15 days ago.
    pub start_time: Option<String>,
    /// To, default now.
    pub end_time: Option<String>,
}

/// OperationLog.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperationLog {
    /// Description.
    pub action: String,
    /// When.
    pub created_on: String,
    /// Root account.
    pub uin: String,
    /// Who did it.
    pub sub_account_uin: String,
    /// Certificate.
    pub cert_id: String,
    /// Type.
    #[serde(rename = "Type")]
    pub kind: String,
}

/// DescribeCertificateOperateLogs response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeCertificateOperateLogsResponse {
    /// Total matching.
    pub all_total: i64,
    /// Returned in this page.
    pub total_count: i64,
    /// Logs, newest first.
    pub operate_logs: Vec<OperationLog>,
}

fn time_param(name: &str, v: Option<&str>) -> Result<Option<i64>, ApiError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_timestamp(s)
            .map(Some)
            .ok_or_else(|| ApiError::new("InvalidParameterValue", format!("{name} must be `YYYY-MM-DD hh:mm:ss`, not {s:?}"))),
    }
}

/// A page of the account's operation log.
pub async fn describe_certificate_operate_logs(
    ctx: &Ctx,
    req: DescribeCertificateOperateLogsRequest,
) -> Result<DescribeCertificateOperateLogsResponse, ApiError> {
    let offset = req.offset.map_or(0, |o| o.0);
    if offset < 0 {
        return Err(ApiError::new("InvalidParameterValue", "Offset must not be negative"));
    }
    let limit = match req.limit.map(|l| l.0) {
        None | Some(0) => 20,
        Some(l) if l < 0 => return Err(ApiError::new("InvalidParameterValue", "Limit must not be negative")),
        Some(l) => l.min(1000),
    };
    let start = time_param("StartTime", req.start_time.as_deref())?;
    let end = time_param("EndTime", req.end_time.as_deref())?;
    let (total, logs) = ctx.service.operate_logs(&ctx.caller, start, end, offset, limit).await?;
    let operate_logs: Vec<OperationLog> = logs
        .into_iter()
        .map(|l| OperationLog {
            action: l.action,
            created_on: format_timestamp(l.created_at),
            uin: l.owner_uin,
            sub_account_uin: l.actor,
            cert_id: l.cert_id,
            kind: l.kind,
        })
        .collect();
    Ok(DescribeCertificateOperateLogsResponse { all_total: total, total_count: operate_logs.len() as i64, operate_logs })
}
