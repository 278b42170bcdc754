//! `POST /cases/{reference}/transition`: triage, ask for information, withdraw, close, reopen,
//! contest, confirm a contested decision — each through the one state machine.

use actix_web::{HttpResponse, web};

use super::step::Step;
use super::{Refusal, respond, text_field};
use crate::db::events::EventKind;
use crate::domain::case_status::Action;
use crate::domain::new_case::{FieldErrors, MAX_EXPLANATION};
use crate::email::notify::Happened;
use crate::error::AppError;
use crate::routes::form::Posted;
use crate::startup::AppState;

/// Actions that have their own route (assignment, decision) or happen through a message.
fn has_own_route(action: Action) -> bool {
    matches!(action, Action::Assign | Action::Decide | Action::ProvideInformation)
}

/// A question, a contest and the answer to a contest must say why.
fn needs_message(action: Action) -> bool {
    matches!(action, Action::RequestInformation | Action::Contest | Action::ConfirmDecision)
}

#[tracing::instrument(skip_all, fields(case = %reference))]
pub async fn post(
    state: web::Data<AppState>,
    posted: Posted,
    reference: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    let action = Action::parse(form.get("action")).filter(|a| !has_own_route(*a));
    let mut errors = FieldErrors::default();
    let message = text_field(&form, "message", MAX_EXPLANATION, action.is_some_and(needs_message), &mut errors);
    let reference = reference.into_inner();
    let actor = user.clone();
    let lookup = reference.clone();
    let result = state
        .tx(move |conn| {
            // The case first: another organisation's case is absent, whatever the form says.
            let step = Step::load(conn, &actor, &lookup)?;
            let action = action.ok_or(AppError::BadRequest("error_page.unknown_choice"))?;
            let step = match step.apply(action) {
                Ok(step) => step,
                Err(refusal) => return Ok(Err(refusal)),
            };
            if !errors.is_empty() {
                return Ok(Err(Refusal::Fields(errors)));
            }
            let kind =
                if action == Action::ConfirmDecision { EventKind::DecisionConfirmed } else { EventKind::StatusChanged };
            step.change_status(conn, kind, message.as_deref())?;
            step.notify(conn, Happened::StatusChanged(step.next))?;
            Ok(Ok(()))
        })
        .await?;
    respond(&state, user, reference, form, result).await
}
