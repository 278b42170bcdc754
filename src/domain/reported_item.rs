//! A reported item: exactly where the harmful content or account is, and when it was seen.

use chrono::{NaiveDateTime, TimeDelta, TimeZone};
use chrono_tz::Tz;
use url::Url;

text_enum! {
    /// How the item is located: a URL or one of the platform's identifiers.
    pub enum LocatorKind {
        Url => "url",
        Handle => "handle",
        AccountId => "account_id",
        PostId => "post_id",
        MessageId => "message_id",
    }
}

text_enum! {
    /// What kind of thing the item is on the platform.
    pub enum ContentType {
        Post => "post",
        Comment => "comment",
        Profile => "profile",
        DirectMessage => "direct_message",
        Story => "story",
        Live => "live",
    }
}

/// A locator that has been checked against its kind: an http(s) URL with a host, a handle,
/// or an identifier of letters, digits, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locator {
    kind: LocatorKind,
    value: String,
}

/// Why a locator was refused; each maps to a message in the catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocatorError {
    Empty,
    TooLong,
    InvalidUrl,
    InvalidHandle,
    InvalidIdentifier,
}

impl LocatorError {
    pub fn message_key(self) -> &'static str {
        match self {
            LocatorError::Empty => "error.required",
            LocatorError::TooLong => "error.locator_too_long",
            LocatorError::InvalidUrl => "error.invalid_url",
            LocatorError::InvalidHandle => "error.invalid_handle",
            LocatorError::InvalidIdentifier => "error.invalid_identifier",
        }
    }
}

pub const MAX_LOCATOR_LEN: usize = 2048;

impl Locator {
    pub fn parse(kind: LocatorKind, raw: &str) -> Result<Self, LocatorError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(LocatorError::Empty);
        }
        if raw.len() > MAX_LOCATOR_LEN {
            return Err(LocatorError::TooLong);
        }
        let value = match kind {
            LocatorKind::Url => {
                let url = Url::parse(raw).map_err(|_| LocatorError::InvalidUrl)?;
                let web = matches!(url.scheme(), "http" | "https");
                if !web || url.host_str().is_none_or(|host| !host.contains('.')) {
                    return Err(LocatorError::InvalidUrl);
                }
                url.to_string()
            }
            LocatorKind::Handle => {
                let handle = raw.strip_prefix('@').unwrap_or(raw);
                let valid = (1..=64).contains(&handle.len())
                    && handle.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
                if !valid {
                    return Err(LocatorError::InvalidHandle);
                }
                format!("@{handle}")
            }
            LocatorKind::AccountId | LocatorKind::PostId | LocatorKind::MessageId => {
                let valid = raw.len() <= 128 && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if !valid {
                    return Err(LocatorError::InvalidIdentifier);
                }
                raw.to_owned()
            }
        };
        Ok(Self { kind, value })
    }

    pub fn kind(&self) -> LocatorKind {
        self.kind
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }
}

/// Parses a `datetime-local` value typed in the portal's zone `tz` into UTC; it may not be in
/// the future. A local time that does not exist (the hour skipped when clocks go forward) is
/// refused; one that happens twice (when they go back) is taken as the earlier.
pub fn parse_local_time(raw: &str, now: NaiveDateTime, tz: Tz) -> Result<NaiveDateTime, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("error.required");
    }
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| "error.invalid_datetime")?;
    let seen = tz.from_local_datetime(&local).earliest().ok_or("error.invalid_datetime")?.naive_utc();
    // A partner's clock may be a little ahead of ours; ten minutes of slack covers it.
    if seen > now + TimeDelta::minutes(10) {
        return Err("error.seen_in_future");
    }
    Ok(seen)
}

/// One reported item of a new case, every field valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReportedItem {
    pub locator: Locator,
    pub content_type: ContentType,
    pub seen_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_web_addresses_with_a_host() {
        assert!(Locator::parse(LocatorKind::Url, "https://social.example/p/123").is_ok());
        for bad in ["javascript:alert(1)", "ftp://example.org/x", "https://", "not a url", "http://localhost/x"] {
            assert_eq!(Locator::parse(LocatorKind::Url, bad), Err(LocatorError::InvalidUrl), "{bad}");
        }
    }

    #[test]
    fn times_are_typed_in_the_portals_zone_and_stored_in_utc() {
        let now = NaiveDateTime::parse_from_str("2026-06-01T12:00", "%Y-%m-%dT%H:%M").unwrap_or_default();
        let paris: Tz = "Europe/Paris".parse().unwrap_or(Tz::UTC);
        let stored = parse_local_time("2026-01-05T10:30", now, paris).map(|t| t.format("%H:%M").to_string());
        assert_eq!(stored, Ok("09:30".into()), "CET is UTC+1 in winter");
        assert_eq!(parse_local_time("2026-03-29T02:30", now, paris), Err("error.invalid_datetime"), "skipped hour");
        assert_eq!(parse_local_time("2026-06-01T14:05", now, paris), Ok(now + TimeDelta::minutes(5)), "CEST is UTC+2");
        assert_eq!(parse_local_time("2026-06-01T15:00", now, paris), Err("error.seen_in_future"));
        assert_eq!(parse_local_time("yesterday", now, Tz::UTC), Err("error.invalid_datetime"));
    }

    #[test]
    fn handles_and_identifiers_are_checked() {
        assert_eq!(Locator::parse(LocatorKind::Handle, "bad_actor.99").map(|l| l.value), Ok("@bad_actor.99".into()));
        assert_eq!(Locator::parse(LocatorKind::Handle, "@no spaces"), Err(LocatorError::InvalidHandle));
        assert_eq!(Locator::parse(LocatorKind::PostId, "17841-abc_9").map(|l| l.value), Ok("17841-abc_9".into()));
        assert_eq!(Locator::parse(LocatorKind::PostId, "1/2"), Err(LocatorError::InvalidIdentifier));
        assert_eq!(Locator::parse(LocatorKind::PostId, "  "), Err(LocatorError::Empty));
    }
}
