//! Reported items of a case, each with its own decision.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::reported_items;
use super::{DbConnection, decode};
use crate::domain::ids::{CaseId, ItemId, UserId};
use crate::domain::outcome::Outcome;
use crate::domain::reported_item::{ContentType, LocatorKind, NewReportedItem};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reported_items)]
struct ItemRow {
    id: i64,
    position: i32,
    locator_kind: String,
    locator: String,
    content_type: String,
    seen_at: NaiveDateTime,
    outcome: Option<String>,
    reasons: Option<String>,
    automated: Option<bool>,
    decided_at: Option<NaiveDateTime>,
}

/// A reported item and, once decided, its outcome and statement of reasons.
#[derive(Debug, Clone)]
pub struct ReportedItem {
    pub id: ItemId,
    pub position: i32,
    pub locator_kind: LocatorKind,
    pub locator: String,
    pub content_type: ContentType,
    pub seen_at: NaiveDateTime,
    pub outcome: Option<Outcome>,
    pub reasons: Option<String>,
    pub automated: Option<bool>,
    pub decided_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = reported_items)]
struct ItemInsert<'a> {
    case_id: i64,
    position: i32,
    locator_kind: &'a str,
    locator: &'a str,
    content_type: &'a str,
    seen_at: NaiveDateTime,
}

pub fn insert_all(conn: &mut DbConnection, case: CaseId, items: &[NewReportedItem]) -> QueryResult<usize> {
    // One statement per item, kept prepared (a multi-row insert is prepared anew at each
    // execution): a case has at most a few dozen.
    let mut inserted = 0;
    for (item, position) in items.iter().zip(1..) {
        let row = ItemInsert {
            case_id: case.0,
            position,
            locator_kind: item.locator.kind().code(),
            locator: item.locator.as_str(),
            content_type: item.content_type.code(),
            seen_at: item.seen_at,
        };
        inserted += super::on_backend!(conn, |c| diesel::insert_into(reported_items::table).values(&row).execute(c))?;
    }
    Ok(inserted)
}

pub fn for_case(conn: &mut DbConnection, case: CaseId) -> QueryResult<Vec<ReportedItem>> {
    let rows: Vec<ItemRow> = super::on_backend!(conn, |c| reported_items::table
        .filter(reported_items::case_id.eq(case.0))
        .order(reported_items::position.asc())
        .select(ItemRow::as_select())
        .load(c))?;
    rows.into_iter()
        .map(|row| {
            Ok(ReportedItem {
                id: ItemId(row.id),
                position: row.position,
                locator_kind: decode("locator kind", &row.locator_kind, LocatorKind::parse)?,
                content_type: decode("content type", &row.content_type, ContentType::parse)?,
                outcome: row.outcome.as_deref().map(|o| decode("outcome", o, Outcome::parse)).transpose()?,
                locator: row.locator,
                seen_at: row.seen_at,
                reasons: row.reasons,
                automated: row.automated,
                decided_at: row.decided_at,
            })
        })
        .collect()
}

/// The decision on one item of one case; an item of another case is left untouched.
pub struct ItemDecision<'a> {
    pub item: ItemId,
    pub outcome: Outcome,
    pub reasons: &'a str,
    pub automated: bool,
}

pub fn record_decision(
    conn: &mut DbConnection,
    case: CaseId,
    decision: &ItemDecision<'_>,
    by: UserId,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        reported_items::table.filter(reported_items::id.eq(decision.item.0)).filter(reported_items::case_id.eq(case.0)),
    )
    .set((
        reported_items::outcome.eq(Some(decision.outcome.code())),
        reported_items::reasons.eq(Some(decision.reasons)),
        reported_items::automated.eq(Some(decision.automated)),
        reported_items::decided_by.eq(Some(by.0)),
        reported_items::decided_at.eq(Some(at)),
    ))
    .execute(conn)
}
