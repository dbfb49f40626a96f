//! DNS for validation: TXT and CAA lookups against one configured server, and
//! RFC 2136 dynamic updates signed with TSIG for DNS_AUTO.
//!
//! Lookups go straight to the configured server with no cache of our own, so a
//! record published a moment ago is seen on the next poll.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use base64::Engine;
use certhub_core::dcv::{DcvFailure, Method};
use hickory_net::client::{Client, ClientHandle};
use hickory_net::runtime::TokioRuntimeProvider;
use hickory_net::udp::UdpClientStream;
use hickory_proto::op::{DnsResponse, ResponseCode};
use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::rdata::tsig::TsigAlgorithm;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType, TSigner};

/// Why a DNS setting could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DnsConfigError {
    /// The TSIG key is not `algorithm:name:base64-secret`.
    #[error("TSIG key must be ALGORITHM:NAME:BASE64SECRET (e.g. hmac-sha256:certhub:c2VjcmV0): {0}")]
    Key(String),
    /// The zone is not a domain name.
    #[error("bad zone name {0:?}")]
    Zone(String),
}

fn name(s: &str) -> Result<Name, String> {
    let mut n = Name::from_ascii(s).map_err(|e| format!("{s:?}: {e}"))?;
    n.set_fqdn(true);
    Ok(n)
}

fn client(server: SocketAddr, timeout: Duration, signer: Option<TSigner>) -> Client<TokioRuntimeProvider> {
    let stream = UdpClientStream::builder(server, TokioRuntimeProvider::new()).with_timeout(Some(timeout)).with_signer(signer).build();
    let (client, background) = Client::<TokioRuntimeProvider>::from_sender(stream);
    tokio::spawn(background);
    client
}

/// What one lookup returned.
enum Answer {
    /// The records of the asked type at the name (after CNAMEs the server followed).
    Records(Vec<RData>),
    /// The name does not exist.
    NxDomain,
    /// The server does not answer for this name.
    Refused,
}

/// Looks up validation records on one DNS server.
#[derive(Debug, Clone)]
pub struct DnsLookup {
    /// The server asked (a recursive resolver, or the zone's authority in labs).
    pub server: SocketAddr,
    /// Per-query timeout.
    pub timeout: Duration,
}

impl DnsLookup {
    /// Lookups against `server`.
    pub fn new(server: SocketAddr) -> Self {
        Self { server, timeout: Duration::from_secs(5) }
    }

    /// Lookups against the first `nameserver` of `/etc/resolv.conf` (127.0.0.1:53 when there is none).
    pub fn system() -> Self {
        let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        let server = conf
            .lines()
            .filter_map(|l| l.trim().strip_prefix("nameserver"))
            .find_map(|ip| ip.trim().parse::<std::net::IpAddr>().ok())
            .map_or_else(|| SocketAddr::from(([127, 0, 0, 1], 53)), |ip| SocketAddr::new(ip, 53));
        Self::new(server)
    }

    async fn lookup(&self, qname: &str, rtype: RecordType) -> Result<Answer, String> {
        let qname = name(qname)?;
        let mut c = client(self.server, self.timeout, None);
        let resp: DnsResponse =
            c.query(qname, DNSClass::IN, rtype).await.map_err(|e| format!("DNS query to {} failed: {e}", self.server))?;
        match resp.metadata.response_code {
            ResponseCode::NoError => {}
            ResponseCode::NXDomain => return Ok(Answer::NxDomain),
            // An authoritative-only server refuses names outside its zones (labs point
            // --dcv-resolver at one): nothing is published there that it could tell us.
            ResponseCode::Refused => return Ok(Answer::Refused),
            code => return Err(format!("DNS server {} answered {code}", self.server)),
        }
        Ok(Answer::Records(resp.answers.iter().filter(|r| r.record_type() == rtype).map(|r| r.data.clone()).collect()))
    }

    /// The TXT strings at `name` (each record's strings joined, as RFC 7208 reads them).
    pub async fn txt(&self, qname: &str) -> Result<Vec<String>, String> {
        Ok(match self.lookup(qname, RecordType::TXT).await? {
            Answer::NxDomain | Answer::Refused => Vec::new(),
            Answer::Records(rs) => rs
                .into_iter()
                .filter_map(|d| match d {
                    RData::TXT(t) => Some(t.txt_data.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect()),
                    _ => None,
                })
                .collect(),
        })
    }

