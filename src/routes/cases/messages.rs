//! `POST /cases/{reference}/messages`: a message to the other side, or (staff) an internal note.
//! A partner's message on a case awaiting them hands it back to the platform.

use actix_web::{HttpResponse, web};

use super::evidence;
use super::step::Step;
use super::{Refusal, respond, text_field};
use crate::db::events::EventKind;
use crate::db::{WriteScope, cases, watchers};
use crate::domain::case_status::{Action, CaseStatus};
use crate::domain::new_case::{FieldErrors, MAX_EXPLANATION};
use crate::email::notify::Happened;
use crate::error::AppError;
use crate::routes::form::PostedWithFiles;
use crate::startup::AppState;

#[tracing::instrument(skip_all, fields(case = %reference))]
pub async fn post(
    state: web::Data<AppState>,
    posted: PostedWithFiles,
    reference: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let PostedWithFiles { user, form, files } = posted;
    let internal = form.checked("internal");
    if internal && !user.user.role.is_staff() {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let body = text_field(&form, "body", MAX_EXPLANATION, true, &mut errors);
    let had_files = !files.is_empty();
    let files = evidence::check(&state, files, &mut errors).await?;
    let storage = state.storage.clone();
    let reference = reference.into_inner();
    let actor = user.clone();
    let lookup = reference.clone();
    let result = state
        .tx_in(WriteScope::Case(reference.clone()), move |conn| {
            let step = Step::load(conn, &actor, &lookup)?;
            let mut errors = errors;
            if let Some(key) = evidence::refused_for(step.case.category).filter(|_| had_files) {
                // Whatever else is wrong with the files, this is what the sender must read.
                errors.set("files", key);
            } else if let Some(key) = evidence::refusal(conn, step.case.category, &files)? {
                errors.add("files", key);
            }
            let Some(body) = body.filter(|_| errors.is_empty()) else {
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
            if !internal {
                // Internal notes leave no trace a partner could ever observe: no newer date, no email.
                cases::touch(conn, step.case.id, step.now)?;
                if partner && step.case.filed_by != actor.user.user_id {
                    // A colleague who joins the conversation hears the answer.
                    watchers::watch(conn, step.case.id, actor.user.user_id, step.now)?;
                }
                step.notify(conn, Happened::Message)?;
            }
            // The event, with its audit record, comes last but for the files that refer to it:
            // on SQLite appending to the audit trail holds its head until the transaction ends,
            // so the less follows it, the sooner others go.
            let kind = if internal { EventKind::InternalNote } else { EventKind::Message };
            let event = step.event(conn, kind, Some(&body), None)?;
            evidence::attach(conn, &storage, &actor, &step.case, (event, internal), &files)?;
            Ok(Ok(()))
        })
        .await?;
    respond(&state, user, reference, form, result).await
}
