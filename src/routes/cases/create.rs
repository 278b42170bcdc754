//! `GET /cases/new` and `POST /cases`: a partner files an escalation. Invalid input re-renders
//! the form with every error beside its field and everything typed kept; "add another item"
//! re-renders it with one more row, so the form works without JavaScript.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{case_path, evidence};
use crate::auth::current_user::CurrentUser;
use crate::db::{
    self, cases,
    events::{self, EventKind, NewEvent},
    items, organisations,
};
use crate::domain::case_fields::{AgeBand, Ground, Urgency};
use crate::domain::case_reference::CaseReference;
use crate::domain::case_status::Side;
use crate::domain::category::Category;
use crate::domain::new_case::{CaseForm, FieldErrors, ItemForm, MAX_ITEMS};
use crate::domain::priority::{Priority, PriorityInputs};
use crate::domain::reported_item::{ContentType, LocatorKind};
use crate::email::notify::{self, Happened};
use crate::error::AppError;
use crate::routes::form::{FormData, PostedWithFiles};
use crate::routes::page::{Page, render, see_other};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "cases/new.html")]
struct NewCaseTemplate<'a> {
    page: Page<'a>,
    form: CaseForm,
    errors: FieldErrors,
    categories: &'static [Category],
    urgencies: &'static [Urgency],
    age_bands: &'static [AgeBand],
    grounds: &'static [Ground],
    locator_kinds: &'static [LocatorKind],
    content_types: &'static [ContentType],
    max_items: usize,
    max_files: usize,
    max_megabytes: usize,
    /// Files came with a form that is shown again: the browser does not keep them.
    files_dropped: bool,
}

impl NewCaseTemplate<'_> {
    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field)
    }

    fn item_error(&self, index: impl std::fmt::Display, name: &str) -> Option<&'static str> {
        self.errors.get(&format!("item_{index}_{name}"))
    }

    /// Every error as (anchor, "field label: message"), for the summary at the top of the form.
    fn summary(&self) -> Vec<(String, String)> {
        let t = self.page.t;
        self.errors
            .iter()
            .map(|(field, key)| {
                let label = match field.strip_prefix("item_").and_then(|rest| rest.split_once('_')) {
                    Some((index, name)) => {
                        let number = index.parse::<usize>().map_or(0, |i| i + 1).to_string();
                        format!("{} {number} — {}", t.get("new_case.item"), t.get(&format!("field.{name}")))
                    }
                    None if field == "items" => t.get("new_case.where").to_owned(),
                    None => t.get(&format!("field.{field}")).to_owned(),
                };
                let anchor = if field == "items" { "item_0_locator".to_owned() } else { field.to_owned() };
                (anchor, t.fill("error.summary_line", &[("field", &label), ("message", t.get(key))]))
            })
            .collect()
    }
}

fn page(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    form: CaseForm,
    errors: FieldErrors,
    files_dropped: bool,
) -> Result<HttpResponse, AppError> {
    let template = NewCaseTemplate {
        page: Page::for_user(state, user, "new"),
        form,
        errors,
        categories: Category::ALL,
        urgencies: Urgency::ALL,
        age_bands: AgeBand::ALL,
        grounds: Ground::ALL,
        locator_kinds: LocatorKind::ALL,
        content_types: ContentType::ALL,
        max_items: MAX_ITEMS,
        max_files: state.settings.attachments_per_message,
        max_megabytes: state.settings.attachment_max_bytes / (1024 * 1024),
        files_dropped,
    };
    render(status, &template)
}

pub async fn form(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.ensure_partner()?;
    let form =
        CaseForm { items: vec![ItemForm { locator_kind: "url".into(), ..ItemForm::default() }], ..CaseForm::default() };
    page(&state, &user, StatusCode::OK, form, FieldErrors::default(), false)
}

