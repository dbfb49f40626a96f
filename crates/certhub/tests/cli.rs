//! The binary end to end: key management, serving, health, metrics, graceful shutdown.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_certhub");

struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tmp() -> Tmp {
    let n: u64 = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let d = std::env::temp_dir().join(format!("certhub-cli-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&d).expect("dir");
    Tmp(d)
}

fn certhub(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN).args(args).env_remove("CERTHUB_MASTER_KEY").output().expect("run certhub");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Kills the server if a test fails before stopping it.
struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port")
}

fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let buf = String::from_utf8_lossy(&raw).into_owned();
    let status = buf.split_whitespace().nth(1)?.parse().ok()?;
    let body = buf.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Some((status, body))
}

fn wait_ready(port: u16, child: &mut Child) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Some((200, _)) = http_get(port, "/healthz") {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("certhub serve exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("certhub serve did not become ready");
}

#[test]
fn keys_are_created_listed_and_disabled() {
    let t = tmp();
    let dir = t.0.to_string_lossy().to_string();
    let (ok, out, err) = certhub(&["key", "create", "--data-dir", &dir, "--account", "alice", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    let id = v["SecretId"].as_str().expect("SecretId").to_string();
    let secret = v["SecretKey"].as_str().expect("SecretKey").to_string();
    assert!(id.starts_with("AKID") && id.len() == 36);
    assert_eq!(secret.len(), 32);
    assert_eq!(v["OwnerUin"].as_str().map(str::len), Some(12));
    assert!(v["AppId"].as_i64().is_some());
    // A second key for the same account shares the OwnerUin.
    let (_, out2, _) = certhub(&["key", "create", "--data-dir", &dir, "--account", "alice", "--json"]);
    let v2: serde_json::Value = serde_json::from_str(out2.trim()).expect("json");
    assert_eq!(v2["OwnerUin"], v["OwnerUin"]);
    // The master key is private and the secret is not stored in clear.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(t.0.join("master.key")).expect("master.key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let db = std::fs::read(t.0.join("certhub.db")).expect("db");
    let wal = std::fs::read(t.0.join("certhub.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "SecretKey found in clear in the database");
    }
    let (ok, out, _) = certhub(&["key", "list", "--data-dir", &dir, "--json"]);
    assert!(ok);
    assert!(!out.contains(&secret), "key list must not print secrets");
    let list: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let (ok, _, _) = certhub(&["key", "disable", "--data-dir", &dir, &id]);
    assert!(ok);
    let (_, out, _) = certhub(&["key", "list", "--data-dir", &dir, "--json"]);
    let list: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    let row = list.as_array().and_then(|a| a.iter().find(|r| r["SecretId"] == id.as_str())).expect("row");
    assert_eq!(row["Enabled"], false);
    let (ok, _, err) = certhub(&["key", "disable", "--data-dir", &dir, "AKIDnope"]);
    assert!(!ok && err.contains("no key"));
}

#[test]
fn serve_answers_health_and_metrics_and_stops_on_sigterm() {
    let t = tmp();
    let dir = t.0.to_string_lossy().to_string();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut running = Running(
        Command::new(BIN)
            .args(["serve", "--data-dir", &dir, "--listen", &listen])
            .env_remove("CERTHUB_MASTER_KEY")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn"),
    );
    let child = &mut running.0;
    wait_ready(port, child);
    let (status, body) = http_get(port, "/healthz").expect("healthz");
    assert_eq!((status, body.trim()), (200, "ok"));
    // One Tencent request so the metrics have a series.
    let (status, body) = http_get(port, "/?Action=DescribeCertificates&Version=2019-12-05").expect("tencent");
    assert_eq!(status, 200);
    assert!(body.contains("\"Error\""), "{body}");
    let (status, metrics) = http_get(port, "/metrics").expect("metrics");
    assert_eq!(status, 200);
    assert!(metrics.contains("certhub_tencent_requests_total"), "{metrics}");
    assert!(metrics.contains("action=\"DescribeCertificates\""), "{metrics}");
    // The CA hierarchies appear in the background and are served for AIA.
    let start = Instant::now();
    loop {
        match http_get(port, "/ca/ecdsa-p256.crt") {
            Some((200, _)) => break,
            _ if start.elapsed() > Duration::from_secs(60) => panic!("CA never served"),
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    }
    assert_eq!(http_get(port, "/ca/nope.crt").map(|r| r.0), Some(404));
    #[cfg(unix)]
    {
        let pid = child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                assert!(status.success(), "exit status after SIGTERM: {status}");
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(15), "did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn bad_configuration_is_reported() {
    let t = tmp();
    let cfg = t.0.join("c.toml");
    std::fs::write(&cfg, "listen = 12\n").expect("write");
    let (ok, _, err) = certhub(&["serve", "--config", &cfg.to_string_lossy()]);
    assert!(!ok);
    assert!(err.contains("invalid configuration"), "{err}");
    let (ok, _, err) = certhub(&["serve", "--data-dir", &t.0.to_string_lossy(), "--listen", "not-an-address"]);
    assert!(!ok);
    assert!(err.contains("cannot listen"), "{err}");
}

#[test]
fn keys_work_with_a_postgres_database_url() {
    let base = std::env::var("CERTHUB_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let db = format!("certhub_cli_{}", std::process::id());
    let created = Command::new("psql").args([&base, "-qc", &format!("CREATE DATABASE {db}")]).output();
    match created {
        Ok(o) if o.status.success() => {}
        other if !ci => {
            eprintln!("SKIPPED: PostgreSQL unavailable: {other:?}");
            return;
        }
        other => panic!("PostgreSQL is required under CI=true: {other:?}"),
    }
    let url = match base.rsplit_once('/') {
        Some((prefix, _)) => format!("{prefix}/{db}"),
        None => panic!("bad URL {base}"),
    };
    let t = tmp();
    let dir = t.0.to_string_lossy().to_string();
    let (ok, out, err) = certhub(&["key", "create", "--database-url", &url, "--data-dir", &dir, "--account", "pg", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    let id = v["SecretId"].as_str().expect("id").to_string();
    let (ok, out, _) = certhub(&["key", "list", "--database-url", &url, "--data-dir", &dir, "--json"]);
    assert!(ok && out.contains(&id));
    let (ok, _, _) = certhub(&["key", "disable", "--database-url", &url, "--data-dir", &dir, &id]);
    assert!(ok);
    let _ = Command::new("psql").args([&base, "-qc", &format!("DROP DATABASE {db}")]).output();
}

#[test]
fn ca_hierarchies_are_listed_exported_and_verify() {
    let t = tmp();
    let dir = t.0.to_string_lossy().to_string();
    let (ok, out, err) = certhub(&["ca", "list", "--data-dir", &dir, "--json"]);
    assert!(ok, "{err}");
    let list: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    let families: Vec<&str> = list.as_array().expect("array").iter().filter_map(|r| r["Family"].as_str()).collect();
    assert_eq!(families, ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-4096", "sm2"]);
    // Listing again creates nothing new.
    let (_, again, _) = certhub(&["ca", "list", "--data-dir", &dir, "--json"]);
    assert_eq!(again, out);
    for family in ["ecdsa", "rsa", "sm2"] {
        let (ok, pem, err) = certhub(&["ca", "export", "--data-dir", &dir, "--family", family]);
        assert!(ok, "{err}");
        assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 2);
        let split = pem.find("-----END CERTIFICATE-----").map(|i| i + "-----END CERTIFICATE-----\n".len()).expect("pem");
        std::fs::write(t.0.join("int.pem"), &pem[..split]).expect("w");
        std::fs::write(t.0.join("root.pem"), &pem[split..]).expect("w");
        let mut args = vec!["verify", "-CAfile", "root.pem"];
        if family == "sm2" {
            // certhub signs SM2 with GM/T 0009's default ID; OpenSSL 3.0 must be told it.
            args.extend(["-vfyopt", "distid:1234567812345678"]);
        }
        args.push("int.pem");
        let v = Command::new("openssl").args(&args).current_dir(&t.0).output().expect("openssl");
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    }
    let (ok, _, err) = certhub(&["ca", "export", "--data-dir", &dir, "--family", "dsa"]);
    assert!(!ok && err.contains("unknown CA family"));
}

#[cfg(unix)]
#[test]
fn data_directory_and_secrets_are_private_and_an_exposed_master_key_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let t = tmp();
    let data = t.0.join("fresh/data");
    let dir = data.to_string_lossy().to_string();
    let (ok, _, err) = certhub(&["key", "create", "--data-dir", &dir, "--account", "alice"]);
    assert!(ok, "{err}");
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "data directory");
    assert_eq!(mode(&data.join("certhub.db")), 0o600, "database file");
    assert_eq!(mode(&data.join("master.key")), 0o600, "master key");
    for exposed in [0o640, 0o604] {
        std::fs::set_permissions(data.join("master.key"), std::fs::Permissions::from_mode(exposed)).expect("chmod");
        let port = free_port().to_string();
        let (ok, _, err) = certhub(&["serve", "--data-dir", &dir, "--listen", &format!("127.0.0.1:{port}")]);
        assert!(!ok, "serve started with master.key mode {exposed:o}");
        assert!(err.contains("master.key") && err.contains("chmod 600"), "{err}");
        let (ok, _, err) = certhub(&["key", "list", "--data-dir", &dir]);
        assert!(!ok && err.contains("chmod 600"), "{err}");
    }
    std::fs::set_permissions(data.join("master.key"), std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let (ok, out, err) = certhub(&["key", "list", "--data-dir", &dir]);
    assert!(ok && out.contains("AKID"), "{out}{err}");
}
