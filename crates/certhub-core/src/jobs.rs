//! Background work, door-neutral: the kinds of job, what a queued job carries,
//! and how a run of one ends. The store leases queued jobs; the service's
//! scheduler runs every kind with its own workers, deadlines and concurrency.

use serde::Serialize;

/// A kind of background work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// A pending order: check its domain, then issue (queued, one job per order).
    Validation,
    /// A revocation waiting for its domain record (queued, one job per certificate).
    Revocation,
    /// A DeleteCertificates task (queued, one job per task).
    Delete,
    /// CRLs re-signed ahead of expiry and other nodes' newer CRLs picked up (a periodic sweep).
    Crl,
    /// OCSP answers re-signed ahead of expiry (a periodic sweep).
    Ocsp,
    /// Expired request-signature records deleted (a periodic sweep).
    Signatures,
}

impl JobKind {
    /// Every kind.
    pub const ALL: [JobKind; 6] =
        [JobKind::Validation, JobKind::Revocation, JobKind::Delete, JobKind::Crl, JobKind::Ocsp, JobKind::Signatures];

    /// The name stored in the database and shown in logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Validation => "validation",
            JobKind::Revocation => "revocation",
            JobKind::Delete => "delete",
            JobKind::Crl => "crl",
            JobKind::Ocsp => "ocsp",
            JobKind::Signatures => "signatures",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the kind's work is queued as leased jobs in the store; otherwise it is a periodic sweep with no rows.
    pub fn is_queued(self) -> bool {
        matches!(self, JobKind::Validation | JobKind::Revocation | JobKind::Delete)
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a queued job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for its `run_at`, or leased to a worker.
    Queued,
    /// Finished; nothing is left to do.
    Done,
    /// Given up.
    Failed,
}

impl JobState {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }
}

/// What a queued job carries beyond its account and certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum JobPayload {
    /// Nothing: validation and revocation jobs act on the certificate's own record.
    Certificate,
    /// A delete job reports its result to this DeleteCertificates task.
    DeleteTask {
        /// The task's ID.
        task_id: String,
    },
}

/// How one run of a queued job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Finished (the note says why, when it ended without doing its work).
    Done(String),
    /// Given up for good, and why.
    Failed(String),
    /// Not finished: run again at this time (unix seconds), and why it has not finished.
    RetryAt(i64, String),
}

impl JobOutcome {
    /// Finished, with nothing to say.
    pub fn done() -> Self {
        JobOutcome::Done(String::new())
    }

    /// Finished without doing its work, and why.
    pub fn skipped(why: &str) -> Self {
        JobOutcome::Done(why.to_string())
    }

    /// The state the job is left in.
    pub fn state(&self) -> JobState {
        match self {
            JobOutcome::Done(_) => JobState::Done,
            JobOutcome::Failed(_) => JobState::Failed,
            JobOutcome::RetryAt(..) => JobState::Queued,
        }
    }

    /// The note recorded with the job.
    pub fn note(&self) -> &str {
        match self {
            JobOutcome::Done(s) | JobOutcome::Failed(s) | JobOutcome::RetryAt(_, s) => s,
        }
    }
}

/// The state of a DeleteCertificates task, as its result reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeleteStatus {
    /// Queued or running.
    Running,
    /// The certificate was deleted.
    Deleted,
    /// The certificate could not be deleted (the task's error says why).
    Failed,
}

impl DeleteStatus {
    /// The number stored in the database.
    pub fn code(self) -> i64 {
        match self {
            DeleteStatus::Running => 0,
            DeleteStatus::Deleted => 1,
            DeleteStatus::Failed => 2,
        }
    }

    /// Parses a stored number.
    pub fn from_code(n: i64) -> Option<Self> {
        [DeleteStatus::Running, DeleteStatus::Deleted, DeleteStatus::Failed].into_iter().find(|s| s.code() == n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_round_trip_through_their_stored_names() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(JobKind::parse("validate"), None, "the pre-migration name is not a kind");
        assert_eq!(JobKind::ALL.iter().filter(|k| k.is_queued()).count(), 3);
        for s in [DeleteStatus::Running, DeleteStatus::Deleted, DeleteStatus::Failed] {
            assert_eq!(DeleteStatus::from_code(s.code()), Some(s));
        }
        assert_eq!(DeleteStatus::from_code(7), None);
        assert_eq!(JobOutcome::RetryAt(5, "later".into()).state(), JobState::Queued);
        assert_eq!(JobOutcome::Failed("no".into()).note(), "no");
    }
}
