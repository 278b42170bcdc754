//! Password hashing with Argon2id; unknown accounts cost the same time as wrong passwords.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};

fn hasher() -> Argon2<'static> {
    // OWASP's second recommended Argon2id setting: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Checks `password` against `stored`; with no stored hash (unknown email) it still does the work
/// of a check against a fixed hash, so timing does not reveal whether an account exists.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    // An account without a usable hash (invited, no password chosen yet) costs the same work.
    let parsed = stored.and_then(|s| PasswordHash::new(s).ok());
    let usable = parsed.is_some();
    let target = parsed.or_else(|| PasswordHash::new(DECOY).ok());
    let matched = target.is_some_and(|t| hasher().verify_password(password.as_bytes(), &t).is_ok());
    matched && usable
}

/// What an invited account holds until its owner chooses a password: no password matches it.
pub const NO_PASSWORD_YET: &str = "!";

/// A well-formed hash of a password nobody knows, checked when the email is unknown.
const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Yv0wB2b5nvxj0I3J4Qh3J3p9WfE5nQq1n7kq2CqQ4s";

/// A readable random password for `user add` when none is given: 20 characters from 32 symbols.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789-";
    let token = super::tokens::random_token();
    token
        .as_bytes()
        .chunks(2)
        .take(20)
        .map(|pair| {
            let byte = u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("00"), 16).unwrap_or(0);
            ALPHABET[usize::from(byte) % ALPHABET.len()] as char
        })
        .collect()
}

/// Where hashes and checks wait their turn. Each takes tens of milliseconds of one core and
/// 19 MiB of memory: run on the blocking pool as they came, a burst of sign-ins would take every
/// blocking thread (leaving the pages' database work to wait behind them) and a few hundred MiB.
/// A few at a time they finish as soon, since the processor is the limit, and the memory stays
/// bounded; the others wait as futures, holding no thread.
pub struct Hashing(tokio::sync::Semaphore);

impl Hashing {
    /// At most `at_once` hashes run together.
    pub fn new(at_once: usize) -> Hashing {
        Hashing(tokio::sync::Semaphore::new(at_once.max(1)))
    }

    /// As many at once as the processor has cores.
    pub fn per_core() -> Hashing {
        Hashing::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
    }

    /// Runs `work` (a hash or a check) on the blocking pool once a turn is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, crate::error::AppError> {
        // Acquiring fails only on a closed semaphore, and this one is never closed.
        let _turn = self.0.acquire().await.map_err(crate::error::AppError::internal)?;
        Ok(actix_web::web::block(work).await?)
    }
}

/// Whether `typed` is the current password of `user`: read on the database pool, checked on the
/// blocking pool (Argon2 is slow on purpose) in its turn, never on an actix worker.
pub async fn is_current(
    state: &crate::startup::AppState,
    user: crate::domain::ids::UserId,
    typed: String,
) -> Result<bool, crate::error::AppError> {
    let stored = state.db(move |conn| Ok(crate::db::users::password_hash(conn, user)?)).await?;
    state.hashing.run(move || verify(&typed, Some(&stored))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap_or_default();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("wrong horse battery", Some(&stored)));
        assert!(!verify("correct horse battery", None));
        assert!(!verify("", Some(NO_PASSWORD_YET)) && !verify("!", Some(NO_PASSWORD_YET)));
        assert!(PasswordHash::new(DECOY).is_ok(), "the decoy must cost a full check");
    }

    #[actix_rt::test]
    async fn hashes_take_turns() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let hashing = Arc::new(Hashing::new(2));
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let checks = (0..6).map(|_| {
            let (hashing, running, most) = (hashing.clone(), running.clone(), most.clone());
            async move {
                hashing
                    .run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        let checked = verify("some password", None);
                        running.fetch_sub(1, Ordering::SeqCst);
                        checked
                    })
                    .await
            }
        });
        let results = futures_util::future::join_all(checks).await;
        assert!(results.iter().all(|r| matches!(r, Ok(false))), "every check ran and refused");
        assert_eq!(most.load(Ordering::SeqCst), 2, "never more than two at once, and two did run together");
    }

    #[test]
    fn generated_passwords_are_long_enough() {
        assert!(generate().len() >= crate::domain::account::MIN_PASSWORD_LENGTH);
    }
}
