//! `POST /cases/{reference}/decision`: a liaison records the outcome of every reported item with
//! a statement of reasons the partner reads. On a contested case this is the review's new decision.

use actix_web::{HttpResponse, web};

use super::step::Step;
use super::{Refusal, respond, text_field};
use crate::db::cases;
use crate::db::events::EventKind;
use crate::db::items::{self, ItemDecision};
use crate::domain::case_status::Action;
use crate::domain::new_case::{FieldErrors, MAX_EXPLANATION};
use crate::domain::outcome::Outcome;
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
    user.ensure_staff()?;
    let reference = reference.into_inner();
    let actor = user.clone();
    let lookup = reference.clone();
    let submitted = form.clone();
    let result = state
        .tx(move |conn| {
            let step = match Step::begin(conn, &actor, &lookup, Action::Decide)? {
                Ok(step) => step,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let mut errors = FieldErrors::default();
            let mut decisions = Vec::new();
            for item in items::for_case(conn, step.case.id)? {
                let outcome_field = format!("outcome_{}", item.id);
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
                let reasons =
                    text_field(&submitted, &format!("reasons_{}", item.id), MAX_EXPLANATION, true, &mut errors);
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
                items::record_decision(conn, step.case.id, &decision, actor.user.user_id, step.now)?;
                summary.push(format!("{position}:{}", outcome.code()));
            }
            if !cases::set_status(conn, step.case.id, step.case.status, step.next, step.now)? {
                return Err(AppError::Conflict);
            }
            cases::mark_decided(conn, step.case.id, step.now)?;
            step.event(conn, EventKind::Decision, None, Some(&summary.join(",")))?;
            step.notify(conn, Happened::Decided)?;
            Ok(Ok(()))
        })
        .await?;
    respond(&state, user, reference, form, result).await
}
