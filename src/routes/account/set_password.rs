//! `GET/POST /account/setup/{token}` (an invitation) and `/account/reset/{token}` (a reset):
//! choosing a password from a single-use link. A wrong, used or expired link gets its own clear
//! page; a used link never works twice, even from two tabs at once.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::password;
use crate::auth::tokens::hash_token;
use crate::db::account_tokens::{self, TokenState};
use crate::db::{self, audit, sessions, users};
use crate::domain::account::check_new_password;
use crate::domain::audit::AuditAction;
use crate::domain::ids::UserId;
use crate::domain::new_case::FieldErrors;
use crate::domain::notification::TokenPurpose;
use crate::email::notify;
use crate::error::AppError;
use crate::routes::anonymous::{attach_csrf, language, new_csrf, read_form};
use crate::routes::auth::sign_in::client_address;
use crate::routes::page::{Page, render, see_other};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "account/set_password.html")]
struct SetPasswordTemplate<'a> {
    page: Page<'a>,
    csrf: &'a str,
    action: &'a str,
    invitation: bool,
    errors: FieldErrors,
}

impl SetPasswordTemplate<'_> {
    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field)
    }
}

fn respond(
    state: &AppState,
    request: &HttpRequest,
    purpose: TokenPurpose,
    status: StatusCode,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let csrf = new_csrf();
    let page = Page::signed_out(state, language(request));
    let action = request.uri().path().to_owned();
    let invitation = purpose == TokenPurpose::Invitation;
    let mut response = render(status, &SetPasswordTemplate { page, csrf: &csrf, action: &action, invitation, errors })?;
    attach_csrf(state, &mut response, &csrf)?;
    Ok(response)
}

/// The account behind a usable link, or the page that says why the link does not work.
async fn usable(state: &AppState, token: &str, purpose: TokenPurpose) -> Result<(i64, UserId), AppError> {
    let hash = hash_token(token);
    match state.db(move |conn| Ok(account_tokens::check(conn, &hash, purpose, db::now())?)).await? {
        TokenState::Usable { id, user } => Ok((id, user)),
        TokenState::Used => Err(AppError::LinkRefused("link.used")),
        TokenState::Expired => Err(AppError::LinkRefused("link.expired")),
        TokenState::Unknown => Err(AppError::LinkRefused("link.unknown")),
    }
}

async fn show(
    state: web::Data<AppState>,
    request: HttpRequest,
    token: web::Path<String>,
    purpose: TokenPurpose,
) -> Result<HttpResponse, AppError> {
    usable(&state, &token, purpose).await?;
    respond(&state, &request, purpose, StatusCode::OK, FieldErrors::default())
}

async fn submit(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
    token: web::Path<String>,
    purpose: TokenPurpose,
) -> Result<HttpResponse, AppError> {
    let form = read_form(&request, payload).await?;
    let (token_id, user) = usable(&state, &token, purpose).await?;
    let chosen = form.get("password").to_owned();
    let mut errors = FieldErrors::default();
    check_new_password(&chosen, form.get("confirm"), &mut errors);
    if !errors.is_empty() {
        return respond(&state, &request, purpose, StatusCode::UNPROCESSABLE_ENTITY, errors);
    }
    let hash = state.hashing.run(move || password::hash(&chosen)).await?.map_err(AppError::internal)?;
    let from = client_address(&request, state.settings.behind_proxy);
    state
        .tx(move |conn| {
            let now = db::now();
            if !account_tokens::use_up(conn, token_id, now)? {
                return Err(AppError::LinkRefused("link.used"));
            }
            users::set_password(conn, user, &hash)?;
            // A new password ends every session, wherever it was.
            sessions::delete_for_user(conn, user)?;
            audit::append_about(conn, AuditAction::PasswordChanged, Some(user), user, from.as_deref())?;
            if purpose == TokenPurpose::PasswordReset {
                notify::password_changed(conn, user, now)?;
            }
            Ok(())
        })
        .await?;
    Ok(see_other("/sign-in?done=password"))
}

pub async fn setup_form(
    state: web::Data<AppState>,
    request: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show(state, request, token, TokenPurpose::Invitation).await
}

pub async fn setup(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    submit(state, request, payload, token, TokenPurpose::Invitation).await
}

pub async fn reset_form(
    state: web::Data<AppState>,
    request: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show(state, request, token, TokenPurpose::PasswordReset).await
}

pub async fn reset(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    submit(state, request, payload, token, TokenPurpose::PasswordReset).await
}