    /// `name` must hold a TXT record equal to `expected`.
    pub async fn check_txt(&self, qname: &str, expected: &str) -> Result<(), DcvFailure> {
        let found = self.txt(qname).await.map_err(|e| DcvFailure::not_found(Method::Dns, e))?;
        if found.iter().any(|v| v.trim() == expected) {
            return Ok(());
        }
        if found.is_empty() {
            return Err(DcvFailure::not_found(Method::Dns, format!("txt record not found at {qname}")));
        }
        Err(DcvFailure::mismatch(Method::Dns, format!("txt record at {qname} does not match"), found))
    }

    /// RFC 8659: the closest CAA record set above `domain` must name `identity` in an `issue` property.
    pub async fn check_caa(&self, domain: &str, identity: &str) -> Result<(), DcvFailure> {
        let mut labels: &str = domain.trim_end_matches('.');
        loop {
            let rs = match self.lookup(labels, RecordType::CAA).await {
                Ok(Answer::Records(rs)) => rs,
                Ok(Answer::NxDomain | Answer::Refused) => Vec::new(),
                // A failed lookup is not permission (RFC 8659 §3: issue only on a definite answer).
                Err(e) => return Err(DcvFailure::caa(format!("CAA lookup for {labels} failed: {e}"))),
            };
            let caa: Vec<_> = rs.into_iter().filter_map(|d| if let RData::CAA(c) = d { Some(c) } else { None }).collect();
            if !caa.is_empty() {
                return caa_allows(&caa, labels, identity);
            }
            match labels.split_once('.') {
                Some((_, parent)) if !parent.is_empty() => labels = parent,
                _ => return Ok(()),
            }
        }
    }
}

fn caa_allows(set: &[hickory_proto::rr::rdata::CAA], at: &str, identity: &str) -> Result<(), DcvFailure> {
    let known = ["issue", "issuewild", "iodef"];
    if let Some(c) = set.iter().find(|c| c.issuer_critical && !known.contains(&c.tag.to_ascii_lowercase().as_str())) {
        return Err(DcvFailure::caa(format!("CAA at {at} has a critical property {:?} certhub does not understand", c.tag)));
    }
    let issue: Vec<_> = set.iter().filter(|c| c.tag.eq_ignore_ascii_case("issue")).collect();
    if issue.is_empty() {
        return Ok(());
    }
    let named = issue.iter().any(|c| {
        let value = String::from_utf8_lossy(&c.value);
        let issuer = value.split(';').next().unwrap_or_default().trim();
        issuer.eq_ignore_ascii_case(identity)
    });
    if named { Ok(()) } else { Err(DcvFailure::caa(format!("CAA at {at} does not authorise {identity:?} to issue"))) }
}

/// A TSIG key as `nsupdate -y` takes it: `[algorithm:]name:base64secret`.
#[derive(Clone)]
pub struct TsigKey {
    algorithm: TsigAlgorithm,
    name: Name,
    secret: Vec<u8>,
}

impl std::fmt::Debug for TsigKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never reaches a log.
        f.debug_struct("TsigKey").field("algorithm", &self.algorithm).field("name", &self.name).finish_non_exhaustive()
    }
}

impl FromStr for TsigKey {
    type Err = DnsConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.trim().split(':').collect();
        let (alg, key_name, secret) = match parts.as_slice() {
            [n, sec] => ("hmac-sha256", *n, *sec),
            [a, n, sec] => (*a, *n, *sec),
            _ => return Err(DnsConfigError::Key("expected two or three ':'-separated fields".into())),
        };
        let algorithm =
            TsigAlgorithm::from_name(Name::from_ascii(alg.to_ascii_lowercase()).map_err(|e| DnsConfigError::Key(e.to_string()))?);
        if !algorithm.supported() {
            return Err(DnsConfigError::Key(format!("unsupported algorithm {alg}")));
        }
        let secret = base64::engine::general_purpose::STANDARD.decode(secret).map_err(|e| DnsConfigError::Key(format!("secret: {e}")))?;
        if secret.is_empty() {
            return Err(DnsConfigError::Key("empty secret".into()));
        }
        Ok(Self { algorithm, name: name(key_name).map_err(DnsConfigError::Key)?, secret })
    }
}

/// Adds and removes TXT records in one zone through RFC 2136 UPDATE signed with TSIG.
#[derive(Debug, Clone)]
pub struct DnsUpdater {
    /// The zone's primary server.
    pub server: SocketAddr,
    zone: Name,
    key: TsigKey,
    /// Per-update timeout.
    pub timeout: Duration,
}

