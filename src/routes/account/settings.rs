//! `GET /account`, `POST /account/notifications`, `POST /account/password`: a user's own
//! settings: which emails they want, and their password (a change ends every other session and
//! is confirmed by a security email).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::current_user::CurrentUser;
use crate::auth::password;
use crate::db::{self, sessions, users};
use crate::domain::account::check_new_password;
use crate::domain::category::Category;
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
    saved: &str,
) -> Result<HttpResponse, AppError> {
    let id = user.user.user_id;
    let (muted, followed) = state.db(move |conn| Ok((users::muted(conn, id)?, users::followed(conn, id)?))).await?;
    let page = Page::for_user(state, user, "account");
    let categories = if user.user.role == Role::Liaison { Category::ALL } else { &[] };
    render(status, &SettingsTemplate { page, kinds: choosable(user), muted, categories, followed, errors, saved })
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
        _ => "",
    };
    show(&state, &user, StatusCode::OK, FieldErrors::default(), saved).await
}

#[tracing::instrument(skip_all)]
pub async fn notifications(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    let muted: Vec<NotificationKind> = choosable(&user).into_iter().filter(|k| !form.checked(k.code())).collect();
    let followed: Vec<Category> =
        Category::ALL.iter().copied().filter(|c| form.checked(&format!("follow_{}", c.code()))).collect();
    let liaison = user.user.role == Role::Liaison;
    let id = user.user.user_id;
    state
        .tx(move |conn| {
            users::set_muted(conn, id, &muted)?;
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
    let stored = state.db(move |conn| Ok(users::password_hash(conn, id)?)).await?;
    let right = web::block(move || password::verify(&current, Some(&stored))).await?;
    if !right {
        errors.add("current", "error.wrong_password");
    }
    if !errors.is_empty() {
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, errors, "").await;
    }
    let hash = web::block(move || password::hash(&chosen)).await?.map_err(AppError::internal)?;
    let keep = user.user.token_hash.clone();
    state
        .tx(move |conn| {
            users::set_password(conn, id, &hash)?;
            // Every other session ends: whoever knew the old password is signed out.
            sessions::delete_for_user_except(conn, id, &keep)?;
            notify::password_changed(conn, id, db::now())?;
            Ok(())
        })
        .await?;
    Ok(see_other("/account?saved=password"))
}
