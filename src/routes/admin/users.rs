//! `GET/POST /admin/users`: create users with a role in an organisation; disable (ending every
//! session at once) and enable them.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::current_user::CurrentUser;
use crate::auth::password;
use crate::db;
use crate::db::organisations::{self, Organisation};
use crate::db::users::{self, NewUser, UserSummary};
use crate::domain::account::NewAccount;
use crate::domain::audit::AuditAction;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::new_case::FieldErrors;
use crate::domain::notification::TokenPurpose;
use crate::domain::role::Role;
use crate::email::notify;
use crate::error::AppError;
use crate::routes::form::{FormData, Posted};
use crate::routes::page::{Page, render, see_other};
use crate::routes::step_up;
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersTemplate<'a> {
    page: Page<'a>,
    users: Vec<UserSummary>,
    organisations: Vec<Organisation>,
    roles: &'static [Role],
    form: FormData,
    errors: FieldErrors,
    /// The address an invitation was just sent to.
    invited: Option<String>,
    ask: step_up::Ask,
}

impl UsersTemplate<'_> {
    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field)
    }

    fn step_up_error(&self, _which: &str) -> Option<&'static str> {
        self.errors.get(step_up::FIELD)
    }
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    form: FormData,
    errors: FieldErrors,
    invited: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (users, organisations) = state.db(|conn| Ok((users::list(conn, None)?, organisations::all(conn)?))).await?;
    let template = UsersTemplate {
        page: Page::for_user(state, user, "users"),
        users,
        organisations,
        roles: Role::ALL,
        form,
        errors,
        invited,
        ask: step_up::ask(state, user),
    };
    render(status, &template)
}

pub async fn get(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.ensure_platform_admin()?;
    show(&state, &user, StatusCode::OK, FormData::default(), FieldErrors::default(), None).await
}

#[tracing::instrument(skip_all)]
pub async fn post(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    user.ensure_platform_admin()?;
    // No password typed: the user is invited by email and chooses their own.
    let typed_password = Some(form.get("password")).filter(|p| !p.is_empty());
    let account = NewAccount::parse(form.get("email"), form.get("display_name"), form.get("role"), typed_password);
    let organisation = form.get("organisation").parse::<i64>().ok().map(OrgId);
    let (account, organisation) = match (account, organisation) {
        (Ok(account), Some(org)) => (account, org),
        (account, org) => {
            let mut errors = account.err().unwrap_or_default();
            if org.is_none() {
                errors.add("organisation", "error.choose_one");
            }
            return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form, errors, None).await;
        }
    };
    // Adding someone may add an admin: as sensitive as changing a role.
    let mut errors = FieldErrors::default();
    step_up::confirm(&state, &user, &form, &mut errors).await?;
    if !errors.is_empty() {
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form, errors, None).await;
    }
    let hash = match account.password.clone() {
        Some(clear) => state.hashing.run(move || password::hash(&clear)).await?.map_err(AppError::internal)?,
        None => password::NO_PASSWORD_YET.to_owned(),
    };
    let invite = account.password.is_none();
    let stored = account.clone();
    let actor = user.clone();
    let refusal = state
        .tx(move |conn| {
            let mut errors = FieldErrors::default();
            match organisations::find(conn, organisation)?.filter(|org| org.deleted_at.is_none()) {
                None => errors.add("organisation", "error.unknown_choice"),
                Some(org) if !org.kind.allows(stored.role) => errors.add("role", "error.role_not_for_organisation"),
                Some(_) => {}
            }
            if users::email_taken(conn, stored.email.as_str())? {
                errors.add("email", "error.email_taken");
            }
            if !errors.is_empty() {
                return Ok(Some(errors));
            }
            let created = users::insert(
                conn,
                &NewUser {
                    organisation_id: organisation.0,
                    email: stored.email.as_str(),
                    display_name: &stored.display_name,
                    password_hash: &hash,
                    role: stored.role.code(),
                    locale: None,
                    created_at: db::now(),
                },
            )?;
            if invite {
                notify::account_link(conn, created, TokenPurpose::Invitation, db::now())?;
            }
            let added = actor.audit(AuditAction::UserInvited).organisation(organisation).subject(created);
            crate::db::audit::append(conn, &added.detail(stored.role.code()))?;
            Ok(None)
        })
        .await?;
    if let Some(errors) = refusal {
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form, errors, None).await;
    }
    state.choices.forget();
    if invite {
        let invited = Some(account.email.as_str().to_owned());
        return show(&state, &user, StatusCode::OK, FormData::default(), FieldErrors::default(), invited).await;
    }
    Ok(see_other("/admin/users"))
}

async fn set_enabled(state: &AppState, posted: Posted, id: i64, enabled: bool) -> Result<HttpResponse, AppError> {
    posted.user.ensure_platform_admin()?;
    let target = UserId(id);
    let admin = posted.user.user.user_id;
    if target == admin {
        return Err(AppError::BadRequest("error_page.cannot_disable_self"));
    }
    if enabled
        && let Some(refused) = crate::routes::person::confirm_enabling(
            state,
            &posted.user,
            crate::routes::person::Area::Admin,
            target,
            &posted.form,
        )
        .await?
    {
        return Ok(refused);
    }
    let address = posted.user.address.clone();
    let changed = state
        .tx(move |conn| {
            let changed =
                if enabled { users::enable(conn, target)? } else { users::disable(conn, target, db::now(), admin)? };
            if changed > 0 {
                let action = if enabled { AuditAction::UserEnabled } else { AuditAction::UserDisabled };
                crate::db::audit::append_about(conn, action, Some(admin), target, address.as_deref())?;
            }
            Ok(changed)
        })
        .await?;
    if changed == 0 && users_missing(state, target).await? {
        return Err(AppError::NotFound);
    }
    Ok(see_other("/admin/users"))
}

async fn users_missing(state: &AppState, id: UserId) -> Result<bool, AppError> {
    state.db(move |conn| Ok(users::organisation_of(conn, id)?.is_none())).await
}

#[tracing::instrument(skip_all, fields(user = %id))]
pub async fn disable(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    set_enabled(&state, posted, id, false).await
}

#[tracing::instrument(skip_all, fields(user = %id))]
pub async fn enable(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    set_enabled(&state, posted, id, true).await
}
