//! The outbox. A row is written in the same transaction as the event it announces; the worker
//! claims due rows with a lease (an atomic update, so one instance among several delivers each),
//! sends, and records the outcome.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{cases, notifications, users};
use super::{DbConnection, decode};
use crate::domain::category::Category;
use crate::domain::ids::{CaseId, UserId};
use crate::domain::notification::{DeliveryStatus, NotificationKind};

/// A `None` is written as NULL, not left to the column's default: so many rows go in one
/// statement on SQLite too.
#[derive(Insertable)]
#[diesel(table_name = notifications, treat_none_as_default_value = false)]
struct NotificationInsert<'a> {
    secret: Option<&'a str>,
    to_address: Option<&'a str>,
    recipient_id: i64,
    case_id: Option<i64>,
    kind: &'a str,
    urgent: bool,
    status: &'a str,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

/// Queues one email per recipient, in the caller's transaction: one statement for up to
/// `ROWS_PER_INSERT` recipients, however many liaisons hear of a case.
pub fn enqueue(
    conn: &mut DbConnection,
    recipients: &[UserId],
    case: Option<CaseId>,
    kind: NotificationKind,
    urgent: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let mut queued = 0;
    for chunk in recipients.chunks(super::ROWS_PER_INSERT) {
        let rows: Vec<NotificationInsert<'_>> = chunk
            .iter()
            .map(|recipient| NotificationInsert {
                secret: None,
                to_address: None,
                recipient_id: recipient.0,
                case_id: case.map(|c| c.0),
                kind: kind.code(),
                urgent,
                status: DeliveryStatus::Pending.code(),
                next_attempt_at: now,
                created_at: now,
            })
            .collect();
        queued += super::insert_many!(conn, notifications::table, &rows)?;
    }
    Ok(queued)
}

/// Queues a security email whose link carries `secret` (a single-use token), to `to_address`
/// instead of the account's address when given (a new address to confirm, an old one to warn).
/// The secret stays in the outbox only until the email is sent or given up.
pub fn enqueue_secret(
    conn: &mut DbConnection,
    recipient: UserId,
    kind: NotificationKind,
    secret: Option<&str>,
    to_address: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(notifications::table)
        .values(NotificationInsert {
            secret,
            to_address,
            recipient_id: recipient.0,
            case_id: None,
            kind: kind.code(),
            urgent: false,
            status: DeliveryStatus::Pending.code(),
            next_attempt_at: now,
            created_at: now,
        })
        .execute(conn)
}

/// Pending notifications whose time has come and that no worker holds, oldest first.
pub fn due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<i64>> {
    notifications::table
        .filter(notifications::status.eq(DeliveryStatus::Pending.code()))
        .filter(notifications::next_attempt_at.le(now))
        .filter(notifications::leased_until.is_null().or(notifications::leased_until.lt(now)))
        .order(notifications::id.asc())
        .select(notifications::id)
        .limit(limit)
        .load(conn)
}

/// Takes the notifications among `ids` that are still pending and not leased for delivery until
/// `until`, in one statement; returns those this worker got (another may have taken some first).
pub fn claim(conn: &mut DbConnection, ids: &[i64], now: NaiveDateTime, until: NaiveDateTime) -> QueryResult<Vec<i64>> {
    diesel::update(
        notifications::table
            .filter(notifications::id.eq_any(ids))
            .filter(notifications::status.eq(DeliveryStatus::Pending.code()))
            .filter(notifications::leased_until.is_null().or(notifications::leased_until.lt(now))),
    )
    .set(notifications::leased_until.eq(Some(until)))
    .returning(notifications::id)
    .get_results(conn)
}

/// Everything an email may say: who it goes to and which case, never what the case contains.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: i64,
    pub kind: NotificationKind,
    pub urgent: bool,
    pub attempts: i32,
    /// Where the email goes: the account's address, or the one the notification names.
    pub email: String,
    /// The account's address now.
    pub account_email: String,
    pub display_name: String,
    pub locale: Option<String>,
    pub reference: Option<String>,
    pub category: Option<Category>,
    /// The single-use token of a security email.
    pub secret: Option<String>,
    /// What a daily summary lists; empty for every other kind.
    pub digest: Vec<super::digests::DigestLine>,
}

