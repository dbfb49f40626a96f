//! Parsing and matching real material made by the `openssl` CLI: every key
//! format we accept, encrypted keys, chains in and out of order, SM2, and
//! hostile input.

mod common;

use common::{Dir, make_chain, openssl, read};

use certhub_pki::PkiError;
use certhub_pki::parse::{KeyAlgorithm, TrustStore, check_chain, order_chain, parse_certificates, parse_private_key};

#[test]
fn rsa_key_formats_and_matching() {
    let d = make_chain("rsa");
    let dir = &d.0;
    openssl(dir, &["rsa", "-in", "leaf.key", "-traditional", "-out", "leaf.pkcs1.key"]);
    openssl(dir, &["pkcs8", "-topk8", "-in", "leaf.key", "-v2", "aes-256-cbc", "-passout", "pass:s3cret", "-out", "leaf.enc.key"]);
    openssl(dir, &["rsa", "-in", "leaf.key", "-traditional", "-aes256", "-passout", "pass:s3cret", "-out", "leaf.legacy.key"]);
    openssl(dir, &["rsa", "-in", "leaf.key", "-traditional", "-des3", "-passout", "pass:s3cret", "-out", "leaf.des3.key"]);
    let leaf = parse_certificates(&read(dir, "leaf.crt")).expect("leaf")[0].clone();
    assert_eq!(leaf.key_algorithm, KeyAlgorithm::Rsa(2048));
    assert_eq!(leaf.common_name.as_deref(), Some("www.example.test"));
    assert_eq!(leaf.all_names(), vec!["www.example.test".to_string(), "example.test".to_string()]);
    assert!(!leaf.is_ca);
    assert!(read(dir, "leaf.pkcs1.key").contains("BEGIN RSA PRIVATE KEY"));
    for f in ["leaf.key", "leaf.pkcs1.key"] {
        let k = parse_private_key(&read(dir, f), None).expect(f);
        assert!(k.matches(&leaf), "{f} must match");
        assert!(!k.was_encrypted);
    }
    for f in ["leaf.enc.key", "leaf.legacy.key", "leaf.des3.key"] {
        let text = read(dir, f);
        assert_eq!(parse_private_key(&text, None).err(), Some(PkiError::KeyPasswordRequired), "{f}");
        assert!(matches!(parse_private_key(&text, Some("wrong")), Err(PkiError::KeyDecrypt(_))), "{f} with a wrong password");
        let k = parse_private_key(&text, Some("s3cret")).expect(f);
        assert!(k.matches(&leaf), "{f} must match after decryption");
        assert!(k.was_encrypted);
    }
    let other = parse_private_key(&read(dir, "other.key"), None).expect("other");
    assert!(!other.matches(&leaf), "a different key must not match");
    // CRLF and no line breaks at all.
    let crlf = read(dir, "leaf.key").replace('\n', "\r\n");
    assert!(parse_private_key(&crlf, None).expect("crlf").matches(&leaf));
}

#[test]
fn ec_and_sec1_keys() {
    let d = make_chain("ec");
    let dir = &d.0;
    openssl(dir, &["ec", "-in", "leaf.key", "-out", "leaf.sec1.key"]);
    openssl(dir, &["ec", "-in", "leaf.key", "-aes128", "-passout", "pass:pw", "-out", "leaf.sec1enc.key"]);
    let leaf = parse_certificates(&read(dir, "leaf.crt")).expect("leaf")[0].clone();
    assert_eq!(leaf.key_algorithm, KeyAlgorithm::EcP256);
    assert!(read(dir, "leaf.sec1.key").contains("BEGIN EC PRIVATE KEY"));
    assert!(parse_private_key(&read(dir, "leaf.key"), None).expect("pkcs8").matches(&leaf));
    assert!(parse_private_key(&read(dir, "leaf.sec1.key"), None).expect("sec1").matches(&leaf));
    assert!(parse_private_key(&read(dir, "leaf.sec1enc.key"), Some("pw")).expect("sec1 enc").matches(&leaf));
    assert!(!parse_private_key(&read(dir, "other.key"), None).expect("other").matches(&leaf));
}

