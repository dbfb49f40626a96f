//! DescribeCertificate and DescribeCertificateDetail.

use certhub_core::model::{CertRecord, Source, Tag};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::view::{self, CertificateExtra};
use super::{Ctx, required};
use crate::tencent::ApiError;
use crate::tencent::vocab;

/// Request of both describe actions.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeCertificateRequest {
    /// Certificate ID.
    pub certificate_id: String,
}

/// DescribeCertificateDetail request.
pub type DescribeCertificateDetailRequest = DescribeCertificateRequest;

/// The fields both describe actions return alike.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CertificateSummary {
    /// Owner account.
    pub owner_uin: Option<String>,
    /// Project, as a string.
    pub project_id: Option<String>,
    /// Source.
    pub from: Option<String>,
    /// `SVR` or `CA`.
    pub certificate_type: Option<String>,
    /// Package type; null for uploads.
    pub package_type: Option<String>,
    /// Product name.
    pub product_zh_name: Option<String>,
    /// Primary domain.
    pub domain: Option<String>,
    /// Remark name.
    pub alias: Option<String>,
    /// Status code.
    pub status: Option<i64>,
    /// Status detail.
    pub status_msg: Option<String>,
    /// Validation method.
    pub verify_type: Option<String>,
    /// Vulnerability scan status.
    pub vulnerability_status: Option<String>,
    /// notBefore.
    pub cert_begin_time: Option<String>,
    /// notAfter.
    pub cert_end_time: Option<String>,
    /// Validity in months.
    pub validity_period: Option<String>,
    /// Creation time.
    pub insert_time: Option<String>,
    /// Order ID.
    pub order_id: Option<String>,
    /// Extra information.
    pub certificate_extra: Option<CertificateExtra>,
    /// Domain validation details.
    pub dv_auth_detail: Option<Value>,
    /// Vulnerability report.
    pub vulnerability_report: Option<String>,
    /// Certificate ID.
    pub certificate_id: Option<String>,
    /// Status label.
    pub status_name: Option<String>,
    /// VIP customer / paid certificate.
    pub is_vip: Option<bool>,
    /// Wildcard.
    pub is_wildcard: Option<bool>,
    /// DV.
    pub is_dv: Option<bool>,
    /// Vulnerability scanning on.
    pub is_vulnerability: Option<bool>,
    /// Reissuable / renewable.
    pub renew_able: Option<bool>,
    /// Submitted paid-order data.
    pub submitted_data: Option<Value>,
    /// Deployable.
    pub deployable: Option<bool>,
    /// Tags.
    pub tags: Option<Vec<Tag>>,
    /// Revocation validation values.
    pub dv_revoke_auth_detail: Option<Vec<Value>>,
}

fn summary(c: &CertRecord) -> CertificateSummary {
    CertificateSummary {
        owner_uin: Some(c.owner_uin.clone()),
        project_id: Some(c.project_id.to_string()),
        from: Some(vocab::source_name(c.source).into()),
        certificate_type: Some(vocab::cert_type_name(c.cert_type).into()),
        package_type: c.package_type.clone(),
        product_zh_name: view::product_name(c),
        domain: Some(c.domain.clone()),
        alias: Some(c.alias.clone()),
        status: Some(vocab::status_number(c.status)),
        status_msg: view::status_msg(c),
        verify_type: c.verify_type.map(|m| vocab::method_name(m).into()),
        vulnerability_status: Some("INACTIVE".into()),
        cert_begin_time: view::time(c.not_before),
        cert_end_time: view::time(c.not_after),
        validity_period: view::validity_months(c),
        insert_time: view::time(Some(c.insert_time)),
        order_id: c.extra.order_id.clone(),
        certificate_extra: Some(view::extra(c)),
        dv_auth_detail: view::dv_auth_detail(c),
        vulnerability_report: None,
        certificate_id: Some(c.id.clone()),
        status_name: Some(view::status_label(c)),
        is_vip: Some(false),
        is_wildcard: Some(view::is_wildcard(c)),
        is_dv: Some(c.source != Source::Upload),
        is_vulnerability: Some(false),
        renew_able: Some(false),
        submitted_data: None,
        deployable: Some(c.is_deployable()),
        tags: Some(view::tags(c)),
        dv_revoke_auth_detail: Some(view::revoke_auths(c)),
    }
}

