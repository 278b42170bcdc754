//! Two-factor state: a user's secret (enrolled, or being enrolled), the last code step used,
//! their recovery codes (hashed), and who must have a second factor.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{organisations, platform_policy, recovery_codes, users};
use crate::domain::ids::{OrgId, UserId};
use crate::domain::role::Role;
use crate::domain::two_factor;

/// A user's second factor as the pages need it.
#[derive(Debug, Clone, Default)]
pub struct Factor {
    /// The enrolled secret (base32).
    pub secret: Option<String>,
    /// A secret shown for enrolment, not yet confirmed with a code.
    pub pending: Option<String>,
    /// The last time step whose code was accepted.
    pub last_step: Option<i64>,
}

pub fn factor(conn: &mut DbConnection, user: UserId) -> QueryResult<Factor> {
    let (secret, pending, last_step) = users::table
        .find(user.0)
        .select((users::totp_secret, users::totp_pending_secret, users::totp_last_step))
        .first(conn)?;
    Ok(Factor { secret, pending, last_step })
}

/// Keeps `secret` as the one being enrolled.
pub fn set_pending(conn: &mut DbConnection, user: UserId, secret: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(user.0).filter(users::totp_secret.is_null()))
        .set(users::totp_pending_secret.eq(Some(secret)))
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

/// Makes the pending secret the enrolled one and stores fresh recovery codes (their hashes).
pub fn enable(conn: &mut DbConnection, user: UserId, secret: &str, code_hashes: &[String]) -> QueryResult<bool> {
    let changed = diesel::update(
        users::table.find(user.0).filter(users::totp_secret.is_null()).filter(users::totp_pending_secret.eq(secret)),
    )
    .set((users::totp_secret.eq(Some(secret)), users::totp_pending_secret.eq(None::<String>)))
    .execute(conn)?;
    if changed == 1 {
        replace_recovery_codes(conn, user, code_hashes)?;
    }
    Ok(changed == 1)
}

/// Forgets a user's second factor and recovery codes.
pub fn disable(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user.0))).execute(conn)?;
    diesel::update(users::table.find(user.0))
        .set((
            users::totp_secret.eq(None::<String>),
            users::totp_pending_secret.eq(None::<String>),
            users::totp_last_step.eq(None::<i64>),
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
    let (role, enrolled, organisation_requires): (String, bool, bool) = users::table
        .inner_join(organisations::table)
        .filter(users::id.eq(user.0))
        .select((users::role, users::totp_secret.is_not_null(), organisations::require_two_factor))
        .first(conn)?;
    let role = super::decode("role", &role, Role::parse)?;
    let required = two_factor::required(role, organisation_requires, everywhere(conn)?);
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

pub fn set_organisation_requires(conn: &mut DbConnection, org: OrgId, required: bool) -> QueryResult<usize> {
    diesel::update(organisations::table.find(org.0)).set(organisations::require_two_factor.eq(required)).execute(conn)
}

pub fn organisation_requires(conn: &mut DbConnection, org: OrgId) -> QueryResult<bool> {
    organisations::table.find(org.0).select(organisations::require_two_factor).first(conn)
}
