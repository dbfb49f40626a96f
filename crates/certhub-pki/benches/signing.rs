//! Signing and issuance throughput: raw ECDSA P-256 and RSA-2048 signatures,
//! and a whole linted leaf issued by certhub's CA from a supplied public key.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256};
use certhub_pki::ca::{self, CaFamily, LeafSpec};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn signing(c: &mut Criterion) {
    let rng = SystemRandom::new();
    let msg = [7u8; 512];
    let mut g = c.benchmark_group("sign");
    g.throughput(Throughput::Elements(1));
    let ec_doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("ec key");
    let ec = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, ec_doc.as_ref()).expect("ec");
    g.bench_function("ecdsa_p256", |b| b.iter(|| ec.sign(&rng, &msg).expect("sign")));
    let rsa = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("rsa key");
    let mut sig = vec![0u8; rsa.public_modulus_len()];
    g.bench_function("rsa_2048", |b| b.iter(|| rsa.sign(&RSA_PKCS1_SHA256, &rng, &msg, &mut sig).expect("sign")));
    g.finish();

    let t = now();
    let mut g = c.benchmark_group("issue_leaf");
    g.throughput(Throughput::Elements(1));
    for family in [CaFamily::EcdsaP256, CaFamily::Rsa2048] {
        let material = ca::generate(family, "bench", "http://certhub.bench", t).expect("ca");
        let subject = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("subject");
        let subject = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, subject.as_ref()).expect("subject");
        let spki = spki_p256(subject.public_key().as_ref());
        let spec = LeafSpec {
            names: vec!["www.bench.test".into(), "bench.test".into()],
            validity_days: 90,
            public_url: "http://certhub.bench".into(),
            spki_der: spki,
        };
        g.bench_function(family.as_str(), |b| b.iter(|| ca::issue(&material, &spec, t).expect("issue")));
    }
    g.finish();
}

/// SubjectPublicKeyInfo for an uncompressed P-256 point.
fn spki_p256(point: &[u8]) -> Vec<u8> {
    use certhub_pki::der::{self, oid, tag};
    let alg = der::sequence(&[&der::write(tag::OID, oid::EC_PUBLIC_KEY), &der::write(tag::OID, oid::P256)]);
    let mut bits = vec![0u8];
    bits.extend_from_slice(point);
    der::sequence(&[&alg, &der::write(tag::BIT_STRING, &bits)])
}

criterion_group!(benches, signing);
criterion_main!(benches);
