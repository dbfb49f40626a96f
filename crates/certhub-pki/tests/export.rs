//! Export formats checked by independent tools: `keytool` for JKS, `openssl
//! pkcs12` for PFX, `openssl verify` / `openssl pkey` for the ZIP contents.

mod common;

use std::io::Read;
use std::path::Path;

use certhub_pki::export::{self, Bundle, ServiceType};
use common::{make_chain, openssl, read, run};

fn der(dir: &Path, pem: &str, out: &str) -> Vec<u8> {
    openssl(dir, &["x509", "-in", pem, "-outform", "DER", "-out", out]);
    std::fs::read(dir.join(out)).expect("der")
}

fn pkcs8(dir: &Path) -> Vec<u8> {
    openssl(dir, &["pkcs8", "-topk8", "-nocrypt", "-in", "leaf.key", "-outform", "DER", "-out", "leaf.p8.der"]);
    std::fs::read(dir.join("leaf.p8.der")).expect("pkcs8")
}

fn pubkey_of_cert(dir: &Path) -> String {
    let (ok, out) = run(dir, "openssl", &["x509", "-in", "leaf.crt", "-pubkey", "-noout"]);
    assert!(ok, "{out}");
    out
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).expect("entry");
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("read");
            (f.name().to_string(), data)
        })
        .collect()
}

fn material(kind: &str) -> (common::Dir, Vec<u8>, Vec<Vec<u8>>, Vec<u8>) {
    let d = make_chain(kind);
    let leaf = der(&d.0, "leaf.crt", "leaf.der");
    let chain = vec![der(&d.0, "int.crt", "int.der"), der(&d.0, "root.crt", "root.der")];
    let key = pkcs8(&d.0);
    (d, leaf, chain, key)
}

#[test]
fn jks_opens_in_keytool_and_its_key_decrypts() {
    for kind in ["rsa", "ec"] {
        let (d, leaf, chain, key) = material(kind);
        let dir = &d.0;
        let refs: Vec<&[u8]> = [leaf.as_slice(), chain[0].as_slice(), chain[1].as_slice()].to_vec();
        std::fs::write(dir.join("k.jks"), export::jks::write("www.example.test", &key, &refs, "changeit1", 1_700_000_000_000))
            .expect("write");
        let (ok, out) = run(dir, "keytool", &["-list", "-v", "-keystore", "k.jks", "-storepass", "changeit1"]);
        assert!(ok, "keytool -list: {out}");
        assert!(out.contains("PrivateKeyEntry"), "{out}");
        assert!(out.contains("Certificate chain length: 3"), "{out}");
        let (ok, out) = run(dir, "keytool", &["-list", "-keystore", "k.jks", "-storepass", "wrongpass"]);
        assert!(!ok, "a wrong store password must fail: {out}");
        let (ok, out) = run(
            dir,
            "keytool",
            &[
                "-importkeystore",
                "-noprompt",
                "-srckeystore",
                "k.jks",
                "-srcstorepass",
                "changeit1",
                "-srcalias",
                "www.example.test",
                "-srckeypass",
                "changeit1",
                "-destkeystore",
                "k.p12",
                "-deststoretype",
                "PKCS12",
                "-deststorepass",
                "changeit1",
            ],
        );
        assert!(ok, "keytool -importkeystore (key decryption): {out}");
        openssl(dir, &["pkcs12", "-in", "k.p12", "-nodes", "-nocerts", "-passin", "pass:changeit1", "-out", "k.pem"]);
        let (ok, from_jks) = run(dir, "openssl", &["pkey", "-in", "k.pem", "-pubout"]);
        assert!(ok, "{from_jks}");
        assert_eq!(from_jks.trim(), pubkey_of_cert(dir).trim(), "{kind}: key from the JKS matches the certificate");
    }
}

#[test]
fn truststore_lists_trusted_entries() {
    let (d, leaf, chain, _) = material("ec");
    let store = export::jks::write_trusted(&[("a", &leaf), ("b", &chain[1])], "changeit1", 0);
    std::fs::write(d.0.join("t.jks"), store).expect("write");
    let (ok, out) = run(&d.0, "keytool", &["-list", "-keystore", "t.jks", "-storepass", "changeit1"]);
    assert!(ok, "{out}");
    assert_eq!(out.matches("trustedCertEntry").count(), 2, "{out}");
}

