//! The Tencent door in process: signed requests through the real router and
//! store, and hostile requests that must each get their error envelope.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response};
use certhub_api::ratelimit::RateLimiter;
use certhub_api::tencent::sign;
use certhub_api::{AppState, router};
use certhub_core::model::KeyKind;
use certhub_core::{Clock, SystemClock};
use certhub_pki::parse::TrustStore;
use certhub_service::{Service, ServiceConfig};
use certhub_store::{Sealer, SqlStore};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Door {
    app: axum::Router,
    id: String,
    key: String,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn door(multiplier: f64) -> Door {
    let dir = std::env::temp_dir().join(format!("certhub-door-{}", certhub_core::ids::random_alnum(10)));
    std::fs::create_dir_all(&dir).expect("dir");
    let cipher = Arc::new(Sealer::from_bytes(&[9u8; 32]).expect("cipher"));
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let store = Arc::new(SqlStore::connect(&url, cipher.clone()).await.expect("store"));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let service = Service::new(
        store,
        clock,
        TrustStore::empty(),
        ServiceConfig { public_url: "http://door.test".into(), download_url_ttl: 3600, dcv_window: 3600 },
        cipher.clone(),
    );
    let k = service.create_key("alice", KeyKind::Tencent).await.expect("key");
    let state = AppState { service, limiter: Arc::new(RateLimiter::new(multiplier)), metrics: None, max_skew: 300 };
    Door { app: router(state), id: k.secret_id, key: k.secret_key, _dir: TempDir(dir) }
}

fn now() -> i64 {
    SystemClock.now()
}

/// A TC3-signed JSON POST, signed over exactly `body`.
fn tc3(d: &Door, action: &str, body: &[u8], ts: i64) -> Request<Body> {
    let date = sign::utc_date(ts).expect("date");
    let ct = "application/json";
    let host = "ssl.door.test";
    let signed = vec!["content-type".to_string(), "host".to_string()];
    let lookup = |name: &str| match name {
        "content-type" => Some(ct.to_string()),
        "host" => Some(host.to_string()),
        _ => None,
    };
    let canonical = sign::tc3_canonical_request("POST", "/", "", &signed, &lookup, body).expect("canonical");
    let scope = format!("{date}/ssl/tc3_request");
    let sts = sign::tc3_string_to_sign(&ts.to_string(), &scope, &canonical);
    let sig = sign::tc3_sign(d.key.as_bytes(), &date, "ssl", &sts);
    Request::post("/")
        .header("host", host)
        .header("content-type", ct)
        .header("x-tc-action", action)
        .header("x-tc-version", "2019-12-05")
        .header("x-tc-timestamp", ts.to_string())
        .header("authorization", format!("TC3-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=content-type;host, Signature={sig}", d.id))
        .body(Body::from(body.to_vec()))
        .expect("request")
}

async fn send(d: &Door, req: Request<Body>) -> (Response<()>, Value) {
    let resp = d.app.clone().oneshot(req).await.expect("response");
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (Response::from_parts(parts, ()), v)
}

/// Sends and checks the envelope: 200, exact Content-Type, a RequestId; returns the error code if any.
async fn call(d: &Door, req: Request<Body>) -> (Option<String>, Value) {
    let (resp, v) = send(d, req).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get("content-type").and_then(|h| h.to_str().ok()), Some("application/json"));
    let r = v.get("Response").cloned().expect("Response object");
    assert!(r.get("RequestId").and_then(Value::as_str).is_some_and(|s| s.len() == 36), "RequestId in {v}");
    let code = r.get("Error").and_then(|e| e.get("Code")).and_then(Value::as_str).map(str::to_string);
    (code, r)
}

#[tokio::test]
async fn signed_requests_reach_their_actions() {
    let d = door(0.0).await;
    let (code, r) = call(&d, tc3(&d, "DescribeCertificates", b"{\"Limit\": \"5\"}", now())).await;
    assert_eq!(code, None, "{r}");
    assert_eq!(r["TotalCount"], 0);
    assert!(r["Certificates"].as_array().is_some_and(|a| a.is_empty()));
    let (code, _) = call(&d, tc3(&d, "DescribeCertificate", b"{\"CertificateId\": \"nope1234\"}", now())).await;
    assert_eq!(code.as_deref(), Some("FailedOperation.CertificateNotFound"));
    let (code, _) = call(&d, tc3(&d, "DescribeHostCdnInstanceList", b"{}", now())).await;
    assert_eq!(code.as_deref(), Some("UnsupportedOperation"));
    let (code, _) = call(&d, tc3(&d, "NoSuchAction", b"{}", now())).await;
    assert_eq!(code.as_deref(), Some("InvalidAction"));
}

