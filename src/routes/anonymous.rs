//! What the forms used before signing in share: a double-submit CSRF cookie and the language
//! chosen with `?lang=` or the browser's.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::tokens::{constant_time_eq, random_token};
use crate::error::AppError;
use crate::i18n::{Lang, negotiate};
use crate::routes::form::{FormData, read_body};
use crate::startup::AppState;

/// The double-submit CSRF cookie of forms used before signing in.
pub const CSRF_COOKIE: &str = "passerelle_signin";

/// A fresh token for a signed-out form; `attach_csrf` sets the matching cookie.
pub fn new_csrf() -> String {
    random_token()
}

pub fn attach_csrf(state: &AppState, response: &mut HttpResponse, csrf: &str) -> Result<(), AppError> {
    let cookie = Cookie::build(CSRF_COOKIE, csrf.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.secure_cookies())
        .finish();
    response.add_cookie(&cookie).map_err(AppError::internal)
}

/// Refuses a signed-out form whose `csrf` field does not match its cookie.
fn check_csrf(request: &HttpRequest, form: &FormData) -> Result<(), AppError> {
    let cookie = request.cookie(CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if cookie.is_empty() || !constant_time_eq(&cookie, form.get("csrf")) { Err(AppError::CsrfRejected) } else { Ok(()) }
}

/// Reads a form posted before signing in, refusing it unless its CSRF field matches the cookie.
pub async fn read_form(request: &HttpRequest, payload: web::Payload) -> Result<FormData, AppError> {
    let mut payload = payload.into_inner();
    let form = read_body(request, &mut payload).await?;
    check_csrf(request, &form)?;
    Ok(form)
}

/// A language chosen with the page's language links (`?lang=fr`), if any.
pub fn chosen_language(request: &HttpRequest) -> Option<Lang> {
    Lang::parse(FormData::from_query(request).unwrap_or_default().get("lang"))
}

pub fn language(request: &HttpRequest) -> Lang {
    chosen_language(request).unwrap_or_else(|| negotiate(None, request))
}
