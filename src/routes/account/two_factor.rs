//! `/account/two-factor`: enrolling an authenticator app (a QR code drawn on the server, then a
//! typed code), the recovery codes (shown once, stored hashed), renewing them, and turning the
//! second factor off where nothing requires it. Someone who must enrol may reach only this.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::current_user::{CurrentUser, EnrollingUser};
use crate::auth::tokens::hash_token;
use crate::auth::{password, totp};
use crate::db::{self, DbConnection, sessions, two_factor};
use crate::domain::ids::UserId;
use crate::domain::new_case::FieldErrors;
use crate::domain::two_factor::SessionStage;
use crate::email::notify;
use crate::error::AppError;
use crate::routes::auth::second_factor::accept_code;
use crate::routes::form::{FormData, Posted, PostedBy};
use crate::routes::page::{Page, render, see_other};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "account/two_factor.html")]
struct TwoFactorTemplate<'a> {
    page: Page<'a>,
    enrolled: bool,
    required: bool,
    /// The secret being enrolled: its QR code (an SVG element) and its text, in groups of four.
    qr: String,
    secret: String,
    codes_left: i64,
    /// Recovery codes just made: shown this once.
    new_codes: Vec<String>,
    errors: FieldErrors,
    saved: &'static str,
}

impl TwoFactorTemplate<'_> {
    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field)
    }

    fn must_enrol(&self) -> bool {
        self.page.user.is_some_and(|u| u.stage == SessionStage::Enrol)
    }
}

/// What the page shows about a user's second factor.
struct Shown {
    enrolled: bool,
    required: bool,
    pending: Option<String>,
    codes_left: i64,
}

/// Loads the user's second factor; someone not enrolled gets a secret to enrol, kept until used.
fn load(conn: &mut DbConnection, user: UserId) -> Result<Shown, AppError> {
    let (required, enrolled) = two_factor::requirement(conn, user)?;
    let mut pending = two_factor::factor(conn, user)?.pending;
    if !enrolled && pending.is_none() {
        let secret = totp::new_secret();
        two_factor::set_pending(conn, user, &secret)?;
        pending = Some(secret);
    }
    Ok(Shown { enrolled, required, pending, codes_left: two_factor::recovery_codes_left(conn, user)? })
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    errors: FieldErrors,
    new_codes: Vec<String>,
    saved: &'static str,
) -> Result<HttpResponse, AppError> {
    let id = user.user.user_id;
    let shown = state.tx(move |conn| load(conn, id)).await?;
    let secret = shown.pending.unwrap_or_default();
    let qr = if shown.enrolled {
        String::new()
    } else {
        totp::provisioning_uri(&secret, &user.user.email).and_then(|uri| totp::qr_svg(&uri)).unwrap_or_default()
    };
    let grouped: Vec<String> = secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    let template = TwoFactorTemplate {
        page: Page::for_user(state, user, "account"),
        enrolled: shown.enrolled,
        required: shown.required,
        qr,
        secret: grouped.join(" "),
        codes_left: shown.codes_left,
        new_codes,
        errors,
        saved,
    };
    render(status, &template)
}

pub async fn get(
    state: web::Data<AppState>,
    user: EnrollingUser,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let saved = match FormData::from_query(&request)?.get("saved") {
        "off" => "two_factor.saved_off",
        "recovery_used" => "two_factor.saved_recovery_used",
        _ => "",
    };
    show(&state, &user.0, StatusCode::OK, FieldErrors::default(), Vec::new(), saved).await
}

/// New recovery codes: the codes to show once, and the hashes to store.
fn fresh_codes() -> (Vec<String>, Vec<String>) {
    let codes = totp::new_recovery_codes();
    let hashes = codes.iter().map(|c| hash_token(&totp::normalise_recovery_code(c))).collect();
    (codes, hashes)
}