impl DnsUpdater {
    /// An updater for `zone` on `server`, signing with `key`.
    pub fn new(server: SocketAddr, zone: &str, key: TsigKey) -> Result<Self, DnsConfigError> {
        let zone = name(zone.trim_end_matches('.')).map_err(|_| DnsConfigError::Zone(zone.to_string()))?;
        Ok(Self { server, zone, key, timeout: Duration::from_secs(5) })
    }

    fn signer(&self) -> Result<TSigner, DcvFailure> {
        TSigner::new(self.key.secret.clone(), self.key.algorithm.clone(), self.key.name.clone(), 300)
            .map_err(|e| DcvFailure::not_found(Method::DnsAuto, format!("TSIG key unusable: {e}")))
    }

    fn record(&self, qname: &str, value: &str) -> Result<Record, DcvFailure> {
        let n = name(qname).map_err(|e| DcvFailure::not_found(Method::DnsAuto, e))?;
        if !self.zone.zone_of(&n) {
            return Err(DcvFailure::not_found(Method::DnsAuto, format!("{qname} is outside zone {}", self.zone)));
        }
        Ok(Record::from_rdata(n, 60, RData::TXT(TXT::new(vec![value.to_string()]))))
    }

    fn outcome(&self, what: &str, r: Result<DnsResponse, hickory_net::NetError>) -> Result<(), DcvFailure> {
        let fail = |m: String| DcvFailure::not_found(Method::DnsAuto, m);
        let resp = r.map_err(|e| fail(format!("{what} at {} failed: {e}", self.server)))?;
        match resp.metadata.response_code {
            ResponseCode::NoError => Ok(()),
            code => Err(fail(format!("{what} refused by {}: {code}", self.server))),
        }
    }
}

#[async_trait::async_trait]
impl certhub_core::dcv::DnsPublisher for DnsUpdater {
    fn covers(&self, domain: &str) -> bool {
        name(domain).is_ok_and(|n| self.zone.zone_of(&n))
    }

    async fn publish_txt(&self, qname: &str, value: &str) -> Result<(), DcvFailure> {
        let rec = self.record(qname, value)?;
        let mut c = client(self.server, self.timeout, Some(self.signer()?));
        let r = c.append(rec, self.zone.clone(), false).await;
        self.outcome("UPDATE (add)", r)
    }

    async fn remove_txt(&self, qname: &str, value: &str) -> Result<(), DcvFailure> {
        let rec = self.record(qname, value)?;
        let mut c = client(self.server, self.timeout, Some(self.signer()?));
        let r = c.delete_by_rdata(rec, self.zone.clone()).await;
        self.outcome("UPDATE (delete)", r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::rdata::CAA;

    #[test]
    fn tsig_keys_parse_and_hide_their_secret() {
        let k: TsigKey = "hmac-sha256:certhub-key:c2VjcmV0c2VjcmV0".parse().expect("key");
        assert!(!format!("{k:?}").contains("c2Vj"));
        assert!("certhub-key:c2VjcmV0".parse::<TsigKey>().is_ok(), "algorithm defaults to hmac-sha256");
        assert!("hmac-sha256:k:%%%".parse::<TsigKey>().is_err());
        assert!("hmac-md5:k:c2VjcmV0".parse::<TsigKey>().is_err(), "MD5 is not supported");
        assert!("just-one-field".parse::<TsigKey>().is_err());
    }

    #[test]
    fn caa_rules() {
        let issue = |who: &str| CAA::new_issue(false, Some(Name::from_ascii(who).expect("name")), Vec::new());
        assert!(caa_allows(&[issue("certhub")], "a.test", "certhub").is_ok());
        assert!(caa_allows(&[issue("letsencrypt.org")], "a.test", "certhub").is_err());
        assert!(caa_allows(&[issue("letsencrypt.org"), issue("certhub")], "a.test", "certhub").is_ok());
        assert!(caa_allows(&[CAA::new_issue(false, None, Vec::new())], "a.test", "certhub").is_err(), "issue \";\" forbids all");
        let mut critical = issue("certhub");
        critical.tag = "futuretag".into();
        critical.issuer_critical = true;
        assert!(caa_allows(&[issue("certhub"), critical], "a.test", "certhub").is_err());
    }

    #[test]
    fn updater_covers_its_zone_only() {
        use certhub_core::dcv::DnsPublisher;
        let k: TsigKey = "k:c2VjcmV0".parse().expect("key");
        let u = DnsUpdater::new("127.0.0.1:53".parse().expect("addr"), "lab.test", k).expect("updater");
        assert!(u.covers("www.lab.test") && u.covers("lab.test"));
        assert!(!u.covers("lab.test.evil") && !u.covers("other.test"));
    }
}
