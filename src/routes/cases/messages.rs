//! `POST /cases/{reference}/messages`: a message to the other side, or (staff) an internal note.
//! A partner's message on a case awaiting them hands it back to the platform.

use actix_web::{HttpResponse, web};

use super::{Refusal, load_visible, respond, text_field};
use crate::db::{
    self, cases,
    events::{self, EventKind, NewEvent},
};
use crate::domain::case_status::{Action, CaseStatus, Clock};
use crate::domain::new_case::{FieldErrors, MAX_EXPLANATION};
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
            let case = load_visible(conn, &actor, &lookup)?;
            let Some(body) = body else {
                return Ok(Err(Refusal::Fields(errors)));
            };
            let now = db::now();
            if !internal && !actor.user.role.is_staff() && case.status == CaseStatus::AwaitingPartner {
                let clock = Clock { now, decided_at: case.decided_at, closed_at: case.closed_at };
                let next = case.status.apply(Action::ProvideInformation, actor.side(), &clock);
                if let Ok(next) = next {
                    cases::set_status(conn, case.id, next, now)?;
                    let change = format!("{}>{}", case.status.code(), next.code());
                    events::record(
                        conn,
                        &NewEvent {
                            case: case.id,
                            actor: actor.user.user_id,
                            kind: EventKind::StatusChanged,
                            body: None,
                            detail: Some(&change),
                            at: now,
                        },
                    )?;
                }
            }
            let kind = if internal { EventKind::InternalNote } else { EventKind::Message };
            events::record(
                conn,
                &NewEvent { case: case.id, actor: actor.user.user_id, kind, body: Some(&body), detail: None, at: now },
            )?;
            cases::touch(conn, case.id, now)?;
            Ok(Ok(()))
        })
        .await?;
    respond(&state, user, reference, form, result).await
}
