//! `GET/POST /sign-in/forgot`: asks for a reset link. The answer is the same whether or not the
//! address has an account, and a link is only ever sent to the address itself.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::db::{self, users};
use crate::domain::email_address::EmailAddress;
use crate::domain::notification::TokenPurpose;
use crate::email::notify;
use crate::error::AppError;
use crate::routes::anonymous::{attach_csrf, language, new_csrf, read_form};
use crate::routes::page::{Page, render};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "account/forgot.html")]
struct ForgotTemplate<'a> {
    page: Page<'a>,
    csrf: &'a str,
    sent: bool,
}

fn respond(state: &AppState, request: &HttpRequest, sent: bool) -> Result<HttpResponse, AppError> {
    let csrf = new_csrf();
    let page = Page::signed_out(state, language(request));
    let mut response = render(StatusCode::OK, &ForgotTemplate { page, csrf: &csrf, sent })?;
    attach_csrf(state, &mut response, &csrf)?;
    Ok(response)
}

pub async fn form(state: web::Data<AppState>, request: HttpRequest) -> Result<HttpResponse, AppError> {
    respond(&state, &request, false)
}

#[tracing::instrument(skip_all)]
pub async fn submit(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = read_form(&request, payload).await?;
    if let Ok(email) = EmailAddress::parse(form.get("email")) {
        state
            .tx(move |conn| {
                let account = users::credentials(conn, email.as_str())?.filter(|c| c.disabled_at.is_none());
                if let Some(account) = account {
                    notify::account_link(
                        conn,
                        crate::domain::ids::UserId(account.id),
                        TokenPurpose::PasswordReset,
                        db::now(),
                    )?;
                }
                Ok(())
            })
            .await?;
    }
    respond(&state, &request, true)
}