#[test]
fn pfx_opens_in_openssl_without_legacy() {
    for kind in ["rsa", "ec"] {
        let (d, leaf, chain, key) = material(kind);
        let dir = &d.0;
        let refs: Vec<&[u8]> = vec![&leaf, &chain[0], &chain[1]];
        std::fs::write(dir.join("k.pfx"), export::pfx::write("www.example.test", &key, &refs, "pfxpass").expect("pfx")).expect("write");
        let (ok, out) = run(dir, "openssl", &["pkcs12", "-in", "k.pfx", "-passin", "pass:pfxpass", "-nodes", "-info", "-out", "all.pem"]);
        assert!(ok, "openssl pkcs12: {out}");
        let all = read(dir, "all.pem");
        assert_eq!(all.matches("BEGIN CERTIFICATE").count(), 3, "{kind}: every certificate");
        assert!(all.contains("BEGIN PRIVATE KEY"), "{kind}: the key");
        let (ok, out) = run(dir, "openssl", &["pkcs12", "-in", "k.pfx", "-passin", "pass:wrong", "-nodes", "-noout"]);
        assert!(!ok, "a wrong password must fail: {out}");
        openssl(dir, &["pkcs12", "-in", "k.pfx", "-passin", "pass:pfxpass", "-nodes", "-nocerts", "-out", "k.pem"]);
        let (_, from_pfx) = run(dir, "openssl", &["pkey", "-in", "k.pem", "-pubout"]);
        assert_eq!(from_pfx.trim(), pubkey_of_cert(dir).trim());
    }
}

#[test]
fn zip_layouts_hold_verifiable_files() {
    let (d, leaf, chain, key) = material("rsa");
    let dir = &d.0;
    let b = Bundle {
        name: "www.example.test",
        leaf_der: &leaf,
        chain_der: &chain,
        key_pkcs8_der: Some(&key),
        csr_pem: None,
        password: "zippass1",
    };
    let want: &[(ServiceType, &[&str])] = &[
        (
            ServiceType::Nginx,
            &[
                "www.example.test_nginx/www.example.test_bundle.crt",
                "www.example.test_nginx/www.example.test_bundle.pem",
                "www.example.test_nginx/www.example.test.key",
            ],
        ),
        (
            ServiceType::Apache,
            &[
                "www.example.test_apache/root_bundle.crt",
                "www.example.test_apache/www.example.test.crt",
                "www.example.test_apache/www.example.test.key",
            ],
        ),
        (ServiceType::Tomcat, &["www.example.test_tomcat/www.example.test.jks", "www.example.test_tomcat/keystorePass.txt"]),
        (ServiceType::Jks, &["www.example.test_jks/www.example.test.jks", "www.example.test_jks/keystorePass.txt"]),
        (ServiceType::Iis, &["www.example.test_iis/www.example.test.pfx", "www.example.test_iis/keystorePass.txt"]),
        (
            ServiceType::Other,
            &[
                "www.example.test_other/www.example.test.pem",
                "www.example.test_other/www.example.test_chain.pem",
                "www.example.test_other/www.example.test.key",
            ],
        ),
        (ServiceType::Root, &["www.example.test_root/root_bundle.crt"]),
    ];
    let mut all_names = Vec::new();
    for (service, names) in want {
        let files = unzip(&export::zip_for(*service, &b).expect("zip"));
        let got: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(&got, names, "{service:?}");
        all_names.extend(names.iter().map(|s| s.to_string()));
        for (name, data) in &files {
            std::fs::write(dir.join(name.replace('/', "__")), data).expect("write");
        }
    }
    // nginx: the bundle is leaf then chain and verifies against the root; the key matches.
    let bundle = read(dir, "www.example.test_nginx__www.example.test_bundle.crt");
    assert_eq!(bundle.matches("BEGIN CERTIFICATE").count(), 3);
    let (ok, out) = run(
        dir,
        "openssl",
        &[
            "verify",
            "-CAfile",
            "root.crt",
            "-untrusted",
            "www.example.test_apache__root_bundle.crt",
            "www.example.test_apache__www.example.test.crt",
        ],
    );
    assert!(ok, "{out}");
    let (ok, out) = run(dir, "openssl", &["pkey", "-in", "www.example.test_nginx__www.example.test.key", "-pubout"]);
    assert!(ok, "{out}");
    assert_eq!(out.trim(), pubkey_of_cert(dir).trim());
    assert_eq!(read(dir, "www.example.test_root__root_bundle.crt"), read(dir, "root.crt").replace("\r\n", "\n"));
    assert_eq!(read(dir, "www.example.test_iis__keystorePass.txt"), "zippass1");
    let (ok, out) = run(dir, "keytool", &["-list", "-keystore", "www.example.test_tomcat__www.example.test.jks", "-storepass", "zippass1"]);
    assert!(ok && out.contains("PrivateKeyEntry"), "{out}");
    // The all-formats archive holds every folder.
    let all = unzip(&export::zip_all(&b).expect("zip all"));
    for n in &all_names {
        assert!(all.iter().any(|(name, _)| name == n), "{n} missing from the all-formats archive");
    }
    // Without a key: no key files, a truststore, and IIS refused.
    let nokey = Bundle { key_pkcs8_der: None, ..b };
    let files = unzip(&export::zip_for(ServiceType::Nginx, &nokey).expect("zip"));
    assert!(files.iter().all(|(n, _)| !n.ends_with(".key")));
    assert!(export::zip_for(ServiceType::Iis, &nokey).is_err());
    assert!(unzip(&export::zip_all(&nokey).expect("zip all")).iter().all(|(n, _)| !n.contains("_iis/")));
}
