//! Users of every organisation, with their role and password hash.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::fragment::IdIn;
use super::schema::{account_tokens, organisations, sessions, users};
use super::{DbConnection, decode};
use crate::domain::category::Category;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::notification::NotificationKind;
use crate::domain::role::Role;

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub organisation_id: i64,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub locale: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

/// What signing in needs: the hash to check and whether the account may sign in.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct Credentials {
    pub id: i64,
    pub organisation_id: i64,
    pub password_hash: String,
    pub disabled_at: Option<NaiveDateTime>,
}

/// A user as listed for admins.
#[derive(Debug, Clone)]
pub struct UserSummary {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation: String,
    pub disabled: bool,
    /// They sign in with a second factor.
    pub two_factor: bool,
}

pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>) -> QueryResult<UserId> {
    diesel::insert_into(users::table).values(new).returning(users::id).get_result(conn).map(UserId)
}

pub fn credentials(conn: &mut DbConnection, email: &str) -> QueryResult<Option<Credentials>> {
    users::table.filter(users::email.eq(email)).select(Credentials::as_select()).first(conn).optional()
}

pub fn email_taken(conn: &mut DbConnection, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::email.eq(email)))).get_result(conn)
}

/// id, email, name, role, organisation, disabled at, has a second factor.
type UserRow = (i64, String, String, String, String, Option<NaiveDateTime>, bool);

/// The columns of a `UserRow`, for every query that lists people.
macro_rules! summary_columns {
    () => {
        (
            users::id,
            users::email,
            users::display_name,
            users::role,
            organisations::name,
            users::disabled_at,
            users::totp_secret.is_not_null(),
        )
    };
}

/// Users with their organisation's name: every one (platform admins), or one organisation's
/// (a partner admin's team), filtered in SQL.
pub fn list(conn: &mut DbConnection, organisation: Option<OrgId>) -> QueryResult<Vec<UserSummary>> {
    let mut query = users::table
        .inner_join(organisations::table)
        .filter(users::deleted_at.is_null())
        .order((organisations::name.asc(), users::display_name.asc()))
        .select(summary_columns!())
        .into_boxed();
    if let Some(org) = organisation {
        query = query.filter(users::organisation_id.eq(org.0));
    }
    let rows: Vec<UserRow> = query.load(conn)?;
    rows.into_iter().map(summary_of).collect()
}

fn summary_of(row: UserRow) -> QueryResult<UserSummary> {
    let (id, email, display_name, role, organisation, disabled_at, two_factor) = row;
    Ok(UserSummary {
        id: UserId(id),
        role: decode("role", &role, Role::parse)?,
        email,
        display_name,
        organisation,
        disabled: disabled_at.is_some(),
        two_factor,
    })
}

/// One person as an admin sees them, with their organisation's id and kind; only within
/// `organisation` when given (a partner admin's own). Deleted people are not found.
pub fn person(
    conn: &mut DbConnection,
    id: UserId,
    organisation: Option<OrgId>,
) -> QueryResult<Option<(UserSummary, OrgId, crate::domain::role::OrgKind)>> {
    let mut query = users::table
        .inner_join(organisations::table)
        .filter(users::id.eq(id.0))
        .filter(users::deleted_at.is_null())
        .select((summary_columns!(), organisations::id, organisations::kind))
        .into_boxed();
    if let Some(org) = organisation {
        query = query.filter(users::organisation_id.eq(org.0));
    }
    let Some((row, org_id, kind)) = query.first::<(UserRow, i64, String)>(conn).optional()? else {
        return Ok(None);
    };
    Ok(Some((
        summary_of(row)?,
        OrgId(org_id),
        decode("organisation kind", &kind, crate::domain::role::OrgKind::parse)?,
    )))
}

/// Changes a role if it still is `from`, and ends every session of the person: whatever they
/// could do a moment ago is decided afresh at their next sign-in.
pub fn change_role(conn: &mut DbConnection, id: UserId, from: Role, to: Role) -> QueryResult<bool> {
    let changed = diesel::update(users::table.find(id.0).filter(users::role.eq(from.code())))
        .set(users::role.eq(to.code()))
        .execute(conn)?;
    if changed == 1 {
        diesel::delete(sessions::table.filter(sessions::user_id.eq(id.0))).execute(conn)?;
    }
    Ok(changed == 1)
}

