//! The timeline of a case: messages, internal notes and every recorded event, append-only.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use super::fragment::sql_expression;
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

/// A `None` is written as NULL rather than left to the column's default, so that the statement
/// is the same whatever is empty and PostgreSQL keeps it prepared.
#[derive(Insertable)]
#[diesel(table_name = case_events, treat_none_as_default_value = false)]
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
    let row = EventInsert {
        case_id: event.case.0,
        actor_id: event.actor.0,
        kind: event.kind.code(),
        internal: event.kind.is_internal(),
        body: event.body,
        detail: event.detail,
        created_at: event.at,
    };
    super::on_backend!(conn, |c| {
        diesel::insert_into(case_events::table).values(&row).returning(case_events::id).get_result(c)
    })
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

type EntryRow = (i64, String, bool, Option<String>, Option<String>, NaiveDateTime, i64, String, String, i64);

/// A case's timeline as `audience` may see it, oldest first, with how many recorded views it
/// leaves out. Folded (the case page's default), a run of views by one staff member appears
/// once, as its first view, and not at all when that person's own action follows it (the
/// action shows they saw the case): the folding happens in SQL, so a case viewed thousands of
/// times costs what its shown entries cost. Every view stays recorded; unfolded shows them all.
pub fn timeline(
    conn: &mut DbConnection,
    case: CaseId,
    audience: Audience,
    folded: bool,
) -> QueryResult<(Vec<TimelineEntry>, usize)> {
    let partner = audience == Audience::Partner;
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
            VisibleCount { case: case.0, partner },
        ))
        .into_boxed();
    if partner {
        query = query.filter(case_events::internal.eq(false));
    }
    if folded {
        query = query.filter(ShownFolded { case: case.0, partner });
    }
    let rows: Vec<EntryRow> = query.load(conn)?;
    let recorded = rows.first().map_or(0, |row| row.9 as usize);
    let entries = rows
        .into_iter()
        .map(|(id, kind, internal, body, detail, at, actor, actor_name, role, _)| {
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
        .collect::<QueryResult<Vec<_>>>()?;
    let left_out = recorded.saturating_sub(entries.len());
    Ok((entries, left_out))
}

/// Every entry of a case its audience may see, folded or not; uncorrelated, so evaluated once.
struct VisibleCount {
    case: i64,
    partner: bool,
}

sql_expression!(VisibleCount: BigInt, |this, out| {
    out.push_sql("(SELECT COUNT(*) FROM case_events WHERE case_id = ");
    out.push_bind_param::<BigInt, _>(&this.case)?;
    if this.partner {
        out.push_sql(" AND internal = FALSE");
    }
    out.push_sql(")");
    Ok(())
});

/// The entries a folded timeline shows. A run's head is an entry that does not repeat the view
/// just before it; a view head is shown unless the next head (what ends the run) is by the same
/// person.
struct ShownFolded {
    case: i64,
    partner: bool,
}

sql_expression!(ShownFolded: Bool, |this, out| {
    out.push_sql(
        "case_events.id IN (SELECT id FROM (\
         SELECT id, kind, actor_id, LEAD(actor_id) OVER (ORDER BY id) AS next_actor FROM (\
         SELECT id, kind, actor_id, CASE WHEN kind = 'viewed' \
         AND LAG(kind) OVER (ORDER BY id) = 'viewed' \
         AND LAG(actor_id) OVER (ORDER BY id) = actor_id THEN 0 ELSE 1 END AS head \
         FROM case_events WHERE case_id = ",
    );
    out.push_bind_param::<BigInt, _>(&this.case)?;
    if this.partner {
        out.push_sql(" AND internal = FALSE");
    }
    out.push_sql(
        ") marked WHERE head = 1) heads \
         WHERE kind <> 'viewed' OR next_actor IS NULL OR next_actor <> actor_id)",
    );
    Ok(())
});
