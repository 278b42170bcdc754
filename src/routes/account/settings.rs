//! `GET /account`, `POST /account/notifications`, `POST /account/password`,
//! `POST /account/email`: a user's own settings: which emails they want, their password (a
//! change ends every other session and is confirmed by a security email) and their email
//! address (changed only once a link sent to the new address is opened).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::current_user::CurrentUser;
use crate::auth::password;
use crate::db::{self, audit, sessions, users};
use crate::domain::account::check_new_password;
use crate::domain::audit::AuditAction;
use crate::domain::category::Category;
use crate::domain::email_address::EmailAddress;
use crate::domain::new_case::FieldErrors;
use crate::domain::notification::NotificationKind;
use crate::domain::role::Role;
use crate::email::notify;
use crate::error::AppError;
use crate::routes::form::{FormData, Posted};
use crate::routes::page::{Page, render, see_other};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "account/settings.html")]
struct SettingsTemplate<'a> {
    page: Page<'a>,
    kinds: Vec<NotificationKind>,
    muted: Vec<NotificationKind>,
    /// For liaisons: every category, and those they follow (none stored: all).
    categories: &'static [Category],
    followed: Vec<Category>,
    /// Case emails come once a day, in one summary.
    daily: bool,
    /// When the summary goes, in the portal's zone.
    digest_time: String,
    /// The account's address now, and the new one typed into a refused form.
    email: String,
    typed_email: String,
    errors: FieldErrors,
    saved: &'a str,
}

impl SettingsTemplate<'_> {
    fn wants(&self, kind: &NotificationKind) -> bool {
        !self.muted.contains(kind)
    }

    fn follows(&self, category: &Category) -> bool {
        self.followed.is_empty() || self.followed.contains(category)
    }

    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field)
    }
}

/// The kinds of email a user of this side can receive, hence choose.
fn choosable(user: &CurrentUser) -> Vec<NotificationKind> {
    use NotificationKind::*;
    if user.user.role.is_staff() {
        vec![CaseFiled, Message, StatusChanged, Assigned]
    } else {
        vec![Message, InformationRequested, StatusChanged, Decided, Closed]
    }
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    errors: FieldErrors,
    typed_email: String,
    saved: &str,
) -> Result<HttpResponse, AppError> {
    let id = user.user.user_id;
    let (muted, followed, email, daily) = state
        .db(move |conn| {
            let muted = users::muted(conn, id)?;
            let followed = users::followed(conn, id)?;
            Ok((muted, followed, users::email(conn, id)?, users::takes_daily_digest(conn, id)?))
        })
        .await?;
    let page = Page::for_user(state, user, "account");
    let categories = if user.user.role == Role::Liaison { Category::ALL } else { &[] };
    let kinds = choosable(user);
    let digest_time = format!("{:02}:00 ({})", state.settings.digest_hour, state.tz.name());
    let template = SettingsTemplate {
        page,
        kinds,
        muted,
        categories,
        followed,
        daily,
        digest_time,
        email,
        typed_email,
        errors,
        saved,
    };
    render(status, &template)
}

pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = FormData::from_query(&request)?;
    let saved = match query.get("saved") {
        "notifications" => "account.saved_notifications",
        "password" => "account.saved_password",
        "email_sent" => "account.saved_email_sent",
        "email" => "account.saved_email",
        _ => "",
    };
    show(&state, &user, StatusCode::OK, FieldErrors::default(), String::new(), saved).await
}

#[tracing::instrument(skip_all)]
pub async fn notifications(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    let muted: Vec<NotificationKind> = choosable(&user).into_iter().filter(|k| !form.checked(k.code())).collect();
    let followed: Vec<Category> =
        Category::ALL.iter().copied().filter(|c| form.checked(&format!("follow_{}", c.code()))).collect();
    let liaison = user.user.role == Role::Liaison;
    let daily = match form.get("delivery") {
        "daily" => true,
        "immediate" | "" => false,
        _ => return Err(AppError::BadRequest("error_page.unknown_choice")),
    };
    let id = user.user.user_id;
    state
        .tx(move |conn| {
            users::set_muted(conn, id, &muted)?;
            users::set_daily_digest(conn, id, daily)?;
            if liaison {
                users::set_followed(conn, id, &followed)?;
            }
            Ok(())
        })
        .await?;
    Ok(see_other("/account?saved=notifications"))
}

#[tracing::instrument(skip_all)]
pub async fn password(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    let id = user.user.user_id;
    let current = form.get("current").to_owned();
    let chosen = form.get("password").to_owned();
    let mut errors = FieldErrors::default();
    check_new_password(&chosen, form.get("confirm"), &mut errors);
    if !password::is_current(&state, id, current).await? {
        errors.add("current", "error.wrong_password");
    }
    if !errors.is_empty() {
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, errors, String::new(), "").await;
    }
    let hash = state.hashing.run(move || password::hash(&chosen)).await?.map_err(AppError::internal)?;
    let keep = user.user.token_hash.clone();
    let actor = user.clone();
    state
        .tx(move |conn| {
            users::set_password(conn, id, &hash)?;
            audit::append(conn, &actor.audit(AuditAction::PasswordChanged).subject(id))?;
            // Every other session ends: whoever knew the old password is signed out.
            sessions::delete_for_user_except(conn, id, &keep)?;
            notify::password_changed(conn, id, db::now())?;
            Ok(())
        })
        .await?;
    Ok(see_other("/account?saved=password"))
}

/// Asks to change one's email address, with the current password. The answer never says
/// whether another account uses the address (that would tell a partner who has an account
/// elsewhere): a link goes only to an address no account uses, and the change waits for it.
#[tracing::instrument(skip_all)]
pub async fn email(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    let id = user.user.user_id;
    let typed = form.get("new_email").to_owned();
    let current = form.get("email_password").to_owned();
    let mut errors = FieldErrors::default();
    let wanted = EmailAddress::parse(&typed).ok();
    let own = state.db(move |conn| Ok(users::email(conn, id)?)).await?;
    match &wanted {
        None => errors.add("new_email", "error.invalid_email"),
        Some(wanted) if wanted.as_str() == own => errors.add("new_email", "error.same_email"),
        Some(_) => {}
    }
    if !password::is_current(&state, id, current).await? {
        errors.add("email_password", "error.wrong_password");
    }
    let Some(wanted) = wanted.filter(|_| errors.is_empty()) else {
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, errors, typed, "").await;
    };
    state
        .tx(move |conn| {
            if !users::email_taken(conn, wanted.as_str())? {
                notify::email_change_link(conn, id, wanted.as_str(), db::now())?;
            }
            Ok(())
        })
        .await?;
    Ok(see_other("/account?saved=email_sent"))
}
