//! Cases: the list, filing, the case page and every action on a case.

pub mod assign;
pub mod choices;
pub mod create;
pub mod decide;
pub mod evidence;
pub mod legal_hold;
pub mod list;
pub mod messages;
pub mod referral;
pub mod show;
pub mod step;
pub mod transition;
pub mod watch;

use crate::auth::current_user::CurrentUser;
use crate::db::DbConnection;
use crate::db::cases::{self, Case, CaseNames};
use crate::domain::case_reference::CaseReference;
use crate::error::AppError;

/// The case with this reference if the user may see it; otherwise the same 404 as a case that
/// does not exist.
pub fn load_visible(conn: &mut DbConnection, user: &CurrentUser, reference: &str) -> Result<Case, AppError> {
    cases::find_by_reference(conn, &parse_reference(reference)?, user.scope())?.ok_or(AppError::NotFound)
}

/// Like `load_visible`, with the names the case page shows beside the case.
pub fn load_visible_with_names(
    conn: &mut DbConnection,
    user: &CurrentUser,
    reference: &str,
) -> Result<(Case, CaseNames), AppError> {
    cases::find_with_names(conn, &parse_reference(reference)?, user.scope())?.ok_or(AppError::NotFound)
}

/// A malformed reference names no case: the same 404.
fn parse_reference(reference: &str) -> Result<CaseReference, AppError> {
    CaseReference::parse(reference).ok_or(AppError::NotFound)
}

/// Where a case's page is.
pub fn case_path(reference: &str) -> String {
    format!("/cases/{reference}")
}

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::domain::new_case::FieldErrors;
use crate::routes::form::FormData;
use crate::routes::page::see_other;
use crate::startup::AppState;
use show::{Feedback, render_case};

/// Why an action on a case changed nothing.
#[derive(Debug)]
pub enum Refusal {
    /// The state machine refused it; the key explains why.
    Transition(&'static str),
    /// Some fields were invalid.
    Fields(FieldErrors),
}

/// After an action: back to the case page on success, or the page again with the refusal shown
/// in place and what the user typed kept.
pub async fn respond(
    state: &AppState,
    user: CurrentUser,
    reference: String,
    form: FormData,
    result: Result<(), Refusal>,
) -> Result<HttpResponse, AppError> {
    let feedback = match result {
        Ok(()) => return Ok(see_other(&format!("{}#latest", case_path(&reference)))),
        Err(Refusal::Transition(key)) => {
            Feedback { status: Some(StatusCode::CONFLICT), error: Some(key), form, ..Feedback::default() }
        }
        Err(Refusal::Fields(errors)) => Feedback {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            error: Some("error.fix_fields"),
            errors,
            form,
            ..Feedback::default()
        },
    };
    render_case(state, user, reference, feedback, false).await
}

/// A single free-text field: trimmed, bounded, required or not.
pub fn text_field(
    form: &FormData,
    field: &str,
    max: usize,
    required: bool,
    errors: &mut FieldErrors,
) -> Option<String> {
    match crate::domain::new_case::clean_text(form.get(field), max) {
        Ok(text) if text.is_empty() => {
            if required {
                errors.add(field, "error.required");
            }
            None
        }
        Ok(text) => Some(text),
        Err(key) => {
            errors.add(field, key);
            None
        }
    }
}