/// Staff who can be assigned a case, by name.
pub fn assignable_staff(conn: &mut DbConnection) -> QueryResult<Vec<(UserId, String)>> {
    // Two comparisons rather than `eq_any`, whose statement diesel cannot keep prepared.
    let rows: Vec<(i64, String)> = users::table
        .filter(users::role.eq(Role::Liaison.code()).or(users::role.eq(Role::PlatformAdmin.code())))
        .filter(users::disabled_at.is_null())
        .order(users::display_name.asc())
        .select((users::id, users::display_name))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, name)| (UserId(id), name)).collect())
}

/// Whether `id` is an active staff member (a valid assignee).
pub fn is_active_staff(conn: &mut DbConnection, id: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table
            .filter(users::id.eq(id.0))
            .filter(users::role.eq(Role::Liaison.code()).or(users::role.eq(Role::PlatformAdmin.code())))
            .filter(users::disabled_at.is_null()),
    ))
    .get_result(conn)
}

/// Disables a user and ends every session they have, in the caller's transaction.
pub fn disable(conn: &mut DbConnection, id: UserId, at: NaiveDateTime, by: UserId) -> QueryResult<usize> {
    let changed = diesel::update(users::table.find(id.0).filter(users::disabled_at.is_null()))
        .set((users::disabled_at.eq(Some(at)), users::disabled_by.eq(Some(by.0))))
        .execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::user_id.eq(id.0))).execute(conn)?;
    // Links sent before the account was disabled no longer work.
    diesel::update(
        account_tokens::table.filter(account_tokens::user_id.eq(id.0)).filter(account_tokens::used_at.is_null()),
    )
    .set(account_tokens::used_at.eq(Some(at)))
    .execute(conn)?;
    Ok(changed)
}

/// Enables a disabled user; a deleted one stays deleted (0 rows).
pub fn enable(conn: &mut DbConnection, id: UserId) -> QueryResult<usize> {
    diesel::update(users::table.find(id.0).filter(users::deleted_at.is_null()))
        .set((users::disabled_at.eq(None::<NaiveDateTime>), users::disabled_by.eq(None::<i64>)))
        .execute(conn)
}

/// The organisation of whoever disabled this user, if they are disabled.
pub fn disabled_by_organisation(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<OrgId>> {
    let by: Option<Option<i64>> = users::table.find(id.0).select(users::disabled_by).first(conn).optional()?;
    match by.flatten() {
        Some(by) => organisation_of(conn, UserId(by)),
        None => Ok(None),
    }
}

pub fn set_password(conn: &mut DbConnection, id: UserId, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id.0)).set(users::password_hash.eq(hash)).execute(conn)
}

pub fn set_locale(conn: &mut DbConnection, id: UserId, locale: Option<&str>) -> QueryResult<usize> {
    diesel::update(users::table.find(id.0)).set(users::locale.eq(locale)).execute(conn)
}

pub fn organisation_of(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<OrgId>> {
    users::table.find(id.0).select(users::organisation_id).first(conn).optional().map(|o| o.map(OrgId))
}

/// `users.id` is one of `ids`, in a statement kept prepared however many they are.
fn among(conn: &DbConnection, ids: &[UserId]) -> IdIn<users::id> {
    IdIn::new(conn, users::id, ids.iter().map(|id| id.0))
}

/// Display names of the given users, in one query.
pub fn names(conn: &mut DbConnection, ids: &[UserId]) -> QueryResult<std::collections::HashMap<UserId, String>> {
    let listed = among(conn, ids);
    let rows: Vec<(i64, String)> =
        super::on_backend!(conn, |c| users::table.filter(listed).select((users::id, users::display_name)).load(c))?;
    Ok(rows.into_iter().map(|(id, name)| (UserId(id), name)).collect())
}

/// Enabled liaisons: who hears of new cases and of partner activity on unassigned ones.
pub fn active_liaisons(conn: &mut DbConnection) -> QueryResult<Vec<UserId>> {
    let ids: Vec<i64> = users::table
        .filter(users::role.eq(Role::Liaison.code()))
        .filter(users::disabled_at.is_null())
        .order(users::id.asc())
        .select(users::id)
        .load(conn)?;
    Ok(ids.into_iter().map(UserId).collect())
}

/// Those of `ids` who did not turn off emails of `kind`.
pub fn wanting(conn: &mut DbConnection, ids: &[UserId], kind: NotificationKind) -> QueryResult<Vec<UserId>> {
    let listed = among(conn, ids);
    let wanted: Vec<i64> = users::table
        .filter(listed)
        .filter(users::muted_notifications.not_like(format!("%,{},%", kind.code())))
        .order(users::id.asc())
        .select(users::id)
        .load(conn)?;
    Ok(wanted.into_iter().map(UserId).collect())
}

/// Those of `ids` who take case emails in a daily summary.
pub fn daily_readers(conn: &mut DbConnection, ids: &[UserId]) -> QueryResult<Vec<UserId>> {
    let listed = among(conn, ids);
    let daily: Vec<i64> = users::table
        .filter(listed)
        .filter(users::daily_digest.eq(true))
        .order(users::id.asc())
        .select(users::id)
        .load(conn)?;
    Ok(daily.into_iter().map(UserId).collect())
}

/// Whether a user takes case emails in a daily summary.
pub fn takes_daily_digest(conn: &mut DbConnection, id: UserId) -> QueryResult<bool> {
    users::table.find(id.0).select(users::daily_digest).first(conn)
}

pub fn set_daily_digest(conn: &mut DbConnection, id: UserId, daily: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id.0)).set(users::daily_digest.eq(daily)).execute(conn)
}

