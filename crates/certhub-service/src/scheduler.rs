//! The one scheduler of background work: one task per `JobKind` (validation,
//! revocation, deletes, CRL, OCSP, signature records), each on its own interval,
//! under its own per-pass deadline and with its own concurrency, so a kind that
//! stalls (a validation against a server that never answers) delays nothing but
//! itself. Queued kinds are durable leases in the store, so a pass cut short by
//! its deadline or by shutdown is picked up again later; each run ends in a typed
//! `JobOutcome` that the scheduler, not the job, records.

use std::time::Duration;

use certhub_core::jobs::{JobKind, JobOutcome};
use certhub_core::model::Job;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::validation::{JOB_LEASE, retry_delay};
use crate::{Service, ServiceError};

/// How long one job (one order's validation, one revocation's check) may run before it is put back for later.
pub const JOB_DEADLINE: Duration = Duration::from_secs(30);
/// How long `Scheduler::stop` lets a pass in flight finish before cutting it off.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// When one kind runs: every `interval`, each pass cut off after `deadline`, at most `concurrency` of its
/// queued jobs side by side (sweeps run alone).
#[derive(Debug, Clone, Copy)]
pub struct Every {
    /// The kind of work.
    pub kind: JobKind,
    /// Pause between the end of one pass and the start of the next.
    pub interval: Duration,
    /// Longest a pass may run.
    pub deadline: Duration,
    /// Most queued jobs leased and run at once by one pass.
    pub concurrency: i64,
}

impl Every {
    /// `kind` every `interval`, each pass cut off after `deadline`, with the usual concurrency.
    pub const fn new(kind: JobKind, interval: Duration, deadline: Duration) -> Self {
        Self { kind, interval, deadline, concurrency: DEFAULT_CONCURRENCY }
    }
}

/// Queued jobs one pass leases and runs side by side, unless its plan says otherwise.
pub const DEFAULT_CONCURRENCY: i64 = 16;

/// The production plan: queued jobs polled twice a second, CRL/OCSP upkeep every 5 s.
pub const DEFAULT_PLAN: &[Every] = &[
    Every::new(JobKind::Validation, Duration::from_millis(500), Duration::from_secs(90)),
    Every::new(JobKind::Revocation, Duration::from_millis(500), Duration::from_secs(90)),
    Every::new(JobKind::Crl, Duration::from_secs(5), Duration::from_secs(60)),
    Every::new(JobKind::Ocsp, Duration::from_secs(5), Duration::from_secs(60)),
    Every::new(JobKind::Delete, Duration::from_millis(500), Duration::from_secs(60)),
    Every::new(JobKind::Signatures, Duration::from_secs(30), Duration::from_secs(60)),
];

/// How one pass ended.
#[derive(Debug)]
pub enum Outcome {
    /// Finished; how many items it completed.
    Done(usize),
    /// Failed with this error.
    Failed(ServiceError),
    /// Cut off by its deadline.
    TimedOut,
}

/// The running background tasks; `stop` ends them.
pub struct Scheduler {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Scheduler {
    /// Asks every task to stop after its current pass, then cuts off those still running after a short grace.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for mut task in self.tasks {
            if tokio::time::timeout(STOP_GRACE, &mut task).await.is_err() {
                task.abort();
            }
        }
    }
}

impl Service {
    /// Starts one background task per entry of `plan`.
    pub fn start_scheduler(&self, plan: &[Every]) -> Scheduler {
        let (stop, watcher) = watch::channel(false);
        let tasks = plan
            .iter()
            .map(|every| {
                let (service, every, mut watcher) = (self.clone(), *every, watcher.clone());
                tokio::spawn(async move {
                    while !*watcher.borrow() {
                        let outcome = service.run_pass(every).await;
                        record(every.kind, &outcome);
                        tokio::select! {
                            () = tokio::time::sleep(every.interval) => {}
                            _ = watcher.changed() => {}
                        }
                    }
                })
            })
            .collect();
        Scheduler { stop, tasks }
    }

