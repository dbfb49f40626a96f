//! Reading a Tencent request: size limits, the signature scheme (TC3-HMAC-SHA256,
//! or v1 HmacSHA1/HmacSHA256), common parameters, authentication, and the
//! action's own parameters as JSON.

use axum::body::{Body, Bytes};
use axum::http::request::Parts;
use axum::http::{Method, Request};
use bytes::BytesMut;
use certhub_core::model::KeyKind;
use certhub_service::Caller;
use certhub_service::keys::AuthError;
use http_body_util::BodyExt;
use serde_json::Value;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::dispatch::{self, Entry};
use super::replay::Binding;
use super::sign::{self, V1Method};
use super::{ApiError, SERVICE, VERSION, params};
use crate::AppState;

/// Largest GET request (query string), bytes.
pub const MAX_GET: usize = 32 * 1024;
/// Largest v1 POST body, bytes.
pub const MAX_V1_POST: usize = 1024 * 1024;
/// Largest v3 POST body, bytes.
pub const MAX_V3_POST: usize = 10 * 1024 * 1024;
/// Largest body read before the caller is known to hold an enabled key, bytes.
pub const MAX_PRE_AUTH: usize = 64 * 1024;
/// v1 bodies above `MAX_PRE_AUTH` buffered at once (their key is only in the body): 32 MiB in all.
static V1_LARGE_BODIES: Semaphore = Semaphore::const_new(32 * 1024 * 1024 / MAX_V1_POST);

/// Common parameters of v1 that are not action parameters.
const V1_COMMON: &[&str] = &[
    "Action",
    "Version",
    "Timestamp",
    "Nonce",
    "SecretId",
    "Signature",
    "SignatureMethod",
    "Region",
    "Token",
    "Language",
    "RequestClient",
];

/// An authenticated request, ready for its action.
#[derive(Debug)]
pub struct Incoming {
    /// The action.
    pub entry: &'static Entry,
    /// Who is calling.
    pub caller: Caller,
    /// The action's parameters.
    pub params: Value,
    /// What the signature is bound to (see `replay`).
    pub binding: Binding,
}

fn err(code: &'static str, msg: impl Into<String>) -> ApiError {
    ApiError::new(code, msg)
}

fn header_str<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn body_bytes(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| err("RequestSizeLimitExceeded", format!("The request body exceeds {limit} bytes.")))
}

/// Reads a v1 form body. Its SecretId may come last (the Python SDK puts it after the action's parameters),
/// so a body above `MAX_PRE_AUTH` is read only while the shared budget for such bodies allows.
async fn v1_body(mut body: Body) -> Result<(Bytes, Option<SemaphorePermit<'static>>), ApiError> {
    let too_large = || err("RequestSizeLimitExceeded", format!("The request body exceeds {MAX_V1_POST} bytes."));
    let mut buf = BytesMut::new();
    let mut permit = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| err("InvalidRequest", "The request body could not be read."))?;
        let Ok(data) = frame.into_data() else { continue };
        if buf.len() + data.len() > MAX_V1_POST {
            return Err(too_large());
        }
        if permit.is_none() && buf.len() + data.len() > MAX_PRE_AUTH {
            permit = Some(V1_LARGE_BODIES.try_acquire().map_err(|_| {
                err(
                    "RequestLimitExceeded",
                    "Too many large form-encoded requests are being read; retry later or sign with TC3-HMAC-SHA256.",
                )
            })?);
        }
        buf.extend_from_slice(&data);
    }
    Ok((buf.freeze(), permit))
}

/// A refused request, with the action it named when that was known (for metrics).
#[derive(Debug)]
pub struct Rejected {
    /// The action, or `unknown`.
    pub action: &'static str,
    /// The error.
    pub error: ApiError,
}

impl From<ApiError> for Rejected {
    fn from(error: ApiError) -> Self {
        Rejected { action: "unknown", error }
    }
}

