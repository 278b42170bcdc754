//! Proving it again before a sensitive action (a role change, deleting a person or an
//! organisation, exporting the audit trail): when the last code typed in this session is older
//! than `step_up_minutes`, the form asks for a current code (or, for someone without a second
//! factor, their password) and the action waits for it.

use crate::auth::current_user::CurrentUser;
use crate::auth::password;
use crate::db::{self, audit, sessions, sign_in_failures};
use crate::domain::audit::AuditAction;
use crate::domain::new_case::FieldErrors;
use crate::domain::throttle::Guarded;
use crate::email::notify;
use crate::error::AppError;
use crate::routes::auth::second_factor::{CodeCheck, check_code};
use crate::routes::form::FormData;
use crate::startup::AppState;

/// The form field that carries the proof.
pub const FIELD: &str = "confirm_code";

/// What a sensitive form must ask for, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    Nothing,
    Code,
    Password,
}

impl Ask {
    pub fn needed(self) -> bool {
        self != Ask::Nothing
    }

    pub fn is_code(self) -> bool {
        self == Ask::Code
    }
}

/// What the user must type before a sensitive action now.
pub fn ask(state: &AppState, user: &CurrentUser) -> Ask {
    let window = chrono::TimeDelta::minutes(state.settings.step_up_minutes.max(0));
    let fresh = user.user.second_factor_at.is_some_and(|at| at >= db::now() - window);
    match (fresh, user.user.enrolled) {
        (true, _) => Ask::Nothing,
        (false, true) => Ask::Code,
        (false, false) => Ask::Password,
    }
}

/// Checks the proof in `form` when one is needed; on success the session's clock restarts. A
/// wrong or missing proof is an error on the field, and the action must not happen.
pub async fn confirm(
    state: &AppState,
    user: &CurrentUser,
    form: &FormData,
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    let asked = ask(state, user);
    if !asked.needed() {
        return Ok(());
    }
    let typed = form.get(FIELD).trim().to_owned();
    if typed.is_empty() {
        errors.add(FIELD, if asked.is_code() { "step_up.code_required" } else { "step_up.password_required" });
        return Ok(());
    }
    let id = user.user.user_id;
    let token_hash = user.user.token_hash.clone();
    let actor = user.clone();
    let right = match asked {
        Ask::Code => {
            // Wrong codes count against the account as at sign-in, and lock it the same way.
            state
                .tx(move |conn| {
                    let checked = check_code(conn, id, &typed)?;
                    let accepted = matches!(checked, CodeCheck::Accepted { .. });
                    if accepted {
                        sessions::reconfirmed(conn, &token_hash, db::now())?;
                    } else {
                        audit::append(conn, &actor.audit(AuditAction::SecondFactorFailed).detail("step_up"))?;
                    }
                    Ok(accepted)
                })
                .await?
        }
        _ => {
            // Guessing the password here costs what it costs on the sign-in page.
            let key = format!("account:{}", user.user.email.to_lowercase());
            let subjects = vec![key.clone()];
            if state.db(move |conn| Ok(sign_in_failures::blocked_until(conn, &subjects, db::now())?)).await?.is_some() {
                errors.add(FIELD, "sign_in.throttled");
                return Ok(());
            }
            let right = password::is_current(state, id, typed).await?;
            state
                .tx(move |conn| {
                    if right {
                        sessions::reconfirmed(conn, &token_hash, db::now())?;
                    } else {
                        if sign_in_failures::record(conn, &key, Guarded::Account, db::now())? {
                            notify::sign_in_locked(conn, id, db::now())?;
                        }
                        audit::append(conn, &actor.audit(AuditAction::SignInFailed).subject(id).detail("step_up"))?;
                    }
                    Ok(())
                })
                .await?;
            right
        }
    };
    if !right {
        errors.add(FIELD, if asked.is_code() { "step_up.wrong_code" } else { "error.wrong_password" });
    }
    Ok(())
}
