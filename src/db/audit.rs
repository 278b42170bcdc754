//! The audit trail: appending a record inside the action's own transaction, sealing it onto the
//! chain, reading pages of it for the people who may, and verifying the whole chain.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::fragment::Statement;
use super::schema::{audit_head, audit_log, audit_pending, cases, organisations, users};
use super::{Db, DbConnection};
use crate::domain::audit::{AuditAction, AuditRecord, Break, Verifier};
use crate::domain::ids::{CaseId, OrgId, UserId};
use diesel::sql_types::{BigInt, Text, Untyped};

/// What happened, by whom, about what: the caller's part of a record.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub action: AuditAction,
    pub actor: Option<UserId>,
    /// The organisation the record is about; its partner admins may read it unless `internal`.
    pub organisation: Option<OrgId>,
    pub case: Option<CaseId>,
    /// The user acted upon (invited, disabled, whose sign-in failed).
    pub subject: Option<UserId>,
    pub internal: bool,
    /// A short code-like detail; never free text from a case.
    pub detail: Option<&'a str>,
    pub address: Option<&'a str>,
    pub at: NaiveDateTime,
}

impl<'a> Entry<'a> {
    /// A record of `action` by `actor` at this moment, about nothing else yet.
    pub fn new(action: AuditAction, actor: Option<UserId>, address: Option<&'a str>) -> Entry<'a> {
        Entry {
            action,
            actor,
            organisation: None,
            case: None,
            subject: None,
            internal: false,
            detail: None,
            address,
            at: super::now(),
        }
    }

    pub fn organisation(self, organisation: OrgId) -> Self {
        Entry { organisation: Some(organisation), ..self }
    }

    pub fn subject(self, subject: UserId) -> Self {
        Entry { subject: Some(subject), ..self }
    }

    pub fn detail(self, detail: &'a str) -> Self {
        Entry { detail: Some(detail), ..self }
    }
}

/// A record before it has its place on the chain: what `Entry` said, owned.
type Unchained =
    (NaiveDateTime, Option<i64>, Option<i64>, Option<i64>, Option<i64>, String, bool, Option<String>, Option<String>);

/// Appends one record, in the caller's transaction: a rolled-back action leaves no record.
///
/// On SQLite, where one writer runs at a time anyway, the record takes its place on the chain
/// at once. On PostgreSQL it waits in `audit_pending`, so that actions on different cases run
/// side by side instead of each holding the chain's head until it commits; `AppState::tx_in`
/// seals it right after the commit, and the server's sealer what a crash between the two left
/// waiting.
pub fn append(conn: &mut DbConnection, entry: &Entry<'_>) -> QueryResult<()> {
    let record: Unchained = (
        entry.at,
        entry.actor.map(|id| id.0),
        entry.organisation.map(|id| id.0),
        entry.case.map(|id| id.0),
        entry.subject.map(|id| id.0),
        entry.action.code().to_owned(),
        entry.internal,
        entry.detail.map(str::to_owned),
        entry.address.map(str::to_owned),
    );
    match conn {
        DbConnection::Sqlite(_) => chain(conn, record, None),
        DbConnection::Postgres(_) => {
            let (at, actor_id, organisation_id, case_id, subject_id, action, internal, detail, address) = record;
            diesel::insert_into(audit_pending::table)
                .values((
                    audit_pending::at.eq(at),
                    audit_pending::actor_id.eq(actor_id),
                    audit_pending::organisation_id.eq(organisation_id),
                    audit_pending::case_id.eq(case_id),
                    audit_pending::subject_id.eq(subject_id),
                    audit_pending::action.eq(action),
                    audit_pending::internal.eq(internal),
                    audit_pending::detail.eq(detail),
                    audit_pending::address.eq(address),
                ))
                .execute(conn)?;
            Ok(())
        }
    }
}

/// Puts a record at the head of the chain (from the waiting one `sealed_from`, if any). Taking
/// the next number updates the head row first, which holds its lock until the transaction ends:
/// the chain has no fork.
fn chain(conn: &mut DbConnection, record: Unchained, sealed_from: Option<i64>) -> QueryResult<()> {
    let (id, prev_hash): (i64, String) = Statement::<(BigInt, Text)>::new(
        &["UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, last_hash"],
        Vec::new(),
    )
    .get_result(conn)?;
    let record = chained(id, record, prev_hash);
    let hash = record.hash();
    let row = (
        audit_log::id.eq(record.id),
        audit_log::at.eq(record.at),
        audit_log::actor_id.eq(record.actor_id),
        audit_log::organisation_id.eq(record.organisation_id),
        audit_log::case_id.eq(record.case_id),
        audit_log::subject_id.eq(record.subject_id),
        audit_log::action.eq(&record.action),
        audit_log::internal.eq(record.internal),
        audit_log::detail.eq(&record.detail),
        audit_log::address.eq(&record.address),
        audit_log::prev_hash.eq(&record.prev_hash),
        audit_log::hash.eq(&hash),
        audit_log::sealed_from.eq(sealed_from),
    );
    super::on_backend!(conn, |c| diesel::insert_into(audit_log::table).values(&row).execute(c))?;
    Statement::<Untyped>::new(&["UPDATE audit_head SET last_hash = ", " WHERE id = 1"], vec![hash]).execute(conn)?;
    Ok(())
}

/// The most waiting records one sealing transaction moves.
const SEAL_BATCH: i64 = 500;

/// Moves every waiting record onto the chain (see `seal_batch`); how many.
pub fn seal(conn: &mut DbConnection) -> QueryResult<usize> {
    let mut sealed = 0;
    loop {
        let moved = seal_batch(conn)?;
        sealed += moved;
        if (moved as i64) < SEAL_BATCH {
            return Ok(sealed);
        }
    }
}

/// Moves up to `SEAL_BATCH` waiting records onto the chain, in one transaction of its own (not
/// the caller's); how many. They go in the order of their numbers, so an action that committed
/// before another began is chained first. Sealers take turns on a lock of their own (see
/// `db::lock_for_sealing`), not on the head row: one that finds everything sealed by the one
/// before it writes nothing, so it waits for no disk. Cheap when nothing waits: one read.
pub fn seal_batch(conn: &mut DbConnection) -> QueryResult<usize> {
    use diesel::dsl::{exists, select};
    if !select(exists(audit_pending::table.select(audit_pending::id))).get_result::<bool>(conn)? {
        return Ok(0);
    }
    conn.transaction(|conn| {
        super::lock_for_sealing(conn)?;
        // Read after the lock, so what the sealer before this one moved is seen as moved.
        let waiting: Vec<(i64, Unchained)> = audit_pending::table
            .order(audit_pending::id.asc())
            .limit(SEAL_BATCH)
            .select((
                audit_pending::id,
                (
                    audit_pending::at,
                    audit_pending::actor_id,
                    audit_pending::organisation_id,
                    audit_pending::case_id,
                    audit_pending::subject_id,
                    audit_pending::action,
                    audit_pending::internal,
                    audit_pending::detail,
                    audit_pending::address,
                ),
            ))
            .load(conn)?;
        let ids: Vec<i64> = waiting.iter().map(|(id, _)| *id).collect();
        for (id, record) in waiting {
            chain(conn, record, Some(id))?;
        }
        diesel::delete(audit_pending::table.filter(audit_pending::id.eq_any(&ids))).execute(conn)?;
        Ok(ids.len())
    })
}

/// How many records wait to be sealed.
pub fn waiting(conn: &mut DbConnection) -> QueryResult<i64> {
    audit_pending::table.count().get_result(conn)
}

/// A record as it stands on the chain: number `id`, after the record whose hash is `prev_hash`.
fn chained(id: i64, record: Unchained, prev_hash: String) -> AuditRecord {
    let (at, actor_id, organisation_id, case_id, subject_id, action, internal, detail, address) = record;
    AuditRecord { id, at, actor_id, organisation_id, case_id, subject_id, action, internal, detail, address, prev_hash }
}

/// A stored record: its number, what it says, the hash before it and its own.
type RecordRow = (i64, Unchained, String, String);

fn record_of((id, record, prev_hash, hash): RecordRow) -> (AuditRecord, String) {
    (chained(id, record, prev_hash), hash)
}

macro_rules! record_columns {
    () => {
        (
            audit_log::id,
            (
                audit_log::at,
                audit_log::actor_id,
                audit_log::organisation_id,
                audit_log::case_id,
                audit_log::subject_id,
                audit_log::action,
                audit_log::internal,
                audit_log::detail,
                audit_log::address,
            ),
            audit_log::prev_hash,
            audit_log::hash,
        )
    };
}

/// Recomputes the whole chain in order, a batch at a time; the first broken link, or the
/// number of records that hold and the last one's hash.
pub fn verify(conn: &mut DbConnection) -> QueryResult<Result<(i64, String), Break>> {
    // One snapshot for the records and the head, so that a record sealed meanwhile is not
    // taken for a broken head.
    conn.transaction(|conn| {
        if let DbConnection::Postgres(c) = conn {
            diesel::connection::SimpleConnection::batch_execute(
                c,
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            )?;
        }
        verify_in_snapshot(conn)
    })
}

fn verify_in_snapshot(conn: &mut DbConnection) -> QueryResult<Result<(i64, String), Break>> {
    const BATCH: i64 = 5_000;
    let mut verifier = Verifier::default();
    let mut after = 0i64;
    loop {
        let rows: Vec<RecordRow> = audit_log::table
            .filter(audit_log::id.gt(after))
            .order(audit_log::id.asc())
            .limit(BATCH)
            .select(record_columns!())
            .load(conn)?;
        let done = (rows.len() as i64) < BATCH;
        for row in rows {
            let (record, hash) = record_of(row);
            after = record.id;
            if let Err(broken) = verifier.check(&record, &hash) {
                return Ok(Err(broken));
            }
        }
        if done {
            break;
        }
    }
    let (head_id, head_hash): (i64, String) = audit_head::table
        .filter(audit_head::id.eq(1))
        .select((audit_head::last_id, audit_head::last_hash))
        .first(conn)?;
    Ok(verifier.finish(head_id, &head_hash).map(|count| (count, head_hash)))
}

/// Which records a reader asks for. `organisation` with `partner_view` is a partner admin's
/// fixed scope: their organisation's records, never an internal one.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub organisation: Option<OrgId>,
    pub partner_view: bool,
    pub action: Option<AuditAction>,
    pub actor: Option<UserId>,
    pub case: Option<CaseId>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    /// Keyset pagination: records older than this one.
    pub before: Option<i64>,
    /// Records to skip (a partner admin's pages, which must not show the trail's numbers).
    pub skip: i64,
}