fn named(entry: &'static Entry) -> impl Fn(ApiError) -> Rejected {
    move |error| Rejected { action: entry.name, error }
}

/// Reads and authenticates one request.
pub async fn read(state: &AppState, req: Request<Body>) -> Result<Incoming, Rejected> {
    let (parts, body) = req.into_parts();
    if parts.method != Method::GET && parts.method != Method::POST {
        return Err(err("UnsupportedProtocol", "Only GET and POST requests are supported.").into());
    }
    if parts.uri.path() != "/" {
        return Err(err("InvalidAction", format!("No API at path {}.", parts.uri.path())).into());
    }
    let query = parts.uri.query().unwrap_or("");
    if parts.method == Method::GET && query.len() > MAX_GET {
        return Err(err("RequestSizeLimitExceeded", "GET requests must not exceed 32 KB.").into());
    }
    match header_str(&parts, "authorization") {
        Some(a) if a.trim_start().starts_with("TC3-HMAC-SHA256") => read_v3(state, parts, body).await,
        Some(a) if !a.trim().is_empty() => {
            Err(err("AuthFailure.InvalidAuthorization", "The Authorization header does not conform to the TC3-HMAC-SHA256 format.").into())
        }
        _ => read_v1(state, parts, body).await,
    }
}

fn lookup_action(name: Option<&str>) -> Result<&'static Entry, ApiError> {
    let name = name.filter(|s| !s.is_empty()).ok_or_else(|| err("MissingParameter", "The request is missing the Action parameter."))?;
    dispatch::lookup(name).ok_or_else(|| err("InvalidAction", format!("The action `{name}` does not exist.")))
}

fn check_version(v: Option<&str>) -> Result<(), ApiError> {
    match v.filter(|s| !s.is_empty()) {
        None => Err(err("MissingParameter", "The request is missing the Version parameter.")),
        Some(VERSION) => Ok(()),
        Some(other) => Err(err("NoSuchVersion", format!("The API version `{other}` does not exist; use {VERSION}."))),
    }
}

fn check_timestamp(state: &AppState, ts: Option<&str>) -> Result<i64, ApiError> {
    let ts = ts.filter(|s| !s.is_empty()).ok_or_else(|| err("MissingParameter", "The request is missing the Timestamp parameter."))?;
    let t: i64 = ts.trim().parse().map_err(|_| err("InvalidParameter", "Timestamp must be an integer."))?;
    let now = state.service.now();
    if (now - t).abs() > state.max_skew {
        return Err(err(
            "AuthFailure.SignatureExpire",
            format!("Signature expired: the timestamp {t} differs from the server time {now} by more than five minutes."),
        ));
    }
    Ok(t)
}

fn check_token(token: Option<&str>) -> Result<(), ApiError> {
    match token.filter(|t| !t.is_empty()) {
        Some(_) => Err(err("AuthFailure.TokenFailure", "Temporary credentials (Token) are not supported by this server.")),
        None => Ok(()),
    }
}

async fn lookup_secret(state: &AppState, secret_id: &str) -> Result<(Caller, Vec<u8>), ApiError> {
    let key = state.service.authenticate(&[KeyKind::Tencent], secret_id).await.map_err(auth_error)?;
    Ok((key.caller, key.secret))
}

/// The Tencent codes for a key that authenticates nobody.
fn auth_error(e: AuthError) -> ApiError {
    match e {
        AuthError::Unknown | AuthError::Disabled => err("AuthFailure.SecretIdNotFound", "The SecretId does not exist or is disabled."),
        AuthError::WrongKind(_) => err("AuthFailure.InvalidSecretId", "The key is not a Tencent Cloud API key."),
        AuthError::Internal(e) => {
            tracing::error!(error = %e, "key lookup failed");
            err("InternalError", "Internal error.")
        }
    }
}

