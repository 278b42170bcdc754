//! Two-factor state: a user's secret, the last code step used and their wrong codes in a row;
//! the secret a session is enrolling; recovery codes (hashed); and who must have a second factor.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{organisations, platform_policy, recovery_codes, sessions, users};
use crate::domain::ids::{OrgId, UserId};
use crate::domain::role::Role;
use crate::domain::two_factor;

/// A user's second factor as checking a code needs it.
#[derive(Debug, Clone, Default)]
pub struct Factor {
    /// The enrolled secret (base32).
    pub secret: Option<String>,
    /// The last time step whose code was accepted.
    pub last_step: Option<i64>,
    /// Until when the account takes no code, after too many wrong ones.
    pub locked_until: Option<NaiveDateTime>,
}

pub fn factor(conn: &mut DbConnection, user: UserId) -> QueryResult<Factor> {
    let (secret, last_step, locked_until) = users::table
        .find(user.0)
        .select((users::totp_secret, users::totp_last_step, users::totp_locked_until))
        .first(conn)?;
    Ok(Factor { secret, last_step, locked_until })
}

/// The secret this session is enrolling, if it showed one.
pub fn pending(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<String>> {
    sessions::table.find(token_hash).select(sessions::totp_pending_secret).first(conn)
}

/// Keeps `secret` as the one this session is enrolling: it is shown to this session only, and
/// dies with it.
pub fn set_pending(conn: &mut DbConnection, token_hash: &str, secret: &str) -> QueryResult<usize> {
    diesel::update(sessions::table.find(token_hash)).set(sessions::totp_pending_secret.eq(Some(secret))).execute(conn)
}

/// Counts a wrong code; returns whether the account is now locked (its owner should hear).
pub fn record_failure(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> QueryResult<bool> {
    let failures: i32 = diesel::update(users::table.find(user.0))
        .set(users::totp_failures.eq(users::totp_failures + 1))
        .returning(users::totp_failures)
        .get_result(conn)?;
    match two_factor::lock_after(failures) {
        Some(spell) => {
            diesel::update(users::table.find(user.0))
                .set(users::totp_locked_until.eq(Some(now + spell)))
                .execute(conn)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// A right code: the count of wrong ones starts again.
pub fn reset_failures(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::update(users::table.find(user.0).filter(users::totp_failures.ne(0)))
        .set(users::totp_failures.eq(0))
        .execute(conn)
}

/// Records that the code of `step` was used; `false` if it (or a later one) already was, so two
/// requests racing with one code cannot both pass.
pub fn accept_step(conn: &mut DbConnection, user: UserId, step: i64) -> QueryResult<bool> {
    let changed = diesel::update(
        users::table.find(user.0).filter(users::totp_last_step.is_null().or(users::totp_last_step.lt(step))),
    )
    .set(users::totp_last_step.eq(Some(step)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Makes `secret` (confirmed with a code) the user's, and stores fresh recovery codes (their
/// hashes); `false` if they enrolled one meanwhile.
pub fn enable(conn: &mut DbConnection, user: UserId, secret: &str, code_hashes: &[String]) -> QueryResult<bool> {
    let changed = diesel::update(users::table.find(user.0).filter(users::totp_secret.is_null()))
        .set((
            users::totp_secret.eq(Some(secret)),
            users::totp_failures.eq(0),
            users::totp_locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    if changed == 1 {
        replace_recovery_codes(conn, user, code_hashes)?;
        diesel::update(sessions::table.filter(sessions::user_id.eq(user.0)))
            .set(sessions::totp_pending_secret.eq(None::<String>))
            .execute(conn)?;
    }
    Ok(changed == 1)
}

/// Forgets a user's second factor and recovery codes.
pub fn disable(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user.0))).execute(conn)?;
    diesel::update(users::table.find(user.0))
        .set((
            users::totp_secret.eq(None::<String>),
            users::totp_last_step.eq(None::<i64>),
            users::totp_failures.eq(0),
            users::totp_locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

/// Replaces a user's recovery codes: the old ones stop working.
pub fn replace_recovery_codes(conn: &mut DbConnection, user: UserId, code_hashes: &[String]) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user.0))).execute(conn)?;
    for hash in code_hashes {
        diesel::insert_into(recovery_codes::table)
            .values((recovery_codes::user_id.eq(user.0), recovery_codes::code_hash.eq(hash)))
            .execute(conn)?;
    }
    Ok(())
}

/// Uses up one of a user's recovery codes; `false` if none unused has this hash.
pub fn use_recovery_code(
    conn: &mut DbConnection,
    user: UserId,
    code_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user.0))
            .filter(recovery_codes::code_hash.eq(code_hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(Some(now)))
    .execute(conn)?;
    Ok(changed >= 1)
}

/// How many unused recovery codes a user has left.
pub fn recovery_codes_left(conn: &mut DbConnection, user: UserId) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user.0))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

/// Whether `user` must have a second factor, and whether they have one.
pub fn requirement(conn: &mut DbConnection, user: UserId) -> QueryResult<(bool, bool)> {
    let (role, enrolled, by_organisation, by_platform): (String, bool, bool, bool) = users::table
        .inner_join(organisations::table)
        .filter(users::id.eq(user.0))
        .select((
            users::role,
            users::totp_secret.is_not_null(),
            organisations::require_two_factor,
            organisations::platform_requires_two_factor,
        ))
        .first(conn)?;
    let role = super::decode("role", &role, Role::parse)?;
    let required = two_factor::required(role, by_organisation || by_platform, everywhere(conn)?);
    Ok((required, enrolled))
}

/// Whether the platform requires a second factor of everyone.
pub fn everywhere(conn: &mut DbConnection) -> QueryResult<bool> {
    platform_policy::table.find(1).select(platform_policy::two_factor_everywhere).first(conn)
}

pub fn set_everywhere(conn: &mut DbConnection, required: bool) -> QueryResult<usize> {
    diesel::update(platform_policy::table.find(1))
        .set(platform_policy::two_factor_everywhere.eq(required))
        .execute(conn)
}

/// The organisation's own choice, made by its admin.
pub fn set_organisation_requires(conn: &mut DbConnection, org: OrgId, required: bool) -> QueryResult<usize> {
    diesel::update(organisations::table.find(org.0)).set(organisations::require_two_factor.eq(required)).execute(conn)
}

/// The platform's rule for one organisation, which its admin cannot undo.
pub fn set_platform_requires(conn: &mut DbConnection, org: OrgId, required: bool) -> QueryResult<usize> {
    diesel::update(organisations::table.find(org.0))
        .set(organisations::platform_requires_two_factor.eq(required))
        .execute(conn)
}

/// Whether the organisation requires a second factor of its members, and whether the platform
/// requires it of them.
pub fn organisation_requires(conn: &mut DbConnection, org: OrgId) -> QueryResult<(bool, bool)> {
    organisations::table
        .find(org.0)
        .select((organisations::require_two_factor, organisations::platform_requires_two_factor))
        .first(conn)
}
