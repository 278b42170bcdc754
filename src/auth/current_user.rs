//! The session cookie and the `CurrentUser` extractor: one query per request finds the user
//! behind a live session, and the CSRF token that every form of that session must carry.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use super::tokens::{constant_time_eq, hash_token};
use crate::db::WriteScope;
use crate::db::sessions::{self, SessionUser};
use crate::domain::case_status::Side;
use crate::domain::two_factor::SessionStage;
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
    /// The client's address (the proxy's word for it when `behind_proxy`), for the audit trail.
    pub address: Option<String>,
}

impl CurrentUser {
    pub fn side(&self) -> Side {
        if self.user.role.is_staff() { Side::Staff } else { Side::Partner }
    }

    /// An audit record of `action` by this user from this request's address.
    pub fn audit(&self, action: crate::domain::audit::AuditAction) -> crate::db::audit::Entry<'_> {
        crate::db::audit::Entry::new(action, Some(self.user.user_id), self.address.as_deref())
            .organisation(self.user.organisation_id)
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
    let idle = chrono::TimeDelta::minutes(state.settings.session_idle_minutes.max(1));
    let now = crate::db::now();
    let looked_up = token_hash.clone();
    let found = state.db(move |conn| Ok(sessions::find_live(conn, &looked_up, now, idle)?)).await?;
    // Keeping the idle clock costs a write, so at most one a minute per session; it takes its
    // turn with the other writers.
    if found.as_ref().is_some_and(|user| user.last_seen_at.is_none_or(|seen| seen < now - SEEN_EVERY)) {
        state.tx_in(WriteScope::Session, move |conn| Ok(sessions::touch(conn, &token_hash, now)?)).await?;
    }
    Ok(found)
}

/// How stale a session's `last_seen_at` may get before a request refreshes it.
const SEEN_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

impl CurrentUser {
    /// The user behind the request's session if its stage is one of `allowed`; otherwise the
    /// redirect that takes them to where their session stands.
    async fn extract(request: &HttpRequest, allowed: &[SessionStage]) -> Result<CurrentUser, AppError> {
        let Some(user) = lookup(request).await? else { return Err(AppError::SignInRequired) };
        if !allowed.contains(&user.stage) {
            return Err(match user.stage {
                SessionStage::SecondFactor => AppError::SecondFactorRequired,
                SessionStage::Enrol => AppError::EnrolmentRequired,
                SessionStage::Full => AppError::Forbidden,
            });
        }
        let lang = negotiate(user.locale.as_deref(), request);
        let back = match request.method() {
            &actix_web::http::Method::GET => request.uri().path_and_query().map_or("/cases", |p| p.as_str()).to_owned(),
            _ => "/cases".to_owned(),
        };
        let behind_proxy = web::Data::<AppState>::extract(request).await.is_ok_and(|state| state.settings.behind_proxy);
        let address = crate::routes::auth::sign_in::client_address(request, behind_proxy);
        let current = CurrentUser { user, lang, back, address };
        // The error page, rendered after the handler, speaks the same language.
        request.extensions_mut().insert(current.clone());
        Ok(current)
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { CurrentUser::extract(&request, &[SessionStage::Full]).await })
    }
}

/// A signed-in user who may be there only to enrol the second factor they must have: the
/// two-factor pages take them, every other page sends them there.
#[derive(Debug, Clone)]
pub struct EnrollingUser(pub CurrentUser);

impl FromRequest for EnrollingUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            CurrentUser::extract(&request, &[SessionStage::Full, SessionStage::Enrol]).await.map(EnrollingUser)
        })
    }
}

/// Someone whose password was right and whose session waits for a second-factor code.
#[derive(Debug, Clone)]
pub struct PendingUser(pub CurrentUser);

impl FromRequest for PendingUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            match CurrentUser::extract(&request, &[SessionStage::SecondFactor]).await {
                // Fully signed in already: nothing to type.
                Err(AppError::Forbidden) => Err(AppError::AlreadySignedIn),
                other => other.map(PendingUser),
            }
        })
    }
}

/// Anyone with a live session, at any stage: signing out is always possible.
#[derive(Debug, Clone)]
pub struct AnySession(pub CurrentUser);

impl FromRequest for AnySession {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { CurrentUser::extract(&request, SessionStage::ALL).await.map(AnySession) })
    }
}

impl AsRef<CurrentUser> for CurrentUser {
    fn as_ref(&self) -> &CurrentUser {
        self
    }
}

impl AsRef<CurrentUser> for EnrollingUser {
    fn as_ref(&self) -> &CurrentUser {
        &self.0
    }
}

impl AsRef<CurrentUser> for PendingUser {
    fn as_ref(&self) -> &CurrentUser {
        &self.0
    }
}

impl AsRef<CurrentUser> for AnySession {
    fn as_ref(&self) -> &CurrentUser {
        &self.0
    }
}
