//! DescribeCertificates.

use certhub_core::model::{CertOrder, CertQuery, CertStatus, Source, Tag};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Ctx;
use super::view::{self, CertificateExtra, SupportDownloadType};
use crate::tencent::ApiError;
use crate::tencent::params::Int;
use crate::tencent::vocab;

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 10;
/// Largest page; larger requests are clamped.
pub const MAX_LIMIT: i64 = 1000;

/// DescribeCertificates request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeCertificatesRequest {
    /// Offset.
    pub offset: Option<Int>,
    /// Page size.
    pub limit: Option<Int>,
    /// Substring of ID, alias or domain.
    pub search_key: Option<String>,
    /// `CA` or `SVR`.
    pub certificate_type: Option<String>,
    /// Project.
    pub project_id: Option<Int>,
    /// `ASC` or `DESC` by expiry.
    pub expiration_sort: Option<String>,
    /// Status filter.
    pub certificate_status: Option<Vec<Int>>,
    /// 1 deployable, 0 not.
    pub deployable: Option<Int>,
    /// 1 uploads only.
    pub upload: Option<Int>,
    /// 1 renewable only.
    pub renew: Option<Int>,
    /// `upload` or `buy`.
    pub filter_source: Option<String>,
    /// 1 SM2 only.
    #[serde(rename = "IsSM")]
    pub is_sm: Option<Int>,
    /// 1 expiring only.
    pub filter_expiring: Option<Int>,
    /// 1 hostable, 0 not.
    pub hostable: Option<Int>,
    /// Tag filter.
    pub tags: Option<Vec<Tag>>,
    /// 1 pending issuance only.
    pub is_pending_issue: Option<Int>,
    /// Only these IDs.
    pub cert_ids: Option<Vec<String>>,
}

/// One item of the list (the vendor's `Certificates` structure).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Certificates {
    /// Owner account.
    pub owner_uin: String,
    /// Project, as a string.
    pub project_id: String,
    /// Source.
    pub from: String,
    /// Package type.
    pub package_type: Option<String>,
    /// `SVR` or `CA`.
    pub certificate_type: String,
    /// Product name.
    pub product_zh_name: Option<String>,
    /// Primary domain.
    pub domain: String,
    /// Remark name.
    pub alias: String,
    /// Status code.
    pub status: i64,
    /// Extra information.
    pub certificate_extra: CertificateExtra,
    /// Vulnerability scan status.
    pub vulnerability_status: String,
    /// Status detail.
    pub status_msg: Option<String>,
    /// Validation method.
    pub verify_type: Option<String>,
    /// notBefore.
    pub cert_begin_time: Option<String>,
    /// notAfter.
    pub cert_end_time: Option<String>,
    /// Validity in months.
    pub validity_period: Option<String>,
    /// Creation time.
    pub insert_time: String,
    /// Certificate ID.
    pub certificate_id: String,
    /// Every name, primary included.
    pub subject_alt_name: Vec<String>,
    /// Package type name.
    pub package_type_name: Option<String>,
    /// Status label.
    pub status_name: String,
    /// VIP customer.
    pub is_vip: bool,
    /// DV.
    pub is_dv: bool,
    /// Wildcard.
    pub is_wildcard: bool,
    /// Vulnerability scanning on.
    pub is_vulnerability: bool,
    /// Renewable.
    pub renew_able: bool,
    /// Project information.
    pub project_info: Option<Value>,
    /// Bound resources (none yet).
    pub bound_resource: Vec<String>,
    /// Deployable.
    pub deployable: bool,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Expiry notifications ignored.
    pub is_ignore: bool,
    /// SM2.
    #[serde(rename = "IsSM")]
    pub is_sm: bool,
    /// Key algorithm family.
    pub encrypt_algorithm: String,
    /// CA algorithms.
    #[serde(rename = "CAEncryptAlgorithms")]
    pub ca_encrypt_algorithms: Vec<String>,
    /// CA expiry times.
    #[serde(rename = "CAEndTimes")]
    pub ca_end_times: Vec<String>,
    /// CA common names.
    #[serde(rename = "CACommonNames")]
    pub ca_common_names: Vec<String>,
    /// Pre-audit information.
    pub pre_audit_info: Option<Value>,
    /// Auto-renewal on.
    pub auto_renew_flag: i64,
    /// Hosting status (-1 not hosted).
    pub hosting_status: Option<i64>,
    /// Hosting completion time.
    pub hosting_complete_time: Option<String>,
    /// Certificate produced by hosting.
    pub hosting_renew_cert_id: Option<String>,
    /// Renewal certificate ID.
    pub has_renew_order: Option<String>,
    /// Original of a reissue deleted.
    pub replace_ori_cert_is_delete: bool,
    /// Expires within 30 days.
    pub is_expiring: bool,
    /// Deadline of domain validation.
    #[serde(rename = "DVAuthDeadline")]
    pub dv_auth_deadline: Option<String>,
    /// Time validation passed.
    pub validation_passed_time: Option<String>,
    /// Names.
    #[serde(rename = "CertSANs")]
    pub cert_sans: Vec<String>,
    /// Validation rejection message.
    pub awaiting_validation_msg: Option<String>,
    /// Download allowed.
    pub allow_download: bool,
    /// All names resolved by DNSPod.
    #[serde(rename = "IsDNSPODResolve")]
    pub is_dnspod_resolve: bool,
    /// Bought with benefit points.
    pub is_package: bool,
    /// The key had a password.
    pub key_password_custom_flag: bool,
    /// Downloadable formats.
    pub support_download_type: SupportDownloadType,
    /// Revocation time.
    pub cert_revoked_time: Option<String>,
    /// Hosted resource types.
    pub hosting_resource_types: Vec<String>,
    /// Hosting configuration.
    pub hosting_config: Option<Value>,
    /// Upload-hosting renewal certificate.
    pub is_hosting_upload_renew_cert: bool,
}

