//! `GET /admin/audit` (every record) and `GET /team/audit` (a partner admin's organisation's
//! records, never an internal one): the audit trail, newest first, filtered and paged by key.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, NaiveDateTime, TimeDelta, TimeZone};

use crate::auth::current_user::CurrentUser;
use crate::db::audit::{self, Filter, Shown};
use crate::db::cases;
use crate::db::{organisations, users};
use crate::domain::audit::AuditAction;
use crate::domain::case_reference::CaseReference;
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::new_case::FieldErrors;
use crate::error::AppError;
use crate::routes::form::{FormData, Posted};
use crate::routes::page::{Page, render};
use crate::routes::step_up::{self, Ask};
use crate::startup::AppState;

/// Records per page.
const PAGE_SIZE: i64 = 50;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate<'a> {
    page: Page<'a>,
    /// Where the filter form and the paging links go.
    path: &'static str,
    records: Vec<Shown>,
    /// The query string of the next (older) page, if there is one.
    older: Option<String>,
    actions: Vec<AuditAction>,
    /// Organisations to filter by (platform admins only).
    organisations: Vec<(OrgId, String)>,
    form: FormData,
    errors: FieldErrors,
    /// A partner admin's view: addresses of the platform's people are not shown.
    partner_view: bool,
    /// What an export asks for first.
    ask: Ask,
}

impl AuditTemplate<'_> {
    fn step_up_error(&self, _which: &str) -> Option<&'static str> {
        self.errors.get(step_up::FIELD)
    }

    fn selected(&self, field: &str, value: &str) -> bool {
        self.form.get(field) == value
    }

    /// The address of a record, unless a partner would learn where platform staff work from.
    fn address_of<'r>(&self, record: &'r Shown) -> &'r str {
        let own = self.page.user.map(|u| u.organisation_id);
        if self.partner_view && record.actor_organisation.is_some() && record.actor_organisation != own {
            return "";
        }
        record.address.as_deref().unwrap_or("")
    }
}

pub async fn admin(
    state: web::Data<AppState>,
    user: CurrentUser,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    user.ensure_platform_admin()?;
    show(&state, &user, &request, "/admin/audit").await
}

pub async fn team(
    state: web::Data<AppState>,
    user: CurrentUser,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    crate::routes::team::members::ensure_partner_admin(&user)?;
    show(&state, &user, &request, "/team/audit").await
}

/// A day typed as `YYYY-MM-DD`, as the UTC moment it starts in the portal's zone.
fn day_start(raw: &str, tz: chrono_tz::Tz) -> Result<Option<NaiveDateTime>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| "error.invalid_date")?;
    let midnight = day.and_hms_opt(0, 0, 0).ok_or("error.invalid_date")?;
    Ok(Some(tz.from_local_datetime(&midnight).earliest().ok_or("error.invalid_date")?.naive_utc()))
}

/// The filters as typed, checked: the filter and the errors beside its fields. `before` is
/// the keyset of a page; an export starts from the newest.
fn parse_filter(
    state: &AppState,
    user: &CurrentUser,
    form: &FormData,
) -> Result<(Filter, FieldErrors, Option<CaseReference>, Option<EmailAddress>), AppError> {
    let partner_view = !user.user.role.is_staff();
    let mut errors = FieldErrors::default();
    let mut filter = Filter { partner_view, ..Filter::default() };
    if partner_view {
        filter.organisation = Some(user.user.organisation_id);
    } else if !form.get("organisation").is_empty() {
        match form.get("organisation").parse::<i64>() {
            Ok(id) => filter.organisation = Some(OrgId(id)),
            Err(_) => errors.add("organisation", "error.unknown_choice"),
        }
    }
    if !form.get("action").is_empty() {
        match AuditAction::parse(form.get("action")) {
            Some(action) => filter.action = Some(action),
            None => errors.add("action", "error.unknown_choice"),
        }
    }
    match day_start(form.get("from"), state.tz) {
        Ok(from) => filter.from = from,
        Err(key) => errors.add("from", key),
    }
    match day_start(form.get("until"), state.tz) {
        // Up to the end of that day.
        Ok(Some(start)) => match start.checked_add_signed(TimeDelta::days(1)) {
            Some(end) => filter.until = Some(end),
            None => errors.add("until", "error.invalid_date"),
        },
        Ok(None) => {}
        Err(key) => errors.add("until", key),
    }
    let bad_page = |_| AppError::BadRequest("error_page.unknown_filter");
    if partner_view {
        // Numbered pages: the trail's own numbers would count every organisation's records.
        let page = if form.get("page").is_empty() { 1 } else { form.get("page").parse::<i64>().map_err(bad_page)? };
        filter.skip = (page.clamp(1, 100_000) - 1) * PAGE_SIZE;
    } else if !form.get("before").is_empty() {
        filter.before = Some(form.get("before").parse::<i64>().map_err(bad_page)?);
    }
    let reference = form.get("case").trim().to_owned();
    let reference = if reference.is_empty() {
        None
    } else {
        let parsed = CaseReference::parse(&reference);
        if parsed.is_none() {
            errors.add("case", "audit.no_such_case");
        }
        parsed
    };
    let person = form.get("person").trim().to_owned();
    let person = if person.is_empty() {
        None
    } else {
        let parsed = EmailAddress::parse(&person).ok();
        if parsed.is_none() {
            errors.add("person", "audit.no_such_person");
        }
        parsed
    };
    Ok((filter, errors, reference, person))
}