/// DescribeCertificate response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeCertificateResponse {
    /// The shared fields.
    #[serde(flatten)]
    pub summary: CertificateSummary,
    /// Package type name.
    pub package_type_name: Option<String>,
    /// Every name, primary included.
    pub subject_alt_name: Option<Vec<String>>,
    /// CA algorithms.
    #[serde(rename = "CAEncryptAlgorithms")]
    pub ca_encrypt_algorithms: Option<Vec<String>>,
    /// CA common names.
    #[serde(rename = "CACommonNames")]
    pub ca_common_names: Option<Vec<String>>,
    /// CA expiry times.
    #[serde(rename = "CAEndTimes")]
    pub ca_end_times: Option<Vec<String>>,
}

/// One certificate's information.
pub async fn describe_certificate(ctx: &Ctx, req: DescribeCertificateRequest) -> Result<DescribeCertificateResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    let c = ctx.service.certificate(&ctx.caller, &req.certificate_id).await?;
    let (algs, cns, ends) = view::ca_lists(&c);
    Ok(DescribeCertificateResponse {
        summary: summary(&c),
        package_type_name: view::product_name(&c),
        subject_alt_name: Some(view::names(&c)),
        ca_encrypt_algorithms: Some(algs),
        ca_common_names: Some(cns),
        ca_end_times: Some(ends),
    })
}

/// RootCertificates.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RootCertificates {
    /// SM2 signing root.
    pub sign: Option<String>,
    /// SM2 encryption root.
    pub encrypt: Option<String>,
    /// Standard root.
    pub standard: Option<String>,
}

/// DescribeCertificateDetail response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeCertificateDetailResponse {
    /// The shared fields.
    #[serde(flatten)]
    pub summary: CertificateSummary,
    /// Private key, PEM.
    pub certificate_private_key: Option<String>,
    /// Certificate and chain, PEM.
    pub certificate_public_key: Option<String>,
    /// Product type name.
    pub type_name: Option<String>,
    /// Names other than the primary domain.
    pub subject_alt_name: Option<Vec<String>>,
    /// Root certificates.
    pub root_cert: Option<RootCertificates>,
    /// SM2 encryption certificate.
    pub encrypt_cert: Option<String>,
    /// SM2 encryption key.
    pub encrypt_private_key: Option<String>,
    /// SHA-1 fingerprint of the certificate.
    pub cert_fingerprint: Option<String>,
    /// SHA-1 fingerprint of the SM2 encryption certificate.
    pub encrypt_cert_fingerprint: Option<String>,
    /// Key algorithm (`RSA 2048`).
    pub encrypt_algorithm: Option<String>,
    /// Chain information.
    pub cert_chain_info: Option<Value>,
    /// 1 single, 2 multi, 3 wildcard, 4 multi-wildcard.
    pub domain_type: Option<i64>,
    /// `DV`, `OV` or `EV`.
    pub cert_type: Option<String>,
}

fn domain_type(sans: &[String]) -> i64 {
    let wild = sans.iter().any(|s| s.starts_with("*."));
    match (sans.len() > 1, wild) {
        (false, false) => 1,
        (true, false) => 2,
        (false, true) => 3,
        (true, true) => 4,
    }
}

/// One certificate's full details, key included.
pub async fn describe_certificate_detail(
    ctx: &Ctx,
    req: DescribeCertificateDetailRequest,
) -> Result<DescribeCertificateDetailResponse, ApiError> {
    required("CertificateId", &req.certificate_id)?;
    let c = ctx.service.certificate(&ctx.caller, &req.certificate_id).await?;
    let key = ctx.service.certificate_private_key_pem(&ctx.caller, &c.id).await?;
    let root = c.cert_pem.as_deref().and_then(|p| {
        let blocks = certhub_pki::parse::pem::blocks(p).ok()?;
        let last = blocks.last()?;
        (blocks.len() > 1).then(|| certhub_pki::parse::pem::encode("CERTIFICATE", &last.der))
    });
    let others: Vec<String> = c.sans.iter().filter(|s| **s != c.domain).cloned().collect();
    Ok(DescribeCertificateDetailResponse {
        summary: summary(&c),
        certificate_private_key: key,
        certificate_public_key: c.cert_pem.clone(),
        type_name: view::product_name(&c),
        subject_alt_name: Some(others),
        root_cert: Some(RootCertificates { sign: None, encrypt: None, standard: root }),
        encrypt_cert: None,
        encrypt_private_key: None,
        cert_fingerprint: c.fingerprint.clone(),
        encrypt_cert_fingerprint: None,
        encrypt_algorithm: Some(c.key_algorithm.clone()),
        cert_chain_info: view::chain_info(&c),
        domain_type: Some(domain_type(&c.sans)),
        cert_type: view::validation_level(&c),
    })
}
