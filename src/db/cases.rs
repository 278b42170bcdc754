//! Cases: storing a new escalation, finding one within the reader's scope, and the keyset-paged lists.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::fragment::{CodeIs, Limit, sql_expression};
use super::schema::{cases, organisations, users};
use super::{DbConnection, decode};
use crate::domain::case_fields::{AgeBand, Ground, Urgency};
use crate::domain::case_reference::CaseReference;
use crate::domain::case_status::{CaseStatus, Clock};
use crate::domain::category::Category;
use crate::domain::ids::{CaseId, OrgId, UserId};
use crate::domain::new_case::{GOOD_FAITH_VERSION, NewCase};
use crate::domain::priority::Priority;

/// Whose cases a reader may see: one partner organisation's, or (staff) every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Organisation(OrgId),
    Everything,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
struct CaseRow {
    id: i64,
    reference: String,
    organisation_id: i64,
    filed_by: i64,
    assignee_id: Option<i64>,
    status: String,
    category: String,
    urgency: String,
    priority: String,
    ground: String,
    explanation: String,
    age_band: String,
    partner_reference: Option<String>,
    external_references: Option<String>,
    authorities_involved: bool,
    authorities_details: Option<String>,
    good_faith_version: String,
    good_faith_at: NaiveDateTime,
    received_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    decided_at: Option<NaiveDateTime>,
    contested_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
    legal_hold: bool,
    anonymised_at: Option<NaiveDateTime>,
}

/// A stored escalation, every code decoded.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: CaseId,
    pub reference: String,
    pub organisation_id: OrgId,
    pub filed_by: UserId,
    pub assignee_id: Option<UserId>,
    pub status: CaseStatus,
    pub category: Category,
    pub urgency: Urgency,
    pub priority: Priority,
    pub ground: Ground,
    pub explanation: String,
    pub age_band: AgeBand,
    pub partner_reference: Option<String>,
    pub external_references: Option<String>,
    pub authorities_involved: bool,
    pub authorities_details: Option<String>,
    pub good_faith_version: String,
    pub good_faith_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub contested_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    /// A legal hold: retention leaves the case as it is.
    pub legal_hold: bool,
    /// When retention emptied the case of its texts, items and files.
    pub anonymised_at: Option<NaiveDateTime>,
}

impl Case {
    /// The moments the state machine needs to judge an action on this case `now`.
    pub fn clock(&self, now: NaiveDateTime) -> Clock {
        Clock { now, decided_at: self.decided_at, contested_at: self.contested_at, closed_at: self.closed_at }
    }
}

impl TryFrom<CaseRow> for Case {
    type Error = diesel::result::Error;

    fn try_from(row: CaseRow) -> QueryResult<Self> {
        Ok(Case {
            id: CaseId(row.id),
            organisation_id: OrgId(row.organisation_id),
            filed_by: UserId(row.filed_by),
            assignee_id: row.assignee_id.map(UserId),
            status: decode("status", &row.status, CaseStatus::parse)?,
            category: decode("category", &row.category, Category::parse)?,
            urgency: decode("urgency", &row.urgency, Urgency::parse)?,
            priority: decode("priority", &row.priority, Priority::parse)?,
            ground: decode("ground", &row.ground, Ground::parse)?,
            age_band: decode("age band", &row.age_band, AgeBand::parse)?,
            reference: row.reference,
            explanation: row.explanation,
            partner_reference: row.partner_reference,
            external_references: row.external_references,
            authorities_involved: row.authorities_involved,
            authorities_details: row.authorities_details,
            good_faith_version: row.good_faith_version,
            good_faith_at: row.good_faith_at,
            received_at: row.received_at,
            updated_at: row.updated_at,
            decided_at: row.decided_at,
            contested_at: row.contested_at,
            closed_at: row.closed_at,
            legal_hold: row.legal_hold,
            anonymised_at: row.anonymised_at,
        })
    }
}

