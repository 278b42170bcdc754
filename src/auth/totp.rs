//! Two-factor sign-in with time-based one-time codes (RFC 6238: SHA-1, six digits, 30-second
//! steps), as every authenticator app reads them, and single-use recovery codes.

use chrono::NaiveDateTime;
use totp_rs::{Algorithm, Secret, TOTP};

use super::tokens::{constant_time_eq, random_bytes};

/// How long one code lasts, in seconds.
const STEP_SECONDS: i64 = 30;
/// What an authenticator app shows as the account's issuer.
const ISSUER: &str = "Passerelle";
/// How many recovery codes an enrolment hands out.
pub const RECOVERY_CODES: usize = 10;

/// A new secret: 160 random bits, in the base32 that authenticator apps take.
pub fn new_secret() -> String {
    Secret::Raw(random_bytes::<20>().to_vec()).to_encoded().to_string()
}

fn totp(secret: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECONDS as u64, bytes, Some(ISSUER.to_owned()), account.to_owned()).ok()
}

/// The time step `now` (UTC) falls in.
pub fn step_at(now: NaiveDateTime) -> i64 {
    now.and_utc().timestamp().div_euclid(STEP_SECONDS)
}

/// The code of `secret` for time step `step`.
pub fn code_at(secret: &str, step: i64) -> Option<String> {
    let seconds = u64::try_from(step.checked_mul(STEP_SECONDS)?).ok()?;
    Some(totp(secret, "")?.generate(seconds))
}

/// The time step whose code was typed: within one step of `now` (clocks drift), later than
/// `last` (a code works once), compared in constant time. `None` for anything else.
pub fn matching_step(secret: &str, typed: &str, now: NaiveDateTime, last: Option<i64>) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = step_at(now);
    let mut found = None;
    for step in current - 1..=current + 1 {
        let fresh = last.is_none_or(|last| step > last);
        let right = code_at(secret, step).is_some_and(|code| constant_time_eq(&code, &typed));
        if fresh && right && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn provisioning_uri(secret: &str, account: &str) -> Option<String> {
    Some(totp(secret, &account.replace(':', " "))?.get_url())
}

/// `text` as a QR code: an SVG element to place in a page, drawn here, fetched from nowhere.
pub fn qr_svg(text: &str) -> Option<String> {
    let svg = qrcode::QrCode::new(text.as_bytes())
        .ok()?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    // The renderer writes a standalone document; a page needs only the element.
    svg.find("<svg").map(|start| svg[start..].to_owned())
}

/// Ten new recovery codes, as people read them (`abcde-fghij`).
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| {
            let letters: String =
                random_bytes::<10>().iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
            format!("{}-{}", &letters[..5], &letters[5..])
        })
        .collect()
}

/// A typed recovery code in the form it is hashed in: lower case, without spaces or dashes.
pub fn normalise_recovery_code(typed: &str) -> String {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(seconds, 0).map(|t| t.naive_utc()).unwrap_or_default()
    }

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", last six digits.
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        assert_eq!(code_at(&secret, 59 / 30).as_deref(), Some("287082"));
        assert_eq!(code_at(&secret, 1_111_111_109 / 30).as_deref(), Some("081804"));
        assert_eq!(code_at(&secret, 2_000_000_000 / 30).as_deref(), Some("279037"));
    }

    #[test]
    fn a_code_works_within_one_step_and_only_once() {
        let secret = new_secret();
        let now = at(1_800_000_000);
        let step = step_at(now);
        let code = code_at(&secret, step).unwrap_or_default();
        assert_eq!(matching_step(&secret, &code, now, None), Some(step));
        assert_eq!(matching_step(&secret, &format!(" {} ", code), now, None), Some(step));
        assert_eq!(matching_step(&secret, &code, now, Some(step)), None, "replayed");
        let previous = code_at(&secret, step - 1).unwrap_or_default();
        assert_eq!(matching_step(&secret, &previous, now, Some(step - 2)), Some(step - 1), "a slow clock");
        let old = code_at(&secret, step - 2).unwrap_or_default();
        assert_eq!(matching_step(&secret, &old, now, None), None, "too old");
        for wrong in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(matching_step(&secret, wrong, now, None), None, "{wrong:?}");
        }
    }

    #[test]
    fn recovery_codes_are_distinct_and_typed_loosely() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        assert_eq!(normalise_recovery_code(" ABCDE-fghij "), "abcdefghij");
    }

    #[test]
    fn the_qr_code_is_an_svg_element() {
        let uri = provisioning_uri(&new_secret(), "lea@platform.test").unwrap_or_default();
        assert!(uri.starts_with("otpauth://totp/Passerelle:lea%40platform.test?secret="), "{uri}");
        let svg = qr_svg(&uri).unwrap_or_default();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
