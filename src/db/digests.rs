//! Daily summaries. An entry is written, instead of an email, in the transaction of the event it
//! reports; at the digest hour each reader's waiting entries are bundled into one `digest`
//! notification, which the outbox then delivers like any other email.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{cases, digest_entries, notifications, users};
use super::{DbConnection, decode};
use crate::domain::category::Category;
use crate::domain::ids::{CaseId, UserId};
use crate::domain::notification::{DeliveryStatus, NotificationKind};

/// Holds one entry per reader for their next summary, in the caller's transaction.
pub fn hold(
    conn: &mut DbConnection,
    readers: &[UserId],
    case: CaseId,
    kind: NotificationKind,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut held = 0;
    for chunk in readers.chunks(super::ROWS_PER_INSERT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|reader| {
                (
                    digest_entries::recipient_id.eq(reader.0),
                    digest_entries::case_id.eq(case.0),
                    digest_entries::kind.eq(kind.code()),
                    digest_entries::created_at.eq(now),
                )
            })
            .collect();
        held += super::insert_many!(conn, digest_entries::table, &rows)?;
    }
    Ok(held)
}

/// Enabled readers with entries recorded before `cutoff` and not yet in a summary.
pub fn due_readers(conn: &mut DbConnection, cutoff: NaiveDateTime, limit: i64) -> QueryResult<Vec<UserId>> {
    // A disabled reader's entries wait: they are sent only if the account is enabled again.
    let ids: Vec<i64> = digest_entries::table
        .inner_join(users::table.on(users::id.eq(digest_entries::recipient_id)))
        .filter(users::disabled_at.is_null())
        .filter(digest_entries::digest_id.is_null())
        .filter(digest_entries::created_at.lt(cutoff))
        .select(digest_entries::recipient_id)
        .distinct()
        .limit(limit)
        .load(conn)?;
    Ok(ids.into_iter().map(UserId).collect())
}

/// Bundles `reader`'s entries recorded before `cutoff` into one summary email, in the caller's
/// transaction. Another instance may have bundled them first: then this fails with
/// `RollbackTransaction`, so the caller's transaction leaves nothing behind.
pub fn bundle(conn: &mut DbConnection, reader: UserId, cutoff: NaiveDateTime, now: NaiveDateTime) -> QueryResult<i64> {
    let digest: i64 = diesel::insert_into(notifications::table)
        .values((
            notifications::recipient_id.eq(reader.0),
            notifications::kind.eq(NotificationKind::Digest.code()),
            notifications::urgent.eq(false),
            notifications::status.eq(DeliveryStatus::Pending.code()),
            notifications::next_attempt_at.eq(now),
            notifications::created_at.eq(now),
        ))
        .returning(notifications::id)
        .get_result(conn)?;
    let bundled = diesel::update(
        digest_entries::table
            .filter(digest_entries::recipient_id.eq(reader.0))
            .filter(digest_entries::digest_id.is_null())
            .filter(digest_entries::created_at.lt(cutoff)),
    )
    .set(digest_entries::digest_id.eq(Some(digest)))
    .execute(conn)?;
    if bundled == 0 {
        return Err(diesel::result::Error::RollbackTransaction);
    }
    Ok(digest)
}

/// One case in a summary: what happened to it since the last one, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestLine {
    pub reference: String,
    pub category: Category,
    pub kinds: Vec<(NotificationKind, usize)>,
}

/// The lines of summary `digest`, one per case in the order of its first entry. Only the
/// reference, the category and the kinds of event: never case content.
pub fn lines(conn: &mut DbConnection, digest: i64) -> QueryResult<Vec<DigestLine>> {
    let rows: Vec<(String, String, String)> = digest_entries::table
        .inner_join(cases::table)
        .filter(digest_entries::digest_id.eq(digest))
        .order(digest_entries::id.asc())
        .select((cases::reference, cases::category, digest_entries::kind))
        .load(conn)?;
    let mut lines: Vec<DigestLine> = Vec::new();
    for (reference, category, kind) in rows {
        let kind = decode("notification kind", &kind, NotificationKind::parse)?;
        if !lines.iter().any(|line| line.reference == reference) {
            let category = decode("category", &category, Category::parse)?;
            lines.push(DigestLine { reference: reference.clone(), category, kinds: Vec::new() });
        }
        let Some(line) = lines.iter_mut().find(|line| line.reference == reference) else { continue };
        match line.kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, count)) => *count += 1,
            None => line.kinds.push((kind, 1)),
        }
    }
    Ok(lines)
}
