//! Server-side sessions: revocable, shared by every instance, keyed by the hash of the cookie.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{organisations, platform_policy, sessions, users};
use super::{DbConnection, decode};
use crate::domain::ids::{OrgId, UserId};
use crate::domain::role::Role;
use crate::domain::two_factor::{self, SessionStage};

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub stage: &'a str,
    pub second_factor_at: Option<NaiveDateTime>,
    pub last_seen_at: Option<NaiveDateTime>,
    pub user_agent: Option<&'a str>,
    pub ip_address: Option<&'a str>,
}

/// The signed-in user behind a live session, with what every permission check needs.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user_id: UserId,
    pub organisation_id: OrgId,
    pub organisation_name: String,
    pub role: Role,
    pub display_name: String,
    pub email: String,
    pub locale: Option<String>,
    pub csrf_token: String,
    pub token_hash: String,
    /// Where the session stands, with the rules of today (see `two_factor::effective_stage`).
    pub stage: SessionStage,
    /// When the person last proved who they are in this session: a second-factor code, or
    /// without one the password (at sign-in or for a sensitive action).
    pub second_factor_at: Option<NaiveDateTime>,
    pub last_seen_at: Option<NaiveDateTime>,
    /// The user has a second factor.
    pub enrolled: bool,
}

pub fn create(conn: &mut DbConnection, new: &NewSession<'_>) -> QueryResult<usize> {
    diesel::insert_into(sessions::table).values(new).execute(conn)
}

type SessionRow = (
    (i64, i64, String, String, String, String, Option<String>, String),
    (String, Option<NaiveDateTime>, bool, bool, Option<NaiveDateTime>, Option<bool>),
);

/// The user of a session neither expired nor idle for longer than `idle`, whose account is
/// enabled, with what their two-factor standing needs: one query.
pub fn find_live(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
    idle: chrono::TimeDelta,
) -> QueryResult<Option<SessionUser>> {
    let query = sessions::table
        .inner_join(users::table.inner_join(organisations::table))
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - idle))
        .filter(users::disabled_at.is_null())
        .select((
            (
                users::id,
                users::organisation_id,
                organisations::name,
                users::role,
                users::display_name,
                users::email,
                users::locale,
                sessions::csrf_token,
            ),
            (
                sessions::stage,
                sessions::second_factor_at,
                users::totp_secret.is_not_null(),
                organisations::require_two_factor.or(organisations::platform_requires_two_factor),
                sessions::last_seen_at,
                platform_policy::table.find(1).select(platform_policy::two_factor_everywhere).single_value(),
            ),
        ));
    // Every request asks this: on the backend's own connection, kept prepared by its type, and
    // without a LIMIT (the token is the key; see `fragment::Limit`).
    let row: Option<SessionRow> = super::on_backend!(conn, |c| query.get_result(c).optional())?;
    let Some((user, (stage, second_factor_at, enrolled, organisation_requires, last_seen_at, everywhere))) = row else {
        return Ok(None);
    };
    let (user_id, org_id, organisation_name, role, display_name, email, locale, csrf_token) = user;
    let role = decode("role", &role, Role::parse)?;
    let stored = decode("session stage", &stage, SessionStage::parse)?;
    let required = two_factor::required(role, organisation_requires, everywhere.unwrap_or(false));
    Ok(Some(SessionUser {
        user_id: UserId(user_id),
        organisation_id: OrgId(org_id),
        role,
        organisation_name,
        display_name,
        email,
        locale,
        csrf_token,
        token_hash: token_hash.to_owned(),
        stage: two_factor::effective_stage(stored, required, enrolled),
        second_factor_at,
        last_seen_at,
        enrolled,
    }))
}

/// The person proved again, in this session, that they are who they say (a sensitive action).
pub fn reconfirmed(conn: &mut DbConnection, token_hash: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sessions::table.filter(sessions::token_hash.eq(token_hash)))
        .set(sessions::second_factor_at.eq(Some(now)))
        .execute(conn)
}

/// Records that a session was used now.
pub fn touch(conn: &mut DbConnection, token_hash: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sessions::table.filter(sessions::token_hash.eq(token_hash)))
        .set(sessions::last_seen_at.eq(Some(now)))
        .execute(conn)
}

/// One of a user's live sessions, as they see it in their list.
#[derive(Debug, Clone, Queryable)]
pub struct SessionLine {
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: Option<NaiveDateTime>,
    pub user_agent: Option<String>,
    pub ip_address: Option<String>,
}

/// A user's live sessions, most recently used first.
pub fn live_for_user(
    conn: &mut DbConnection,
    user: UserId,
    now: NaiveDateTime,
    idle: chrono::TimeDelta,
) -> QueryResult<Vec<SessionLine>> {
    sessions::table
        .filter(sessions::user_id.eq(user.0))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - idle))
        .filter(sessions::stage.eq(SessionStage::Full.code()))
        .order(sessions::last_seen_at.desc())
        .select((
            sessions::token_hash,
            sessions::created_at,
            sessions::last_seen_at,
            sessions::user_agent,
            sessions::ip_address,
        ))
        .load(conn)
}

/// Turns a session waiting for a code, or for an enrolment, into a full one until `expires_at`.
pub fn promote(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(sessions::table.filter(sessions::token_hash.eq(token_hash)))
        .set((
            sessions::stage.eq(SessionStage::Full.code()),
            sessions::second_factor_at.eq(Some(now)),
            sessions::expires_at.eq(expires_at),
            sessions::code_attempts.eq(0),
        ))
        .execute(conn)
}

/// Counts a wrong code typed in a session; returns how many there have been.
pub fn count_wrong_code(conn: &mut DbConnection, token_hash: &str) -> QueryResult<i32> {
    diesel::update(sessions::table.filter(sessions::token_hash.eq(token_hash)))
        .set(sessions::code_attempts.eq(sessions::code_attempts + 1))
        .returning(sessions::code_attempts)
        .get_result(conn)
}

pub fn delete(conn: &mut DbConnection, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(conn)
}

/// Forgets a user's expired sessions; called when they sign in, so the table does not grow.
pub fn delete_expired_for_user(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user.0)).filter(sessions::expires_at.le(now)))
        .execute(conn)
}

/// Ends every session of a user (a new password, a role change, a disabled account).
pub fn delete_for_user(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user.0))).execute(conn)
}

/// Ends a user's sessions that still wait for a second-factor code: a new sign-in starts afresh,
/// so a guesser cannot keep many attempts open at once.
pub fn delete_pending_for_user(conn: &mut DbConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user.0))
            .filter(sessions::stage.eq(SessionStage::SecondFactor.code())),
    )
    .execute(conn)
}

/// Ends one session of a user; a hash that is not theirs ends nothing.
pub fn delete_for_user_one(conn: &mut DbConnection, user: UserId, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user.0)).filter(sessions::token_hash.eq(token_hash)))
        .execute(conn)
}

/// Ends every session of a user but `keep` (their current one).
pub fn delete_for_user_except(conn: &mut DbConnection, user: UserId, keep: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user.0)).filter(sessions::token_hash.ne(keep)))
        .execute(conn)
}