/// Confirms an enrolment with a code from the new secret: the second factor is on, this session
/// is a full one, every other session of the user ends, and the recovery codes show once.
#[tracing::instrument(skip_all)]
pub async fn enable(state: web::Data<AppState>, posted: PostedBy<EnrollingUser>) -> Result<HttpResponse, AppError> {
    let PostedBy { user: EnrollingUser(user), form } = posted;
    let id = user.user.user_id;
    let typed = form.get("code").to_owned();
    let token_hash = user.user.token_hash.clone();
    let hours = state.settings.session_hours;
    let (codes, hashes) = fresh_codes();
    let enabled = state
        .tx(move |conn| {
            let now = db::now();
            let factor = two_factor::factor(conn, id)?;
            let (Some(pending), None) = (factor.pending, factor.secret) else { return Ok(false) };
            let Some(step) = totp::matching_step(&pending, &typed, now, factor.last_step) else { return Ok(false) };
            if !two_factor::enable(conn, id, &pending, &hashes)? || !two_factor::accept_step(conn, id, step)? {
                return Ok(false);
            }
            sessions::delete_for_user_except(conn, id, &token_hash)?;
            sessions::promote(conn, &token_hash, now, now + chrono::TimeDelta::hours(hours))?;
            notify::two_factor_changed(conn, id, now)?;
            Ok(true)
        })
        .await?;
    if !enabled {
        let mut errors = FieldErrors::default();
        errors.add("code", "two_factor.wrong_code");
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, errors, Vec::new(), "").await;
    }
    tracing::info!(user = %id, "second factor enrolled");
    // The session is a full one now: the page shows the whole navigation.
    let mut user = user;
    user.user.stage = SessionStage::Full;
    show(&state, &user, StatusCode::OK, FieldErrors::default(), codes, "two_factor.saved_on").await
}

/// Replaces the recovery codes, with a current code as proof; the old ones stop working.
#[tracing::instrument(skip_all)]
pub async fn recovery_codes(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    let id = user.user.user_id;
    let typed = form.get("code").to_owned();
    let (codes, hashes) = fresh_codes();
    let renewed = state
        .tx(move |conn| {
            if accept_code(conn, id, &typed)?.is_none() {
                return Ok(false);
            }
            two_factor::replace_recovery_codes(conn, id, &hashes)?;
            notify::two_factor_changed(conn, id, db::now())?;
            Ok(true)
        })
        .await?;
    if !renewed {
        let mut errors = FieldErrors::default();
        errors.add("renew_code", "two_factor.wrong_code");
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, errors, Vec::new(), "").await;
    }
    show(&state, &user, StatusCode::OK, FieldErrors::default(), codes, "two_factor.saved_codes").await
}

/// Turns the second factor off, with the password and a current code, unless something
/// requires it (staff, the organisation, the platform).
#[tracing::instrument(skip_all)]
pub async fn disable(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    let id = user.user.user_id;
    let typed = form.get("off_code").to_owned();
    let current = form.get("off_password").to_owned();
    let stored = state.db(move |conn| Ok(db::users::password_hash(conn, id)?)).await?;
    let right = web::block(move || password::verify(&current, Some(&stored))).await?;
    let outcome = state
        .tx(move |conn| {
            let (required, _) = two_factor::requirement(conn, id)?;
            if required {
                return Ok(Err(("off_code", "two_factor.required_cannot_disable")));
            }
            if !right {
                return Ok(Err(("off_password", "error.wrong_password")));
            }
            if accept_code(conn, id, &typed)?.is_none() {
                return Ok(Err(("off_code", "two_factor.wrong_code")));
            }
            two_factor::disable(conn, id)?;
            notify::two_factor_changed(conn, id, db::now())?;
            Ok(Ok(()))
        })
        .await?;
    match outcome {
        Ok(()) => Ok(see_other("/account/two-factor?saved=off")),
        Err((field, key)) => {
            let mut errors = FieldErrors::default();
            errors.add(field, key);
            show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, errors, Vec::new(), "").await
        }
    }
}
