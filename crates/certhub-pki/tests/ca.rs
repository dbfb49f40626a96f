//! certhub's CA: hierarchies per family and linted leaves, verified by openssl.

mod common;

use certhub_pki::ca::{self, CaFamily, LeafSpec};
use certhub_pki::parse::pem;
use common::{fresh, openssl, read, run};

const URL: &str = "http://certhub.test:8080";

#[test]
fn every_family_issues_leaves_that_openssl_verifies() {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    for family in CaFamily::ALL {
        let d = fresh(family.as_str());
        let dir = &d.0;
        let m = ca::generate(family, "certhub test", URL, now).expect("generate");
        std::fs::write(dir.join("root.pem"), pem::encode("CERTIFICATE", &m.root_der)).expect("w");
        std::fs::write(dir.join("int.pem"), pem::encode("CERTIFICATE", &m.intermediate_der)).expect("w");
        // 国密 leaves carry SM2 keys; the other families are shown a P-256 key.
        let curve = if family == CaFamily::Sm2 { "ec_paramgen_curve:SM2" } else { "ec_paramgen_curve:P-256" };
        openssl(dir, &["genpkey", "-algorithm", "EC", "-pkeyopt", curve, "-out", "leaf.key"]);
        openssl(dir, &["pkey", "-in", "leaf.key", "-pubout", "-outform", "DER", "-out", "leaf.spki"]);
        let spec = LeafSpec {
            names: vec!["www.example.test".into(), "example.test".into()],
            validity_days: 90,
            public_url: URL.into(),
            spki_der: std::fs::read(dir.join("leaf.spki")).expect("spki"),
        };
        let leaf = ca::issue(&m, &spec, now).expect("issue");
        std::fs::write(dir.join("leaf.pem"), pem::encode("CERTIFICATE", &leaf)).expect("w");
        if family == CaFamily::Sm2 {
            // certhub signs with GM/T 0009's default ID. OpenSSL 3.0 assumes an empty ID
            // unless told, and `-vfyopt` reaches only the target certificate: so each
            // link is checked as the target of its own run.
            let id = "distid:1234567812345678";
            let (ok, out) = run(dir, "openssl", &["verify", "-vfyopt", id, "-CAfile", "root.pem", "int.pem"]);
            assert!(ok, "{family:?} intermediate: {out}");
            let (ok, out) = run(
                dir,
                "openssl",
                &["verify", "-vfyopt", id, "-partial_chain", "-CAfile", "int.pem", "-purpose", "sslserver", "leaf.pem"],
            );
            assert!(ok, "{family:?} leaf: {out}");
        } else {
            let (ok, out) =
                run(dir, "openssl", &["verify", "-CAfile", "root.pem", "-untrusted", "int.pem", "-purpose", "sslserver", "leaf.pem"]);
            assert!(ok, "{family:?}: {out}");
        }
        let (_, text) = run(dir, "openssl", &["x509", "-in", "leaf.pem", "-noout", "-text"]);
        for want in [
            "OCSP - URI:http://certhub.test:8080/ocsp",
            "CA Issuers - URI:http://certhub.test:8080/ca/",
            "URI:http://certhub.test:8080/crl/",
            "TLS Web Server Authentication",
            "DNS:www.example.test, DNS:example.test",
            "CA:FALSE",
        ] {
            assert!(text.contains(want), "{family:?} lacks {want}: {text}");
        }
        // The key matches, the lints pass, and a changed spec fails them.
        let (_, a) = run(dir, "openssl", &["x509", "-in", "leaf.pem", "-pubkey", "-noout"]);
        let (_, b) = run(dir, "openssl", &["pkey", "-in", "leaf.key", "-pubout"]);
        assert_eq!(a.trim(), b.trim());
        assert!(ca::lint(&leaf, &m.intermediate_der, &spec, now).is_empty());
        let other_names = LeafSpec { names: vec!["evil.test".into()], ..spec.clone() };
        assert!(!ca::lint(&leaf, &m.intermediate_der, &other_names, now).is_empty());
        let other_url = LeafSpec { public_url: "http://elsewhere".into(), ..spec.clone() };
        assert!(!ca::lint(&leaf, &m.intermediate_der, &other_url, now).is_empty());
        assert!(!ca::lint(&leaf, &m.root_der, &spec, now).is_empty(), "wrong issuer must fail");
        let _ = read(dir, "leaf.pem");
    }
}

#[test]
fn serials_are_random_and_long() {
    let a = ca::random_serial().expect("serial").to_bytes();
    let b = ca::random_serial().expect("serial").to_bytes();
    assert_eq!(a.len(), 16);
    assert_ne!(a, b);
    assert!(a[0] & 0x80 == 0, "positive");
}

#[test]
fn names_that_are_not_dns_names_are_refused() {
    let now = 1_800_000_000;
    let m = ca::generate(CaFamily::EcdsaP256, "t", URL, now).expect("generate");
    let d = fresh("badname");
    openssl(&d.0, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k"]);
    openssl(&d.0, &["pkey", "-in", "k", "-pubout", "-outform", "DER", "-out", "k.spki"]);
    let spki = std::fs::read(d.0.join("k.spki")).expect("spki");
    let bad = LeafSpec { names: vec!["bad\u{e9}name.test".into()], validity_days: 90, public_url: URL.into(), spki_der: spki.clone() };
    assert!(ca::issue(&m, &bad, now).is_err());
    let none = LeafSpec { names: vec![], validity_days: 90, public_url: URL.into(), spki_der: spki };
    assert!(ca::issue(&m, &none, now).is_err());
}

#[test]
fn sm2_csrs_from_openssl_verify_with_either_id() {
    let d = fresh("sm2csr");
    let dir = &d.0;
    openssl(dir, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", "k"]);
    openssl(dir, &["req", "-new", "-key", "k", "-sm3", "-subj", "/CN=gm.example.test", "-out", "plain.csr"]);
    openssl(
        dir,
        &["req", "-new", "-key", "k", "-sm3", "-sigopt", "distid:1234567812345678", "-subj", "/CN=gm.example.test", "-out", "std.csr"],
    );
    for f in ["plain.csr", "std.csr"] {
        let csr = certhub_pki::parse::parse_csr(read(dir, f).as_bytes()).expect(f);
        assert_eq!(csr.names, ["gm.example.test"]);
        assert_eq!(csr.key_algorithm, certhub_pki::parse::KeyAlgorithm::Sm2);
    }
    let mut der = pem::blocks(&read(dir, "std.csr")).expect("pem").remove(0).der;
    let at = der.len() / 3;
    der[at] ^= 0x01;
    assert!(certhub_pki::parse::parse_csr(&der).is_err(), "a tampered SM2 CSR must not verify");
}
