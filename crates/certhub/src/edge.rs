//! The HTTP listener: a bounded number of connections, each with a header-read
//! deadline and an idle keep-alive deadline, and graceful shutdown.
//!
//! `axum::serve` keeps every connection for as long as the peer likes, so a few
//! thousand sockets that dribble headers or sit idle lock everyone else out.
//! Here each connection has a watchdog that drops it when
//! - a request's head has not fully arrived `header_timeout` after its first byte
//!   (for a new connection: after the accept), or
//! - it has moved no bytes for `idle_timeout` between requests.
//!
//! Connections beyond `max_connections` are answered with a fixed `503` written
//! without blocking and closed, before any HTTP machinery exists for them. When
//! the limit is reached, idle keep-alive connections are closed first to make room.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

/// Limits applied to every connection.
#[derive(Debug, Clone, Copy)]
pub struct EdgeSettings {
    /// Most connections served at once; more are refused.
    pub max_connections: usize,
    /// Longest time a request head may take to arrive.
    pub header_timeout: Duration,
    /// Longest time a kept-alive connection may sit between requests.
    pub idle_timeout: Duration,
}

/// What refused connections read: a complete response, so a client sees why.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 22\r\nconnection: close\r\n\r\ntoo many connections\r\n";
/// Longest wait for in-flight requests after the shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// How long a new connection waits for an idle one to give up its place.
const RECLAIM_WAIT: Duration = Duration::from_millis(200);

/// Where one connection stands, as its watchdog needs it.
#[derive(Debug)]
struct Phase {
    /// Requests handed to the router and not yet answered.
    in_flight: usize,
    /// Whether bytes of a request not yet handed to the router have arrived (or no request was served yet).
    reading_head: bool,
    /// When the current head started (or the connection was accepted).
    head_started: Instant,
    /// Last time bytes moved either way.
    last_io: Instant,
}

impl Phase {
    fn idle(&self) -> bool {
        self.in_flight == 0 && !self.reading_head
    }
}

/// A connection's shared state: its phase and the listener-wide count of idle connections.
struct Tracker {
    phase: Mutex<Phase>,
    idle_count: Arc<AtomicUsize>,
    /// Wakes the watchdog when the phase changes (not on every byte: that only pushes deadlines later).
    changed: Notify,
}

impl Tracker {
    fn new(idle_count: Arc<AtomicUsize>) -> Self {
        let now = Instant::now();
        Tracker {
            phase: Mutex::new(Phase { in_flight: 0, reading_head: true, head_started: now, last_io: now }),
            idle_count,
            changed: Notify::new(),
        }
    }

