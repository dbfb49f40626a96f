//! Issuance profiles: what each of the vendor's products (`PackageType`) may
//! contain. The free DV product is issued today; the paid DV/OV/EV products
//! use the same table when they are ordered.

/// Validation level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Domain validated.
    Dv,
    /// Organisation validated.
    Ov,
    /// Extended validation.
    Ev,
}

/// How many names, and whether wildcards, a product covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// One domain.
    Single,
    /// Several domains.
    Multi,
    /// One wildcard domain.
    Wildcard,
    /// Several domains, wildcards allowed.
    MultiWildcard,
}

/// Key algorithms a product may certify, in the vendor's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// RSA 2048 or ECC P-256 only (the free product).
    Free,
    /// RSA 2048/4096 and ECC P-256/P-384.
    International,
    /// SM2 (国密).
    Sm2,
}

/// One product's issuance rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// The vendor's PackageType.
    pub package_type: &'static str,
    /// The vendor's product name.
    pub name: &'static str,
    /// Validation level.
    pub level: Level,
    /// Names and wildcards.
    pub coverage: Coverage,
    /// Key algorithms.
    pub keys: Keys,
    /// Certificate lifetime in days.
    pub validity_days: i64,
    /// Most names one certificate may carry.
    pub max_names: usize,
}

impl Profile {
    /// True when `names` fit this product: count, and wildcards only where the product has them.
    pub fn admits(&self, names: &[String]) -> bool {
        let wild = names.iter().filter(|n| n.starts_with("*.")).count();
        let wild_ok = match self.coverage {
            Coverage::Single | Coverage::Multi => wild == 0,
            Coverage::Wildcard | Coverage::MultiWildcard => true,
        };
        !names.is_empty() && names.len() <= self.max_names && wild_ok
    }

    /// Validity in whole months, as the vendor reports it (`3` for 90 days, `12` for 365).
    pub fn validity_months(&self) -> i64 {
        (self.validity_days + 15) / 30
    }

    /// True for the vendor's `Free` product.
    pub fn is_free(&self) -> bool {
        self.package_type == FREE_PACKAGE
    }
}

/// The free DV product.
pub const FREE_PACKAGE: &str = "83";

