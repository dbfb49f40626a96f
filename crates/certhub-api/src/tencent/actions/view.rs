//! Certificate records in the vendor's output structures (shared by the
//! DescribeCertificate, DescribeCertificateDetail and DescribeCertificates views).

use certhub_core::clock::format_timestamp;
use certhub_core::model::{CertRecord, CertType, ChainEntry, Challenge, ChallengeKind, Tag, ValidationLevel};
use serde::Serialize;
use serde_json::{Value, json};

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
    let x = &c.extra;
    CertificateExtra {
        domain_number: c.sans.len().max(1).to_string(),
        origin_certificate_id: x.origin_certificate_id.clone(),
        replaced_by: x.reissue_of.clone(),
        replaced_for: x.reissued_as.clone().or_else(|| x.reissuing_as.clone()),
        renew_order: x.renew_order.clone(),
        sm_cert: i64::from(c.is_sm),
        company_type: x.company_type,
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

/// An uploaded CA certificate's chain as (algorithms, names, end times); empty unless a CA certificate.
pub fn ca_lists(c: &CertRecord) -> (Vec<String>, Vec<String>, Vec<String>) {
    match &c.extra.ca {
        Some(ca) => (ca.algorithms.clone(), ca.common_names.clone(), ca.not_afters.iter().copied().map(format_timestamp).collect()),
        None => Default::default(),
    }
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
    c.extra.revoke_challenge.as_ref().map(|ch| vec![dv_auth(ch)]).unwrap_or_default()
}

/// One DvAuths entry.
fn dv_auth(ch: &Challenge) -> Value {
    let kind = match ch.kind {
        ChallengeKind::Txt => "TXT",
        ChallengeKind::File => "FILE",
    };
    json!({ "DvAuthKey": ch.key, "DvAuthValue": ch.value, "DvAuthDomain": ch.domain, "DvAuthPath": ch.path,
            "DvAuthSubDomain": ch.sub_domain, "DvAuthVerifyType": kind })
}

/// DvAuthDetail: the order's validation record, once as the legacy single fields and once in DvAuths.
pub fn dv_auth_detail(c: &CertRecord) -> Option<Value> {
    c.extra.challenge.as_ref().map(|ch| {
        json!({ "DvAuthKey": ch.key, "DvAuthValue": ch.value, "DvAuthDomain": ch.domain, "DvAuthPath": ch.path,
                "DvAuthKeySubDomain": ch.sub_domain, "DvAuths": [dv_auth(ch)] })
    })
}

/// CertChainInfo: an upload's chain, leaf first.
pub fn chain_info(c: &CertRecord) -> Option<Value> {
    let entry = |e: &ChainEntry| {
        json!({ "Issuer": e.issuer, "Subject": e.subject, "Fingerprint": e.fingerprint,
                "ValidFrom": format_timestamp(e.not_before), "ValidTo": format_timestamp(e.not_after) })
    };
    c.extra.chain.as_ref().map(|chain| Value::Array(chain.iter().map(entry).collect()))
}

/// The validation level as the vendor writes it (`DV`, `OV`, `EV`).
pub fn validation_level(c: &CertRecord) -> Option<String> {
    c.extra.validation_level.map(|l| {
        match l {
            ValidationLevel::Dv => "DV",
            ValidationLevel::Ov => "OV",
            ValidationLevel::Ev => "EV",
        }
        .to_string()
    })
}
