//! `GET/POST /admin/organisations`: partner organisations and their trusted-flagger record.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;

use crate::auth::current_user::CurrentUser;
use crate::db;
use crate::db::organisations::{self, NewOrganisation, Organisation};
use crate::domain::audit::AuditAction;
use crate::domain::category::Category;
use crate::domain::ids::OrgId;
use crate::domain::new_case::{FieldErrors, MAX_SHORT_TEXT};
use crate::domain::role::OrgKind;
use crate::error::AppError;
use crate::routes::cases::text_field;
use crate::routes::form::{FormData, Posted};
use crate::routes::page::{Page, render, see_other};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "admin/organisations.html")]
struct OrganisationsTemplate<'a> {
    page: Page<'a>,
    organisations: Vec<Organisation>,
    categories: &'static [Category],
    form: FormData,
    errors: FieldErrors,
    /// The platform requires a second factor of everyone.
    everywhere: bool,
    ask: crate::routes::step_up::Ask,
}

impl OrganisationsTemplate<'_> {
    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field)
    }

    /// The deletion form of this organisation was the one refused.
    fn deleting(&self, organisation: &Organisation) -> bool {
        self.form.get("deleting") == organisation.id.0.to_string()
    }

    fn delete_error(&self, organisation: &Organisation, field: &str) -> Option<&'static str> {
        if self.deleting(organisation) { self.errors.get(field) } else { None }
    }

    fn step_up_error(&self, which: &str) -> Option<&'static str> {
        let id = which.trim_start_matches("org-");
        if self.form.get("deleting") == id { self.errors.get(crate::routes::step_up::FIELD) } else { None }
    }

    fn area_checked(&self, category: &Category) -> bool {
        self.form.has(&format!("area_{}", category.code()))
    }

    fn areas(&self, organisation: &Organisation) -> String {
        organisation.expertise.iter().map(|c| self.page.t.label("category", c.code())).collect::<Vec<_>>().join(", ")
    }
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    form: FormData,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let (organisations, everywhere) =
        state.db(|conn| Ok((organisations::all(conn)?, crate::db::two_factor::everywhere(conn)?))).await?;
    let template = OrganisationsTemplate {
        page: Page::for_user(state, user, "admin"),
        organisations,
        categories: Category::ALL,
        ask: crate::routes::step_up::ask(state, user),
        form,
        errors,
        everywhere,
    };
    render(status, &template)
}

pub async fn get(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.ensure_platform_admin()?;
    show(&state, &user, StatusCode::OK, FormData::default(), FieldErrors::default()).await
}

#[tracing::instrument(skip_all)]
pub async fn post(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    user.ensure_platform_admin()?;
    let mut errors = FieldErrors::default();
    let name = text_field(&form, "name", MAX_SHORT_TEXT, true, &mut errors);
    let trusted_flagger = form.checked("trusted_flagger");
    let authority = text_field(&form, "designating_authority", MAX_SHORT_TEXT, false, &mut errors);
    let designated_on = match form.get("designated_on").trim() {
        "" => None,
        raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| errors.add("designated_on", "error.invalid_date"))
            .ok(),
    };
    let areas: Vec<Category> =
        Category::ALL.iter().copied().filter(|c| form.has(&format!("area_{}", c.code()))).collect();
    if trusted_flagger && authority.is_none() {
        errors.add("designating_authority", "error.required_for_trusted_flagger");
    }
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form, errors).await;
    };
    let actor = user.clone();
    let created = state
        .tx(move |conn| {
            if organisations::find_by_name(conn, &name)?.is_some() {
                return Ok(false);
            }
            let id = organisations::insert(
                conn,
                &NewOrganisation {
                    name: &name,
                    kind: OrgKind::Partner.code(),
                    trusted_flagger,
                    designating_authority: authority.as_deref(),
                    designated_on,
                    expertise: NewOrganisation::expertise_codes(&areas),
                    created_at: db::now(),
                },
            )?;
            crate::db::audit::append(conn, &actor.audit(AuditAction::OrganisationAdded).organisation(id))?;
            Ok(true)
        })
        .await?;
    if !created {
        let mut errors = FieldErrors::default();
        errors.add("name", "error.name_taken");
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form, errors).await;
    }
    state.choices.forget();
    Ok(see_other("/admin/organisations"))
}

/// `POST /admin/organisations/{id}/delete`: deletes a partner organisation. Every member is
/// deleted and every case not under legal hold is anonymised now; counts remain. The admin types
/// the organisation's name, and a fresh code.
#[tracing::instrument(skip_all, fields(organisation = %id))]
pub async fn delete(state: web::Data<AppState>, posted: Posted, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let Posted { user, mut form } = posted;
    user.ensure_platform_admin()?;
    let id = OrgId(id.into_inner());
    let organisation = state
        .db(move |conn| Ok(organisations::find(conn, id)?))
        .await?
        .filter(|o| o.kind == OrgKind::Partner && o.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    form.set("deleting", &id.0.to_string());
    let mut errors = FieldErrors::default();
    if form.get("confirm_name").trim() != organisation.name {
        errors.add("confirm_name", "admin.delete_organisation_name");
    } else {
        crate::routes::step_up::confirm(&state, &user, &form, &mut errors).await?;
    }
    if !errors.is_empty() {
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form, errors).await;
    }
    let storage = state.storage.clone();
    let actor = user.clone();
    state
        .tx(move |conn| {
            let now = db::now();
            if crate::db::retention::delete_organisation(conn, &storage, id, actor.user.user_id, now)? {
                crate::db::audit::append(conn, &actor.audit(AuditAction::OrganisationDeleted).organisation(id))?;
            }
            Ok(())
        })
        .await?;
    tracing::warn!("organisation deleted");
    Ok(see_other("/admin/organisations?deleted=1"))
}
