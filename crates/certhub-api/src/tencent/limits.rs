//! Bounds on Tencent action parameters, all in one table. They are checked on the raw
//! parameters of every action before its typed decoding, so an oversized list, string or
//! number is refused as `InvalidParameterValue` instead of reaching the store (where it
//! failed as `InternalError`). A parameter name means the same thing in every action that
//! takes it, so one entry covers them all. Limits an action documents with its own error
//! code (`CertificateIds` of the batch actions) stay with that action.

use serde_json::Value;

use super::ApiError;

/// How a parameter is bounded.
#[derive(Debug, Clone, Copy)]
enum Bound {
    /// A string of at most this many characters.
    Chars(usize),
    /// A list of at most this many items.
    Items(usize),
    /// An integer in this inclusive range.
    Range(i64, i64),
}

/// Largest project ID (the vendor's IDs are unsigned 32-bit).
const MAX_PROJECT_ID: i64 = u32::MAX as i64;
/// Largest paging value: far beyond any account, small enough that `Offset + Limit` cannot overflow.
const MAX_PAGING: i64 = i32::MAX as i64;

/// Every bounded parameter, wherever it appears (top level or inside a list of structures).
const BOUNDS: &[(&str, Bound)] = &[
    ("ProjectId", Bound::Range(0, MAX_PROJECT_ID)),
    ("Offset", Bound::Range(0, MAX_PAGING)),
    ("Limit", Bound::Range(0, MAX_PAGING)),
    ("Deployable", Bound::Range(0, 1)),
    ("Upload", Bound::Range(0, 1)),
    ("Renew", Bound::Range(0, 1)),
    ("IsSM", Bound::Range(0, 1)),
    ("FilterExpiring", Bound::Range(0, 1)),
    ("Hostable", Bound::Range(0, 1)),
    ("IsPendingIssue", Bound::Range(0, 1)),
    ("SwitchStatus", Bound::Range(0, 1)),
    ("SearchKey", Bound::Chars(256)),
    ("CertIds", Bound::Items(1000)),
    ("CertificateStatus", Bound::Items(16)),
    ("DnsNames", Bound::Items(100)),
    ("Tags", Bound::Items(50)),
    ("TagKey", Bound::Chars(127)),
    ("TagValue", Bound::Chars(255)),
    ("KeyPassword", Bound::Chars(1024)),
    ("CsrKeyPassword", Bound::Chars(1024)),
    ("CsrkeyPassword", Bound::Chars(1024)),
];

/// Parameters that may hold a secret: a bad value is refused without being repeated.
const SECRETS: &[&str] = &["KeyPassword", "CsrKeyPassword", "CsrkeyPassword", "CertificatePrivateKey"];

/// Checks every bounded parameter of an action's raw parameters.
pub fn check(params: &Value) -> Result<(), ApiError> {
    match params {
        Value::Object(map) => {
            for (name, value) in map {
                check_one(name, value)?;
                check(value)?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(check),
        _ => Ok(()),
    }
}

fn check_one(name: &str, value: &Value) -> Result<(), ApiError> {
    // Typed decoding would quote a non-string value in its complaint: refuse it here, unquoted.
    if SECRETS.contains(&name) && !matches!(value, Value::String(_) | Value::Null) {
        return Err(ApiError::new("InvalidParameter", format!("The parameter `{name}` must be a string.")));
    }
    let Some((_, bound)) = BOUNDS.iter().find(|(n, _)| *n == name) else { return Ok(()) };
    let invalid = |what: String| Err(ApiError::new("InvalidParameterValue", format!("The parameter `{name}` {what}.")));
    match (*bound, value) {
        (Bound::Chars(max), Value::String(s)) if s.chars().count() > max => invalid(format!("is longer than {max} characters")),
        (Bound::Items(max), Value::Array(items)) if items.len() > max => invalid(format!("has more than {max} items")),
        (Bound::Range(lo, hi), v) => match integer(v) {
            Some(n) if n < lo || n > hi => invalid(format!("must be from {lo} to {hi}")),
            // Not an integer at all: typed decoding names the type error.
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// The integer a parameter holds, read as leniently as `params::Int` reads it.
fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn code(v: Value) -> Option<String> {
        check(&v).err().map(|e| e.code.to_string())
    }

    #[test]
    fn oversized_values_are_invalid_parameter_values() {
        let ids: Vec<String> = (0..40_000).map(|i| format!("id{i}")).collect();
        let tags: Vec<Value> = (0..1500).map(|i| json!({"TagKey": format!("k{i}"), "TagValue": "v"})).collect();
        let statuses: Vec<i64> = (0..40_000).map(|i| i % 16).collect();
        for bad in [
            json!({"SearchKey": "x".repeat(50_000)}),
            json!({"CertIds": ids}),
            json!({"Tags": tags}),
            json!({"CertificateStatus": statuses}),
            json!({"Tags": [{"TagKey": "k".repeat(128), "TagValue": "v"}]}),
            json!({"ProjectId": -1}),
            json!({"ProjectId": "4294967296"}),
            json!({"ProjectId": 1e15}),
            json!({"Offset": -5}),
            json!({"IsSM": 2}),
        ] {
            assert_eq!(code(bad.clone()).as_deref(), Some("InvalidParameterValue"), "{bad:.80}");
        }
    }

    #[test]
    fn values_within_bounds_pass() {
        let ok = json!({"SearchKey": "example", "CertIds": ["a", "b"], "ProjectId": "4294967295", "Limit": 5000,
                        "Tags": [{"TagKey": "team", "TagValue": "edge"}], "CertificateStatus": [1, 3], "ProjectIdX": -1});
        assert_eq!(code(ok), None);
        // Not a number: left to typed decoding, which names the type error.
        assert_eq!(code(json!({"ProjectId": "abc"})), None);
    }

    #[test]
    fn secrets_of_the_wrong_type_are_refused_without_their_value() {
        for v in [
            json!({"KeyPassword": 987_654_321}),
            json!({"KeyPassword": ["987654321"]}),
            json!({"CertificatePrivateKey": {"a": "987654321"}}),
        ] {
            let e = check(&v).expect_err("refused");
            assert_eq!(e.code, "InvalidParameter");
            assert!(!e.message.contains("987654321"), "{}", e.message);
        }
        let e = check(&json!({"KeyPassword": "s".repeat(2000)})).expect_err("too long");
        assert!(!e.message.contains("sss"), "{}", e.message);
    }
}
