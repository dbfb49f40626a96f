//! Identifiers in the vendor's shapes: certificate IDs, SecretIds, account numbers.

use rand::Rng;
use rand::distributions::Alphanumeric;

/// A random alphanumeric string of `len` characters from a CSPRNG.
pub fn random_alnum(len: usize) -> String {
    rand::rngs::OsRng.sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// A new certificate ID: 8 base62 characters, like the vendor's (`Juz8JAxn`).
pub fn certificate_id() -> String {
    random_alnum(8)
}

/// A new Tencent SecretId: `AKID` and 32 alphanumerics.
pub fn secret_id() -> String {
    format!("AKID{}", random_alnum(32))
}

/// A new Huawei access key (AK): 20 upper-case alphanumerics, as Huawei's look.
pub fn huawei_ak() -> String {
    random_alnum(20).to_ascii_uppercase()
}

/// Length of the public half of a DigiCert API key.
const DEVKEY_ID_LEN: usize = 24;

/// A new DigiCert key ID: `DCK` and 21 alphanumerics. The API key a client sends is this ID followed by the secret.
pub fn digicert_key_id() -> String {
    format!("DCK{}", random_alnum(DEVKEY_ID_LEN - 3))
}

/// Splits an `X-DC-DEVKEY` into key ID and secret.
pub fn split_devkey(devkey: &str) -> Option<(&str, &str)> {
    (devkey.len() > DEVKEY_ID_LEN && devkey.is_char_boundary(DEVKEY_ID_LEN) && devkey.starts_with("DCK"))
        .then(|| devkey.split_at(DEVKEY_ID_LEN))
}

/// A new SecretKey: 32 alphanumerics.
pub fn secret_key() -> String {
    random_alnum(32)
}

/// A new account number (OwnerUin): 12 digits starting with 1.
pub fn owner_uin() -> String {
    let n: u64 = rand::rngs::OsRng.gen_range(0..100_000_000_000);
    format!("1{n:011}")
}

/// A new AppId: 10 digits starting with 13.
pub fn app_id() -> i64 {
    1_300_000_000 + rand::rngs::OsRng.gen_range(0..100_000_000)
}

/// True when `s` looks like an ID we could have issued (base62, 1 to 64 characters).
pub fn is_plausible_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = certificate_id();
        assert_eq!(id.len(), 8);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(certificate_id(), certificate_id());
        let sid = secret_id();
        assert!(sid.starts_with("AKID") && sid.len() == 36);
        assert_eq!(secret_key().len(), 32);
        let uin = owner_uin();
        assert_eq!(uin.len(), 12);
        assert!(uin.starts_with('1'));
        assert!(app_id() >= 1_300_000_000);
        assert!(is_plausible_id("Juz8JAxn"));
        assert!(!is_plausible_id("a b"));
        assert!(!is_plausible_id(""));
    }
}
