//! `GET /cases`: partners see their organisation's cases, staff the queue of every partner.
//! Filters, text search, two orders, and keyset pagination ("older" links carry a cursor).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::auth::current_user::CurrentUser;
use crate::db::cases::{self, AssigneeFilter, CaseFilter, CaseSummary, Cursor, Sort, StatusFilter};
use crate::domain::case_fields::Urgency;
use crate::domain::case_status::CaseStatus;
use crate::domain::category::Category;
use crate::domain::ids::{OrgId, UserId};
use crate::error::AppError;
use crate::routes::cases::choices::Choices;
use crate::routes::form::FormData;
use crate::routes::page::{Page, render};
use crate::startup::AppState;

pub const PAGE_SIZE: i64 = 25;

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListTemplate<'a> {
    page: Page<'a>,
    query: FormData,
    /// The status filter in force, default included.
    status: String,
    rows: Vec<CaseSummary>,
    next: Option<String>,
    /// The first page of the same list, with its filters and order.
    first: String,
    statuses: &'static [CaseStatus],
    categories: &'static [Category],
    urgencies: &'static [Urgency],
    /// The organisations and staff to filter by (staff only).
    choices: Arc<Choices>,
    filtered: bool,
}

impl ListTemplate<'_> {
    fn selected(&self, field: &str, value: &str) -> bool {
        self.query.get(field) == value
    }
}

fn choice<T>(query: &FormData, field: &str, parse: fn(&str) -> Option<T>) -> Result<Option<T>, AppError> {
    match query.get(field) {
        "" => Ok(None),
        raw => parse(raw).map(Some).ok_or(AppError::BadRequest("error_page.unknown_filter")),
    }
}

/// The status filter as chosen, or its default: staff work the open cases, partners follow all
/// of theirs.
fn status_choice(query: &FormData, staff: bool) -> String {
    match query.get("status") {
        "" if staff => "open".to_owned(),
        "" => "all".to_owned(),
        chosen => chosen.to_owned(),
    }
}

/// `open` (not closed or withdrawn), `all`, or one status.
fn status_filter(choice: &str) -> Result<StatusFilter, AppError> {
    Ok(match choice {
        "all" => StatusFilter::Any,
        "open" => StatusFilter::Open,
        one => StatusFilter::One(CaseStatus::parse(one).ok_or(AppError::BadRequest("error_page.unknown_filter"))?),
    })
}

/// The filters a reader asked for; a value no form of ours offers is a clear 400.
fn filter_from(query: &FormData, user: &CurrentUser) -> Result<CaseFilter, AppError> {
    let staff = user.user.role.is_staff();
    let assignee = match query.get("assignee") {
        "" => None,
        "none" => Some(AssigneeFilter::Unassigned),
        "me" => Some(AssigneeFilter::User(user.user.user_id)),
        raw => Some(AssigneeFilter::User(UserId(
            raw.parse().map_err(|_| AppError::BadRequest("error_page.unknown_filter"))?,
        ))),
    };
    let organisation = match query.get("organisation") {
        "" => None,
        raw => Some(OrgId(raw.parse().map_err(|_| AppError::BadRequest("error_page.unknown_filter"))?)),
    };
    let sort = match query.get("sort") {
        "" | "newest" => Sort::Newest,
        "urgency" => Sort::Urgency,
        _ => return Err(AppError::BadRequest("error_page.unknown_filter")),
    };
    let after = match query.get("after") {
        "" => None,
        raw => Some(Cursor::decode(raw).ok_or(AppError::BadRequest("error_page.unknown_filter"))?),
    };
    let text = query.get("q").trim().to_lowercase();
    Ok(CaseFilter {
        status: status_filter(&status_choice(query, staff))?,
        category: choice(query, "category", Category::parse)?,
        urgency: choice(query, "urgency", Urgency::parse)?,
        assignee: if staff { assignee } else { None },
        organisation: if staff { organisation } else { None },
        filed_by: (!staff && query.get("mine") == "1").then_some(user.user.user_id),
        text: (!text.is_empty()).then(|| text.chars().take(200).collect()),
        sort,
        after,
    })
}

/// The same list with its filters and order kept, from the start or after `cursor`.
fn page_link(query: &FormData, cursor: Option<&Cursor>) -> String {
    let mut parts: Vec<String> = ["status", "category", "urgency", "assignee", "organisation", "mine", "q", "sort"]
        .iter()
        .filter(|f| !query.get(f).is_empty())
        .map(|f| format!("{f}={}", utf8_percent_encode(query.get(f), NON_ALPHANUMERIC)))
        .collect();
    parts.extend(cursor.map(|c| format!("after={}", c.encode())));
    if parts.is_empty() { "/cases".to_owned() } else { format!("/cases?{}", parts.join("&")) }
}

#[tracing::instrument(skip_all)]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = FormData::from_query(&request)?;
    let filter = filter_from(&query, &user)?;
    let scope = user.scope();
    let staff = user.user.role.is_staff();
    let cached = staff.then(|| state.choices.fresh()).flatten();
    let worker = state.clone();
    let (rows, more, choices) = state
        .db(move |conn| {
            let (rows, more) = cases::list(conn, scope, &filter, PAGE_SIZE)?;
            let choices = match (staff, cached) {
                (false, _) => None,
                (true, Some(cached)) => Some(cached),
                (true, None) => Some(worker.choices.refresh(conn)?),
            };
            Ok((rows, more, choices))
        })
        .await?;
    let next = rows
        .last()
        .filter(|_| more)
        .map(|last| page_link(&query, Some(&Cursor { priority: last.priority, id: last.id })));
    let first = page_link(&query, None);
    let filtered = ["status", "category", "urgency", "assignee", "organisation", "mine", "q"]
        .iter()
        .any(|f| !query.get(f).is_empty());
    let template = ListTemplate {
        page: Page::for_user(&state, &user, "cases"),
        status: status_choice(&query, staff),
        query,
        rows,
        next,
        first,
        statuses: CaseStatus::ALL,
        categories: Category::ALL,
        urgencies: Urgency::ALL,
        choices: choices.unwrap_or_default(),
        filtered,
    };
    render(StatusCode::OK, &template)
}
