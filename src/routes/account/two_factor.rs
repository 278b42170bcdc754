//! `/account/two-factor`: enrolling an authenticator app (a QR code drawn on the server, then a
//! typed code, with the password), the recovery codes (shown once, stored hashed), renewing them,
//! and turning the second factor off where nothing requires it. Someone who must enrol may reach only this.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::current_user::{CurrentUser, EnrollingUser};
use crate::auth::tokens::hash_token;
use crate::auth::{password, totp};
use crate::db::{self, DbConnection, audit, sessions, two_factor};
use crate::domain::audit::AuditAction;
use crate::domain::ids::UserId;
use crate::domain::new_case::FieldErrors;
use crate::domain::two_factor::SessionStage;
use crate::email::notify;
use crate::error::AppError;
use crate::routes::auth::second_factor::{CodeCheck, check_code};
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

/// Loads the user's second factor; someone not enrolled gets a secret to enrol, kept by this
/// session only (no other session, and nobody who signed in before, ever sees it).
fn load(conn: &mut DbConnection, user: UserId, token_hash: &str) -> Result<Shown, AppError> {
    let (required, enrolled) = two_factor::requirement(conn, user)?;
    let mut pending = if enrolled { None } else { two_factor::pending(conn, token_hash)? };
    if !enrolled && pending.is_none() {
        let secret = totp::new_secret();
        two_factor::set_pending(conn, token_hash, &secret)?;
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
    let token_hash = user.user.token_hash.clone();
    let shown = state.tx(move |conn| load(conn, id, &token_hash)).await?;
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

/// Confirms an enrolment with the password and a code from this session's new secret: the second
/// factor is on, this session is a full one, every other session of the user ends, and the
/// recovery codes show once. The password keeps a borrowed session from enrolling its own app.
#[tracing::instrument(skip_all)]
pub async fn enable(state: web::Data<AppState>, posted: PostedBy<EnrollingUser>) -> Result<HttpResponse, AppError> {
    let PostedBy { user: EnrollingUser(user), form } = posted;
    let id = user.user.user_id;
    let typed = form.get("code").to_owned();
    let current = form.get("enable_password").to_owned();
    if !password::is_current(&state, id, current).await? {
        let mut errors = FieldErrors::default();
        errors.add("enable_password", "error.wrong_password");
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, errors, Vec::new(), "").await;
    }
    let token_hash = user.user.token_hash.clone();
    let hours = state.settings.session_hours;
    let (codes, hashes) = fresh_codes();
    let actor = user.clone();
    let enabled = state
        .tx(move |conn| {
            let now = db::now();
            let Some(pending) = two_factor::pending(conn, &token_hash)? else { return Ok(false) };
            let last_step = two_factor::factor(conn, id)?.last_step;
            let Some(step) = totp::matching_step(&pending, &typed, now, last_step) else { return Ok(false) };
            if !two_factor::accept_step(conn, id, step)? {
                return Ok(false);
            }
            if !two_factor::enable(conn, id, &pending, &hashes)? {
                // Enrolled meanwhile from another session: nothing of this one is kept.
                return Err(AppError::Conflict);
            }
            sessions::delete_for_user_except(conn, id, &token_hash)?;
            sessions::promote(conn, &token_hash, now, now + chrono::TimeDelta::hours(hours))?;
            audit::append(conn, &actor.audit(AuditAction::TwoFactorEnabled).subject(id))?;
            if actor.user.stage == SessionStage::Enrol {
                // Someone who had to set it up is signed in only now.
                audit::append(conn, &actor.audit(AuditAction::SignedIn).detail("enrolled"))?;
            }
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

/// The field error for a refused code.
fn code_refusal(checked: &CodeCheck) -> &'static str {
    match checked {
        CodeCheck::Locked => "second_factor.locked",
        _ => "two_factor.wrong_code",
    }
}

/// Replaces the recovery codes, with a current code as proof; the old ones stop working.
#[tracing::instrument(skip_all)]
pub async fn recovery_codes(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    let id = user.user.user_id;
    let typed = form.get("code").to_owned();
    let (codes, hashes) = fresh_codes();
    let actor = user.clone();
    let renewed = state
        .tx(move |conn| {
            let checked = check_code(conn, id, &typed)?;
            if !matches!(checked, CodeCheck::Accepted { .. }) {
                return Ok(Err(code_refusal(&checked)));
            }
            two_factor::replace_recovery_codes(conn, id, &hashes)?;
            audit::append(conn, &actor.audit(AuditAction::RecoveryCodesRenewed).subject(id))?;
            notify::two_factor_changed(conn, id, db::now())?;
            Ok(Ok(()))
        })
        .await?;
    if let Err(key) = renewed {
        let mut errors = FieldErrors::default();
        errors.add("renew_code", key);
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
    let token_hash = user.user.token_hash.clone();
    let right = password::is_current(&state, id, current).await?;
    let actor = user.clone();
    let outcome = state
        .tx(move |conn| {
            let (required, _) = two_factor::requirement(conn, id)?;
            if required {
                return Ok(Err(("off_code", "two_factor.required_cannot_disable")));
            }
            if !right {
                return Ok(Err(("off_password", "error.wrong_password")));
            }
            let checked = check_code(conn, id, &typed)?;
            if !matches!(checked, CodeCheck::Accepted { .. }) {
                return Ok(Err(("off_code", code_refusal(&checked))));
            }
            two_factor::disable(conn, id)?;
            audit::append(conn, &actor.audit(AuditAction::TwoFactorDisabled).subject(id))?;
            // Whoever signed in elsewhere with the second factor must do so again without it.
            sessions::delete_for_user_except(conn, id, &token_hash)?;
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
