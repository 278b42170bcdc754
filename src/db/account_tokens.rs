//! Single-use links: setting a password (invitations, resets) and confirming a new email
//! address. Only token hashes are stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{account_tokens, users};
use super::{DbConnection, decode};
use crate::domain::ids::UserId;
use crate::domain::notification::TokenPurpose;

/// A `None` is written as NULL rather than left to the column's default, so that the statement
/// is the same whatever is empty and PostgreSQL keeps it prepared.
#[derive(Insertable)]
#[diesel(table_name = account_tokens, treat_none_as_default_value = false)]
struct TokenInsert<'a> {
    user_id: i64,
    purpose: &'a str,
    token_hash: &'a str,
    expires_at: NaiveDateTime,
    created_at: NaiveDateTime,
    new_email: Option<&'a str>,
}

pub fn create(
    conn: &mut DbConnection,
    user: UserId,
    purpose: TokenPurpose,
    token_hash: &str,
    expires_at: NaiveDateTime,
    new_email: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(account_tokens::table)
        .values(TokenInsert {
            user_id: user.0,
            purpose: purpose.code(),
            token_hash,
            expires_at,
            created_at: now,
            new_email,
        })
        .execute(conn)
}

/// The address an email-change link confirms.
pub fn new_email(conn: &mut DbConnection, id: i64) -> QueryResult<Option<String>> {
    account_tokens::table.find(id).select(account_tokens::new_email).first(conn)
}

/// Uses up every open link of `user` for `purpose`, so only the newest one works.
pub fn withdraw(
    conn: &mut DbConnection,
    user: UserId,
    purpose: TokenPurpose,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        account_tokens::table
            .filter(account_tokens::user_id.eq(user.0))
            .filter(account_tokens::purpose.eq(purpose.code()))
            .filter(account_tokens::used_at.is_null()),
    )
    .set(account_tokens::used_at.eq(Some(now)))
    .execute(conn)
}

/// What a presented token turns out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Usable { id: i64, user: UserId },
    Used,
    Expired,
    Unknown,
}

/// Looks a token up for `purpose`; a token of another purpose is as unknown as a wrong one.
pub fn check(
    conn: &mut DbConnection,
    token_hash: &str,
    purpose: TokenPurpose,
    now: NaiveDateTime,
) -> QueryResult<TokenState> {
    // A disabled account's links are as unknown as wrong ones.
    let row: Option<(i64, i64, String, NaiveDateTime, Option<NaiveDateTime>)> = account_tokens::table
        .inner_join(users::table)
        .filter(account_tokens::token_hash.eq(token_hash))
        .filter(users::disabled_at.is_null())
        .select((
            account_tokens::id,
            account_tokens::user_id,
            account_tokens::purpose,
            account_tokens::expires_at,
            account_tokens::used_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, user, stored_purpose, expires_at, used_at)) = row else { return Ok(TokenState::Unknown) };
    if decode("token purpose", &stored_purpose, TokenPurpose::parse)? != purpose {
        return Ok(TokenState::Unknown);
    }
    Ok(if used_at.is_some() {
        TokenState::Used
    } else if expires_at <= now {
        TokenState::Expired
    } else {
        TokenState::Usable { id, user: UserId(user) }
    })
}

/// Uses a token up; `false` if it was used in the meantime (two tabs, a replay).
pub fn use_up(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let changed = diesel::update(account_tokens::table.find(id).filter(account_tokens::used_at.is_null()))
        .set(account_tokens::used_at.eq(Some(now)))
        .execute(conn)?;
    Ok(changed == 1)
}
