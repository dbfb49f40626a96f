//! A bounded load generator for the Tencent door on loopback: keep-alive
//! connections replaying one TC3-signed request (valid for the 5-minute skew
//! window), reporting requests per second and latency percentiles.
//!
//! `cargo run --release -p certhub-api --example loadgen -- HOST:PORT SECRET_ID SECRET_KEY ACTION BODY CONNECTIONS SECONDS`

use std::time::{Duration, Instant};

use certhub_api::tencent::sign;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn signed_request(host: &str, id: &str, key: &str, action: &str, body: &str) -> Vec<u8> {
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let date = sign::utc_date(ts).unwrap_or_default();
    let signed = vec!["content-type".to_string(), "host".to_string()];
    let lookup = |n: &str| match n {
        "content-type" => Some("application/json".to_string()),
        "host" => Some(host.to_string()),
        _ => None,
    };
    let canonical = sign::tc3_canonical_request("POST", "/", "", &signed, &lookup, body.as_bytes()).unwrap_or_default();
    let scope = format!("{date}/ssl/tc3_request");
    let sig = sign::tc3_sign(key.as_bytes(), &date, "ssl", &sign::tc3_string_to_sign(&ts.to_string(), &scope, &canonical));
    format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nX-TC-Action: {action}\r\nX-TC-Version: 2019-12-05\r\n\
         X-TC-Timestamp: {ts}\r\nAuthorization: TC3-HMAC-SHA256 Credential={id}/{scope}, SignedHeaders=content-type;host, Signature={sig}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one response; returns whether it was an error envelope.
async fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<bool> {
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
            return Ok(buf[end + 4..end + 4 + len].windows(8).any(|w| w == b"\"Error\":"));
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 8 {
        eprintln!("usage: loadgen HOST:PORT SECRET_ID SECRET_KEY ACTION BODY CONNECTIONS SECONDS");
        std::process::exit(2);
    }
    let (host, conns, secs) = (a[1].clone(), a[6].parse::<usize>().unwrap_or(32), a[7].parse::<u64>().unwrap_or(10).min(120));
    let req = signed_request(&host, &a[2], &a[3], &a[4], &a[5]);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (host, req) = (host.clone(), req.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let Ok(mut s) = TcpStream::connect(&host).await else { return (lat, 1) };
            let _ = s.set_nodelay(true);
            let mut buf = Vec::with_capacity(65536);
            while Instant::now() < deadline {
                let t = Instant::now();
                if s.write_all(&req).await.is_err() {
                    errors += 1;
                    break;
                }
                match read_response(&mut s, &mut buf).await {
                    Ok(is_error) => {
                        errors += u64::from(is_error);
                        lat.push(t.elapsed().as_micros() as u64);
                    }
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    all.sort_unstable();
    let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).copied().unwrap_or(0);
    println!(
        "{} requests in {secs}s: {:.0} req/s, error envelopes {errors}, p50 {} us, p99 {} us, max {} us",
        all.len(),
        all.len() as f64 / secs as f64,
        pct(0.50),
        pct(0.99),
        all.last().copied().unwrap_or(0)
    );
}