/// A `None` is written as NULL rather than left to the column's default, so that the statement
/// is the same whatever is empty and PostgreSQL keeps it prepared.
#[derive(Insertable)]
#[diesel(table_name = cases, treat_none_as_default_value = false)]
struct CaseInsert<'a> {
    reference: &'a str,
    organisation_id: i64,
    filed_by: i64,
    status: &'a str,
    category: &'a str,
    urgency: &'a str,
    priority: &'a str,
    ground: &'a str,
    explanation: &'a str,
    age_band: &'a str,
    partner_reference: Option<&'a str>,
    external_references: Option<&'a str>,
    authorities_involved: bool,
    authorities_details: Option<&'a str>,
    good_faith_version: &'a str,
    good_faith_at: NaiveDateTime,
    search_text: &'a str,
    received_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A new reference for a case received `received_at`: random, so that it tells nothing about
/// how many cases anyone files (34 billion per year), and checked for reuse.
fn new_reference(conn: &mut DbConnection, received_at: NaiveDateTime) -> QueryResult<String> {
    loop {
        let reference = CaseReference::new(received_at, crate::auth::tokens::random_bytes::<7>());
        let taken: bool =
            diesel::select(diesel::dsl::exists(cases::table.filter(cases::reference.eq(reference.as_str()))))
                .get_result(conn)?;
        if !taken {
            return Ok(reference.as_str().to_owned());
        }
    }
}

/// Stores a new case as `submitted` and returns its id and reference. The caller's transaction
/// also stores its items and its first event.
pub fn insert(
    conn: &mut DbConnection,
    case: &NewCase,
    organisation: OrgId,
    filer: UserId,
    priority: Priority,
    now: NaiveDateTime,
) -> QueryResult<(CaseId, String)> {
    let reference = new_reference(conn, now)?;
    let mut search = vec![reference.clone(), case.explanation.clone()];
    search.extend(case.partner_reference.clone());
    search.extend(case.items.iter().map(|item| item.locator.as_str().to_owned()));
    let search_text = crate::domain::search::normalise(&search.join(" "));
    let row = CaseInsert {
        reference: &reference,
        organisation_id: organisation.0,
        filed_by: filer.0,
        status: CaseStatus::Submitted.code(),
        category: case.category.code(),
        urgency: case.urgency.code(),
        priority: priority.code(),
        ground: case.ground.code(),
        explanation: &case.explanation,
        age_band: case.age_band.code(),
        partner_reference: case.partner_reference.as_deref(),
        external_references: case.external_references.as_deref(),
        authorities_involved: case.authorities_involved,
        authorities_details: case.authorities_details.as_deref(),
        good_faith_version: GOOD_FAITH_VERSION,
        good_faith_at: now,
        search_text: &search_text,
        received_at: now,
        updated_at: now,
    };
    let id = super::on_backend!(conn, |c| {
        diesel::insert_into(cases::table).values(&row).returning(cases::id).get_result(c).map(CaseId)
    })?;
    super::search_terms::add(conn, &search_text)?;
    Ok((id, reference))
}

/// The organisation a case belongs to.
pub fn organisation_of(conn: &mut DbConnection, case: CaseId) -> QueryResult<OrgId> {
    cases::table.find(case.0).select(cases::organisation_id).first(conn).map(OrgId)
}

/// The row of `columns` of the case with this reference, if `scope` includes it. Every case page
/// and action asks this: on the backend's own connection, kept prepared, and without a LIMIT (a
/// reference is unique), whose bound value would keep PostgreSQL planning the statement again
/// (see `fragment::Limit`).
macro_rules! by_reference {
    ($conn:expr, $reference:expr, $scope:expr, $columns:expr) => {{
        let by_reference = cases::table.filter(cases::reference.eq($reference.as_str()));
        match $scope {
            Scope::Organisation(org) => {
                let scoped = by_reference.filter(cases::organisation_id.eq(org.0));
                super::on_backend!($conn, |c| scoped.select($columns).get_result(c).optional())
            }
            Scope::Everything => super::on_backend!($conn, |c| by_reference.select($columns).get_result(c).optional()),
        }
    }};
}

/// The case with this reference if the reader's scope includes it; another organisation's case
/// is exactly as absent as one that does not exist.
pub fn find_by_reference(
    conn: &mut DbConnection,
    reference: &CaseReference,
    scope: Scope,
) -> QueryResult<Option<Case>> {
    let row: Option<CaseRow> = by_reference!(conn, reference, scope, CaseRow::as_select())?;
    row.map(Case::try_from).transpose()
}

