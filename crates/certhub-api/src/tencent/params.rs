//! Action parameters: flattened v1/GET names (`Tags.0.TagKey`) to JSON, lenient
//! scalars (numbers and booleans may arrive as strings), and typed decoding
//! whose failures become the vendor's parameter codes.

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::ApiError;

/// An Integer parameter that accepts `10` and `"10"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Int(pub i64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Int;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
                Ok(Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
                i64::try_from(v).map(Int).map_err(|_| E::custom("integer out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Int, E> {
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(Int(v as i64))
                } else {
                    Err(E::custom(format!("invalid type: floating point `{v}`, expected an integer")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Int, E> {
                v.trim().parse::<i64>().map(Int).map_err(|_| E::custom(format!("invalid type: string {v:?}, expected an integer")))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Int {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

/// A Boolean parameter that accepts `true`, `"true"`, `"True"`, `1` and `"1"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bool(pub bool);

impl<'de> Deserialize<'de> for Bool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Bool, E> {
                Ok(Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bool, E> {
                match v {
                    0 => Ok(Bool(false)),
                    1 => Ok(Bool(true)),
                    _ => Err(E::custom(format!("invalid type: integer `{v}`, expected a boolean"))),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bool, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(2))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bool, E> {
                match v.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" => Ok(Bool(true)),
                    "false" | "0" => Ok(Bool(false)),
                    _ => Err(E::custom(format!("invalid type: string {v:?}, expected a boolean"))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Deepest nesting of a flattened name.
const MAX_DEPTH: usize = 8;
/// Largest array index in a flattened name.
const MAX_INDEX: usize = 10_000;

/// Turns flattened `(name, value)` pairs into a JSON object: `A.0.B=x` becomes `{"A":[{"B":"x"}]}`.
pub fn unflatten(pairs: &[(String, String)]) -> Result<Value, ApiError> {
    let mut root = Map::new();
    for (name, value) in pairs {
        let segs: Vec<&str> = name.split('.').collect();
        if segs.len() > MAX_DEPTH || segs.iter().any(|s| s.is_empty()) {
            return Err(ApiError::new("InvalidParameter", format!("malformed parameter name {name:?}")));
        }
        insert(&mut root, &segs, value, name)?;
    }
    Ok(arrayify(Value::Object(root)))
}

fn insert(map: &mut Map<String, Value>, segs: &[&str], value: &str, name: &str) -> Result<(), ApiError> {
    let conflict = || ApiError::new("InvalidParameter", format!("conflicting parameter {name:?}"));
    let Some((first, rest)) = segs.split_first() else { return Ok(()) };
    if first.bytes().all(|b| b.is_ascii_digit()) && first.parse::<usize>().map_or(true, |i| i > MAX_INDEX) {
        return Err(ApiError::new("InvalidParameter", format!("array index too large in {name:?}")));
    }
    if rest.is_empty() {
        if map.contains_key(*first) {
            return Err(conflict());
        }
        map.insert((*first).to_string(), Value::String(value.to_string()));
        return Ok(());
    }
    let child = map.entry((*first).to_string()).or_insert_with(|| Value::Object(Map::new()));
    match child {
        Value::Object(m) => insert(m, rest, value, name),
        _ => Err(conflict()),
    }
}

/// Objects whose keys are all indices become arrays, in index order.
fn arrayify(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let all_numeric = !m.is_empty() && m.keys().all(|k| k.bytes().all(|b| b.is_ascii_digit()));
            if all_numeric {
                let mut items: Vec<(usize, Value)> = m.into_iter().map(|(k, v)| (k.parse().unwrap_or(usize::MAX), arrayify(v))).collect();
                items.sort_by_key(|(i, _)| *i);
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(m.into_iter().map(|(k, v)| (k, arrayify(v))).collect())
            }
        }
        other => other,
    }
}

/// Decodes an action's parameters; serde's complaint picks the vendor code.
pub fn decode<T: DeserializeOwned>(params: Value) -> Result<T, ApiError> {
    serde_json::from_value(params).map_err(|e| {
        let msg = e.to_string();
        if let Some(rest) = msg.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or_default();
            ApiError::new("MissingParameter", format!("The request is missing a required parameter `{field}`."))
        } else if let Some(rest) = msg.strip_prefix("unknown field `") {
            let field = rest.split('`').next().unwrap_or_default();
            ApiError::new("UnknownParameter", format!("The parameter `{field}` is not recognized."))
        } else {
            ApiError::new("InvalidParameter", format!("Invalid parameter: {msg}"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn flattened_names_nest() {
        let v = unflatten(&p(&[
            ("Tags.1.TagKey", "k2"),
            ("Tags.0.TagKey", "k1"),
            ("Tags.0.TagValue", "v1"),
            ("CertIds.0", "a"),
            ("Limit", "10"),
        ]))
        .unwrap();
        assert_eq!(v["Tags"][0]["TagKey"], "k1");
        assert_eq!(v["Tags"][1]["TagKey"], "k2");
        assert_eq!(v["CertIds"][0], "a");
        assert_eq!(v["Limit"], "10");
        assert!(unflatten(&p(&[("A", "1"), ("A.0", "2")])).is_err());
        assert!(unflatten(&p(&[("A..B", "1")])).is_err());
        assert!(unflatten(&p(&[("A.99999999", "1")])).is_err());
    }

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "PascalCase", deny_unknown_fields)]
    struct Sample {
        limit: Option<Int>,
        flag: Option<Bool>,
        name: String,
    }

    #[test]
    fn decode_maps_errors_to_codes() {
        let ok: Sample = decode(serde_json::json!({"Limit": "5", "Flag": "True", "Name": "x"})).unwrap();
        assert_eq!(ok.name, "x");
        assert_eq!(ok.limit, Some(Int(5)));
        assert_eq!(ok.flag, Some(Bool(true)));
        let e = decode::<Sample>(serde_json::json!({"Limit": 5})).unwrap_err();
        assert_eq!(e.code, "MissingParameter");
        let e = decode::<Sample>(serde_json::json!({"Name": "x", "Bogus": 1})).unwrap_err();
        assert_eq!(e.code, "UnknownParameter");
        let e = decode::<Sample>(serde_json::json!({"Name": "x", "Limit": "abc"})).unwrap_err();
        assert_eq!(e.code, "InvalidParameter");
        let e = decode::<Sample>(serde_json::json!({"Name": 5})).unwrap_err();
        assert_eq!(e.code, "InvalidParameter");
    }

    proptest! {
        #[test]
        fn unflatten_never_panics(names in proptest::collection::vec("[A-Za-z0-9.]{0,20}", 0..10)) {
            let pairs: Vec<(String, String)> = names.into_iter().map(|n| (n, "v".to_string())).collect();
            let _ = unflatten(&pairs);
        }
    }
}
