//! One person's page for whoever manages them: `GET /admin/users/{id}` (platform admins, anyone)
//! and `GET /team/{id}` (a partner admin, their own organisation's people only). From there a
//! role change and deleting the person, both sensitive: the form asks for a fresh code.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::current_user::CurrentUser;
use crate::db::users::{self, UserSummary};
use crate::db::{self, audit, retention};
use crate::domain::audit::AuditAction;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::new_case::FieldErrors;
use crate::domain::role::{OrgKind, Role};
use crate::error::AppError;
use crate::routes::form::{FormData, Posted};
use crate::routes::page::{Page, render, see_other};
use crate::routes::step_up::{self, Ask};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "person.html")]
struct PersonTemplate<'a> {
    page: Page<'a>,
    person: UserSummary,
    /// Where this page lives: `/admin/users/{id}` or `/team/{id}`.
    base: String,
    /// The list this person belongs to.
    back: &'static str,
    roles: Vec<Role>,
    form: FormData,
    errors: FieldErrors,
    /// Which form the errors belong to: `role` or `delete`.
    failed: &'static str,
    ask: Ask,
    /// The person is the reader: no role change or deletion of oneself.
    own: bool,
    done: &'static str,
}

impl PersonTemplate<'_> {
    fn error(&self, form: &str, field: &str) -> Option<&'static str> {
        if self.failed == form { self.errors.get(field) } else { None }
    }

    fn step_up_error(&self, form: &str) -> Option<&'static str> {
        self.error(form, crate::routes::step_up::FIELD)
    }
}

/// Who manages whom: platform admins anyone, a partner admin the people of their organisation.
struct Manager {
    scope: Option<OrgId>,
    /// The list of people, and `{base}/{id}` each one's page.
    base: &'static str,
}

/// Which set of pages a request came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Admin,
    Team,
}

fn manager(user: &CurrentUser, area: Area) -> Result<Manager, AppError> {
    match (area, user.user.role) {
        (Area::Admin, Role::PlatformAdmin) => Ok(Manager { scope: None, base: "/admin/users" }),
        (Area::Team, Role::PartnerAdmin) => Ok(Manager { scope: Some(user.user.organisation_id), base: "/team" }),
        _ => Err(AppError::NotFound),
    }
}

/// The person `id` if `user` manages them through `area` (a partner admin only their own
/// organisation's people, in SQL); otherwise, or if deleted, the same 404 as nobody.
async fn managed(
    state: &AppState,
    user: &CurrentUser,
    area: Area,
    id: UserId,
) -> Result<(Manager, UserSummary, OrgId, OrgKind), AppError> {
    let manager = manager(user, area)?;
    let scope = manager.scope;
    let (person, organisation, kind) =
        state.db(move |conn| Ok(users::person(conn, id, scope)?)).await?.ok_or(AppError::NotFound)?;
    Ok((manager, person, organisation, kind))
}

/// The roles a manager may give in this organisation.
fn roles_for(kind: OrgKind) -> Vec<Role> {
    Role::ALL.iter().copied().filter(|role| kind.allows(*role)).collect()
}

#[allow(clippy::too_many_arguments, reason = "the page's state, each part named")]
async fn show(
    state: &AppState,
    user: &CurrentUser,
    area: Area,
    id: UserId,
    status: StatusCode,
    form: FormData,
    errors: FieldErrors,
    failed: &'static str,
    done: &'static str,
) -> Result<HttpResponse, AppError> {
    let (manager, person, _, kind) = managed(state, user, area, id).await?;
    let template = PersonTemplate {
        page: Page::for_user(state, user, if manager.scope.is_some() { "team" } else { "users" }),
        base: format!("{}/{}", manager.base, id.0),
        back: manager.base,
        roles: roles_for(kind),
        own: person.id == user.user.user_id,
        person,
        form,
        errors,
        failed,
        ask: step_up::ask(state, user),
        done,
    };
    render(status, &template)
}

