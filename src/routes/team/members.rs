//! `GET /team` and `POST /team/{id}/disable|enable`: a partner admin sees the users of their
//! organisation and can disable one (ending their sessions at once) or enable them again. A user
//! of another organisation is exactly as absent as one that does not exist.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::current_user::CurrentUser;
use crate::db::users::{self, UserSummary};
use crate::db::{self, two_factor};
use crate::domain::audit::AuditAction;
use crate::domain::ids::UserId;
use crate::domain::new_case::FieldErrors;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::routes::form::{FormData, Posted};
use crate::routes::page::{Page, render, see_other};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "team/members.html")]
struct TeamTemplate<'a> {
    page: Page<'a>,
    members: Vec<UserSummary>,
    roles: [Role; 2],
    form: FormData,
    errors: FieldErrors,
    /// The address an invitation was just sent to.
    invited: Option<String>,
    /// The organisation requires a second factor; the platform requires one of its members, or of
    /// everyone.
    requires_two_factor: bool,
    platform_requires: bool,
    everywhere: bool,
    ask: crate::routes::step_up::Ask,
}

impl TeamTemplate<'_> {
    fn is_me(&self, member: &UserSummary) -> bool {
        self.page.user.is_some_and(|u| u.user_id == member.id)
    }

    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field)
    }

    fn step_up_error(&self, _which: &str) -> Option<&'static str> {
        self.errors.get(crate::routes::step_up::FIELD)
    }
}

pub fn ensure_partner_admin(user: &CurrentUser) -> Result<(), AppError> {
    if user.user.role == Role::PartnerAdmin { Ok(()) } else { Err(AppError::NotFound) }
}

/// The team page, with the invitation form as typed and its errors.
pub async fn show(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    form: FormData,
    errors: FieldErrors,
    invited: Option<String>,
) -> Result<HttpResponse, AppError> {
    let organisation = user.user.organisation_id;
    let (members, (requires_two_factor, platform_requires), everywhere) = state
        .db(move |conn| {
            let members = users::list(conn, Some(organisation))?;
            Ok((members, two_factor::organisation_requires(conn, organisation)?, two_factor::everywhere(conn)?))
        })
        .await?;
    let page = Page::for_user(state, user, "team");
    let roles = [Role::PartnerCaseworker, Role::PartnerAdmin];
    let template = TeamTemplate {
        page,
        members,
        roles,
        form,
        errors,
        invited,
        requires_two_factor,
        platform_requires,
        everywhere,
        ask: crate::routes::step_up::ask(state, user),
    };
    render(status, &template)
}

pub async fn get(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    ensure_partner_admin(&user)?;
    show(&state, &user, StatusCode::OK, FormData::default(), FieldErrors::default(), None).await
}

async fn set_enabled(state: &AppState, posted: Posted, id: &str, enabled: bool) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    ensure_partner_admin(&user)?;
    let target = UserId(id.parse().map_err(|_| AppError::NotFound)?);
    if target == user.user.user_id {
        return Err(AppError::BadRequest("error_page.cannot_disable_self"));
    }
    if enabled
        && let Some(refused) =
            crate::routes::person::confirm_enabling(state, &user, crate::routes::person::Area::Team, target, &form)
                .await?
    {
        return Ok(refused);
    }
    let organisation = user.user.organisation_id;
    let admin = user.user.user_id;
    let actor = user.clone();
    state
        .tx(move |conn| {
            if users::organisation_of(conn, target)? != Some(organisation) {
                return Err(AppError::NotFound);
            }
            if enabled {
                let by = users::disabled_by_organisation(conn, target)?;
                if by.is_some_and(|org| org != organisation) {
                    // The platform disabled this account; only the platform can enable it.
                    return Err(AppError::BadRequest("error_page.disabled_by_platform"));
                }
            }
            let changed =
                if enabled { users::enable(conn, target)? } else { users::disable(conn, target, db::now(), admin)? };
            if changed > 0 {
                let action = if enabled { AuditAction::UserEnabled } else { AuditAction::UserDisabled };
                crate::db::audit::append(conn, &actor.audit(action).subject(target))?;
            }
            Ok(())
        })
        .await?;
    Ok(see_other("/team"))
}

#[tracing::instrument(skip_all, fields(user = %id))]
pub async fn disable(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_enabled(&state, posted, &id, false).await
}

#[tracing::instrument(skip_all, fields(user = %id))]
pub async fn enable(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_enabled(&state, posted, &id, true).await
}