#[test]
fn chains_are_ordered_and_checked() {
    let d = make_chain("rsa");
    let dir = &d.0;
    let (leaf, int, root) = (read(dir, "leaf.crt"), read(dir, "int.crt"), read(dir, "root.crt"));
    // Any order is put right.
    let shuffled = parse_certificates(&format!("{root}{leaf}{int}")).expect("parse");
    let ordered = order_chain(shuffled).expect("order");
    let names: Vec<String> = ordered.iter().map(|c| c.display_name()).collect();
    assert_eq!(names, ["www.example.test", "Test Intermediate", "Test Root"]);
    // A certificate that does not belong is refused.
    let e = make_chain("ec");
    let stranger = read(&e.0, "int.crt");
    let bad = parse_certificates(&format!("{leaf}{int}{stranger}")).expect("parse");
    assert!(matches!(order_chain(bad), Err(PkiError::Chain(_))));
    // Complete chain: valid, not trusted; trusted once the root is an anchor.
    let report = check_chain(&format!("{leaf}{int}{root}"), &TrustStore::empty()).expect("check");
    assert!(report.valid && !report.trusted);
    assert_eq!(report.names.len(), 3);
    let mut trust = TrustStore::empty();
    assert_eq!(trust.add_pem_bundle(&root), 1);
    let report = check_chain(&format!("{leaf}{int}"), &trust).expect("check");
    assert!(report.valid && report.trusted);
    assert_eq!(report.names.last().map(String::as_str), Some("Test Root"));
    // Missing intermediate is named.
    let report = check_chain(&leaf, &trust).expect("check");
    assert!(!report.valid);
    assert_eq!(report.missing_issuer.as_deref(), Some("Test Intermediate"));
}

#[test]
fn a_signature_certhub_cannot_verify_is_never_reported_valid() {
    let d = make_chain("rsa");
    let dir = &d.0;
    // The intermediate signed by the root with RSA-PSS, an algorithm certhub does not verify.
    let pss = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"];
    let mut args = vec!["x509", "-req", "-in", "int.csr", "-CA", "root.crt", "-CAkey", "root.key", "-days", "30", "-extfile", "ca.ext"];
    args.extend(pss);
    args.extend(["-out", "int-pss.crt"]);
    openssl(dir, &args);
    let mut args = vec!["req", "-x509", "-new", "-key", "root.key", "-subj", "/CN=PSS Root", "-days", "30"];
    args.extend(pss);
    args.extend(["-out", "root-pss.crt"]);
    openssl(dir, &args);
    let (leaf, int_pss, root) = (read(dir, "leaf.crt"), read(dir, "int-pss.crt"), read(dir, "root.crt"));
    let report = check_chain(&format!("{leaf}{int_pss}{root}"), &TrustStore::empty()).expect("check");
    assert!(!report.valid, "an RSA-PSS link was reported valid");
    assert!(report.problem.as_deref().is_some_and(|p| p.contains("cannot be verified")), "{:?}", report.problem);
    let mut trust = TrustStore::empty();
    trust.add_pem_bundle(&root);
    let report = check_chain(&format!("{leaf}{int_pss}"), &trust).expect("check");
    assert!(!report.valid && !report.trusted, "an RSA-PSS link to an anchor was reported valid");
    let report = check_chain(&read(dir, "root-pss.crt"), &TrustStore::empty()).expect("check");
    assert!(!report.valid, "an RSA-PSS self-signature was reported valid");
    // Uploading such a chain still orders it by names.
    let ordered = order_chain(parse_certificates(&format!("{root}{leaf}{int_pss}")).expect("parse")).expect("order");
    assert_eq!(ordered.len(), 3);
}

#[test]
fn sm2_certificate_and_key() {
    let dir = std::env::temp_dir().join(format!("certhub-pki-sm2-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let d = Dir(dir.clone());
    openssl(&d.0, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", "sm2.key"]);
    openssl(&d.0, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", "sm2b.key"]);
    openssl(
        &d.0,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "sm2.key",
            "-sm3",
            "-sigopt",
            "distid:1234567812345678",
            "-subj",
            "/CN=sm2.example.test",
            "-days",
            "30",
            "-out",
            "sm2.crt",
        ],
    );
    let cert = parse_certificates(&read(&dir, "sm2.crt")).expect("sm2 cert")[0].clone();
    assert_eq!(cert.key_algorithm, KeyAlgorithm::Sm2);
    assert!(certhub_pki::parse::verify_issued_by(&cert, &cert), "SM2 self-signature verifies");
    let key = parse_private_key(&read(&dir, "sm2.key"), None).expect("sm2 key");
    assert_eq!(key.algorithm, KeyAlgorithm::Sm2);
    assert!(key.matches(&cert));
    assert!(!parse_private_key(&read(&dir, "sm2b.key"), None).expect("sm2 key b").matches(&cert));
}

#[test]
fn hostile_input_is_an_error_not_a_panic() {
    let d = make_chain("ec");
    let leaf = read(&d.0, "leaf.crt");
    let cases = [
        String::new(),
        "garbage".into(),
        leaf[..leaf.len() / 2].to_string(),
        leaf.replace("MII", "AAA"),
        "-----BEGIN CERTIFICATE-----\n\u{0}\u{1}\u{2}\n-----END CERTIFICATE-----".into(),
        format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----", "A".repeat(5000)),
        "A".repeat(2 << 20),
    ];
    for c in &cases {
        assert!(parse_certificates(c).is_err());
        assert!(parse_private_key(c, None).is_err());
    }
    assert!(matches!(parse_certificates(&read(&d.0, "leaf.key")), Err(PkiError::CertificateParse(_))));
}
