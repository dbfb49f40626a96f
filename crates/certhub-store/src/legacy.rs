//! The first release's `extra` document, read once by the migration that rewrites it as a `CertExtra`.
//! That document mixed the Tencent door's spelling (PascalCase `DvAuth*` objects, a PascalCase chain,
//! formatted times) with certhub's own keys; nothing else reads it.

use certhub_core::clock::parse_timestamp;
use certhub_core::model::{CaInfo, CertExtra, ChainEntry, Challenge, ChallengeKind, RevokeLetter, ValidationLevel};
use serde_json::Value;

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn texts(v: &Value, key: &str) -> Vec<String> {
    v.get(key).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
}

/// A formatted time of the first release (`YYYY-MM-DD hh:mm:ss`, UTC+8) as unix seconds; 0 when unreadable.
fn time(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_str).and_then(parse_timestamp).unwrap_or(0)
}

/// A `DvAuthDetail`-shaped object as a challenge; `None` for null or absent.
fn challenge(d: Option<&Value>) -> Option<Challenge> {
    let d = d.filter(|d| d.is_object())?;
    let verify = d.get("DvAuths").and_then(|a| a.get(0)).and_then(|a| a.get("DvAuthVerifyType")).and_then(Value::as_str);
    Some(Challenge {
        domain: text(d, "DvAuthDomain").unwrap_or_default(),
        key: text(d, "DvAuthKey").unwrap_or_default(),
        value: text(d, "DvAuthValue").unwrap_or_default(),
        path: text(d, "DvAuthPath").unwrap_or_default(),
        sub_domain: text(d, "DvAuthKeySubDomain").unwrap_or_default(),
        kind: if verify == Some("FILE") { ChallengeKind::File } else { ChallengeKind::Txt },
    })
}

fn chain_entry(e: &Value) -> ChainEntry {
    ChainEntry {
        issuer: text(e, "Issuer").unwrap_or_default(),
        subject: text(e, "Subject").unwrap_or_default(),
        fingerprint: text(e, "Fingerprint").unwrap_or_default(),
        not_before: time(e, "ValidFrom"),
        not_after: time(e, "ValidTo"),
    }
}

fn ca_info(ca: &Value) -> CaInfo {
    let ends = ca.get("end_times").and_then(Value::as_array);
    CaInfo {
        algorithms: texts(ca, "algorithms"),
        common_names: texts(ca, "common_names"),
        not_afters: ends.map(|a| a.iter().map(|t| t.as_str().and_then(parse_timestamp).unwrap_or(0)).collect()).unwrap_or_default(),
    }
}

/// The typed document of a first-release `extra`; keys it never had stay at their defaults.
pub(crate) fn convert(v: &Value) -> CertExtra {
    let level = match v.get("validation_level").and_then(Value::as_str) {
        Some("DV") => Some(ValidationLevel::Dv),
        Some("OV") => Some(ValidationLevel::Ov),
        Some("EV") => Some(ValidationLevel::Ev),
        _ => None,
    };
    CertExtra {
        family: text(v, "family"),
        spki: text(v, "spki"),
        validation_level: level,
        order_id: text(v, "order_id"),
        origin_certificate_id: text(v, "origin_certificate_id"),
        contact_email: text(v, "contact_email"),
        delete_dns_auto_record: flag(v, "delete_dns_auto_record"),
        csr_key_password: text(v, "csr_key_password"),
        key_password_custom: flag(v, "key_password_custom"),
        challenge: challenge(v.get("dv_auth_detail")),
        revoke_challenge: challenge(v.get("dv_revoke_auth_detail")),
        revoke_reason_text: text(v, "revoke_reason_text"),
        revoke_door: text(v, "revoke_door"),
        revoke_letter: v.get("revoke_letter").and_then(|l| serde_json::from_value::<RevokeLetter>(l.clone()).ok()),
        reissue_of: text(v, "reissue_of"),
        reissuing_as: text(v, "reissuing_as"),
        reissued_as: text(v, "reissued_as"),
        replace_count: v.get("replace_count").and_then(Value::as_i64).unwrap_or(0),
        replace_reason: text(v, "replace_reason"),
        audit_cancelled: flag(v, "audit_cancelled"),
        order_cancelled: flag(v, "order_cancelled"),
        chain: v.get("chain").and_then(Value::as_array).map(|a| a.iter().map(chain_entry).collect()),
        ca: v.get("ca").filter(|c| c.is_object()).map(ca_info),
        company_type: v.get("company_type").and_then(Value::as_i64),
        renew_order: text(v, "renew_order"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_upload_and_an_order_of_the_first_release_convert() {
        let upload = json!({"ca": {"algorithms": ["RSA"], "common_names": ["Root"], "end_times": ["2030-01-01 08:00:00"]},
            "chain": [{"Issuer": "Root", "Subject": "leaf", "Fingerprint": "ab", "ValidFrom": "2024-01-01 08:00:00",
                       "ValidTo": "2030-01-01 08:00:00"}], "key_password_custom": true});
        let x = convert(&upload);
        assert!(x.key_password_custom);
        assert_eq!(x.ca.as_ref().map(|c| c.not_afters.clone()), Some(vec![1_893_456_000]));
        let chain = x.chain.expect("chain");
        assert_eq!((chain[0].issuer.as_str(), chain[0].not_before, chain[0].not_after), ("Root", 1_704_067_200, 1_893_456_000));
        let order = json!({"family": "rsa-2048", "validation_level": "DV", "reissue_of": "abc", "replace_count": 1, "ca": null,
            "dv_auth_detail": {"DvAuthKey": "k", "DvAuthValue": "v", "DvAuthDomain": "a.example", "DvAuthPath": "/p/",
                "DvAuthKeySubDomain": "", "DvAuths": [{"DvAuthVerifyType": "FILE"}]}, "dv_revoke_auth_detail": null,
            "revoke_letter": {"type": "pdf", "size": 3, "content": "AAAA", "uploaded_at": 9}});
        let x = convert(&order);
        assert_eq!((x.family.as_deref(), x.validation_level, x.replace_count), (Some("rsa-2048"), Some(ValidationLevel::Dv), 1));
        assert_eq!(x.challenge.map(|c| (c.key, c.path, c.kind)), Some(("k".into(), "/p/".into(), ChallengeKind::File)));
        assert_eq!((x.revoke_challenge, x.ca, x.revoke_letter.map(|l| l.size)), (None, None, Some(3)));
    }
}