/// DescribeCertificates response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeCertificatesResponse {
    /// Total matching.
    pub total_count: i64,
    /// This page.
    pub certificates: Vec<Certificates>,
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameterValue", msg)
}

fn flag(name: &str, v: Option<Int>) -> Result<Option<bool>, ApiError> {
    match v.map(|i| i.0) {
        None => Ok(None),
        Some(0) => Ok(Some(false)),
        Some(1) => Ok(Some(true)),
        Some(other) => Err(invalid(format!("{name} must be 0 or 1, not {other}"))),
    }
}

/// Builds the store query from the request, validating every value.
pub fn query(req: &DescribeCertificatesRequest) -> Result<CertQuery, ApiError> {
    let offset = req.offset.map_or(0, |o| o.0);
    if offset < 0 {
        return Err(invalid("Offset must not be negative"));
    }
    let limit = match req.limit.map(|l| l.0) {
        None | Some(0) => DEFAULT_LIMIT,
        Some(l) if l < 0 => return Err(invalid("Limit must not be negative")),
        Some(l) => l.min(MAX_LIMIT),
    };
    let cert_type = match req.certificate_type.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match vocab::parse_cert_type(t) {
            Some(t) => Some(t),
            None => return Err(invalid(format!("CertificateType must be CA or SVR, not {}", t.to_ascii_uppercase()))),
        },
    };
    let order = match req.expiration_sort.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("") => CertOrder::InsertDesc,
        Some("ASC") => CertOrder::ExpiryAsc,
        Some("DESC") => CertOrder::ExpiryDesc,
        Some(other) => return Err(invalid(format!("ExpirationSort must be ASC or DESC, not {other}"))),
    };
    let mut statuses: Vec<CertStatus> = Vec::new();
    for n in req.certificate_status.iter().flatten().map(|s| s.0) {
        match vocab::status_of_number(n) {
            Some(s) => statuses.push(s),
            None => return Err(invalid(format!("CertificateStatus {n} is not a status (0-15)"))),
        }
    }
    let uploaded = match req.filter_source.as_deref() {
        None | Some("") => None,
        Some("upload") => Some(true),
        Some("buy") => Some(false),
        Some(other) => return Err(invalid(format!("FilterSource must be upload or buy, not {other}"))),
    };
    let uploaded = if flag("Upload", req.upload)? == Some(true) { Some(true) } else { uploaded };
    let hostable = flag("Hostable", req.hostable)?;
    let deployable = flag("Deployable", req.deployable)?.or(hostable);
    if let Some(pid) = req.project_id
        && pid.0 < 0
    {
        return Err(invalid("ProjectId must not be negative"));
    }
    Ok(CertQuery {
        offset,
        limit,
        search_key: req.search_key.clone().filter(|s| !s.trim().is_empty()).map(|s| s.trim().to_string()),
        cert_type,
        project_id: req.project_id.map(|p| p.0),
        statuses,
        uploaded,
        sm_only: flag("IsSM", req.is_sm)? == Some(true),
        expiring_only: flag("FilterExpiring", req.filter_expiring)? == Some(true),
        deployable,
        pending_issue_only: flag("IsPendingIssue", req.is_pending_issue)? == Some(true),
        renewable_only: flag("Renew", req.renew)? == Some(true),
        tags: req.tags.clone().unwrap_or_default(),
        ids: req.cert_ids.clone().unwrap_or_default(),
        order,
        ..Default::default()
    })
}

