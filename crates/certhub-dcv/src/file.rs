//! HTTP file validation over a plain TCP connection: small, bounded, no redirects.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use certhub_core::dcv::{DcvFailure, Method, valid_domain};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest response (headers and body) we read.
pub const MAX_RESPONSE: usize = 64 * 1024;

/// Fetches validation files over HTTP.
#[derive(Debug, Clone)]
pub struct FileValidator {
    /// Port to connect to (80 in production).
    pub port: u16,
    /// Connect here instead of resolving the domain (labs and tests); implies private addresses are allowed.
    pub connect_to: Option<IpAddr>,
    /// Allow private, loopback and link-local addresses.
    pub allow_private: bool,
    /// Whole-exchange timeout.
    pub timeout: Duration,
}

impl Default for FileValidator {
    fn default() -> Self {
        Self { port: 80, connect_to: None, allow_private: false, timeout: Duration::from_secs(10) }
    }
}

/// Addresses a public CA must never be steered to.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_forbidden(IpAddr::V4(v4)))
        }
    }
}

impl FileValidator {
    async fn addresses(&self, domain: &str) -> Result<Vec<SocketAddr>, DcvFailure> {
        if let Some(ip) = self.connect_to {
            return Ok(vec![SocketAddr::new(ip, self.port)]);
        }
        let found: Vec<SocketAddr> = tokio::net::lookup_host((domain, self.port))
            .await
            .map_err(|e| DcvFailure::not_found(Method::File, format!("cannot resolve {domain}: {e}")))?
            .collect();
        let allowed: Vec<SocketAddr> = found.iter().copied().filter(|a| self.allow_private || !is_forbidden(a.ip())).collect();
        if allowed.is_empty() {
            return Err(DcvFailure::not_found(Method::File, format!("{domain} resolves only to private or reserved addresses")));
        }
        Ok(allowed)
    }

    async fn fetch(&self, domain: &str, path: &str) -> Result<(u16, Vec<u8>), DcvFailure> {
        let addrs = self.addresses(domain).await?;
        let mut last = DcvFailure::not_found(Method::File, "no address");
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(mut s) => {
                    let req = format!(
                        "GET {path} HTTP/1.1\r\nHost: {domain}\r\nUser-Agent: certhub-dcv\r\nAccept: */*\r\nConnection: close\r\n\r\n"
                    );
                    s.write_all(req.as_bytes()).await.map_err(|e| DcvFailure::not_found(Method::File, format!("write to {addr}: {e}")))?;
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 8192];
                    loop {
                        let n =
                            s.read(&mut chunk).await.map_err(|e| DcvFailure::not_found(Method::File, format!("read from {addr}: {e}")))?;
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if buf.len() > MAX_RESPONSE {
                            return Err(DcvFailure::not_found(
                                Method::File,
                                format!("the response from {addr} exceeds {MAX_RESPONSE} bytes"),
                            ));
                        }
                    }
                    return parse_response(&buf);
                }
                Err(e) => last = DcvFailure::not_found(Method::File, format!("cannot connect to {addr}: {e}")),
            }
        }
        Err(last)
    }
}

/// Status and body of a complete HTTP/1.x response (Content-Length, chunked, or to end of stream).
fn parse_response(buf: &[u8]) -> Result<(u16, Vec<u8>), DcvFailure> {
    let bad = || DcvFailure::not_found(Method::File, "malformed HTTP response");
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(bad)?;
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| bad())?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let mut body = buf[end + 4..].to_vec();
    let mut chunked = false;
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "content-length" {
                let n: usize = v.parse().map_err(|_| bad())?;
                body.truncate(n);
            } else if k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
        }
    }
    if chunked {
        body = dechunk(&body).ok_or_else(bad)?;
    }
    Ok((status, body))
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let nl = b.windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(std::str::from_utf8(&b[..nl]).ok()?.split(';').next()?.trim(), 16).ok()?;
        b = &b[nl + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(b.get(..size)?);
        b = b.get(size + 2..)?;
    }
}

