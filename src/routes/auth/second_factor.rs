//! `GET/POST /sign-in/code`: the second step of signing in. The password was right; a code from
//! the authenticator app (or one recovery code) makes the session a full one. Each code works
//! once; five wrong ones end the session, and signing in starts again.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::current_user::{PendingUser, removal_cookie};
use crate::auth::tokens::hash_token;
use crate::auth::totp;
use crate::db::{self, DbConnection, sessions, two_factor};
use crate::domain::ids::UserId;
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
    wrong: bool,
}

pub async fn form(state: web::Data<AppState>, user: PendingUser) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, &CodeTemplate { page: Page::for_user(&state, &user.0, ""), wrong: false })
}

/// What a typed code did.
enum Checked {
    Accepted,
    /// A recovery code was used: the person should see how many are left.
    RecoveryUsed,
    Wrong,
    TooManyWrong,
}

/// Accepts `typed` as this user's current code or one of their unused recovery codes, in the
/// caller's transaction; records its use so that it never works again.
pub fn accept_code(conn: &mut DbConnection, user: UserId, typed: &str) -> Result<Option<bool>, AppError> {
    let now = db::now();
    let factor = two_factor::factor(conn, user)?;
    let Some(secret) = factor.secret else { return Ok(None) };
    if let Some(step) = totp::matching_step(&secret, typed, now, factor.last_step) {
        return Ok(two_factor::accept_step(conn, user, step)?.then_some(false));
    }
    let recovery = totp::normalise_recovery_code(typed);
    if recovery.len() == 10 && two_factor::use_recovery_code(conn, user, &hash_token(&recovery), now)? {
        return Ok(Some(true));
    }
    Ok(None)
}

#[tracing::instrument(skip_all)]
pub async fn submit(state: web::Data<AppState>, posted: PostedBy<PendingUser>) -> Result<HttpResponse, AppError> {
    let PostedBy { user: PendingUser(user), form } = posted;
    let typed = form.get("code").to_owned();
    let id = user.user.user_id;
    let token_hash = user.user.token_hash.clone();
    let hours = state.settings.session_hours;
    let checked = state
        .tx(move |conn| match accept_code(conn, id, &typed)? {
            Some(recovery) => {
                let now = db::now();
                sessions::promote(conn, &token_hash, now, now + chrono::TimeDelta::hours(hours))?;
                Ok(if recovery { Checked::RecoveryUsed } else { Checked::Accepted })
            }
            None if sessions::count_wrong_code(conn, &token_hash)? >= MAX_WRONG_CODES => {
                sessions::delete(conn, &token_hash)?;
                Ok(Checked::TooManyWrong)
            }
            None => Ok(Checked::Wrong),
        })
        .await?;
    match checked {
        Checked::Accepted => {
            tracing::info!(user = %id, "signed in with a second factor");
            Ok(see_other("/cases"))
        }
        Checked::RecoveryUsed => {
            tracing::info!(user = %id, "signed in with a recovery code");
            Ok(see_other("/account/two-factor?saved=recovery_used"))
        }
        Checked::Wrong => {
            tracing::info!(user = %id, "wrong second-factor code");
            render(StatusCode::UNAUTHORIZED, &CodeTemplate { page: Page::for_user(&state, &user, ""), wrong: true })
        }
        Checked::TooManyWrong => {
            tracing::warn!(user = %id, "too many wrong second-factor codes: session ended");
            let mut response = see_other("/sign-in?done=too_many_codes");
            response.add_cookie(&removal_cookie(state.settings.secure_cookies())).map_err(AppError::internal)?;
            Ok(response)
        }
    }
}