/// Host spellings a client may have signed: as received, without its port (the Node.js SDK
/// signs the URL's `hostname`), and as tccli signs it with `--endpoint http://…`.
fn host_variants(host: &str) -> Vec<String> {
    let mut out = vec![host.to_string()];
    if let Some(name) = without_port(host) {
        out.push(name.to_string());
    }
    out.push(format!("http://{host}"));
    out.push(format!("https://{host}"));
    out
}

/// `host` without a trailing `:port` (`[::1]:80` → `[::1]`), when it has one.
fn without_port(host: &str) -> Option<&str> {
    let (name, port) = host.rsplit_once(':')?;
    let bare_ipv6 = name.contains(':') && !name.ends_with(']');
    (!name.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !bare_ipv6).then_some(name)
}

/// A v3 signature covers the body (or query), host and content type but not the action,
/// version, region or language headers: the fingerprint adds what it leaves out.
fn v3_binding(state: &AppState, parts: &Parts, entry: &Entry, auth: &sign::Tc3Authorization, ts: i64, query: &str, body: &[u8]) -> Binding {
    let unsigned = |name: &str| header_str(parts, name).unwrap_or("").to_string();
    let fingerprint = [
        parts.method.as_str().to_string(),
        entry.name.to_string(),
        unsigned("x-tc-version"),
        unsigned("x-tc-region"),
        unsigned("x-tc-language"),
        unsigned("content-type"),
        query.to_string(),
        sign::sha256_hex(body),
    ]
    .join("\n");
    Binding {
        key_id: auth.secret_id.clone(),
        signature: sign::sha256_hex(format!("tc3:{}", auth.signature).as_bytes()),
        fingerprint: sign::sha256_hex(fingerprint.as_bytes()),
        expires_at: ts.saturating_add(state.max_skew).saturating_add(1),
    }
}

/// The credential scope's service may be `ssl` or the first label of the Host received:
/// the official Node.js SDK names the service after its endpoint (`endpoint.split(".")[0]`),
/// so against `127.0.0.1:8080` it signs for `127`, against `localhost:8080` for `localhost:8080`.
/// The scope's service is part of the signing key, so this widens nothing an attacker controls.
fn scope_service_ok(service: &str, host: &str) -> bool {
    service == SERVICE || host.split('.').next().is_some_and(|label| !label.is_empty() && label == service)
}