/// The names a case page shows beside the case.
#[derive(Debug, Clone)]
pub struct CaseNames {
    pub organisation: String,
    /// Empty once retention has deleted the person.
    pub filer: String,
    pub assignee: Option<String>,
}

/// Like `find_by_reference`, with the names of the case's organisation, filer and assignee,
/// in the same statement.
pub fn find_with_names(
    conn: &mut DbConnection,
    reference: &CaseReference,
    scope: Scope,
) -> QueryResult<Option<(Case, CaseNames)>> {
    let row: Option<(CaseRow, String, Option<String>, Option<String>)> =
        by_reference!(conn, reference, scope, (CaseRow::as_select(), OrganisationName, FILER_NAME, ASSIGNEE_NAME))?;
    row.map(|(case, organisation, filer, assignee)| {
        Ok((Case::try_from(case)?, CaseNames { organisation, filer: filer.unwrap_or_default(), assignee }))
    })
    .transpose()
}

/// Moves a case from `from` to `to` and records the moments it marks (closing, reopening,
/// contesting). Compare-and-set: `false` when the case is no longer `from` because another
/// action got there first, so a caller never overwrites a status it did not see. A confirmed
/// decision keeps its date; only `mark_decided` records a new one.
pub fn set_status(
    conn: &mut DbConnection,
    id: CaseId,
    from: CaseStatus,
    to: CaseStatus,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = cases::table.find(id.0).filter(cases::status.eq(from.code()));
    let base = (cases::status.eq(to.code()), cases::updated_at.eq(now));
    let no_time = None::<NaiveDateTime>;
    let changed = match to {
        CaseStatus::Closed | CaseStatus::Withdrawn => {
            diesel::update(target).set((base, cases::closed_at.eq(Some(now)))).execute(conn)?
        }
        CaseStatus::Reopened => diesel::update(target).set((base, cases::closed_at.eq(no_time))).execute(conn)?,
        CaseStatus::Contested => diesel::update(target)
            .set((base, cases::contested_at.eq(Some(now)), cases::closed_at.eq(no_time)))
            .execute(conn)?,
        _ => diesel::update(target).set(base).execute(conn)?,
    };
    Ok(changed == 1)
}

/// Records that a new decision was taken now: the contest window runs from here.
pub fn mark_decided(conn: &mut DbConnection, id: CaseId, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(cases::table.find(id.0)).set(cases::decided_at.eq(Some(now))).execute(conn)
}

pub fn set_assignee(conn: &mut DbConnection, id: CaseId, assignee: UserId, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(cases::table.find(id.0))
        .set((cases::assignee_id.eq(Some(assignee.0)), cases::updated_at.eq(now)))
        .execute(conn)
}

pub fn touch(conn: &mut DbConnection, id: CaseId, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(cases::table.find(id.0)).set(cases::updated_at.eq(now)).execute(conn)
}

/// How a list is ordered; each order has its own keyset cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Newest,
    Urgency,
}

/// Who a list is narrowed to by assignee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Unassigned,
    User(UserId),
}

/// Where the previous page ended: the last row's priority (for `Sort::Urgency`) and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub priority: Priority,
    pub id: CaseId,
}

impl Cursor {
    /// `p1.1234`: the priority code and the id, for a URL.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.priority.code(), self.id.0)
    }

    pub fn decode(raw: &str) -> Option<Cursor> {
        let (priority, id) = raw.split_once('.')?;
        Some(Cursor { priority: Priority::parse(priority)?, id: CaseId(id.parse().ok()?) })
    }
}

/// Which statuses a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    Any,
    /// Neither closed nor withdrawn: the cases someone still works on.
    Open,
    One(CaseStatus),
}

/// A list request: the reader's scope, then the filters they chose.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub status: StatusFilter,
    pub category: Option<Category>,
    pub urgency: Option<Urgency>,
    pub assignee: Option<AssigneeFilter>,
    pub organisation: Option<OrgId>,
    pub filed_by: Option<UserId>,
    /// Lower-cased text matched against the reference, reported items and description.
    pub text: Option<String>,
    pub sort: Sort,
    pub after: Option<Cursor>,
}

