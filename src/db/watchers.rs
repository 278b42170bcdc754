//! Who watches a case: people who hear about it besides its filer (partner side) or its
//! assignee (platform side). A watcher is only ever counted on their own side, decided in SQL,
//! so a row can never make a case's news reach another organisation.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use super::DbConnection;
use super::cases::Case;
use super::schema::{case_watchers, users};
use crate::domain::case_status::Side;
use crate::domain::ids::{CaseId, UserId};
use crate::domain::role::Role;

/// `user` watches `case` from now on; watching twice is watching once.
pub fn watch(conn: &mut DbConnection, case: CaseId, user: UserId, now: NaiveDateTime) -> QueryResult<()> {
    // A savepoint, so that losing a race to an identical insert leaves the caller's transaction
    // usable (PostgreSQL aborts a transaction on any error otherwise).
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(case_watchers::table)
            .values((
                case_watchers::case_id.eq(case.0),
                case_watchers::user_id.eq(user.0),
                case_watchers::created_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) | Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(()),
        Err(error) => Err(error),
    }
}

/// `user` stops watching `case`.
pub fn unwatch(conn: &mut DbConnection, case: CaseId, user: UserId) -> QueryResult<usize> {
    diesel::delete(case_watchers::table.find((case.0, user.0))).execute(conn)
}

/// The enabled watchers of `case` on `side`, by name: on the partner side only members of the
/// case's organisation, on the platform side only staff.
pub fn watching(conn: &mut DbConnection, case: &Case, side: Side) -> QueryResult<Vec<(UserId, String)>> {
    let query = case_watchers::table
        .inner_join(users::table)
        .filter(case_watchers::case_id.eq(case.id.0))
        .filter(users::disabled_at.is_null())
        .order((users::display_name.asc(), users::id.asc()))
        .select((users::id, users::display_name))
        .into_boxed();
    let query = match side {
        Side::Partner => query.filter(users::organisation_id.eq(case.organisation_id.0)),
        Side::Staff => {
            query.filter(users::role.eq(Role::Liaison.code()).or(users::role.eq(Role::PlatformAdmin.code())))
        }
    };
    let rows: Vec<(i64, String)> = query.load(conn)?;
    Ok(rows.into_iter().map(|(id, name)| (UserId(id), name)).collect())
}
