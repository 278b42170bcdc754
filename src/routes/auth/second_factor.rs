//! `GET/POST /sign-in/code`: the second step of signing in. The password was right; a code from
//! the authenticator app (or one recovery code) makes the session a full one. Each code works
//! once; five wrong ones end the session, and ten in a row, across sessions, lock the account's
//! codes for a growing spell (its owner is told by email).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::current_user::{PendingUser, removal_cookie};
use crate::auth::tokens::hash_token;
use crate::auth::totp;
use crate::db::audit;
use crate::db::{self, DbConnection, sessions, two_factor};
use crate::domain::audit::AuditAction;
use crate::domain::ids::UserId;
use crate::email::notify;
use crate::error::AppError;
use crate::routes::form::PostedBy;
use crate::routes::page::{Page, render, see_other};
use crate::startup::AppState;

/// Wrong codes a session may type before it ends.
pub const MAX_WRONG_CODES: i32 = 5;

#[derive(Template)]
#[template(path = "auth/second_factor.html")]
struct CodeTemplate<'a> {
    page: Page<'a>,
    /// Why the typed code was refused.
    refusal: Option<&'static str>,
}

pub async fn form(state: web::Data<AppState>, user: PendingUser) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, &CodeTemplate { page: Page::for_user(&state, &user.0, ""), refusal: None })
}

/// What a typed code did.
pub enum CodeCheck {
    /// Right; `recovery` if it was a recovery code (the person should see how many are left).
    Accepted {
        recovery: bool,
    },
    Wrong,
    /// The account takes no code for now, after too many wrong ones in a row.
    Locked,
}

/// Checks `typed` as this user's current code or one of their unused recovery codes, in the
/// caller's transaction: a right one is used up so it never works again; a wrong one counts
/// towards locking the account, across every session, and the lock is told by email.
pub fn check_code(conn: &mut DbConnection, user: UserId, typed: &str) -> Result<CodeCheck, AppError> {
    let now = db::now();
    let factor = two_factor::factor(conn, user)?;
    if factor.locked_until.is_some_and(|until| until > now) {
        return Ok(CodeCheck::Locked);
    }
    if let Some(secret) = &factor.secret {
        let step = totp::matching_step(secret, typed, now, factor.last_step);
        if let Some(step) = step
            && two_factor::accept_step(conn, user, step)?
        {
            two_factor::reset_failures(conn, user)?;
            return Ok(CodeCheck::Accepted { recovery: false });
        }
        let recovery = totp::normalise_recovery_code(typed);
        if recovery.len() == 10 && two_factor::use_recovery_code(conn, user, &hash_token(&recovery), now)? {
            two_factor::reset_failures(conn, user)?;
            return Ok(CodeCheck::Accepted { recovery: true });
        }
    }
    if two_factor::record_failure(conn, user, now)? {
        tracing::warn!(user = %user, "too many wrong second-factor codes: account locked for a while");
        notify::two_factor_locked(conn, user, now)?;
    }
    Ok(CodeCheck::Wrong)
}

/// Where the second step of signing in ended.
enum Outcome {
    Accepted { recovery: bool },
    Wrong,
    Locked,
    TooManyInSession,
}

#[tracing::instrument(skip_all)]
pub async fn submit(state: web::Data<AppState>, posted: PostedBy<PendingUser>) -> Result<HttpResponse, AppError> {
    let PostedBy { user: PendingUser(user), form } = posted;
    let typed = form.get("code").to_owned();
    let id = user.user.user_id;
    let token_hash = user.user.token_hash.clone();
    let hours = state.settings.session_hours;
    let actor = user.clone();
    let outcome = state
        .tx(move |conn| {
            let checked = check_code(conn, id, &typed)?;
            if let CodeCheck::Accepted { recovery } = checked {
                let now = db::now();
                sessions::promote(conn, &token_hash, now, now + chrono::TimeDelta::hours(hours))?;
                let how = if recovery { "recovery_code" } else { "code" };
                audit::append(conn, &actor.audit(AuditAction::SignedIn).detail(how))?;
                return Ok(Outcome::Accepted { recovery });
            }
            let how = if matches!(checked, CodeCheck::Locked) { "locked" } else { "wrong" };
            audit::append(conn, &actor.audit(AuditAction::SecondFactorFailed).detail(how))?;
            if sessions::count_wrong_code(conn, &token_hash)? >= MAX_WRONG_CODES {
                sessions::delete(conn, &token_hash)?;
                return Ok(Outcome::TooManyInSession);
            }
            Ok(if matches!(checked, CodeCheck::Locked) { Outcome::Locked } else { Outcome::Wrong })
        })
        .await?;
    match outcome {
        Outcome::Accepted { recovery: false } => {
            tracing::info!(user = %id, "signed in with a second factor");
            Ok(see_other("/cases"))
        }
        Outcome::Accepted { recovery: true } => {
            tracing::info!(user = %id, "signed in with a recovery code");
            Ok(see_other("/account/two-factor?saved=recovery_used"))
        }
        Outcome::Wrong => {
            tracing::info!(user = %id, "wrong second-factor code");
            let page = Page::for_user(&state, &user, "");
            render(StatusCode::UNAUTHORIZED, &CodeTemplate { page, refusal: Some("second_factor.wrong") })
        }
        Outcome::Locked => {
            let page = Page::for_user(&state, &user, "");
            render(StatusCode::TOO_MANY_REQUESTS, &CodeTemplate { page, refusal: Some("second_factor.locked") })
        }
        Outcome::TooManyInSession => {
            tracing::warn!(user = %id, "too many wrong second-factor codes: session ended");
            let mut response = see_other("/sign-in?done=too_many_codes");
            response.add_cookie(&removal_cookie(state.settings.secure_cookies())).map_err(AppError::internal)?;
            Ok(response)
        }
    }
}
