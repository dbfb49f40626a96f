//! PKCS#12 (PFX) for IIS, with modern PBES2/AES-256 encryption and an HMAC-SHA256 MAC
//! so OpenSSL 3 opens it without `-legacy`.

use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};

use super::ExportError;

/// A PFX holding the key and its chain (leaf first).
pub fn write(friendly_name: &str, key_pkcs8_der: &[u8], chain_der: &[&[u8]], password: &str) -> Result<Vec<u8>, ExportError> {
    let enc = |e: p12_keystore::error::Error| ExportError::Encode(e.to_string());
    let key = PrivateKey::from_der(key_pkcs8_der).map_err(enc)?;
    let certs = chain_der.iter().map(|c| Certificate::from_der(c)).collect::<Result<Vec<_>, _>>().map_err(enc)?;
    let local_id = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, chain_der.first().copied().unwrap_or_default());
    let chain = PrivateKeyChain::new(local_id.as_ref(), key, certs);
    let mut store = KeyStore::new();
    store.add_entry(friendly_name, KeyStoreEntry::PrivateKeyChain(chain));
    store
        .writer(password)
        .encryption_algorithm(p12_keystore::EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
        .mac_algorithm(p12_keystore::MacAlgorithm::HmacSha256)
        .write()
        .map_err(enc)
}
