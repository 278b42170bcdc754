//! `GET/POST /account/email/{token}`: confirming a new email address from the link sent to it.
//! The page asks before changing anything (mail scanners open links); the change notifies the
//! previous address. A wrong, used or expired link gets its own clear page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::current_user::lookup;
use crate::auth::tokens::hash_token;
use crate::db::account_tokens::{self, TokenState};
use crate::db::{self, audit, users};
use crate::domain::audit::AuditAction;
use crate::domain::ids::UserId;
use crate::domain::notification::TokenPurpose;
use crate::email::notify;
use crate::error::AppError;
use crate::routes::anonymous::{attach_csrf, language, new_csrf, read_form};
use crate::routes::auth::sign_in::client_address;
use crate::routes::page::{Page, render, see_other};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "account/confirm_email.html")]
struct ConfirmTemplate<'a> {
    page: Page<'a>,
    csrf: &'a str,
    action: &'a str,
    email: &'a str,
}

/// The link's token id, account and new address, or the page that says why it does not work.
async fn usable(state: &AppState, token: &str) -> Result<(i64, UserId, String), AppError> {
    let hash = hash_token(token);
    let (checked, address) = state
        .db(move |conn| {
            let checked = account_tokens::check(conn, &hash, TokenPurpose::EmailChange, db::now())?;
            let address = match checked {
                TokenState::Usable { id, .. } => account_tokens::new_email(conn, id)?,
                _ => None,
            };
            Ok((checked, address))
        })
        .await?;
    match (checked, address) {
        (TokenState::Usable { id, user }, Some(address)) => Ok((id, user, address)),
        (TokenState::Used, _) => Err(AppError::LinkRefused("link.used")),
        (TokenState::Expired, _) => Err(AppError::LinkRefused("link.expired")),
        _ => Err(AppError::LinkRefused("link.unknown")),
    }
}

pub async fn form(
    state: web::Data<AppState>,
    request: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (_, _, email) = usable(&state, &token).await?;
    let csrf = new_csrf();
    let page = Page::signed_out(&state, language(&request));
    let action = request.uri().path().to_owned();
    let mut response = render(StatusCode::OK, &ConfirmTemplate { page, csrf: &csrf, action: &action, email: &email })?;
    attach_csrf(&state, &mut response, &csrf)?;
    Ok(response)
}

#[tracing::instrument(skip_all)]
pub async fn submit(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    read_form(&request, payload).await?;
    let (token_id, user, address) = usable(&state, &token).await?;
    let from = client_address(&request, state.settings.behind_proxy);
    state
        .tx(move |conn| {
            let now = db::now();
            if !account_tokens::use_up(conn, token_id, now)? {
                return Err(AppError::LinkRefused("link.used"));
            }
            let previous = users::email(conn, user)?;
            if !users::set_email(conn, user, &address)? {
                return Err(AppError::LinkRefused("link.email_taken"));
            }
            // Links already sent to the previous address, perhaps a mailbox the user lost, die.
            account_tokens::withdraw(conn, user, TokenPurpose::PasswordReset, now)?;
            account_tokens::withdraw(conn, user, TokenPurpose::Invitation, now)?;
            notify::email_changed(conn, user, &previous, now)?;
            audit::append_about(conn, AuditAction::EmailChanged, Some(user), user, from.as_deref())?;
            Ok(())
        })
        .await?;
    // Whoever is signed in as this account goes back to it; anyone else signs in anew.
    let signed_in_here = lookup(&request).await?.is_some_and(|session| session.user_id == user);
    Ok(see_other(if signed_in_here { "/account?saved=email" } else { "/sign-in?done=email" }))
}