fn signature_failure() -> ApiError {
    err("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
}

async fn read_v3(state: &AppState, parts: Parts, body: Body) -> Result<Incoming, Rejected> {
    let entry = lookup_action(header_str(&parts, "x-tc-action"))?;
    read_v3_for(state, entry, parts, body).await.map_err(named(entry))
}

async fn read_v3_for(state: &AppState, entry: &'static Entry, parts: Parts, body: Body) -> Result<Incoming, ApiError> {
    check_version(header_str(&parts, "x-tc-version"))?;
    let auth = sign::parse_tc3_authorization(header_str(&parts, "authorization").unwrap_or_default())
        .map_err(|e| err("AuthFailure.InvalidAuthorization", format!("Malformed Authorization header: {e}")))?;
    let ts_str = header_str(&parts, "x-tc-timestamp").map(str::to_string);
    let ts = check_timestamp(state, ts_str.as_deref())?;
    check_token(header_str(&parts, "x-tc-token"))?;
    let content_type = header_str(&parts, "content-type").unwrap_or("").to_ascii_lowercase();
    // The key is looked up before the body is read: without an enabled key, only a small body is ever buffered.
    let key = lookup_secret(state, &auth.secret_id).await;
    let body = if parts.method == Method::POST {
        if !(content_type.starts_with("application/json") || content_type.starts_with("multipart/form-data")) {
            return Err(err("InvalidParameter", "With TC3-HMAC-SHA256, POST requests must be application/json or multipart/form-data."));
        }
        match (body_bytes(body, if key.is_ok() { MAX_V3_POST } else { MAX_PRE_AUTH }).await, &key) {
            (Ok(b), _) => b,
            (Err(_), Err(refused)) => return Err(refused.clone()),
            (Err(e), Ok(_)) => return Err(e),
        }
    } else {
        Bytes::new()
    };
    let received_host = header_str(&parts, "host").unwrap_or("").to_string();
    if !scope_service_ok(&auth.service, &received_host) {
        return Err(err(
            "AuthFailure.SignatureFailure",
            format!("The credential scope names service `{}`, not `{SERVICE}`.", auth.service),
        ));
    }
    if sign::utc_date(ts).as_deref() != Some(auth.date.as_str()) {
        return Err(err("AuthFailure.SignatureFailure", "The credential date does not match the UTC date of X-TC-Timestamp."));
    }
    let (caller, secret) = key?;
    let query = if parts.method == Method::GET { parts.uri.query().unwrap_or("") } else { "" };
    let scope = format!("{}/{}/tc3_request", auth.date, auth.service);
    let ts_text = ts_str.unwrap_or_default();
    let mut verified = false;
    for host in host_variants(&received_host) {
        let lookup = |name: &str| -> Option<String> {
            if name == "host" {
                return Some(host.clone());
            }
            parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
        };
        let canonical = sign::tc3_canonical_request(parts.method.as_str(), "/", query, &auth.signed_headers, &lookup, &body)
            .map_err(|e| err("AuthFailure.InvalidAuthorization", format!("Malformed Authorization header: {e}")))?;
        let sts = sign::tc3_string_to_sign(&ts_text, &scope, &canonical);
        if sign::tc3_verify(&secret, &auth.date, &auth.service, &sts, &auth.signature) {
            verified = true;
            break;
        }
    }
    if !verified {
        return Err(signature_failure());
    }
    let binding = v3_binding(state, &parts, entry, &auth, ts, query, &body);
    let params = if parts.method == Method::GET {
        let pairs = sign::parse_form(query).map_err(|e| err("InvalidParameter", format!("Malformed query string: {e}")))?;
        params::unflatten(&pairs)?
    } else if content_type.starts_with("multipart/form-data") {
        // The boundary is case-sensitive: parse it from the header as received.
        multipart_params(header_str(&parts, "content-type").unwrap_or(""), body).await?
    } else if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        let v: Value =
            serde_json::from_slice(&body).map_err(|e| err("InvalidParameter", format!("The request body is not valid JSON: {e}")))?;
        if !v.is_object() {
            return Err(err("InvalidParameter", "The request body must be a JSON object."));
        }
        v
    };
    Ok(Incoming { entry, caller, params, binding })
}

/// Reads a multipart/form-data body into action parameters. Public for the fuzz target
/// (fuzz/fuzz_targets/multipart.rs); the door calls it only after the signature verified.
pub async fn multipart_params(content_type: &str, body: Bytes) -> Result<Value, ApiError> {
    let boundary = multer::parse_boundary(content_type).map_err(|e| err("InvalidRequest", format!("Bad multipart Content-Type: {e}")))?;
    let stream = futures_stream(body);
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut pairs = Vec::new();
    loop {
        let field = mp.next_field().await.map_err(|e| err("InvalidRequest", format!("Malformed multipart body: {e}")))?;
        let Some(field) = field else { break };
        let name = field.name().map(str::to_string).ok_or_else(|| err("InvalidRequest", "A multipart field has no name."))?;
        let text = field.text().await.map_err(|e| err("InvalidRequest", format!("Malformed multipart body: {e}")))?;
        pairs.push((name, text));
    }
    params::unflatten(&pairs)
}

fn futures_stream(body: Bytes) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) })
}