/// The kinds of email a user turned off.
pub fn muted(conn: &mut DbConnection, id: UserId) -> QueryResult<Vec<NotificationKind>> {
    let stored: String = users::table.find(id.0).select(users::muted_notifications).first(conn)?;
    Ok(stored.split(',').filter_map(NotificationKind::parse).collect())
}

/// Replaces the kinds of email a user turned off (security kinds are never stored).
pub fn set_muted(conn: &mut DbConnection, id: UserId, kinds: &[NotificationKind]) -> QueryResult<usize> {
    let codes: Vec<&str> = kinds.iter().filter(|k| !k.is_security()).map(|k| k.code()).collect();
    let stored = if codes.is_empty() { String::new() } else { format!(",{},", codes.join(",")) };
    diesel::update(users::table.find(id.0)).set(users::muted_notifications.eq(stored)).execute(conn)
}

/// Enabled liaisons who follow `category` (following none in particular means following all).
pub fn liaisons_following(conn: &mut DbConnection, category: Category) -> QueryResult<Vec<UserId>> {
    let ids: Vec<i64> = users::table
        .filter(users::role.eq(Role::Liaison.code()))
        .filter(users::disabled_at.is_null())
        .filter(
            users::followed_categories.eq("").or(users::followed_categories.like(format!("%,{},%", category.code()))),
        )
        .order(users::id.asc())
        .select(users::id)
        .load(conn)?;
    Ok(ids.into_iter().map(UserId).collect())
}

/// The categories a liaison follows; empty means all.
pub fn followed(conn: &mut DbConnection, id: UserId) -> QueryResult<Vec<Category>> {
    let stored: String = users::table.find(id.0).select(users::followed_categories).first(conn)?;
    Ok(Category::parse_list(&stored))
}

/// Replaces the categories a liaison follows; all of them, or none, is stored as "all".
pub fn set_followed(conn: &mut DbConnection, id: UserId, categories: &[Category]) -> QueryResult<usize> {
    let all = categories.is_empty() || categories.len() == Category::ALL.len();
    let stored = if all {
        String::new()
    } else {
        format!(",{},", categories.iter().map(|c| c.code()).collect::<Vec<_>>().join(","))
    };
    diesel::update(users::table.find(id.0)).set(users::followed_categories.eq(stored)).execute(conn)
}

/// A user's email address.
pub fn email(conn: &mut DbConnection, id: UserId) -> QueryResult<String> {
    users::table.find(id.0).select(users::email).first(conn)
}

/// Changes a user's email address; `false` if another account has it (even one created at
/// the same moment: the unique index decides, inside a savepoint so the caller's transaction
/// stays usable).
pub fn set_email(conn: &mut DbConnection, id: UserId, email: &str) -> QueryResult<bool> {
    if email_taken(conn, email)? {
        return Ok(false);
    }
    let changed =
        conn.transaction(|conn| diesel::update(users::table.find(id.0)).set(users::email.eq(email)).execute(conn));
    match changed {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(error) => Err(error),
    }
}

/// The password hash of a user, to check their current password before changing it.
pub fn password_hash(conn: &mut DbConnection, id: UserId) -> QueryResult<String> {
    users::table.find(id.0).select(users::password_hash).first(conn)
}

/// The enabled users among `ids`.
pub fn active_among(conn: &mut DbConnection, ids: &[UserId]) -> QueryResult<Vec<UserId>> {
    let listed = among(conn, ids);
    let active: Vec<i64> = users::table
        .filter(listed)
        .filter(users::disabled_at.is_null())
        .order(users::id.asc())
        .select(users::id)
        .load(conn)?;
    Ok(active.into_iter().map(UserId).collect())
}
