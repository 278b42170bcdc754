//! The session cookie and the `CurrentUser` extractor: one query per request finds the user
//! behind a live session, and the CSRF token that every form of that session must carry.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use super::tokens::{constant_time_eq, hash_token};
use crate::db::sessions::{self, SessionUser};
use crate::domain::case_status::Side;
use crate::error::AppError;
use crate::i18n::{Lang, negotiate};
use crate::startup::AppState;

pub const SESSION_COOKIE: &str = "passerelle_session";

/// The session cookie: `HttpOnly`, `SameSite=Lax`, `Secure` when the portal is served over TLS.
pub fn session_cookie(token: &str, secure: bool, max_age_hours: i64) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::hours(max_age_hours))
        .finish()
}

/// An expired cookie that makes the browser forget the session.
pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = session_cookie("", secure, 0);
    cookie.make_removal();
    cookie
}

/// A signed-in user with a live session. Extracting it from a request without one answers
/// with a redirect to the sign-in page.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: SessionUser,
    pub lang: Lang,
    /// Where to come back to after switching language: this page if it was a plain `GET`.
    pub back: String,
}

impl CurrentUser {
    pub fn side(&self) -> Side {
        if self.user.role.is_staff() { Side::Staff } else { Side::Partner }
    }

    /// Whether a submitted CSRF token is this session's.
    pub fn csrf_matches(&self, submitted: &str) -> bool {
        constant_time_eq(&self.user.csrf_token, submitted)
    }
}

/// Finds the user behind the request's session cookie, if any.
pub async fn lookup(request: &HttpRequest) -> Result<Option<SessionUser>, AppError> {
    let Some(token) = request.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    if token.len() != 64 {
        return Ok(None);
    }
    let state = web::Data::<AppState>::extract(request).await.map_err(|_| AppError::internal("no app state"))?;
    let token_hash = hash_token(&token);
    state.db(move |conn| Ok(sessions::find_live(conn, &token_hash, crate::db::now())?)).await
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            match lookup(&request).await? {
                Some(user) => {
                    let lang = negotiate(user.locale.as_deref(), &request);
                    let back = match request.method() {
                        &actix_web::http::Method::GET => {
                            request.uri().path_and_query().map_or("/cases", |p| p.as_str()).to_owned()
                        }
                        _ => "/cases".to_owned(),
                    };
                    let current = CurrentUser { user, lang, back };
                    // The error page, rendered after the handler, speaks the same language.
                    request.extensions_mut().insert(current.clone());
                    Ok(current)
                }
                None => Err(AppError::SignInRequired),
            }
        })
    }
}
