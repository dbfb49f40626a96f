//! Generating a CRL of 1,000,000 revoked certificates (budget: 3 s on 2 cores).
//! Run: `cargo bench -p certhub-pki --bench crl`.

use certhub_pki::ca::{self, CaFamily, KeySigner, tbs};
use certhub_pki::crl::{self, CrlEntry, CrlInfo};
use certhub_pki::parse::ParsedCert;
use criterion::{Criterion, criterion_group, criterion_main};

const ENTRIES: usize = 1_000_000;

fn crl_of_a_million(c: &mut Criterion) {
    let now = 1_800_000_000;
    let entries: Vec<CrlEntry> = (0..ENTRIES)
        .map(|i| {
            // 16-byte serials like certhub's, spread over a year of revocations, every reason but "unspecified" once in a while.
            let mut serial = [0u8; 16];
            serial[0] = 0x40 | (i % 63) as u8;
            serial[8..].copy_from_slice(&(i as u64).to_be_bytes());
            CrlEntry { serial: serial.to_vec(), revoked_at: now - (i as i64 % 31_536_000), reason: [0, 1, 4, 5][i % 4] }
        })
        .collect();
    let mut group = c.benchmark_group("crl");
    group.sample_size(10);
    for family in [CaFamily::EcdsaP256, CaFamily::Rsa2048] {
        let m = ca::generate(family, "bench", "http://127.0.0.1", now).expect("ca");
        let issuer = ParsedCert::from_der(&m.intermediate_der).expect("issuer");
        let key_id = tbs::subject_key_id(&m.intermediate_der).expect("ski");
        let signer = KeySigner::from_pkcs8(family, &m.intermediate_key).expect("signer");
        let info =
            CrlInfo { issuer_name: &issuer.subject_raw, issuer_key_id: &key_id, number: 1, this_update: now, next_update: now + 86_400 };
        group.bench_function(format!("build_1m_entries_{}", family.as_str()), |b| {
            b.iter(|| crl::build(&signer, &info, &entries).expect("crl").len())
        });
    }
    group.finish();
}

criterion_group!(benches, crl_of_a_million);
criterion_main!(benches);