impl FileValidator {
    /// `http://{domain}{path}` must answer 200 with exactly `expected` (surrounding whitespace ignored).
    pub async fn check_file(&self, domain: &str, path: &str, expected: &str) -> Result<(), DcvFailure> {
        if !valid_domain(domain) {
            return Err(DcvFailure::not_found(Method::File, format!("{domain:?} is not a valid domain name")));
        }
        let (status, body) = tokio::time::timeout(self.timeout, self.fetch(domain, path))
            .await
            .map_err(|_| DcvFailure::not_found(Method::File, format!("http://{domain}{path} timed out")))??;
        if (300..400).contains(&status) {
            return Err(DcvFailure::not_found(Method::File, format!("http://{domain}{path} redirects; redirects are not followed")));
        }
        if status != 200 {
            return Err(DcvFailure::not_found(Method::File, format!("http://{domain}{path} answered HTTP {status}")));
        }
        let text = String::from_utf8_lossy(&body);
        if text.trim() != expected {
            let seen: String = text.trim().chars().take(128).collect();
            return Err(DcvFailure::mismatch(
                Method::File,
                format!("http://{domain}{path} does not contain the expected value"),
                vec![seen],
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    async fn serve_once(response: Vec<u8>) -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(&response).await;
            }
        });
        port
    }

    fn v(port: u16) -> FileValidator {
        FileValidator { port, connect_to: Some("127.0.0.1".parse().unwrap()), allow_private: true, timeout: Duration::from_secs(3) }
    }

    #[tokio::test]
    async fn outcomes() {
        let ok = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsecret\n".to_vec()).await;
        assert!(v(ok).check_file("a.example.test", "/x", "secret").await.is_ok());
        let wrong = v(ok).check_file("a.example.test", "/x", "other").await.unwrap_err();
        assert_eq!((wrong.local_check, wrong.found.as_slice()), (-5, ["secret".to_string()].as_slice()));
        let chunked = serve_once(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nsec\r\n3\r\nret\r\n0\r\n\r\n".to_vec()).await;
        assert!(v(chunked).check_file("a.example.test", "/x", "secret").await.is_ok());
        let redirect = serve_once(b"HTTP/1.1 302 Found\r\nLocation: http://evil.test/\r\nContent-Length: 0\r\n\r\n".to_vec()).await;
        assert!(v(redirect).check_file("a.example.test", "/x", "secret").await.unwrap_err().reason.contains("redirect"));
        let huge = serve_once([b"HTTP/1.1 200 OK\r\n\r\n".to_vec(), vec![b'a'; MAX_RESPONSE + 10]].concat()).await;
        assert!(v(huge).check_file("a.example.test", "/x", "secret").await.unwrap_err().reason.contains("exceeds"));
        let garbage = serve_once(b"\x00\x01nonsense".to_vec()).await;
        assert!(v(garbage).check_file("a.example.test", "/x", "secret").await.is_err());
        assert!(v(ok).check_file("127.0.0.1", "/x", "secret").await.is_err(), "IP literals are refused");
        assert!(v(ok).check_file("bad_name.test", "/x", "secret").await.is_err());
    }

    #[tokio::test]
    async fn loopback_is_refused_without_permission() {
        let strict = FileValidator { port: 80, connect_to: None, allow_private: false, timeout: Duration::from_secs(3) };
        let e = strict.check_file("localhost.localdomain", "/x", "v").await.unwrap_err();
        assert!(e.reason.contains("private") || e.reason.contains("resolve"), "{e}");
        assert!(is_forbidden("10.1.2.3".parse().unwrap()) && is_forbidden("::1".parse().unwrap()));
        assert!(is_forbidden("100.64.0.1".parse().unwrap()) && !is_forbidden("93.184.216.34".parse().unwrap()));
    }
}
