//! The timeline of a case: messages, internal notes and every recorded event, append-only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{case_events, users};
use super::{DbConnection, decode};
pub use crate::domain::event_kind::EventKind;
use crate::domain::ids::{CaseId, UserId};
use crate::domain::role::Role;

/// A new timeline entry. `internal` follows from the kind, so a note can never be stored as shared.
pub struct NewEvent<'a> {
    pub case: CaseId,
    pub actor: UserId,
    pub kind: EventKind,
    pub body: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = case_events)]
struct EventInsert<'a> {
    case_id: i64,
    actor_id: i64,
    kind: &'a str,
    internal: bool,
    body: Option<&'a str>,
    detail: Option<&'a str>,
    created_at: NaiveDateTime,
}

pub fn record(conn: &mut DbConnection, event: &NewEvent<'_>) -> QueryResult<usize> {
    diesel::insert_into(case_events::table)
        .values(EventInsert {
            case_id: event.case.0,
            actor_id: event.actor.0,
            kind: event.kind.code(),
            internal: event.kind.is_internal(),
            body: event.body,
            detail: event.detail,
            created_at: event.at,
        })
        .execute(conn)
}

/// One entry of a timeline with its author's name and role.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub kind: EventKind,
    pub internal: bool,
    pub body: Option<String>,
    pub detail: Option<String>,
    pub at: NaiveDateTime,
    pub actor_name: String,
    pub actor_role: Role,
}

/// Which entries a reader gets: partners never receive internal ones, not even counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Partner,
    Staff,
}

type EntryRow = (
    String,
    bool,
    Option<String>,
    Option<String>,
    NaiveDateTime,
    String,
    String,
);

/// The whole timeline of a case in order, filtered in SQL for the audience.
pub fn timeline(
    conn: &mut DbConnection,
    case: CaseId,
    audience: Audience,
) -> QueryResult<Vec<TimelineEntry>> {
    let mut query = case_events::table
        .inner_join(users::table)
        .filter(case_events::case_id.eq(case.0))
        .order(case_events::id.asc())
        .select((
            case_events::kind,
            case_events::internal,
            case_events::body,
            case_events::detail,
            case_events::created_at,
            users::display_name,
            users::role,
        ))
        .into_boxed();
    if audience == Audience::Partner {
        query = query.filter(case_events::internal.eq(false));
    }
    let rows: Vec<EntryRow> = query.load(conn)?;
    rows.into_iter()
        .map(|(kind, internal, body, detail, at, actor_name, role)| {
            Ok(TimelineEntry {
                kind: decode("event kind", &kind, EventKind::parse)?,
                actor_role: decode("role", &role, Role::parse)?,
                internal,
                body,
                detail,
                at,
                actor_name,
            })
        })
        .collect()
}

/// Counts entries of a kind, for tests and statistics.
pub fn count(conn: &mut DbConnection, case: CaseId, kind: EventKind) -> QueryResult<i64> {
    case_events::table
        .filter(case_events::case_id.eq(case.0))
        .filter(case_events::kind.eq(kind.code()))
        .count()
        .get_result(conn)
}
