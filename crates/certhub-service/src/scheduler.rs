//! Background work: one task per kind of work (validation, revocation, CRL,
//! OCSP refresh, deletes), each on its own interval and under its own per-pass
//! deadline, so a kind that stalls (a validation against a server that never
//! answers) delays nothing but itself. Jobs are durable leases in the store, so
//! a pass cut short by its deadline or by shutdown is picked up again later.

use std::future::Future;
use std::time::Duration;

use certhub_core::model::Job;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::validation::retry_delay;
use crate::{Service, ServiceError};

/// How long one job (one order's validation, one revocation's check) may run before it is put back for later.
pub const JOB_DEADLINE: Duration = Duration::from_secs(30);
/// How long `Scheduler::stop` lets a pass in flight finish before cutting it off.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A kind of background work; each runs in its own task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Pending orders: check the domain, issue.
    Validation,
    /// Revocations waiting for their domain record (status 9 → 10).
    Revocation,
    /// CRLs: re-signed ahead of expiry, other nodes' newer CRLs picked up.
    Crl,
    /// OCSP answers re-signed ahead of expiry.
    Ocsp,
    /// DeleteCertificates tasks.
    Delete,
    /// Expired request-signature records (replay protection) deleted.
    Signatures,
}

impl Kind {
    /// The kind's name in logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Validation => "validation",
            Kind::Revocation => "revocation",
            Kind::Crl => "crl",
            Kind::Ocsp => "ocsp",
            Kind::Delete => "delete",
            Kind::Signatures => "signatures",
        }
    }
}

/// When one kind runs: every `interval`, each pass cut off after `deadline`.
#[derive(Debug, Clone, Copy)]
pub struct Every {
    /// The kind of work.
    pub kind: Kind,
    /// Pause between the end of one pass and the start of the next.
    pub interval: Duration,
    /// Longest a pass may run.
    pub deadline: Duration,
}

/// The production plan: jobs polled twice a second, CRL/OCSP upkeep every 5 s.
pub const DEFAULT_PLAN: &[Every] = &[
    Every { kind: Kind::Validation, interval: Duration::from_millis(500), deadline: Duration::from_secs(90) },
    Every { kind: Kind::Revocation, interval: Duration::from_millis(500), deadline: Duration::from_secs(90) },
    Every { kind: Kind::Crl, interval: Duration::from_secs(5), deadline: Duration::from_secs(60) },
    Every { kind: Kind::Ocsp, interval: Duration::from_secs(5), deadline: Duration::from_secs(60) },
    Every { kind: Kind::Delete, interval: Duration::from_millis(500), deadline: Duration::from_secs(60) },
    Every { kind: Kind::Signatures, interval: Duration::from_secs(30), deadline: Duration::from_secs(60) },
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

    /// One pass of one kind, under its deadline.
    pub async fn run_pass(&self, every: Every) -> Outcome {
        let pass = async {
            match every.kind {
                Kind::Validation => self.run_validations().await,
                Kind::Revocation => self.run_revocations().await,
                Kind::Crl => self.refresh_crls().await.map(|()| 0),
                Kind::Ocsp => self.refresh_ocsp().await.map(|()| 0),
                Kind::Delete => self.run_delete_tasks().await,
                Kind::Signatures => {
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

    /// Runs claimed jobs side by side, each under `JOB_DEADLINE`: one job that hangs (a server that never
    /// answers) neither delays the others of its pass nor keeps its lease; it is put back with the usual backoff.
    /// Returns how many jobs reported completion; the last error, if any job failed.
    pub(crate) async fn run_jobs<F, Fut>(&self, jobs: Vec<Job>, run: F) -> Result<usize, ServiceError>
    where
        F: Fn(Service, Job) -> Fut,
        Fut: Future<Output = Result<bool, ServiceError>> + Send + 'static,
    {
        let mut set = tokio::task::JoinSet::new();
        for job in jobs {
            let (service, work) = (self.clone(), run(self.clone(), job.clone()));
            set.spawn(async move {
                match tokio::time::timeout(JOB_DEADLINE, work).await {
                    Ok(r) => r,
                    Err(_) => {
                        tracing::warn!(job = job.id, kind = %job.kind, cert = %job.cert_id, "job timed out; retried later");
                        let at = service.now() + retry_delay(job.attempts);
                        service.store.retry_job(job.id, at, "timed out").await?;
                        Ok(false)
                    }
                }
            });
        }
        let (mut done, mut failed) = (0, None);
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(Ok(true)) => done += 1,
                Ok(Ok(false)) => {}
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
fn record(kind: Kind, outcome: &Outcome) {
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