/// A record as a page shows it, with the names it refers to.
#[derive(Debug, Clone)]
pub struct Shown {
    pub id: i64,
    pub at: NaiveDateTime,
    pub action: String,
    pub actor: Option<String>,
    pub actor_organisation: Option<OrgId>,
    pub organisation: Option<String>,
    pub case_reference: Option<String>,
    pub subject: Option<String>,
    pub detail: Option<String>,
    pub address: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// The record exactly as hashed, for an export that can be checked.
    pub raw: AuditRecord,
}

/// A page of records, newest first, and whether older ones exist; four queries whatever the page
/// holds (records, then the names of the people, organisations and cases they mention).
pub fn page(conn: &mut DbConnection, filter: &Filter, size: i64) -> QueryResult<(Vec<Shown>, bool)> {
    let mut query = audit_log::table.into_boxed::<Db>();
    if let Some(organisation) = filter.organisation {
        query = query.filter(audit_log::organisation_id.eq(organisation.0));
    }
    if filter.partner_view {
        query = query.filter(audit_log::internal.eq(false));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_log::action.eq(action.code()));
    }
    if let Some(actor) = filter.actor {
        query = query.filter(audit_log::actor_id.eq(actor.0).or(audit_log::subject_id.eq(actor.0)));
    }
    if let Some(case) = filter.case {
        query = query.filter(audit_log::case_id.eq(case.0));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_log::at.lt(until));
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::id.lt(before));
    }
    let mut rows: Vec<RecordRow> =
        query.order(audit_log::id.desc()).offset(filter.skip).limit(size + 1).select(record_columns!()).load(conn)?;
    let more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    let records: Vec<(AuditRecord, String)> = rows.into_iter().map(record_of).collect();

    // Each id once, asked for in chunks: an export names up to tens of thousands of them, more
    // than one SQLite statement may carry.
    fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
        let mut ids: Vec<i64> = ids.collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
    const CHUNK: usize = 5_000;
    let mut people: std::collections::HashMap<i64, (String, i64)> = std::collections::HashMap::new();
    for chunk in distinct(records.iter().flat_map(|(r, _)| [r.actor_id, r.subject_id]).flatten()).chunks(CHUNK) {
        let found: Vec<(i64, (String, i64))> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, (users::display_name, users::organisation_id)))
            .load(conn)?;
        people.extend(found);
    }
    let mut orgs: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    for chunk in distinct(records.iter().filter_map(|(r, _)| r.organisation_id)).chunks(CHUNK) {
        let found: Vec<(i64, String)> = organisations::table
            .filter(organisations::id.eq_any(chunk))
            .select((organisations::id, organisations::name))
            .load(conn)?;
        orgs.extend(found);
    }
    let mut references: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    for chunk in distinct(records.iter().filter_map(|(r, _)| r.case_id)).chunks(CHUNK) {
        let found: Vec<(i64, String)> =
            cases::table.filter(cases::id.eq_any(chunk)).select((cases::id, cases::reference)).load(conn)?;
        references.extend(found);
    }

    let shown = records
        .into_iter()
        .map(|(r, hash)| Shown {
            raw: r.clone(),
            id: r.id,
            at: r.at,
            actor: r.actor_id.and_then(|id| people.get(&id).map(|(name, _)| name.clone())),
            actor_organisation: r.actor_id.and_then(|id| people.get(&id).map(|(_, org)| OrgId(*org))),
            organisation: r.organisation_id.and_then(|id| orgs.get(&id).cloned()),
            case_reference: r.case_id.and_then(|id| references.get(&id).cloned()),
            subject: r.subject_id.and_then(|id| people.get(&id).map(|(name, _)| name.clone())),
            action: r.action,
            detail: r.detail,
            address: r.address,
            prev_hash: r.prev_hash,
            hash,
        })
        .collect();
    Ok((shown, more))
}

/// Appends a record about one user's own account (`actor` acting on it, or `None` for the
/// system or a command-line operator), filed under the user's organisation.
pub fn append_about(
    conn: &mut DbConnection,
    action: AuditAction,
    actor: Option<UserId>,
    user: UserId,
    address: Option<&str>,
) -> QueryResult<()> {
    let organisation: i64 = users::table.find(user.0).select(users::organisation_id).first(conn)?;
    append(conn, &Entry::new(action, actor, address).organisation(OrgId(organisation)).subject(user))
}
