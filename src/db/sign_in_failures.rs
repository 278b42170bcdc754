//! Failed sign-ins per subject (`account:<email>` or `address:<ip>`), in the database so every
//! instance sees the same counts.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use super::DbConnection;
use super::schema::sign_in_failures;
use crate::domain::throttle::{FORGET_AFTER, Guarded};

/// Until when any of `subjects` may not try again, if one must wait.
pub fn blocked_until(
    conn: &mut DbConnection,
    subjects: &[String],
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    sign_in_failures::table
        .filter(sign_in_failures::subject.eq_any(subjects))
        .filter(sign_in_failures::locked_until.gt(now))
        .select(diesel::dsl::max(sign_in_failures::locked_until))
        .first(conn)
}

/// Counts a failure of `subject`; returns whether this one locked it (its owner should hear).
pub fn record(conn: &mut DbConnection, subject: &str, guarded: Guarded, now: NaiveDateTime) -> QueryResult<bool> {
    let previous: Option<(i32, NaiveDateTime)> = sign_in_failures::table
        .find(subject)
        .select((sign_in_failures::failures, sign_in_failures::last_failure_at))
        .first(conn)
        .optional()?;
    let failures = match previous {
        Some((failures, last)) if now - last < FORGET_AFTER => failures + 1,
        _ => 1,
    };
    let locked_until = guarded.wait_after(failures).map(|wait| now + wait);
    let values = (
        sign_in_failures::failures.eq(failures),
        sign_in_failures::last_failure_at.eq(now),
        sign_in_failures::locked_until.eq(locked_until),
    );
    if previous.is_some() {
        diesel::update(sign_in_failures::table.find(subject)).set(values).execute(conn)?;
    } else {
        // Two first failures at once: the second becomes an update, inside a savepoint so the
        // caller's transaction stays usable.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(sign_in_failures::table)
                .values((sign_in_failures::subject.eq(subject), values.0, values.1, values.2))
                .execute(conn)
        });
        match inserted {
            Ok(_) => {}
            Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                diesel::update(sign_in_failures::table.find(subject))
                    .set(sign_in_failures::failures.eq(sign_in_failures::failures + 1))
                    .execute(conn)?;
            }
            Err(error) => return Err(error),
        }
    }
    Ok(failures == guarded.lock_at())
}

/// A right password: the account's count starts again.
pub fn forget(conn: &mut DbConnection, subject: &str) -> QueryResult<usize> {
    diesel::delete(sign_in_failures::table.find(subject)).execute(conn)
}
