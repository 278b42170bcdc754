//! `POST /cases/{reference}/assign`: a liaison takes a case or hands it to a colleague.

use actix_web::{HttpResponse, web};

use super::{Refusal, load_visible, respond};
use crate::db::{
    self, cases,
    events::{self, EventKind, NewEvent},
    users,
};
use crate::domain::case_status::{Action, Clock};
use crate::domain::ids::UserId;
use crate::domain::new_case::FieldErrors;
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
    let assignee = match form.get("assignee") {
        "me" => Some(user.user.user_id),
        raw => raw.parse().ok().map(UserId),
    };
    let reference = reference.into_inner();
    let actor = user.clone();
    let lookup = reference.clone();
    let result = state
        .tx(move |conn| {
            let case = load_visible(conn, &actor, &lookup)?;
            let now = db::now();
            let clock = Clock { now, decided_at: case.decided_at, closed_at: case.closed_at };
            let next = match case.status.apply(Action::Assign, actor.side(), &clock) {
                Ok(next) => next,
                Err(refused) => return Ok(Err(Refusal::Transition(refused.message_key()))),
            };
            let Some(assignee) = assignee.filter(|a| users::is_active_staff(conn, *a).unwrap_or(false)) else {
                let mut errors = FieldErrors::default();
                errors.add("assignee", "error.unknown_choice");
                return Ok(Err(Refusal::Fields(errors)));
            };
            let name = users::names(conn, &[assignee])?.remove(&assignee).unwrap_or_default();
            cases::set_assignee(conn, case.id, assignee, now)?;
            let event =
                |kind, detail| NewEvent { case: case.id, actor: actor.user.user_id, kind, body: None, detail, at: now };
            events::record(conn, &event(EventKind::Assigned, Some(&name)))?;
            if next != case.status {
                cases::set_status(conn, case.id, next, now)?;
                let change = format!("{}>{}", case.status.code(), next.code());
                events::record(conn, &event(EventKind::StatusChanged, Some(&change)))?;
            }
            Ok(Ok(()))
        })
        .await?;
    respond(&state, user, reference, form, result).await
}
