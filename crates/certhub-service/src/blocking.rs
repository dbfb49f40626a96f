//! Expensive CPU work (password-based key derivation, RSA key generation) runs on
//! tokio's blocking threads, at most one job per core at a time, so a burst of such
//! requests queues here instead of starving the async threads that answer `/healthz`,
//! CRL and OCSP.

use std::sync::{Arc, LazyLock};

use tokio::sync::Semaphore;

use crate::ServiceError;

static PERMITS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(limit())));

/// How many expensive jobs may run at once: the number of cores.
pub fn limit() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `job` on a blocking thread once a permit is free.
pub(crate) async fn run<T: Send + 'static>(
    what: &'static str,
    job: impl FnOnce() -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ServiceError> {
    let permit = PERMITS.clone().acquire_owned().await.map_err(|_| ServiceError::Export(format!("{what}: worker pool closed")))?;
    // The permit moves into the job: a caller that goes away does not free it
    // while the work is still running.
    tokio::task::spawn_blocking(move || {
        let out = job();
        drop(permit);
        out
    })
    .await
    .map_err(|e| ServiceError::Export(format!("{what} task: {e}")))?
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_more_jobs_than_cores_at_once() {
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static PEAK: AtomicUsize = AtomicUsize::new(0);
        let jobs: Vec<_> = (0..limit() * 3)
            .map(|_| {
                tokio::spawn(run("test", || {
                    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                    PEAK.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(30));
                    RUNNING.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                }))
            })
            .collect();
        for j in jobs {
            j.await.expect("join").expect("job");
        }
        assert_eq!(PEAK.load(Ordering::SeqCst), limit());
    }
}
