//! Random tokens for cookies and CSRF, and the hash under which a token is stored.

use sha2::{Digest, Sha256};

/// 32 bytes from the operating system's generator, hex-encoded.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS generator failing means the machine cannot do cryptography at all.
    #[expect(clippy::expect_used, reason = "no safe way to continue without a random source")]
    getrandom::getrandom(&mut bytes).expect("the operating system's random generator failed");
    hex::encode(bytes)
}

/// The SHA-256 of a token, hex-encoded: what the database keeps instead of the token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