/// One line of a case list.
#[derive(Debug, Clone)]
pub struct CaseSummary {
    pub id: CaseId,
    pub reference: String,
    pub status: CaseStatus,
    pub category: Category,
    pub urgency: Urgency,
    pub priority: Priority,
    pub organisation: String,
    pub assignee: Option<String>,
    pub received_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

type SummaryRow = (i64, String, String, String, String, String, String, Option<String>, NaiveDateTime, NaiveDateTime);

/// A list's filters other than its text, on a boxed query over `cases` joined to its
/// organisation and assignee (whichever table the query starts from).
macro_rules! filtered {
    ($query:expr, $scope:expr, $filter:expr) => {{
        let mut query = $query;
        if let Scope::Organisation(org) = $scope {
            query = query.filter(cases::organisation_id.eq(org.0));
        }
        match $filter.status {
            StatusFilter::Any => {}
            StatusFilter::Open => query = query.filter(OpenCases),
            StatusFilter::One(status) => query = query.filter(CodeIs::new(cases::status, status.code())),
        }
        if let Some(category) = $filter.category {
            query = query.filter(CodeIs::new(cases::category, category.code()));
        }
        if let Some(urgency) = $filter.urgency {
            query = query.filter(CodeIs::new(cases::urgency, urgency.code()));
        }
        match $filter.assignee {
            Some(AssigneeFilter::Unassigned) => query = query.filter(cases::assignee_id.is_null()),
            Some(AssigneeFilter::User(user)) => query = query.filter(cases::assignee_id.eq(user.0)),
            None => {}
        }
        if let Some(org) = $filter.organisation {
            query = query.filter(cases::organisation_id.eq(org.0));
        }
        if let Some(user) = $filter.filed_by {
            query = query.filter(cases::filed_by.eq(user.0));
        }
        query
    }};
}

// `is_open = TRUE` written out, for the planner to know how few cases that is (see `CodeIs`).
struct OpenCases;

sql_expression!(OpenCases: diesel::sql_types::Bool, |_this, out| {
    out.push_sql("cases.is_open = TRUE");
    Ok(())
});

// A found case's organisation and assignee, read for the rows of the page only: joined,
// PostgreSQL joins every match of a search (a scan of the small organisations table for each)
// before it sorts them and keeps a page. A list read in order from an index joins them.
struct OrganisationName;

sql_expression!(OrganisationName: diesel::sql_types::Text, |_this, out| {
    out.push_sql("(SELECT name FROM organisations WHERE organisations.id = cases.organisation_id)");
    Ok(())
});

/// The display name of the person a column of the case names; none once retention deleted them.
struct PersonName {
    column: &'static str,
}

const FILER_NAME: PersonName = PersonName { column: "filed_by" };
const ASSIGNEE_NAME: PersonName = PersonName { column: "assignee_id" };

sql_expression!(PersonName: diesel::sql_types::Nullable<diesel::sql_types::Text>, |this, out| {
    out.push_sql("(SELECT display_name FROM users WHERE users.id = cases.");
    out.push_sql(this.column);
    out.push_sql(")");
    Ok(())
});

/// The columns of a `SummaryRow`, with the expressions of the organisation's and the
/// assignee's names.
macro_rules! summary_columns {
    ($organisation:expr, $assignee:expr) => {
        (
            cases::id,
            cases::reference,
            cases::status,
            cases::category,
            cases::urgency,
            cases::priority,
            $organisation,
            $assignee,
            cases::received_at,
            cases::updated_at,
        )
    };
}

/// A list's order, from `after` on (keyset pagination).
macro_rules! in_order {
    ($query:expr, $filter:expr) => {{
        let mut query = $query;
        match ($filter.sort, $filter.after) {
            (Sort::Newest, Some(after)) => query = query.filter(cases::id.lt(after.id.0)),
            (Sort::Urgency, Some(after)) => {
                query = query.filter(
                    cases::priority
                        .gt(after.priority.code())
                        .or(cases::priority.eq(after.priority.code()).and(cases::id.gt(after.id.0))),
                )
            }
            (_, None) => {}
        }
        match $filter.sort {
            Sort::Newest => query.order(cases::id.desc()),
            // Most urgent first, and within a priority the one waiting longest.
            Sort::Urgency => query.order((cases::priority.asc(), cases::id.asc())),
        }
    }};
}

/// One page of cases in the reader's scope, plus whether another page follows.
///
/// Keyset pagination: every page costs what the first one costs. One statement, read in the
/// order shown from an index (`migrations/*/..._list_indexes`); its SQL depends only on which
/// filters are set, never on their values, so each shape is prepared once per connection
/// (hence no `eq_any`, whose statements diesel prepares anew each time).
pub fn list(
    conn: &mut DbConnection,
    scope: Scope,
    filter: &CaseFilter,
    page_size: i64,
) -> QueryResult<(Vec<CaseSummary>, bool)> {
    use super::schema::cases_fts;

    let words = match filter.text.as_deref().filter(|t| !t.is_empty()) {
        Some(text) => match crate::domain::search::Query::parse(text) {
            Some(mut words) => {
                if !super::search_terms::resolve(conn, &mut words)? {
                    // A word that starts no word of any case: no case can match.
                    return Ok((Vec::new(), false));
                }
                Some(words)
            }
            // Only punctuation: no word to find, so no case.
            None => return Ok((Vec::new(), false)),
        },
        None => None,
    };
    // The one organisation whose cases can match, if any: the index narrows to it first.
    let search_organisation = match scope {
        Scope::Organisation(org) => Some(org.0),
        Scope::Everything => filter.organisation.map(|org| org.0),
    };
    let on_sqlite = matches!(conn, DbConnection::Sqlite(_));
    let rows: Vec<SummaryRow> = match &words {
        // SQLite, newest first: the full-text index is read newest match first and the reading
        // stops at a page, however many cases in the database hold the words.
        Some(words) if on_sqlite && filter.sort == Sort::Newest => {
            let mut query = filtered!(
                cases_fts::table.inner_join(cases::table.on(cases::id.eq(cases_fts::rowid))).into_boxed(),
                scope,
                filter
            )
            .filter(super::Fts5Match { words: words.fts5(search_organisation), form: super::Fts5Form::Table });
            if let Some(after) = filter.after {
                query = query.filter(cases_fts::rowid.lt(after.id.0));
            }
            let columns = summary_columns!(OrganisationName, ASSIGNEE_NAME);
            Limit::new(query.order(cases_fts::rowid.desc()).select(columns), page_size + 1).load(conn)?
        }
        // Other searches: every match is found, then sorted.
        Some(words) => {
            let query = filtered!(cases::table.into_boxed(), scope, filter).filter(super::text_matches(
                conn,
                words,
                search_organisation,
            ));
            Limit::new(
                in_order!(query, filter).select(summary_columns!(OrganisationName, ASSIGNEE_NAME)),
                page_size + 1,
            )
            .load(conn)?
        }
        // Lists: read in order from an index, a page and no more.
        None => {
            let query = filtered!(
                cases::table
                    .inner_join(organisations::table)
                    .left_join(users::table.on(cases::assignee_id.eq(users::id.nullable())))
                    .into_boxed(),
                scope,
                filter
            );
            let columns = summary_columns!(organisations::name, users::display_name.nullable());
            Limit::new(in_order!(query, filter).select(columns), page_size + 1).load(conn)?
        }
    };
    let more = rows.len() as i64 > page_size;
    rows.into_iter()
        .take(page_size as usize)
        .map(|(id, reference, status, category, urgency, priority, organisation, assignee, received_at, updated_at)| {
            Ok(CaseSummary {
                id: CaseId(id),
                status: decode("status", &status, CaseStatus::parse)?,
                category: decode("category", &category, Category::parse)?,
                urgency: decode("urgency", &urgency, Urgency::parse)?,
                priority: decode("priority", &priority, Priority::parse)?,
                reference,
                organisation,
                assignee,
                received_at,
                updated_at,
            })
        })
        .collect::<QueryResult<Vec<_>>>()
        .map(|summaries| (summaries, more))
}