/// The vendor's product table (PackageType → name), as DescribeCertificateDetail documents it.
const PRODUCTS: &[(&str, &str)] = &[
    ("2", "TrustAsia TLS RSA CA"),
    ("3", "SecureSite 增强型企业版（EV Pro）"),
    ("4", "SecureSite 增强型（EV）"),
    ("5", "SecureSite 企业型专业版（OV Pro）"),
    ("6", "SecureSite 企业型（OV）"),
    ("7", "SecureSite 企业型（OV）通配符"),
    ("8", "Geotrust 增强型（EV）"),
    ("9", "Geotrust 企业型（OV）"),
    ("10", "Geotrust 企业型（OV）通配符"),
    ("11", "TrustAsia 域名型多域名 SSL 证书"),
    ("12", "TrustAsia 域名型（DV）通配符"),
    ("13", "TrustAsia 企业型通配符（OV）SSL 证书（D3）"),
    ("14", "TrustAsia 企业型（OV）SSL 证书（D3）"),
    ("15", "TrustAsia 企业型多域名 （OV）SSL 证书（D3）"),
    ("16", "TrustAsia 增强型 （EV）SSL 证书（D3）"),
    ("17", "TrustAsia 增强型多域名（EV）SSL 证书（D3）"),
    ("18", "GlobalSign 企业型（OV）SSL 证书"),
    ("19", "GlobalSign 企业型通配符 （OV）SSL 证书"),
    ("20", "GlobalSign 增强型 （EV）SSL 证书"),
    ("21", "TrustAsia 企业型通配符多域名（OV）SSL 证书（D3）"),
    ("22", "GlobalSign 企业型多域名（OV）SSL 证书"),
    ("23", "GlobalSign 企业型通配符多域名（OV）SSL 证书"),
    ("24", "GlobalSign 增强型多域名（EV）SSL 证书"),
    ("25", "Wotrus 域名型证书"),
    ("26", "Wotrus 域名型多域名证书"),
    ("27", "Wotrus 域名型通配符证书"),
    ("28", "Wotrus 企业型证书"),
    ("29", "Wotrus 企业型多域名证书"),
    ("30", "Wotrus 企业型通配符证书"),
    ("31", "Wotrus 增强型证书"),
    ("32", "Wotrus 增强型多域名证书"),
    ("33", "WoTrus-国密域名型证书"),
    ("34", "WoTrus-国密域名型证书（多域名）"),
    ("35", "WoTrus-国密域名型证书（通配符）"),
    ("37", "WoTrus-国密企业型证书"),
    ("38", "WoTrus-国密企业型证书（多域名）"),
    ("39", "WoTrus-国密企业型证书（通配符）"),
    ("40", "WoTrus-国密增强型证书"),
    ("41", "WoTrus-国密增强型证书（多域名）"),
    ("42", "TrustAsia-域名型证书（通配符多域名）"),
    ("43", "DNSPod-企业型(OV)SSL证书"),
    ("44", "DNSPod-企业型(OV)通配符SSL证书"),
    ("45", "DNSPod-企业型(OV)多域名SSL证书"),
    ("46", "DNSPod-增强型(EV)SSL证书"),
    ("47", "DNSPod-增强型(EV)多域名SSL证书"),
    ("48", "DNSPod-域名型(DV)SSL证书"),
    ("49", "DNSPod-域名型(DV)通配符SSL证书"),
    ("50", "DNSPod-域名型(DV)多域名SSL证书"),
    ("51", "DNSPod（国密）-企业型(OV)SSL证书"),
    ("52", "DNSPod（国密）-企业型(OV)通配符SSL证书"),
    ("53", "DNSPod（国密）-企业型(OV)多域名SSL证书"),
    ("54", "DNSPod（国密）-域名型(DV)SSL证书"),
    ("55", "DNSPod（国密）-域名型(DV)通配符SSL证书"),
    ("56", "DNSPod（国密）-域名型(DV)多域名SSL证书"),
    ("57", "SecureSite 企业型专业版多域名(OV Pro)"),
    ("58", "SecureSite 企业型多域名(OV)"),
    ("59", "SecureSite 增强型专业版多域名(EV Pro)"),
    ("60", "SecureSite 增强型多域名(EV)"),
    ("61", "Geotrust 增强型多域名(EV)"),
    ("75", "SecureSite 企业型(OV)"),
    ("76", "SecureSite 企业型(OV)通配符"),
    ("77", "SecureSite 增强型(EV)"),
    ("78", "Geotrust 企业型(OV)"),
    ("79", "Geotrust 企业型(OV)通配符"),
    ("80", "Geotrust 增强型(EV)"),
    ("81", "GlobalSign 企业型（OV）SSL证书"),
    ("82", "GlobalSign 企业型通配符 （OV）SSL证书"),
    ("83", "TrustAsia C1 DV Free"),
    ("85", "GlobalSign 增强型 （EV）SSL证书"),
    ("88", "GlobalSign 企业型通配符多域名 （OV）SSL证书"),
    ("89", "GlobalSign 企业型多域名 （OV）SSL证书"),
    ("90", "GlobalSign 增强型多域名（EV） SSL证书"),
    ("91", "Geotrust 增强型多域名(EV)"),
    ("92", "SecureSite 企业型专业版多域名(OV Pro)"),
    ("93", "SecureSite 企业型多域名(OV)"),
    ("94", "SecureSite 增强型专业版多域名(EV Pro)"),
    ("95", "SecureSite 增强型多域名(EV)"),
    ("96", "SecureSite 增强型专业版(EV Pro)"),
    ("97", "SecureSite 企业型专业版(OV Pro)"),
    ("98", "CFCA 企业型(OV)SSL证书"),
    ("99", "CFCA 企业型多域名(OV)SSL证书"),
    ("100", "CFCA 企业型通配符(OV)SSL证书"),
    ("101", "CFCA 增强型(EV)SSL证书"),
];

