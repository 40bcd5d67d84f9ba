//! Secret keys (a terminal's `cle_api`): generated at random, shown once, stored hashed.

use sha2::{Digest, Sha256};
use std::fmt::Write;

/// A new secret key: 244 random bits, in hex.
pub fn generate_key() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The hex SHA-256 of a key, as stored. Keys are long and random, so a fast hash is enough.
pub fn hash_key(key: &str) -> String {
    sha256_hex(key.as_bytes())
}

/// The hex SHA-256 of `data` (also the fingerprint of requests and sales).
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// Compares two hashes in time that does not depend on where they differ.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_hashed_stably() {
        let (a, b) = (generate_key(), generate_key());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(hash_key("abc"), hash_key("abc"));
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(same_hash(&hash_key("abc"), &hash_key("abc")));
        assert!(!same_hash(&hash_key("abc"), &hash_key("abd")));
        assert!(!same_hash("ab", "abc"));
    }
}