/// Turns a typed case reference and email into ids the reader may filter by.
fn resolve(
    conn: &mut crate::db::DbConnection,
    user: &CurrentUser,
    filter: &mut Filter,
    errors: &mut FieldErrors,
    reference: Option<CaseReference>,
    person: Option<EmailAddress>,
) -> Result<(), AppError> {
    if let Some(reference) = reference {
        // Another organisation's case is a case that does not exist.
        match cases::find_by_reference(conn, &reference, user.scope())? {
            Some(case) => filter.case = Some(case.id),
            None => errors.add("case", "audit.no_such_case"),
        }
    }
    if let Some(email) = person {
        match users::credentials(conn, email.as_str())? {
            Some(found) if !filter.partner_view || OrgId(found.organisation_id) == user.user.organisation_id => {
                filter.actor = Some(UserId(found.id));
            }
            _ => errors.add("person", "audit.no_such_person"),
        }
    }
    Ok(())
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    request: &HttpRequest,
    path: &'static str,
) -> Result<HttpResponse, AppError> {
    let form = FormData::from_query(request)?;
    page(state, user, path, form, FieldErrors::default()).await
}

/// The page for `form`'s filters, with `extra` errors (a refused export) beside their fields.
async fn page(
    state: &AppState,
    user: &CurrentUser,
    path: &'static str,
    form: FormData,
    extra: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let (mut filter, errors, reference, person) = parse_filter(state, user, &form)?;
    let partner_view = filter.partner_view;
    let reader = user.clone();
    let (records, more, organisations, mut errors) = state
        .db(move |conn| {
            let mut errors = errors;
            resolve(conn, &reader, &mut filter, &mut errors, reference, person)?;
            let organisations = if partner_view {
                Vec::new()
            } else {
                organisations::all(conn)?.into_iter().map(|o| (o.id, o.name)).collect()
            };
            if !errors.is_empty() {
                return Ok((Vec::new(), false, organisations, errors));
            }
            let (records, more) = audit::page(conn, &filter, PAGE_SIZE)?;
            Ok((records, more, organisations, errors))
        })
        .await?;
    for (field, key) in extra.iter() {
        errors.add(field, key);
    }
    let older = match (more, records.last()) {
        (true, _) if partner_view => {
            let page = form.get("page").parse::<i64>().unwrap_or(1).clamp(1, 100_000);
            Some(query_with(&form, "page", &(page + 1).to_string()))
        }
        (true, Some(last)) => Some(query_with(&form, "before", &last.id.to_string())),
        _ => None,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let section = if partner_view { "team" } else { "audit" };
    let template = AuditTemplate {
        page: Page::for_user(state, user, section),
        path,
        records,
        older,
        actions: AuditAction::ALL.iter().copied().filter(|a| !partner_view || a.partner_visible()).collect(),
        organisations,
        ask: step_up::ask(state, user),
        form,
        errors,
        partner_view,
    };
    render(status, &template)
}

/// The most records one export carries; a narrower filter gets older ones.
const EXPORT_LIMIT: i64 = 50_000;

/// `POST /admin/audit/export`: the records matching the filters, newest first, as CSV with
/// their chain hashes (so a copy can be checked outside Passerelle). Sensitive: a fresh code is
/// asked for, and the export itself is recorded.
#[tracing::instrument(skip_all)]
pub async fn export(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    user.ensure_platform_admin()?;
    let mut form = form;
    form.set("before", "");
    let (filter, errors, reference, person) = parse_filter(&state, &user, &form)?;
    let reader = user.clone();
    let (filter, mut errors) = state
        .db(move |conn| {
            let (mut filter, mut errors) = (filter, errors);
            resolve(conn, &reader, &mut filter, &mut errors, reference, person)?;
            Ok((filter, errors))
        })
        .await?;
    // The filters first, the proof last: a refused export spends no code.
    if errors.is_empty() {
        step_up::confirm(&state, &user, &form, &mut errors).await?;
    }
    if !errors.is_empty() {
        return page(&state, &user, "/admin/audit", form, errors).await;
    }
    let filter_actor = filter.actor;
    // Read outside any write transaction; the export's own record is a short one after.
    let records = state.db(move |conn| Ok(audit::page(conn, &filter, EXPORT_LIMIT)?.0)).await?;
    let mut described = form.clone();
    if !described.get("person").is_empty() {
        // The trail keeps no email address: whose records were asked for is in the filter's id.
        described.set("person", "(one person)");
    }
    let described = query_with(&described, "limit", &EXPORT_LIMIT.to_string());
    let recorder = user.clone();
    let whose = filter_actor;
    state
        .tx(move |conn| {
            let mut entry = recorder.audit(AuditAction::AuditExported).detail(&described);
            // Whose records were asked for, by id: the trail keeps no email address.
            entry.subject = whose;
            Ok(audit::append(conn, &entry)?)
        })
        .await?;
    // Display columns first; then every field exactly as hashed, so a copy can be re-chained.
    let mut csv = String::from(
        "number,at_utc,action,actor,organisation,case,about,detail,address,\
         actor_id,organisation_id,case_id,subject_id,internal,at_hashed,prev_hash,hash\r\n",
    );
    let id = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    for r in &records {
        let shown = [
            r.actor.clone().unwrap_or_default(),
            r.organisation.clone().unwrap_or_default(),
            r.case_reference.clone().unwrap_or_default(),
            r.subject.clone().unwrap_or_default(),
        ];
        let raw = &r.raw;
        let mut line = vec![r.id.to_string(), r.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(), csv_raw(&raw.action)];
        line.extend(shown.iter().map(|cell| csv_field(cell)));
        line.extend([
            csv_raw(raw.detail.as_deref().unwrap_or("")),
            csv_raw(raw.address.as_deref().unwrap_or("")),
            id(raw.actor_id),
            id(raw.organisation_id),
            id(raw.case_id),
            id(raw.subject_id),
            if raw.internal { "1" } else { "0" }.to_owned(),
            raw.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
            raw.prev_hash.clone(),
            r.hash.clone(),
        ]);
        csv.push_str(&line.join(","));
        csv.push_str("\r\n");
    }
    tracing::warn!(records = records.len(), "audit trail exported");
    let name = format!("passerelle-audit-{}.csv", crate::db::now().format("%Y%m%d-%H%M%S"));
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((actix_web::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(csv))
}

/// A cell of text someone typed (a name): a leading `=`, `+`, `-`, `@`, tab or carriage return
/// (a formula to a spreadsheet) is defused with an apostrophe, then quoted as needed.
fn csv_field(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { csv_raw(&format!("'{value}")) } else { csv_raw(value) }
}

/// A cell kept exactly as stored (codes, hashes), quoted when it holds a separator, a quote or
/// a line break.
fn csv_raw(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// The filters of this page as a query string, with `key` set to `value`.
fn query_with(form: &FormData, key: &str, value: &str) -> String {
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    for field in ["action", "organisation", "case", "person", "from", "until"] {
        if !form.get(field).is_empty() {
            pairs.append_pair(field, form.get(field));
        }
    }
    pairs.append_pair(key, value);
    pairs.finish()
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
        assert_eq!(csv_field("\tcmd"), "'\tcmd");
        assert_eq!(super::csv_raw("submitted>triaged"), "submitted>triaged");
    }
}