/// Names a multi-domain product may carry.
pub const MULTI_MAX_NAMES: usize = 100;
/// Days a paid certificate is valid (under the CA/Browser Forum's 398).
pub const PAID_DAYS: i64 = 365;
/// Days the free certificate is valid.
pub const FREE_DAYS: i64 = 90;

/// The profile of a product; `None` for a PackageType the vendor does not list.
pub fn for_package(package_type: &str) -> Option<Profile> {
    let &(code, name) = PRODUCTS.iter().find(|(c, _)| *c == package_type)?;
    // The product names spell out level and coverage; reading them keeps the table to one column.
    let level = if name.contains("增强型") || name.contains("EV") {
        Level::Ev
    } else if name.contains("企业型") || name.contains("OV") {
        Level::Ov
    } else {
        Level::Dv
    };
    let coverage = match (name.contains("通配符"), name.contains("多域名")) {
        (true, true) => Coverage::MultiWildcard,
        (true, false) => Coverage::Wildcard,
        (false, true) => Coverage::Multi,
        (false, false) => Coverage::Single,
    };
    let free = code == FREE_PACKAGE;
    Some(Profile {
        package_type: code,
        name,
        level,
        coverage,
        keys: if free {
            Keys::Free
        } else if name.contains("国密") {
            Keys::Sm2
        } else {
            Keys::International
        },
        validity_days: if free { FREE_DAYS } else { PAID_DAYS },
        max_names: match coverage {
            Coverage::Single | Coverage::Wildcard => 1,
            Coverage::Multi | Coverage::MultiWildcard => MULTI_MAX_NAMES,
        },
    })
}

/// Every product's profile.
pub fn all() -> impl Iterator<Item = Profile> {
    PRODUCTS.iter().filter_map(|(c, _)| for_package(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_free_product_is_single_dv_for_ninety_days() {
        let p = for_package("83").expect("free");
        assert_eq!((p.level, p.coverage, p.keys, p.validity_days, p.max_names), (Level::Dv, Coverage::Single, Keys::Free, 90, 1));
        assert!(p.is_free());
        assert_eq!(p.validity_months(), 3);
        assert_eq!(for_package("14").map(|p| p.validity_months()), Some(12));
        assert!(p.admits(&["a.example.com".into()]));
        assert!(!p.admits(&["*.example.com".into()]));
        assert!(!p.admits(&["a.example.com".into(), "b.example.com".into()]));
    }

    #[test]
    fn paid_products_map_level_coverage_and_keys() {
        let cases = [
            ("12", Level::Dv, Coverage::Wildcard, Keys::International),
            ("11", Level::Dv, Coverage::Multi, Keys::International),
            ("14", Level::Ov, Coverage::Single, Keys::International),
            ("21", Level::Ov, Coverage::MultiWildcard, Keys::International),
            ("17", Level::Ev, Coverage::Multi, Keys::International),
            ("3", Level::Ev, Coverage::Single, Keys::International),
            ("55", Level::Dv, Coverage::Wildcard, Keys::Sm2),
            ("40", Level::Ev, Coverage::Single, Keys::Sm2),
        ];
        for (code, level, coverage, keys) in cases {
            let p = for_package(code).expect(code);
            assert_eq!((p.level, p.coverage, p.keys, p.validity_days), (level, coverage, keys, PAID_DAYS), "{code} {}", p.name);
        }
        let wild = for_package("21").expect("21");
        assert!(wild.admits(&["*.a.com".into(), "b.com".into()]));
        assert!(for_package("84").is_none() && for_package("1").is_none());
        assert_eq!(all().count(), PRODUCTS.len());
        // Every level and coverage appears in the table.
        for level in [Level::Dv, Level::Ov, Level::Ev] {
            for coverage in [Coverage::Single, Coverage::Multi, Coverage::Wildcard] {
                assert!(
                    all().any(|p| p.level == level && p.coverage == coverage) || (level == Level::Ev && coverage == Coverage::Wildcard)
                );
            }
        }
    }
}
