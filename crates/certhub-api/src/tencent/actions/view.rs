//! Certificate records in the vendor's output structures (shared by the
//! DescribeCertificate, DescribeCertificateDetail and DescribeCertificates views).

use certhub_core::clock::format_timestamp;
use certhub_core::model::{CertRecord, CertType, Tag};
use serde::Serialize;
use serde_json::Value;

/// CertificateExtra.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CertificateExtra {
    /// Domains the certificate holds.
    pub domain_number: String,
    /// The certificate this one renews.
    pub origin_certificate_id: Option<String>,
    /// On a reissued certificate: the original's ID.
    pub replaced_by: Option<String>,
    /// On an original: the reissued certificate's ID.
    pub replaced_for: Option<String>,
    /// ID of the renewal certificate.
    pub renew_order: Option<String>,
    /// 1 for SM2.
    #[serde(rename = "SMCert")]
    pub sm_cert: i64,
    /// 1 individual, 2 company.
    pub company_type: Option<i64>,
}

/// SupportDownloadType.
#[derive(Debug, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub struct SupportDownloadType {
    /// nginx.
    pub nginx: bool,
    /// apache.
    pub apache: bool,
    /// tomcat.
    pub tomcat: bool,
    /// iis.
    pub iis: bool,
    /// jks.
    pub jks: bool,
    /// other.
    pub other: bool,
    /// root.
    pub root: bool,
}

/// The status detail, or null.
pub fn status_msg(c: &CertRecord) -> Option<String> {
    (!c.status_msg.is_empty()).then(|| c.status_msg.clone())
}

/// Validity in whole months, as a string: the product's term once the product is known
/// (a pending order included), else the uploaded certificate's own dates.
pub fn validity_months(c: &CertRecord) -> Option<String> {
    if let Some(profile) = c.package_type.as_deref().and_then(certhub_core::profile::for_package) {
        return Some(profile.validity_months().to_string());
    }
    match (c.not_before, c.not_after) {
        (Some(b), Some(a)) if a > b => Some(((a - b + 15 * 86_400) / (30 * 86_400)).to_string()),
        _ => None,
    }
}

/// CertificateExtra of a record.
pub fn extra(c: &CertRecord) -> CertificateExtra {
    let get = |k: &str| c.extra.get(k).and_then(Value::as_str).map(str::to_string);
    CertificateExtra {
        domain_number: c.sans.len().max(1).to_string(),
        origin_certificate_id: get("origin_certificate_id"),
        replaced_by: get("reissue_of"),
        replaced_for: get("reissued_as").or_else(|| get("reissuing_as")),
        renew_order: get("renew_order"),
        sm_cert: i64::from(c.is_sm),
        company_type: c.extra.get("company_type").and_then(Value::as_i64),
    }
}

/// Wildcard: any name starts with `*.`.
pub fn is_wildcard(c: &CertRecord) -> bool {
    c.sans.iter().any(|s| s.starts_with("*."))
}

/// `YYYY-MM-DD hh:mm:ss` of an optional time.
pub fn time(t: Option<i64>) -> Option<String> {
    t.map(format_timestamp)
}

/// The `ca` block of `extra` as (algorithms, names, end times); empty unless a CA certificate.
pub fn ca_lists(c: &CertRecord) -> (Vec<String>, Vec<String>, Vec<String>) {
    let list = |k: &str| -> Vec<String> {
        c.extra
            .get("ca")
            .and_then(|ca| ca.get(k))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    (list("algorithms"), list("common_names"), list("end_times"))
}

/// Every name, primary first.
pub fn names(c: &CertRecord) -> Vec<String> {
    c.sans.clone()
}

/// Tags, never null.
pub fn tags(c: &CertRecord) -> Vec<Tag> {
    c.tags.clone()
}

/// The localized status label.
pub fn status_label(c: &CertRecord) -> String {
    crate::tencent::vocab::status_name(c.status).to_string()
}

/// Download formats: all for a certificate with a key, root/other for one without.
pub fn download_types(c: &CertRecord) -> SupportDownloadType {
    let k = c.has_key;
    SupportDownloadType {
        nginx: true,
        apache: true,
        tomcat: k || c.cert_type == CertType::Ca,
        iis: k,
        jks: k || c.cert_type == CertType::Ca,
        other: true,
        root: true,
    }
}

/// The package type name, or null for uploads.
pub fn product_name(c: &CertRecord) -> Option<String> {
    (!c.product_name.is_empty()).then(|| c.product_name.clone())
}

/// DvRevokeAuthDetail: the revocation's validation record (DvAuths shape), once a revocation was asked for.
pub fn revoke_auths(c: &CertRecord) -> Vec<Value> {
    c.extra.get("dv_revoke_auth_detail").and_then(|d| d.get("DvAuths")).and_then(Value::as_array).cloned().unwrap_or_default()
}
