//! A bounded OCSP load generator: keep-alive connections POSTing one OCSP
//! request, reconnecting when a responder closes, reporting responses per
//! second and latency percentiles. Every answer must be a successful
//! OCSPResponse, or it counts as an error.
//!
//! `cargo run --release -p certhub-api --example ocspload -- HOST:PORT PATH REQUEST.der CONNECTIONS SECONDS`

mod common;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: ocspload HOST:PORT PATH REQUEST.der CONNECTIONS SECONDS");
        std::process::exit(2);
    }
    let (addr, path) = (args[1].clone(), args[2].clone());
    let body = std::fs::read(&args[3]).unwrap_or_else(|e| {
        eprintln!("cannot read {}: {e}", args[3]);
        std::process::exit(2);
    });
    let conns: usize = args[4].parse().unwrap_or(64);
    let secs: u64 = args[5].parse().unwrap_or(10).min(120);
    let mut request =
        format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/ocsp-request\r\nContent-Length: {}\r\n\r\n", body.len())
            .into_bytes();
    request.extend_from_slice(&body);
    // HTTP 200 carrying SEQUENCE { ENUMERATED 0 (successful), [0] responseBytes }.
    common::run(
        &addr,
        move |_| request.clone(),
        conns,
        secs,
        |r| {
            r.head.split_whitespace().nth(1) == Some("200")
                && r.body.len() > 8
                && r.body.windows(3).take(6).any(|w| w == [0x0a, 0x01, 0x00])
        },
    )
    .await;
}
