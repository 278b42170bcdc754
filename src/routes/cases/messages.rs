//! `POST /cases/{reference}/messages`: a message to the other side, or (staff) an internal note.
//! A partner's message on a case awaiting them hands it back to the platform.

use actix_web::{HttpResponse, web};

use super::step::Step;
use super::{Refusal, respond, text_field};
use crate::db::events::EventKind;
use crate::db::{cases, watchers};
use crate::domain::case_status::{Action, CaseStatus};
use crate::domain::new_case::{FieldErrors, MAX_EXPLANATION};
use crate::email::notify::Happened;
use crate::error::AppError;
use crate::routes::form::Posted;
use crate::startup::AppState;

#[tracing::instrument(skip_all, fields(case = %reference))]
pub async fn post(
    state: web::Data<AppState>,
    posted: Posted,
    reference: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    let internal = form.checked("internal");
    if internal && !user.user.role.is_staff() {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let body = text_field(&form, "body", MAX_EXPLANATION, true, &mut errors);
    let reference = reference.into_inner();
    let actor = user.clone();
    let lookup = reference.clone();
    let result = state
        .tx(move |conn| {
            let step = Step::load(conn, &actor, &lookup)?;
            let Some(body) = body else {
                return Ok(Err(Refusal::Fields(errors)));
            };
            let partner = !actor.user.role.is_staff();
            if partner && matches!(step.case.status, CaseStatus::Closed | CaseStatus::Withdrawn) {
                // Nobody works a finished case: a partner with news reopens it, which puts it back in the queue.
                return Ok(Err(Refusal::Transition("transition.finished_case_message")));
            }
            let partner_answers = partner && step.case.status == CaseStatus::AwaitingPartner;
            let step = if partner_answers {
                // A partner's answer hands the case back to the platform.
                let answered = match step.apply(Action::ProvideInformation) {
                    Ok(answered) => answered,
                    Err(refusal) => return Ok(Err(refusal)),
                };
                answered.change_status(conn, EventKind::StatusChanged, None)?;
                answered
            } else {
                step
            };
            let kind = if internal { EventKind::InternalNote } else { EventKind::Message };
            step.event(conn, kind, Some(&body), None)?;
            if !internal {
                // Internal notes leave no trace a partner could ever observe: no newer date, no email.
                cases::touch(conn, step.case.id, step.now)?;
                if partner && step.case.filed_by != actor.user.user_id {
                    // A colleague who joins the conversation hears the answer.
                    watchers::watch(conn, step.case.id, actor.user.user_id, step.now)?;
                }
                step.notify(conn, Happened::Message)?;
            }
            Ok(Ok(()))
        })
        .await?;
    respond(&state, user, reference, form, result).await
}