/// Reads the filing form as typed; the number of item rows comes from the form, within bounds.
pub fn case_form(form: &FormData) -> CaseForm {
    let rows = form.get("item_rows").parse::<usize>().unwrap_or(1).clamp(1, MAX_ITEMS);
    let items = (0..rows)
        .map(|i| ItemForm {
            locator_kind: form.get(&format!("item_{i}_locator_kind")).to_owned(),
            locator: form.get(&format!("item_{i}_locator")).to_owned(),
            content_type: form.get(&format!("item_{i}_content_type")).to_owned(),
            seen_at: form.get(&format!("item_{i}_seen_at")).to_owned(),
        })
        .collect();
    CaseForm {
        ground: form.get("ground").to_owned(),
        explanation: form.get("explanation").to_owned(),
        category: form.get("category").to_owned(),
        urgency: form.get("urgency").to_owned(),
        age_band: form.get("age_band").to_owned(),
        partner_reference: form.get("partner_reference").to_owned(),
        external_references: form.get("external_references").to_owned(),
        authorities_involved: form.checked("authorities_involved"),
        authorities_details: form.get("authorities_details").to_owned(),
        good_faith: form.checked("good_faith"),
        items,
    }
}

#[tracing::instrument(skip_all)]
pub async fn post(state: web::Data<AppState>, posted: PostedWithFiles) -> Result<HttpResponse, AppError> {
    let PostedWithFiles { user, form, files } = posted;
    user.ensure_partner()?;
    let mut typed = case_form(&form);
    let files_dropped = !files.is_empty();
    if form.has("add_item") {
        if typed.items.len() < MAX_ITEMS {
            typed.items.push(ItemForm { locator_kind: "url".into(), ..ItemForm::default() });
        }
        return page(&state, &user, StatusCode::OK, typed, FieldErrors::default(), files_dropped);
    }
    let mut file_errors = FieldErrors::default();
    let refused = Category::parse(&typed.category).and_then(evidence::refused_for).filter(|_| files_dropped);
    let checked = evidence::check(&state, files, &mut file_errors).await?;
    let (new_case, mut errors) = match typed.parse(db::now(), state.tz) {
        Ok(case) => (Some(case), FieldErrors::default()),
        Err(errors) => (None, errors),
    };
    for (field, key) in file_errors.iter() {
        errors.add(field, key);
    }
    if let Some(key) = refused {
        // Whatever the form sent: no file is ever kept on a child-sexual-abuse case.
        errors.set("files", key);
    }
    let Some(new_case) = new_case.filter(|_| errors.is_empty()) else {
        return page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, typed, errors, files_dropped);
    };
    let filer = user.user.user_id;
    let organisation = user.user.organisation_id;
    let address = user.address.clone();
    let actor = user.clone();
    let storage = state.storage.clone();
    let filed = state
        .tx_in(db::WriteScope::NewCase, move |conn| {
            if let Some(key) = evidence::refusal(conn, new_case.category, &checked)? {
                return Ok(Err(key));
            }
            let org = organisations::find(conn, organisation)?.ok_or(AppError::Forbidden)?;
            let priority = Priority::compute(&PriorityInputs {
                urgency: new_case.urgency,
                category: new_case.category,
                age_band: new_case.age_band,
                trusted_flagger: org.trusted_flagger,
                expertise: &org.expertise,
            });
            let now = db::now();
            let (id, reference) = cases::insert(conn, &new_case, organisation, filer, priority, now)?;
            items::insert_all(conn, id, &new_case.items)?;
            let parsed = CaseReference::parse(&reference).ok_or(AppError::internal("a new reference must parse"))?;
            let case = cases::find_by_reference(conn, &parsed, cases::Scope::Everything)?.ok_or(AppError::NotFound)?;
            notify::enqueue(conn, &case, filer, Side::Partner, Happened::Filed, now)?;
            // The event, with its audit record, comes last but for the files that refer to it:
            // on SQLite appending to the audit trail holds its head until the transaction ends,
            // so the less follows it, the sooner others go.
            let event = events::record(
                conn,
                &NewEvent {
                    case: id,
                    organisation,
                    actor: filer,
                    address: address.as_deref(),
                    kind: EventKind::Filed,
                    body: None,
                    detail: None,
                    at: now,
                },
            )?;
            evidence::attach(conn, &storage, &actor, &case, (event, false), &checked)?;
            Ok(Ok(reference))
        })
        .await?;
    let reference = match filed {
        Ok(reference) => reference,
        Err(key) => {
            let mut errors = FieldErrors::default();
            errors.add("files", key);
            return page(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, typed, errors, files_dropped);
        }
    };
    tracing::info!(case = %reference, "case filed");
    Ok(see_other(&format!("{}?filed=1", case_path(&reference))))
}