    /// Applies a change, keeping the idle count right.
    fn update(&self, f: impl FnOnce(&mut Phase)) {
        let Ok(mut p) = self.phase.lock() else { return };
        let was = (p.in_flight, p.reading_head);
        let was_idle = p.idle();
        f(&mut p);
        if was != (p.in_flight, p.reading_head) {
            self.changed.notify_one();
        }
        match (was_idle, p.idle()) {
            (false, true) => {
                self.idle_count.fetch_add(1, Ordering::Relaxed);
            }
            (true, false) => {
                self.idle_count.fetch_sub(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }

    fn read(&self) {
        let now = Instant::now();
        self.update(|p| {
            if p.in_flight == 0 && !p.reading_head {
                p.reading_head = true;
                p.head_started = now;
            }
            p.last_io = now;
        });
    }

    fn wrote(&self) {
        let now = Instant::now();
        self.update(|p| p.last_io = now);
    }

    fn request_started(&self) {
        self.update(|p| {
            p.in_flight += 1;
            p.reading_head = false;
        });
    }

    fn request_done(&self) {
        let now = Instant::now();
        self.update(|p| {
            p.in_flight = p.in_flight.saturating_sub(1);
            p.last_io = now;
        });
    }

    /// When the connection is due to be dropped (None: a request is being answered), and whether it is idle.
    fn deadline(&self, s: &EdgeSettings) -> (Option<Instant>, bool) {
        let Ok(p) = self.phase.lock() else { return (Some(Instant::now()), false) };
        if p.in_flight > 0 {
            (None, false)
        } else if p.reading_head {
            (Some(p.head_started + s.header_timeout), false)
        } else {
            (Some(p.last_io + s.idle_timeout), true)
        }
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        if self.phase.lock().is_ok_and(|p| p.idle()) {
            self.idle_count.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// The socket, reporting to its tracker whenever bytes move.
struct TrackedIo {
    inner: TcpStream,
    tracker: Arc<Tracker>,
}

impl AsyncRead for TrackedIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.tracker.read();
        }
        r
    }
}

impl AsyncWrite for TrackedIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.tracker.wrote();
        }
        r
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Listener-wide state shared with every connection.
struct Shared {
    router: Router,
    settings: EdgeSettings,
    idle_count: Arc<AtomicUsize>,
    /// Wakes idle connections so they give up their place.
    reclaim: Notify,
    shutdown: watch::Receiver<bool>,
}

/// Serves `router` on `listener` until `signal` completes, then lets in-flight requests finish.
pub async fn serve(listener: TcpListener, router: Router, settings: EdgeSettings, signal: impl Future<Output = ()>) {
    let (stop, shutdown) = watch::channel(false);
    let permits = Arc::new(Semaphore::new(settings.max_connections));
    let shared = Arc::new(Shared { router, settings, idle_count: Arc::new(AtomicUsize::new(0)), reclaim: Notify::new(), shutdown });
    tokio::pin!(signal);
    loop {
        let stream = tokio::select! {
            () = &mut signal => break,
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) if shared.idle_count.load(Ordering::Relaxed) > 0 => {
                shared.reclaim.notify_waiters();
                tokio::time::timeout(RECLAIM_WAIT, permits.clone().acquire_owned()).await.ok().and_then(Result::ok)
            }
            Err(_) => None,
        };
        let Some(permit) = permit else {
            metrics::counter!("certhub_connections_refused_total").increment(1);
            // Best effort and never blocking: a fresh socket's send buffer takes this at once.
            let _ = stream.try_write(REFUSAL);
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            connection(stream, &shared).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let all = u32::try_from(settings.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(SHUTDOWN_GRACE, permits.acquire_many(all)).await.is_err() {
        tracing::warn!("connections still open after the shutdown grace period; closing them");
    }
}

/// Serves one connection until it ends, its watchdog drops it, or shutdown lets it finish.
async fn connection(stream: TcpStream, shared: &Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let tracker = Arc::new(Tracker::new(shared.idle_count.clone()));
    let io = TokioIo::new(TrackedIo { inner: stream, tracker: tracker.clone() });
    let service_tracker = tracker.clone();
    let router = shared.router.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let router = router.clone();
        let tracker = service_tracker.clone();
        tracker.request_started();
        async move {
            let response = router.oneshot(req.map(axum::body::Body::new)).await;
            tracker.request_done();
            response
        }
    });
    // The watchdog below owns all deadlines; hyper's own header timer would also cut idle keep-alives short.
    let conn = hyper::server::conn::http1::Builder::new().header_read_timeout(None).serve_connection(io, service);
    tokio::pin!(conn);
    let mut shutdown = shared.shutdown.clone();
    let mut draining = *shutdown.borrow();
    if draining {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        let (deadline, idle) = tracker.deadline(&shared.settings);
        let wake = deadline.unwrap_or_else(|| Instant::now() + shared.settings.idle_timeout);
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(wake) => {
                if tracker.deadline(&shared.settings).0.is_some_and(|d| d <= Instant::now()) {
                    metrics::counter!("certhub_connections_timed_out_total").increment(1);
                    return;
                }
            }
            () = shared.reclaim.notified(), if idle => {
                // Re-checked: a request may have begun since the phase was read.
                if tracker.deadline(&shared.settings).1 {
                    return;
                }
            }
            () = tracker.changed.notified() => {}
            r = shutdown.changed(), if !draining => {
                draining = true;
                if r.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
