//! Random tokens for cookies and CSRF, and the hash under which a token is stored.

use sha2::{Digest, Sha256};

/// `N` bytes from the operating system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS generator failing means the machine cannot do cryptography at all.
    #[expect(clippy::expect_used, reason = "no safe way to continue without a random source")]
    getrandom::getrandom(&mut bytes).expect("the operating system's random generator failed");
    bytes
}

/// 32 bytes from the operating system's generator, hex-encoded.
pub fn random_token() -> String {
    hex::encode(random_bytes::<32>())
}

/// The SHA-256 of a token, hex-encoded: what the database keeps instead of the token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
