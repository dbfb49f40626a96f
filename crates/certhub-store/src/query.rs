//! Builds the WHERE clause of a certificate listing with numbered placeholders that both backends accept.

use certhub_core::model::{CertOrder, CertQuery, CertType, Source};
use certhub_core::rules::{self, DEPLOYABLE, EXPIRING, RENEWABLE, WAITING};

use crate::codes;

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Integer.
    Int(i64),
    /// Text.
    Text(String),
}

/// SQL text with its arguments in placeholder order.
#[derive(Debug, Default)]
pub struct Built {
    /// `WHERE ...` clause (without ORDER BY / LIMIT).
    pub where_sql: String,
    /// `ORDER BY ...`.
    pub order_sql: &'static str,
    /// Arguments for `$1..$n`.
    pub args: Vec<Arg>,
}

impl Built {
    fn push(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Translates a certificate query into SQL over table alias `c`.
pub fn build(owner_uin: &str, q: &CertQuery, now: i64) -> Built {
    let mut b = Built::default();
    let p = b.push(Arg::Text(owner_uin.to_string()));
    let mut clauses = vec![format!("c.owner_uin = {p}")];
    if let Some(key) = q.search_key.as_deref().filter(|k| !k.is_empty()) {
        let p = b.push(Arg::Text(format!("%{}%", like_escape(&key.to_lowercase()))));
        clauses.push(format!(
            "(LOWER(c.id) LIKE {p} ESCAPE '\\' OR LOWER(c.alias) LIKE {p} ESCAPE '\\' OR LOWER(c.sans) LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(t) = q.cert_type {
        let p = b.push(Arg::Text(codes::cert_type(t).into()));
        clauses.push(format!("c.cert_type = {p}"));
    }
    if let Some(pid) = q.project_id {
        let p = b.push(Arg::Int(pid));
        clauses.push(format!("c.project_id = {p}"));
    }
    if !q.statuses.is_empty() {
        let ps: Vec<String> = q.statuses.iter().map(|s| b.push(Arg::Int(codes::status(*s)))).collect();
        clauses.push(format!("c.status IN ({})", ps.join(", ")));
    }
    let upload = codes::source(Source::Upload);
    match q.uploaded {
        Some(true) => clauses.push(format!("c.source = '{upload}'")),
        Some(false) => clauses.push(format!("c.source <> '{upload}'")),
        None => {}
    }
    if q.sm_only {
        clauses.push("c.is_sm = 1".into());
    }
    // The rules of `certhub_core::rules`, as SQL: each mirrors the `CertRecord` method named beside it.
    if q.expiring_only {
        // `is_expiring`: an EXPIRING status and notAfter within (now, now + EXPIRY_WINDOW].
        let pf = b.push(Arg::Int(now));
        let pt = b.push(Arg::Int(now + rules::EXPIRY_WINDOW));
        let statuses = codes::status_in("c.status", EXPIRING);
        clauses.push(format!("{statuses} AND c.not_after IS NOT NULL AND c.not_after > {pf} AND c.not_after <= {pt}"));
    }
    if let Some(wanted) = q.deployable {
        // `is_deployable`: a DEPLOYABLE status, a key, server type.
        let deployable = format!(
            "({} AND c.has_key = 1 AND c.cert_type = '{}')",
            codes::status_in("c.status", DEPLOYABLE),
            codes::cert_type(CertType::Server)
        );
        clauses.push(if wanted { deployable } else { format!("NOT {deployable}") });
    }
    if q.pending_issue_only {
        // `is_waiting`.
        clauses.push(codes::status_in("c.status", WAITING));
    }
    if q.renewable_only {
        // `is_renewable`: certhub's, a RENEWABLE status, notAfter in (now - RENEW_GRACE, now + EXPIRY_WINDOW].
        let pw = b.push(Arg::Int(now + rules::EXPIRY_WINDOW));
        let pg = b.push(Arg::Int(now - rules::RENEW_GRACE));
        let statuses = codes::status_in("c.status", RENEWABLE);
        clauses.push(format!(
            "c.source = '{}' AND {statuses} AND c.not_after IS NOT NULL AND c.not_after <= {pw} AND c.not_after > {pg}",
            codes::source(Source::Certhub)
        ));
    }
    for tag in &q.tags {
        let pk = b.push(Arg::Text(tag.tag_key.clone()));
        let pv = b.push(Arg::Text(tag.tag_value.clone()));
        clauses.push(format!("EXISTS (SELECT 1 FROM cert_tags t WHERE t.cert_id = c.id AND t.tag_key = {pk} AND t.tag_value = {pv})"));
    }
    if !q.ids.is_empty() {
        let ps: Vec<String> = q.ids.iter().map(|s| b.push(Arg::Text(s.clone()))).collect();
        clauses.push(format!("c.id IN ({})", ps.join(", ")));
    }
    if let Some(pt) = &q.package_type {
        let p = b.push(Arg::Text(pt.clone()));
        clauses.push(format!("c.package_type = {p}"));
    }
    if let Some(main) = &q.main_domain {
        let main = main.to_lowercase();
        let pe = b.push(Arg::Text(main.clone()));
        let pl = b.push(Arg::Text(format!("%.{}", like_escape(&main))));
        clauses.push(format!("(LOWER(c.domain) = {pe} OR LOWER(c.domain) LIKE {pl} ESCAPE '\\')"));
    }
    b.where_sql = format!("WHERE {}", clauses.join(" AND "));
    b.order_sql = match q.order {
        CertOrder::InsertDesc => "ORDER BY c.seq DESC",
        CertOrder::ExpiryAsc => "ORDER BY COALESCE(c.not_after, 0) ASC, c.id ASC",
        CertOrder::ExpiryDesc => "ORDER BY COALESCE(c.not_after, 0) DESC, c.id DESC",
    };
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let q = CertQuery {
            search_key: Some("50%_x".into()),
            statuses: vec![certhub_core::model::CertStatus::Issued, certhub_core::model::CertStatus::Expired],
            ids: vec!["a".into()],
            ..Default::default()
        };
        let b = build("u1", &q, 0);
        assert!(b.where_sql.contains("c.owner_uin = $1"));
        assert!(b.where_sql.contains("c.status IN ($3, $4)"));
        assert!(b.where_sql.contains("c.id IN ($5)"));
        assert_eq!(b.args[1], Arg::Text("%50\\%\\_x%".into()));
        assert_eq!(b.args.len(), 5);
    }

    #[test]
    fn main_domain_matches_itself_and_below_only() {
        let q = CertQuery { main_domain: Some("Ex_ample.com".into()), ..Default::default() };
        let b = build("u1", &q, 0);
        assert!(b.where_sql.contains("(LOWER(c.domain) = $2 OR LOWER(c.domain) LIKE $3 ESCAPE '\\')"));
        assert_eq!(b.args[1..], [Arg::Text("ex_ample.com".into()), Arg::Text("%.ex\\_ample.com".into())]);
    }
}