/// Enabling an admin again gives back an admin's powers: it asks for a fresh proof like adding
/// one. `Some(page)` is the refusal (this person's page, with the field to type it in).
pub async fn confirm_enabling(
    state: &AppState,
    user: &CurrentUser,
    area: Area,
    target: UserId,
    form: &FormData,
) -> Result<Option<HttpResponse>, AppError> {
    let (_, person, _, _) = managed(state, user, area, target).await?;
    if !matches!(person.role, Role::PartnerAdmin | Role::PlatformAdmin) {
        return Ok(None);
    }
    let mut errors = FieldErrors::default();
    step_up::confirm(state, user, form, &mut errors).await?;
    if errors.is_empty() {
        return Ok(None);
    }
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(Some(show(state, user, area, target, status, form.clone(), errors, "enable", "").await?))
}

fn target(raw: &str) -> Result<UserId, AppError> {
    raw.parse::<i64>().map(UserId).map_err(|_| AppError::NotFound)
}

/// The pages a request came through: `/admin/users/…` or `/team/…`.
fn area_of(request: &HttpRequest) -> Area {
    if request.path().starts_with("/admin/") { Area::Admin } else { Area::Team }
}

pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let area = area_of(&request);
    let done = match FormData::from_query(&request)?.get("done") {
        "role" => "person.role_changed",
        _ => "",
    };
    show(&state, &user, area, target(&id)?, StatusCode::OK, FormData::default(), FieldErrors::default(), "", done).await
}

/// Changes a person's role; every session of theirs ends.
#[tracing::instrument(skip_all, fields(person = %id))]
pub async fn role(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    let area = area_of(&request);
    let id = target(&id)?;
    let (manager, person, organisation, kind) = managed(&state, &user, area, id).await?;
    let mut errors = FieldErrors::default();
    if id == user.user.user_id {
        errors.add("role", "person.not_yourself");
    }
    let wanted = Role::parse(form.get("role")).filter(|role| kind.allows(*role));
    if wanted.is_none() {
        errors.add("role", "error.unknown_choice");
    }
    if errors.is_empty() {
        step_up::confirm(&state, &user, &form, &mut errors).await?;
    }
    let Some(wanted) = wanted.filter(|_| errors.is_empty()) else {
        return show(&state, &user, area, id, StatusCode::UNPROCESSABLE_ENTITY, form, errors, "role", "").await;
    };
    if wanted != person.role {
        let actor = user.clone();
        let from = person.role;
        state
            .tx(move |conn| {
                if !users::change_role(conn, id, from, wanted)? {
                    return Err(AppError::Conflict);
                }
                let detail = format!("{}>{}", from.code(), wanted.code());
                let entry = actor.audit(AuditAction::RoleChanged).organisation(organisation).subject(id);
                audit::append(conn, &entry.detail(&detail))?;
                Ok(())
            })
            .await?;
        tracing::warn!(from = %person.role, to = %wanted, "role changed");
    }
    Ok(see_other(&format!("{}/{}?done=role", manager.base, id.0)))
}

/// Deletes a person: they can never sign in again and their name and address are gone; the
/// cases they filed or handled stay, and so do the counts.
#[tracing::instrument(skip_all, fields(person = %id))]
pub async fn delete(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    let area = area_of(&request);
    let id = target(&id)?;
    let (manager, _, organisation, _) = managed(&state, &user, area, id).await?;
    let mut errors = FieldErrors::default();
    if id == user.user.user_id {
        errors.add("confirm", "person.not_yourself");
    } else if !form.checked("confirm") {
        errors.add("confirm", "person.confirm_delete");
    }
    if errors.is_empty() {
        step_up::confirm(&state, &user, &form, &mut errors).await?;
    }
    if !errors.is_empty() {
        return show(&state, &user, area, id, StatusCode::UNPROCESSABLE_ENTITY, form, errors, "delete", "").await;
    }
    let actor = user.clone();
    state
        .tx(move |conn| {
            if retention::delete_user(conn, id, db::now())? {
                audit::append(conn, &actor.audit(AuditAction::UserDeleted).organisation(organisation).subject(id))?;
            }
            Ok(())
        })
        .await?;
    tracing::warn!("person deleted");
    Ok(see_other(&format!("{}?deleted=1", manager.base)))
}
