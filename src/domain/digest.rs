//! When the daily summary goes out: at a fixed hour of the portal's time zone.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// The latest moment, at or before `now` (UTC), when the clock in `zone` read `hour`:00. Entries
/// recorded before it belong in the summary sent then. On a day when daylight saving skips that
/// hour, the summary goes at the first moment after it.
pub fn last_digest_time(now: NaiveDateTime, zone: Tz, hour: u32) -> NaiveDateTime {
    let hour = hour.min(23);
    let local_today = zone.from_utc_datetime(&now).date_naive();
    let at = |date: chrono::NaiveDate| {
        let mut local = date.and_hms_opt(hour, 0, 0).unwrap_or_default();
        // A skipped hour (spring forward) exists an hour later; an ambiguous one, its first time.
        loop {
            if let Some(instant) = zone.from_local_datetime(&local).earliest() {
                return instant.naive_utc();
            }
            local += chrono::TimeDelta::hours(1);
        }
    };
    let today = at(local_today);
    if today <= now { today } else { at(local_today - chrono::TimeDelta::days(1)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap_or_default()
    }

    #[test]
    fn the_summary_time_is_the_last_digest_hour_passed_in_the_portals_zone() {
        let paris: Tz = "Europe/Paris".parse().unwrap_or(Tz::UTC);
        // 09:30 in Paris (winter, UTC+1): today's 08:00 has passed.
        assert_eq!(last_digest_time(utc("2026-11-25 08:30"), paris, 8), utc("2026-11-25 07:00"));
        // 07:30 in Paris: yesterday's 08:00.
        assert_eq!(last_digest_time(utc("2026-11-25 06:30"), paris, 8), utc("2026-11-24 07:00"));
        // Exactly on time counts as passed.
        assert_eq!(last_digest_time(utc("2026-11-25 07:00"), paris, 8), utc("2026-11-25 07:00"));
        assert_eq!(last_digest_time(utc("2026-11-25 07:00"), Tz::UTC, 8), utc("2026-11-24 08:00"));
        // 02:00 does not exist in Paris on 29 March 2026: the summary goes at 03:00 local.
        assert_eq!(last_digest_time(utc("2026-03-29 05:00"), paris, 2), utc("2026-03-29 01:00"));
        // 02:00 happens twice in Paris on 25 October 2026: the summary goes the first time.
        assert_eq!(last_digest_time(utc("2026-10-25 05:00"), paris, 2), utc("2026-10-25 00:00"));
    }
}