/// A page of the caller's certificates.
pub async fn describe_certificates(ctx: &Ctx, req: DescribeCertificatesRequest) -> Result<DescribeCertificatesResponse, ApiError> {
    let now = ctx.service.now();
    let q = query(&req)?;
    let (total, rows) = ctx.service.list(&ctx.caller, &q).await?;
    let certificates = rows
        .iter()
        .map(|c| {
            let (algs, cns, ends) = view::ca_lists(c);
            Certificates {
                owner_uin: c.owner_uin.clone(),
                project_id: c.project_id.to_string(),
                from: vocab::source_name(c.source).into(),
                package_type: c.package_type.clone(),
                certificate_type: vocab::cert_type_name(c.cert_type).into(),
                product_zh_name: view::product_name(c),
                domain: c.domain.clone(),
                alias: c.alias.clone(),
                status: vocab::status_number(c.status),
                certificate_extra: view::extra(c),
                vulnerability_status: "INACTIVE".into(),
                status_msg: view::status_msg(c),
                verify_type: c.verify_type.map(|m| vocab::method_name(m).into()),
                cert_begin_time: view::time(c.not_before),
                cert_end_time: view::time(c.not_after),
                validity_period: view::validity_months(c),
                insert_time: certhub_core::clock::format_timestamp(c.insert_time),
                certificate_id: c.id.clone(),
                subject_alt_name: view::names(c),
                package_type_name: view::product_name(c),
                status_name: view::status_label(c),
                is_vip: false,
                is_dv: c.source != Source::Upload,
                is_wildcard: view::is_wildcard(c),
                is_vulnerability: false,
                renew_able: false,
                project_info: None,
                bound_resource: Vec::new(),
                deployable: c.is_deployable(),
                tags: view::tags(c),
                is_ignore: c.ignore_expiry_notice,
                is_sm: c.is_sm,
                encrypt_algorithm: c.key_algorithm.split(' ').next().unwrap_or_default().to_string(),
                ca_encrypt_algorithms: algs,
                ca_end_times: ends,
                ca_common_names: cns,
                pre_audit_info: None,
                auto_renew_flag: 0,
                hosting_status: Some(-1),
                hosting_complete_time: None,
                hosting_renew_cert_id: None,
                has_renew_order: None,
                replace_ori_cert_is_delete: false,
                is_expiring: c.expires_soon(now),
                dv_auth_deadline: None,
                validation_passed_time: None,
                cert_sans: view::names(c),
                awaiting_validation_msg: None,
                allow_download: c.allow_download,
                is_dnspod_resolve: false,
                is_package: false,
                key_password_custom_flag: c.extra.key_password_custom,
                support_download_type: view::download_types(c),
                cert_revoked_time: c.revocation.map(|r| certhub_core::clock::format_timestamp(r.at)),
                hosting_resource_types: Vec::new(),
                hosting_config: None,
                is_hosting_upload_renew_cert: false,
            }
        })
        .collect();
    Ok(DescribeCertificatesResponse { total_count: total, certificates })
}