async fn read_v1(state: &AppState, parts: Parts, body: Body) -> Result<Incoming, Rejected> {
    let _large: Option<SemaphorePermit<'static>>;
    let raw = if parts.method == Method::GET {
        parts.uri.query().unwrap_or("").to_string()
    } else {
        let ct = header_str(&parts, "content-type").unwrap_or("").to_ascii_lowercase();
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return Err(err(
                "AuthFailure.InvalidAuthorization",
                "Requests without a TC3-HMAC-SHA256 Authorization header must be signed with v1 (form-encoded).",
            )
            .into());
        }
        let (b, large) = v1_body(body).await?;
        // Held until the key is checked, so unauthenticated large bodies stay within the shared budget.
        _large = large;
        String::from_utf8(b.to_vec()).map_err(|_| err("InvalidParameter", "The form body is not UTF-8."))?
    };
    let pairs = sign::parse_form(&raw).map_err(|e| err("InvalidParameter", format!("Malformed parameters: {e}")))?;
    let entry = lookup_action(pairs.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.as_str()))?;
    read_v1_for(state, entry, &parts, pairs).await.map_err(named(entry))
}

async fn read_v1_for(state: &AppState, entry: &'static Entry, parts: &Parts, pairs: Vec<(String, String)>) -> Result<Incoming, ApiError> {
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    check_version(get("Version"))?;
    let ts = check_timestamp(state, get("Timestamp"))?;
    let nonce =
        get("Nonce").filter(|s| !s.is_empty()).ok_or_else(|| err("MissingParameter", "The request is missing the Nonce parameter."))?;
    let secret_id = get("SecretId")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| err("MissingParameter", "The request is missing the SecretId parameter."))?;
    let signature = get("Signature")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| err("MissingParameter", "The request is missing the Signature parameter."))?;
    check_token(get("Token"))?;
    let (caller, secret) = lookup_secret(state, secret_id).await?;
    let method = V1Method::from_param(get("SignatureMethod"));
    let signed: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "Signature").cloned().collect();
    let received_host = header_str(parts, "host").unwrap_or("").to_string();
    let verified = host_variants(&received_host).iter().any(|host| {
        let sts = sign::v1_string_to_sign(parts.method.as_str(), host, "/", &signed);
        sign::v1_verify(&secret, method, &sts, signature)
    });
    if !verified {
        return Err(signature_failure());
    }
    // v1 signs the method, host and every parameter, so the signature stands for the whole
    // request; the Nonce is what may be used once: again with this signature is the same
    // request, with another it is a replayed nonce.
    let binding = Binding {
        key_id: caller.credential.clone(),
        signature: sign::sha256_hex(format!("v1-nonce:{nonce}").as_bytes()),
        fingerprint: sign::sha256_hex(format!("{}\n{signature}", parts.method.as_str()).as_bytes()),
        expires_at: ts.saturating_add(state.max_skew).saturating_add(1),
    };
    let action_pairs: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| !V1_COMMON.contains(&k.as_str())).collect();
    let params = params::unflatten(&action_pairs)?;
    Ok(Incoming { entry, caller, params, binding })
}

#[cfg(test)]
mod tests {
    use super::{scope_service_ok, without_port};

    #[test]
    fn ports_are_stripped_only_from_host_port() {
        assert_eq!(without_port("127.0.0.1:8080"), Some("127.0.0.1"));
        assert_eq!(without_port("[::1]:8080"), Some("[::1]"));
        assert_eq!(without_port("localhost"), None);
        assert_eq!(without_port("::1"), None);
        assert_eq!(without_port(":80"), None);
        assert_eq!(without_port("h:x"), None);
    }

    #[test]
    fn scope_service_is_ssl_or_the_first_host_label() {
        assert!(scope_service_ok("ssl", "127.0.0.1:8080"));
        assert!(scope_service_ok("127", "127.0.0.1:8080"));
        assert!(scope_service_ok("certhub", "certhub.example.com"));
        assert!(scope_service_ok("localhost:8080", "localhost:8080"));
        assert!(!scope_service_ok("localhost", "localhost:8080"));
        assert!(!scope_service_ok("cvm", "127.0.0.1:8080"));
        assert!(!scope_service_ok("example", "certhub.example.com"));
        assert!(!scope_service_ok("0", "127.0.0.1:8080"));
    }
}
