//! One module per group of actions; one function per action, with typed request
//! and response structs named after it.

pub mod apply;
pub mod delete;
pub mod describe;
pub mod download;
pub mod list;
pub mod logs;
pub mod modify;
pub mod orders;
pub mod revoke;
pub mod upload;
pub mod view;

use certhub_service::{Caller, Service};
use serde::Serialize;
use serde_json::{Map, Value};

use super::ApiError;

/// What an action runs with.
#[derive(Clone)]
pub struct Ctx {
    /// The service.
    pub service: Service,
    /// The authenticated caller.
    pub caller: Caller,
}

/// A response struct as the fields of `Response`.
pub fn to_fields<T: Serialize>(resp: &T) -> Result<Map<String, Value>, ApiError> {
    match serde_json::to_value(resp) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::new("InternalError", "Internal error.")),
    }
}

/// Rejects an empty required string the way the vendor does.
pub fn required<'a>(name: &str, v: &'a str) -> Result<&'a str, ApiError> {
    if v.trim().is_empty() { Err(ApiError::new("MissingParameter", format!("The parameter `{name}` must not be empty."))) } else { Ok(v) }
}
