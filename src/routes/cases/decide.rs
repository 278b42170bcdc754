//! `POST /cases/{reference}/decision`: a liaison records the outcome of every reported item with
//! a statement of reasons the partner reads. On a contested case this is the review's new decision.

use actix_web::{HttpResponse, web};

use super::{Refusal, load_visible, respond};
use crate::db::items::{self, ItemDecision};
use crate::db::{
    self, cases,
    events::{self, EventKind, NewEvent},
};
use crate::domain::case_status::{Action, Clock};
use crate::domain::new_case::{FieldErrors, MAX_EXPLANATION, clean_text};
use crate::domain::outcome::Outcome;
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
    user.ensure_staff()?;
    let reference = reference.into_inner();
    let actor = user.clone();
    let lookup = reference.clone();
    let submitted = form.clone();
    let result = state
        .tx(move |conn| {
            let case = load_visible(conn, &actor, &lookup)?;
            let now = db::now();
            let clock = Clock { now, decided_at: case.decided_at, closed_at: case.closed_at };
            let next = match case.status.apply(Action::Decide, actor.side(), &clock) {
                Ok(next) => next,
                Err(refused) => return Ok(Err(Refusal::Transition(refused.message_key()))),
            };
            let reported = items::for_case(conn, case.id)?;
            let mut errors = FieldErrors::default();
            let mut decisions = Vec::new();
            for item in &reported {
                let outcome_field = format!("outcome_{}", item.id);
                let reasons_field = format!("reasons_{}", item.id);
                let outcome = match submitted.get(&outcome_field) {
                    "" => {
                        errors.add(&outcome_field, "error.choose_one");
                        None
                    }
                    raw => Outcome::parse(raw).or_else(|| {
                        errors.add(&outcome_field, "error.unknown_choice");
                        None
                    }),
                };
                let reasons = match clean_text(submitted.get(&reasons_field), MAX_EXPLANATION) {
                    Ok(text) if text.is_empty() => {
                        errors.add(&reasons_field, "error.required");
                        None
                    }
                    Ok(text) => Some(text),
                    Err(key) => {
                        errors.add(&reasons_field, key);
                        None
                    }
                };
                let automated = submitted.checked(&format!("automated_{}", item.id));
                if let (Some(outcome), Some(reasons)) = (outcome, reasons) {
                    decisions.push((item.id, item.position, outcome, reasons, automated));
                }
            }
            if !errors.is_empty() {
                return Ok(Err(Refusal::Fields(errors)));
            }
            let mut summary = Vec::new();
            for (item, position, outcome, reasons, automated) in &decisions {
                let decision = ItemDecision { item: *item, outcome: *outcome, reasons, automated: *automated };
                items::record_decision(conn, case.id, &decision, actor.user.user_id, now)?;
                summary.push(format!("{position}:{}", outcome.code()));
            }
            cases::set_status(conn, case.id, next, now)?;
            let detail = summary.join(",");
            events::record(
                conn,
                &NewEvent {
                    case: case.id,
                    actor: actor.user.user_id,
                    kind: EventKind::Decision,
                    body: None,
                    detail: Some(&detail),
                    at: now,
                },
            )?;
            Ok(Ok(()))
        })
        .await?;
    respond(&state, user, reference, form, result).await
}