#[tokio::test]
async fn authentication_failures_have_their_codes() {
    let d = door(0.0).await;
    let body = b"{}";
    let mut wrong_key = tc3(&d, "DescribeCertificates", body, now());
    // Tamper after signing: the body no longer matches.
    *wrong_key.body_mut() = Body::from("{\"Limit\":1}");
    assert_eq!(call(&d, wrong_key).await.0.as_deref(), Some("AuthFailure.SignatureFailure"));
    let old = tc3(&d, "DescribeCertificates", body, now() - 600);
    assert_eq!(call(&d, old).await.0.as_deref(), Some("AuthFailure.SignatureExpire"));
    let mut unknown = tc3(&d, "DescribeCertificates", body, now());
    let auth = unknown.headers()["authorization"].to_str().expect("ascii").replace(&d.id, "AKIDunknownunknownunknownunknown0000");
    unknown.headers_mut().insert("authorization", auth.parse().expect("header"));
    assert_eq!(call(&d, unknown).await.0.as_deref(), Some("AuthFailure.SecretIdNotFound"));
    let mut garbage = tc3(&d, "DescribeCertificates", body, now());
    garbage.headers_mut().insert("authorization", "TC3-HMAC-SHA256 nonsense".parse().expect("header"));
    assert_eq!(call(&d, garbage).await.0.as_deref(), Some("AuthFailure.InvalidAuthorization"));
    let mut version = tc3(&d, "DescribeCertificates", body, now());
    version.headers_mut().insert("x-tc-version", "2017-03-12".parse().expect("header"));
    assert_eq!(call(&d, version).await.0.as_deref(), Some("NoSuchVersion"));
}

#[tokio::test]
async fn hostile_bodies_get_error_envelopes() {
    let d = door(0.0).await;
    let upload = |s: &str| format!("{{\"CertificatePublicKey\": {s}, \"CertificatePrivateKey\": \"x\"}}");
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (b"{\"Limit\": 1".to_vec(), "DescribeCertificates", "InvalidParameter"),
        (vec![0xff, 0x00, 0xfe, 0x01], "DescribeCertificates", "InvalidParameter"),
        (b"[1,2,3]".to_vec(), "DescribeCertificates", "InvalidParameter"),
        (b"{\"Limit\": \"abc\"}".to_vec(), "DescribeCertificates", "InvalidParameter"),
        (b"{\"Limit\": 1.5}".to_vec(), "DescribeCertificates", "InvalidParameter"),
        (b"{\"Limit\": -1}".to_vec(), "DescribeCertificates", "InvalidParameterValue"),
        (b"{\"CertificateStatus\": \"1\"}".to_vec(), "DescribeCertificates", "InvalidParameter"),
        (b"{\"Bogus\": 1}".to_vec(), "DescribeCertificates", "UnknownParameter"),
        (b"{}".to_vec(), "DescribeCertificate", "MissingParameter"),
        (b"{\"CertificateId\": 12}".to_vec(), "DescribeCertificate", "InvalidParameter"),
        (
            upload("\"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\"").into_bytes(),
            "UploadCertificate",
            "FailedOperation.CertificateParseError",
        ),
        (upload("\"\\u0000\\u0001binary\"").into_bytes(), "UploadCertificate", "FailedOperation.CertificateParseError"),
        (upload("42").into_bytes(), "UploadCertificate", "InvalidParameter"),
        (b"{\"CertificateChain\": \"junk\"}".to_vec(), "CheckCertificateChain", "FailedOperation.CertificateInvalid"),
        (
            b"{\"SwitchStatus\": 7, \"CertificateIds\": [\"a\"]}".to_vec(),
            "ModifyCertificatesExpiringNotificationSwitch",
            "InvalidParameterValue",
        ),
    ];
    for (body, action, want) in cases {
        let (code, r) = call(&d, tc3(&d, action, &body, now())).await;
        assert_eq!(code.as_deref(), Some(want), "{action} {:?} -> {r}", String::from_utf8_lossy(&body));
    }
    // Oversized v3 body.
    let big = vec![b' '; 10 * 1024 * 1024 + 10];
    let (code, _) = call(&d, tc3(&d, "DescribeCertificates", &big, now())).await;
    assert_eq!(code.as_deref(), Some("RequestSizeLimitExceeded"));
    // Oversized GET.
    let q = format!("/?Action=DescribeCertificates&Pad={}", "a".repeat(33 * 1024));
    let (code, _) = call(&d, Request::get(q).header("host", "x").body(Body::empty()).expect("req")).await;
    assert_eq!(code.as_deref(), Some("RequestSizeLimitExceeded"));
    // Methods, content types, empty requests.
    let (code, _) = call(&d, Request::put("/").body(Body::empty()).expect("req")).await;
    assert_eq!(code.as_deref(), Some("UnsupportedProtocol"));
    let (code, _) = call(&d, Request::post("/").header("content-type", "text/plain").body(Body::from("hi")).expect("req")).await;
    assert_eq!(code.as_deref(), Some("AuthFailure.InvalidAuthorization"));
    let (code, _) = call(&d, Request::get("/").body(Body::empty()).expect("req")).await;
    assert_eq!(code.as_deref(), Some("MissingParameter"));
    let (code, _) =
        call(&d, Request::post("/").header("content-type", "application/x-www-form-urlencoded").body(Body::from("%zz=1&a")).expect("req"))
            .await;
    assert!(code.is_some());
}

#[tokio::test]
async fn rate_limit_is_per_key_and_action() {
    let d = door(1.0).await;
    let mut limited = 0;
    for _ in 0..15 {
        let (code, _) = call(&d, tc3(&d, "DescribeCertificates", b"{}", now())).await;
        if code.as_deref() == Some("RequestLimitExceeded") {
            limited += 1;
        }
    }
    assert!(limited >= 4, "10/s limit must refuse some of 15 immediate calls, refused {limited}");
    let (code, _) =
        call(&d, tc3(&d, "CheckCertificateChain", &serde_json::to_vec(&json!({"CertificateChain": "x"})).expect("json"), now())).await;
    assert_ne!(code.as_deref(), Some("RequestLimitExceeded"), "another action has its own budget");
}
