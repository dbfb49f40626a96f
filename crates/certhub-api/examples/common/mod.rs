//! The load driver both load generators share: keep-alive connections sending
//! the requests a generator makes (the n-th request of the run is `request(n)`) until a deadline, reconnecting when the server closes,
//! judging each answer with the caller's check, and reporting throughput and
//! latency percentiles.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One response: lower-case head and body.
pub struct Response<'a> {
    pub head: String,
    pub body: &'a [u8],
}

/// Reads one response; returns the check's verdict and whether the server closes the connection.
async fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>, check: fn(&Response<'_>) -> bool) -> std::io::Result<(bool, bool)> {
    buf.clear();
    let mut chunk = [0u8; 65536];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize =
                head.lines().find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))).unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = s.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let close = head.contains("connection: close") || head.starts_with("http/1.0");
            let ok = check(&Response { body: &buf[end + 4..end + 4 + len], head });
            return Ok((ok, close));
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Drives `conns` connections for `secs` seconds and prints one summary line.
pub async fn run<F>(addr: &str, request: F, conns: usize, secs: u64, check: fn(&Response<'_>) -> bool)
where
    F: Fn(u64) -> Vec<u8> + Send + Sync + 'static,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    let request = Arc::new(request);
    let counter = Arc::new(AtomicU64::new(0));
    for _ in 0..conns {
        let (addr, request, counter) = (addr.to_string(), request.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors) = (Vec::new(), 0u64);
            let mut buf = Vec::with_capacity(65536);
            let mut stream: Option<TcpStream> = None;
            while Instant::now() < deadline {
                let t = Instant::now();
                if stream.is_none() {
                    stream = TcpStream::connect(&addr).await.ok();
                    if let Some(s) = &stream {
                        let _ = s.set_nodelay(true);
                    }
                }
                let Some(s) = stream.as_mut() else {
                    errors += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                };
                let bytes = request(counter.fetch_add(1, Ordering::Relaxed));
                let result = match s.write_all(&bytes).await {
                    Ok(()) => read_response(s, &mut buf, check).await,
                    Err(e) => Err(e),
                };
                match result {
                    Ok((ok, close)) => {
                        if ok {
                            lat.push(t.elapsed().as_micros() as u64);
                        } else {
                            errors += 1;
                        }
                        if close {
                            stream = None;
                        }
                    }
                    Err(_) => {
                        errors += 1;
                        stream = None;
                    }
                }
            }
            (lat, errors)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    all.sort_unstable();
    let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).copied().unwrap_or(0);
    println!(
        "{} answers in {secs}s: {:.0} per second, errors {errors}, p50 {} us, p99 {} us, max {} us",
        all.len(),
        all.len() as f64 / secs as f64,
        pct(0.50),
        pct(0.99),
        all.last().copied().unwrap_or(0)
    );
}
