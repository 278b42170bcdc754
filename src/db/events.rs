//! The timeline of a case: messages, internal notes and every recorded event, append-only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{case_events, users};
use super::{DbConnection, decode};
use crate::domain::audit::AuditAction;
pub use crate::domain::event_kind::EventKind;
use crate::domain::ids::{CaseId, OrgId, UserId};
use crate::domain::role::Role;

/// A new timeline entry. `internal` follows from the kind, so a note can never be stored as shared.
pub struct NewEvent<'a> {
    pub case: CaseId,
    /// The case's organisation, for the audit record every entry also makes.
    pub organisation: OrgId,
    pub actor: UserId,
    /// Where the actor's request came from, for the audit record.
    pub address: Option<&'a str>,
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

/// Appends the entry and its audit record (the kind and the event's code-like detail, never its
/// text); the new entry's id.
pub fn record(conn: &mut DbConnection, event: &NewEvent<'_>) -> QueryResult<i64> {
    let mut entry = super::audit::Entry::new(AuditAction::for_event(event.kind), Some(event.actor), event.address);
    entry.organisation = Some(event.organisation);
    entry.case = Some(event.case);
    entry.internal = event.kind.is_internal();
    entry.at = event.at;
    if matches!(event.kind, EventKind::StatusChanged | EventKind::Decision) {
        // Codes only ("submitted>triaged", "1:removed"): nothing typed by anyone.
        entry.detail = event.detail;
    }
    super::audit::append(conn, &entry)?;
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
        .returning(case_events::id)
        .get_result(conn)
}

/// One entry of a timeline with its author's name and role.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub id: i64,
    pub kind: EventKind,
    pub internal: bool,
    pub body: Option<String>,
    pub detail: Option<String>,
    pub at: NaiveDateTime,
    pub actor: UserId,
    pub actor_name: String,
    pub actor_role: Role,
}

/// Which entries a reader gets: partners never receive internal ones, not even counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Partner,
    Staff,
}

type EntryRow = (i64, String, bool, Option<String>, Option<String>, NaiveDateTime, i64, String, String);

/// The whole timeline of a case in order, filtered in SQL for the audience.
pub fn timeline(conn: &mut DbConnection, case: CaseId, audience: Audience) -> QueryResult<Vec<TimelineEntry>> {
    let mut query = case_events::table
        .inner_join(users::table)
        .filter(case_events::case_id.eq(case.0))
        .order(case_events::id.asc())
        .select((
            case_events::id,
            case_events::kind,
            case_events::internal,
            case_events::body,
            case_events::detail,
            case_events::created_at,
            case_events::actor_id,
            users::display_name,
            users::role,
        ))
        .into_boxed();
    if audience == Audience::Partner {
        query = query.filter(case_events::internal.eq(false));
    }
    let rows: Vec<EntryRow> = query.load(conn)?;
    rows.into_iter()
        .map(|(id, kind, internal, body, detail, at, actor, actor_name, role)| {
            Ok(TimelineEntry {
                id,
                kind: decode("event kind", &kind, EventKind::parse)?,
                actor_role: decode("role", &role, Role::parse)?,
                internal,
                body,
                detail,
                at,
                actor: UserId(actor),
                actor_name,
            })
        })
        .collect()
}

/// The timeline as shown: a run of views by one staff member appears once, and not at all when
/// that person's own action follows it (the action shows they saw the case). Every view stays
/// recorded; `?views=all` shows them all.
pub fn for_display(entries: Vec<TimelineEntry>) -> Vec<TimelineEntry> {
    let mut shown = Vec::with_capacity(entries.len());
    let mut index = 0;
    while index < entries.len() {
        let entry = &entries[index];
        if entry.kind != EventKind::Viewed {
            shown.push(entry.clone());
            index += 1;
            continue;
        }
        let run_end = entries[index..]
            .iter()
            .position(|e| e.kind != EventKind::Viewed || e.actor != entry.actor)
            .map_or(entries.len(), |offset| index + offset);
        let implied = entries.get(run_end).is_some_and(|next| next.actor == entry.actor);
        if !implied {
            shown.push(entry.clone());
        }
        index = run_end;
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: EventKind, actor: i64) -> TimelineEntry {
        TimelineEntry {
            id: 0,
            kind,
            internal: kind.is_internal(),
            body: None,
            detail: None,
            at: NaiveDateTime::default(),
            actor: UserId(actor),
            actor_name: String::new(),
            actor_role: Role::Liaison,
        }
    }

    #[test]
    fn views_implied_by_an_action_or_repeated_are_not_displayed() {
        let timeline = vec![
            entry(EventKind::Filed, 1),
            entry(EventKind::Viewed, 2),
            entry(EventKind::Viewed, 2),
            entry(EventKind::Assigned, 2),
            entry(EventKind::Viewed, 3),
            entry(EventKind::Viewed, 3),
            entry(EventKind::Message, 1),
            entry(EventKind::Viewed, 2),
        ];
        let shown: Vec<(EventKind, i64)> = for_display(timeline).iter().map(|e| (e.kind, e.actor.0)).collect();
        assert_eq!(
            shown,
            vec![
                (EventKind::Filed, 1),
                (EventKind::Assigned, 2),
                (EventKind::Viewed, 3),
                (EventKind::Message, 1),
                (EventKind::Viewed, 2)
            ]
        );
    }
}
