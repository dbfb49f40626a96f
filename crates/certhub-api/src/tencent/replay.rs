//! One signature, one request. The official SDKs sign only `content-type` and
//! `host` besides the body, so the action, version and region headers of a
//! captured TC3 request could be swapped (a read turned into a key download or a
//! revocation). Within its window a signature is therefore bound, in the store and
//! so on every node, to the request it was first used with: the same signature
//! for anything else is a signature failure, and the identical request again gets
//! the first answer instead of running twice (which makes SDK retries of writes
//! safe). v1 signs every parameter, so there the key is the `Nonce`, single-use
//! per SecretId within the window.

use std::time::Duration;

use certhub_core::model::{ClaimState, SignatureClaim};

use super::{ApiError, dispatch, envelope, request::Incoming};
use crate::AppState;

/// Longest a repeated request waits for the first one to finish.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(60);
/// How often a repeated request looks for the first one's answer.
const POLL: Duration = Duration::from_millis(25);

/// Actions that change nothing (no log row either): their repeats may run again harmlessly.
const READ_ONLY: &[&str] = &[
    "DescribeCertificate",
    "DescribeCertificateDetail",
    "DescribeCertificates",
    "DescribeCertificateOperateLogs",
    "DescribeDeleteCertificatesTaskResult",
    "CheckCertificateChain",
    "CheckCertificateExist",
];

/// What a verified request was signed for: the claim it must win to run.
#[derive(Debug, Clone)]
pub struct Binding {
    /// SecretId.
    pub key_id: String,
    /// Hash naming the signature (v3) or the nonce (v1).
    pub signature: String,
    /// Hash of everything the request asks for.
    pub fingerprint: String,
    /// When the signature stops being accepted, unix seconds.
    pub expires_at: i64,
}

/// An answer: the envelope's bytes, and its code and message for metrics and logs.
#[derive(Debug)]
pub struct Answer {
    /// `ok`, the error code, or `Replayed` for a repeated request.
    pub code: &'static str,
    /// The error message, when the answer is a fresh error.
    pub message: Option<String>,
    /// The JSON envelope.
    pub body: Vec<u8>,
}

impl Answer {
    /// The answer to a request that ran (or failed) now.
    pub fn fresh(result: Result<serde_json::Map<String, serde_json::Value>, ApiError>, request_id: &str) -> Self {
        let (code, message) = match &result {
            Ok(_) => ("ok", None),
            Err(e) => (e.code, Some(e.message.clone())),
        };
        Answer { code, message, body: envelope::body(result, request_id) }
    }
}

fn internal() -> ApiError {
    ApiError::new("InternalError", "Internal error.")
}

fn mismatch() -> ApiError {
    ApiError::new(
        "AuthFailure.SignatureFailure",
        "The signature was already used for a different request; each request needs its own signature (and v1 its own Nonce).",
    )
}

/// Runs an authenticated request once per signature, or answers as its first use did.
pub async fn run(state: &AppState, incoming: Incoming, request_id: &str) -> Answer {
    if let Err(e) = dispatch::limit(state, &incoming) {
        return Answer::fresh(Err(e), request_id);
    }
    let b = incoming.binding.clone();
    let claim = SignatureClaim {
        key_id: b.key_id.clone(),
        signature: b.signature.clone(),
        fingerprint: b.fingerprint.clone(),
        request_id: request_id.to_string(),
        expires_at: b.expires_at,
        response: None,
    };
    let store = state.service.store().clone();
    if READ_ONLY.contains(&incoming.entry.name) {
        // A read's answer is not stored: its repeat runs again under the first RequestId,
        // which keeps each claim a small row (every request makes one).
        return match store.claim_signature(&claim, state.service.now()).await {
            Ok(ClaimState::Claimed) => Answer::fresh(dispatch::run(state, incoming, request_id).await, request_id),
            Ok(ClaimState::Seen { fingerprint, request_id: first_id, response }) if fingerprint == b.fingerprint => match response {
                Some(body) => Answer { code: "Replayed", message: None, body },
                None => {
                    let answer = Answer::fresh(dispatch::run(state, incoming, &first_id).await, &first_id);
                    Answer { code: "Replayed", ..answer }
                }
            },
            Ok(_) => Answer::fresh(Err(mismatch()), request_id),
            Err(e) => {
                tracing::error!(error = %e, "signature claim failed");
                Answer::fresh(Err(internal()), request_id)
            }
        };
    }
    let deadline = tokio::time::Instant::now() + WAIT_FOR_FIRST;
    loop {
        let seen = match store.claim_signature(&claim, state.service.now()).await {
            Ok(ClaimState::Claimed) => return run_claimed(state, incoming, request_id).await,
            Ok(ClaimState::Seen { fingerprint, request_id: first_id, response }) => {
                if fingerprint != b.fingerprint {
                    return Answer::fresh(Err(mismatch()), request_id);
                }
                match response {
                    Some(body) => return Answer { code: "Replayed", message: None, body },
                    None => first_id,
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "signature claim failed");
                return Answer::fresh(Err(internal()), request_id);
            }
        };
        if tokio::time::Instant::now() >= deadline {
            let e = ApiError::new(
                "InternalError",
                format!("The first request with this signature ({seen}) has not finished; sign the request anew."),
            );
            return Answer::fresh(Err(e), request_id);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Runs a request whose signature this caller claimed and records the answer. The
/// action runs in its own task so that a client hanging up cannot cut it short and
/// leave the claim without an answer.
async fn run_claimed(state: &AppState, incoming: Incoming, request_id: &str) -> Answer {
    let (task_state, rid) = (state.clone(), request_id.to_string());
    let (b, key_id, signature) = (incoming.binding.clone(), incoming.binding.key_id.clone(), incoming.binding.signature.clone());
    let task = tokio::spawn(async move {
        let answer = Answer::fresh(dispatch::run(&task_state, incoming, &rid).await, &rid);
        if let Err(e) = task_state.service.store().finish_signature(&b.key_id, &b.signature, &answer.body).await {
            // The action's own effects stand; a repeat of this signature waits and then fails.
            tracing::error!(error = %e, "recording the answer of a signature failed");
        }
        answer
    });
    match task.await {
        Ok(answer) => answer,
        Err(e) => {
            tracing::error!(error = %e, "action task failed");
            if let Err(e) = state.service.store().release_signature(&key_id, &signature).await {
                tracing::error!(error = %e, "releasing a signature failed");
            }
            Answer::fresh(Err(internal()), request_id)
        }
    }
}
