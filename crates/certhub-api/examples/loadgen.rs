//! A bounded load generator for the Tencent door on loopback: keep-alive
//! connections sending TC3-signed requests, reporting requests per second and
//! latency percentiles. Every request carries its own signature (the server
//! answers a repeated signature from its replay record instead of running the
//! action again), made distinct by trailing JSON whitespace that encodes the
//! request's number.
//!
//! `cargo run --release -p certhub-api --example loadgen -- HOST:PORT SECRET_ID SECRET_KEY ACTION BODY CONNECTIONS SECONDS`

mod common;

use certhub_api::tencent::sign;

/// `body` followed by JSON whitespace spelling `n` in base 4, so each `n` gives a distinct signature.
fn distinct_body(body: &str, n: u64) -> String {
    const WS: [char; 4] = [' ', '\t', '\n', '\r'];
    let mut out = body.to_string();
    let mut n = n;
    loop {
        out.push(WS[(n % 4) as usize]);
        n /= 4;
        if n == 0 {
            return out;
        }
    }
}

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

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 8 {
        eprintln!("usage: loadgen HOST:PORT SECRET_ID SECRET_KEY ACTION BODY CONNECTIONS SECONDS");
        std::process::exit(2);
    }
    let (host, conns, secs) = (a[1].clone(), a[6].parse::<usize>().unwrap_or(32), a[7].parse::<u64>().unwrap_or(10).min(120));
    let (target, id, key, action, body) = (host.clone(), a[2].clone(), a[3].clone(), a[4].clone(), a[5].clone());
    let request = move |n| signed_request(&target, &id, &key, &action, &distinct_body(&body, n));
    // Anything but HTTP 200 without an error envelope counts as an error.
    common::run(&host, request, conns, secs, |r| r.head.starts_with("http/1.1 200") && !r.body.windows(8).any(|w| w == b"\"Error\":"))
        .await;
}