type OutgoingRow = (
    i64,
    String,
    bool,
    i32,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// What each of `ids` says and to whom, in the order of `ids`'s numbers; one statement (and one
/// more per daily summary, for its lines).
pub fn outgoing(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Outgoing>> {
    let rows: Vec<OutgoingRow> = notifications::table
        .inner_join(users::table)
        .left_join(cases::table)
        .filter(notifications::id.eq_any(ids))
        .order(notifications::id.asc())
        .select((
            notifications::id,
            notifications::kind,
            notifications::urgent,
            notifications::attempts,
            users::email,
            notifications::to_address,
            users::display_name,
            users::locale,
            cases::reference.nullable(),
            cases::category.nullable(),
            notifications::secret,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(
                id,
                kind,
                urgent,
                attempts,
                account_email,
                to_address,
                display_name,
                locale,
                reference,
                category,
                secret,
            )| {
                let kind = decode("notification kind", &kind, NotificationKind::parse)?;
                let digest =
                    if kind == NotificationKind::Digest { super::digests::lines(conn, id)? } else { Vec::new() };
                Ok(Outgoing {
                    id,
                    kind,
                    category: category.as_deref().map(|c| decode("category", c, Category::parse)).transpose()?,
                    urgent,
                    attempts,
                    email: to_address.unwrap_or_else(|| account_email.clone()),
                    account_email,
                    display_name,
                    locale,
                    reference,
                    secret,
                    digest,
                })
            },
        )
        .collect()
}

/// Records `ids` as sent, in one statement.
pub fn mark_sent(conn: &mut DbConnection, ids: &[i64], now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(notifications::table.filter(notifications::id.eq_any(ids)))
        .set((
            notifications::status.eq(DeliveryStatus::Sent.code()),
            notifications::attempts.eq(notifications::attempts + 1),
            notifications::sent_at.eq(Some(now)),
            notifications::leased_until.eq(None::<NaiveDateTime>),
            notifications::last_error.eq(None::<String>),
            notifications::secret.eq(None::<String>),
        ))
        .execute(conn)
}

/// Records a failed attempt: tried again at `retry_at`, or given up for good with `None`.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    let status = if retry_at.is_some() { DeliveryStatus::Pending } else { DeliveryStatus::Failed };
    let target = notifications::table.find(id);
    let common = (
        notifications::status.eq(status.code()),
        notifications::attempts.eq(notifications::attempts + 1),
        notifications::leased_until.eq(None::<NaiveDateTime>),
        notifications::last_error.eq(Some(error)),
    );
    match retry_at {
        Some(at) => diesel::update(target).set((common, notifications::next_attempt_at.eq(at))).execute(conn),
        // Given up: a token nobody will receive is forgotten with it.
        None => diesel::update(target).set((common, notifications::secret.eq(None::<String>))).execute(conn),
    }
}

/// How many notifications stand in each state.
pub fn count(conn: &mut DbConnection, status: DeliveryStatus) -> QueryResult<i64> {
    notifications::table.filter(notifications::status.eq(status.code())).count().get_result(conn)
}

/// One line of the outbox as admins see it.
#[derive(Debug, Clone)]
pub struct OutboxLine {
    pub id: i64,
    pub kind: NotificationKind,
    pub status: DeliveryStatus,
    pub recipient: String,
    pub reference: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

type OutboxRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i32,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

/// The latest notifications in `status`, newest first.
pub fn latest(conn: &mut DbConnection, status: DeliveryStatus, limit: i64) -> QueryResult<Vec<OutboxLine>> {
    let rows: Vec<OutboxRow> = notifications::table
        .inner_join(users::table)
        .left_join(cases::table)
        .filter(notifications::status.eq(status.code()))
        .order(notifications::id.desc())
        .limit(limit)
        .select((
            notifications::id,
            notifications::kind,
            notifications::status,
            users::email,
            notifications::to_address,
            cases::reference.nullable(),
            notifications::attempts,
            notifications::last_error,
            notifications::next_attempt_at,
            notifications::created_at,
            notifications::sent_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(
                id,
                kind,
                status,
                account_email,
                to_address,
                reference,
                attempts,
                last_error,
                next_attempt_at,
                created_at,
                sent_at,
            )| {
                Ok(OutboxLine {
                    id,
                    kind: decode("notification kind", &kind, NotificationKind::parse)?,
                    status: decode("delivery status", &status, DeliveryStatus::parse)?,
                    recipient: to_address.unwrap_or(account_email),
                    reference,
                    attempts,
                    last_error,
                    next_attempt_at,
                    created_at,
                    sent_at,
                })
            },
        )
        .collect()
}

/// Puts failed notifications back in the queue now (one, or all with `None`); returns how many.
pub fn retry_failed(conn: &mut DbConnection, id: Option<i64>, now: NaiveDateTime) -> QueryResult<usize> {
    let mut query = diesel::update(notifications::table)
        .filter(notifications::status.eq(DeliveryStatus::Failed.code()))
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(notifications::id.eq(id));
    }
    query
        .set((
            notifications::status.eq(DeliveryStatus::Pending.code()),
            notifications::attempts.eq(0),
            notifications::next_attempt_at.eq(now),
        ))
        .execute(conn)
}
