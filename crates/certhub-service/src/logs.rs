//! The operation log as DescribeCertificateOperateLogs reads it.

use certhub_core::model::{LogQuery, NewLog, OperateLog};

use crate::{Caller, Service, ServiceError};

/// Default window of a log query: the last 15 days.
pub const DEFAULT_WINDOW: i64 = 15 * 86_400;

/// Builds a log row in the vendor's wording: `用户[uin: U] 动作 证书[id: C]`.
pub fn log_row(caller: &Caller, cert_id: &str, kind: &str, verb: &str) -> NewLog {
    NewLog {
        cert_id: cert_id.to_string(),
        kind: kind.to_string(),
        action: format!("用户[uin: {}] {verb} 证书[id: {cert_id}]", caller.owner_uin),
        actor: caller.owner_uin.clone(),
    }
}

impl Service {
    /// A page of the caller's logs in `[start, end]` (defaults: 15 days ago, now).
    pub async fn operate_logs(
        &self,
        caller: &Caller,
        start: Option<i64>,
        end: Option<i64>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<OperateLog>), ServiceError> {
        let now = self.now();
        let end = end.unwrap_or(now);
        let start = start.unwrap_or(now - DEFAULT_WINDOW);
        if start > end {
            return Err(ServiceError::InvalidParameterValue("StartTime is after EndTime".into()));
        }
        let q = LogQuery { start, end, offset, limit };
        Ok(self.store.list_logs(&caller.owner_uin, &q).await?)
    }
}