    /// One pass of one kind, under its deadline: its due queued jobs, or its sweep.
    pub async fn run_pass(&self, every: Every) -> Outcome {
        let pass = async {
            match every.kind {
                JobKind::Validation | JobKind::Revocation | JobKind::Delete => self.run_queued(every.kind, every.concurrency).await,
                JobKind::Crl => self.refresh_crls().await.map(|()| 0),
                JobKind::Ocsp => self.refresh_ocsp().await.map(|()| 0),
                JobKind::Signatures => {
                    self.store.prune_signatures(self.now()).await.map(|n| usize::try_from(n).unwrap_or(usize::MAX)).map_err(Into::into)
                }
            }
        };
        match tokio::time::timeout(every.deadline, pass).await {
            Ok(Ok(n)) => Outcome::Done(n),
            Ok(Err(e)) => Outcome::Failed(e),
            Err(_) => Outcome::TimedOut,
        }
    }

    /// Leases up to `limit` due jobs of `kind` and runs them side by side; returns how many ended done.
    pub(crate) async fn run_queued(&self, kind: JobKind, limit: i64) -> Result<usize, ServiceError> {
        let jobs = self.store.claim_jobs(kind, self.now(), JOB_LEASE, limit).await?;
        self.run_jobs(jobs).await
    }

    /// One run of a leased job, by its kind; the outcome says how it ended (the caller settles it).
    pub(crate) async fn run_job(&self, job: &Job) -> Result<JobOutcome, ServiceError> {
        match job.kind {
            JobKind::Validation => self.run_validation(job).await,
            JobKind::Revocation => self.run_revocation(job, self.now()).await,
            JobKind::Delete => self.run_delete_task(job).await,
            // Sweeps have no rows; one found in the queue is a mistake to end, not to retry forever.
            JobKind::Crl | JobKind::Ocsp | JobKind::Signatures => Ok(JobOutcome::Failed(format!("{} is not a queued kind", job.kind))),
        }
    }

    /// Runs a leased job under `deadline` and records its outcome; a run cut off is put back with the usual backoff.
    pub(crate) async fn run_and_settle(&self, job: &Job, deadline: Duration, cut_off: &str) -> Result<JobOutcome, ServiceError> {
        let outcome = match tokio::time::timeout(deadline, self.run_job(job)).await {
            Ok(outcome) => outcome?,
            Err(_) => {
                tracing::warn!(job = job.id, kind = %job.kind, cert = %job.cert_id, "{cut_off}; retried later");
                JobOutcome::RetryAt(self.now() + retry_delay(job.attempts), cut_off.to_string())
            }
        };
        self.store.settle_job(job.id, &outcome).await?;
        Ok(outcome)
    }

    /// Runs claimed jobs side by side, each under `JOB_DEADLINE`: one job that hangs (a server that never
    /// answers) neither delays the others of its pass nor keeps its lease; it is put back with the usual backoff.
    /// Returns how many jobs finished their work; the last error, if any job failed.
    async fn run_jobs(&self, jobs: Vec<Job>) -> Result<usize, ServiceError> {
        let mut set = tokio::task::JoinSet::new();
        for job in jobs {
            let service = self.clone();
            set.spawn(async move { service.run_and_settle(&job, JOB_DEADLINE, "timed out").await });
        }
        let (mut done, mut failed) = (0, None);
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(Ok(JobOutcome::Done(note))) if note.is_empty() => done += 1,
                Ok(Ok(_)) => {}
                Ok(Err(e)) => failed = Some(e),
                // A panicked job keeps its lease until it expires, then runs again.
                Err(e) => tracing::error!(error = %e, "job task panicked"),
            }
        }
        match failed {
            Some(e) if done == 0 => Err(e),
            Some(e) => {
                tracing::warn!(error = %e, done, "some jobs failed");
                Ok(done)
            }
            None => Ok(done),
        }
    }
}

/// Logs and meters a pass: errors and timeouts always, completions when something was done.
fn record(kind: JobKind, outcome: &Outcome) {
    let result = match outcome {
        Outcome::Done(0) => "idle",
        Outcome::Done(n) => {
            tracing::debug!(kind = kind.as_str(), done = n, "background pass");
            "done"
        }
        Outcome::Failed(e) => {
            tracing::warn!(kind = kind.as_str(), error = %e, "background pass failed");
            "failed"
        }
        Outcome::TimedOut => {
            tracing::warn!(kind = kind.as_str(), "background pass timed out");
            "timed_out"
        }
    };
    metrics::counter!("certhub_background_passes_total", "kind" => kind.as_str(), "result" => result).increment(1);
}
