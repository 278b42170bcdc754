//! `POST /cases/{reference}/assign`: a liaison takes a case or hands it to a colleague.

use actix_web::{HttpResponse, web};

use super::step::Step;
use super::{Refusal, respond};
use crate::db::events::EventKind;
use crate::db::{cases, users};
use crate::domain::case_status::Action;
use crate::domain::ids::UserId;
use crate::domain::new_case::FieldErrors;
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
    let assignee = match form.get("assignee") {
        "me" => Some(user.user.user_id),
        raw => raw.parse().ok().map(UserId),
    };
    let reference = reference.into_inner();
    let actor = user.clone();
    let lookup = reference.clone();
    let result = state
        .tx(move |conn| {
            let step = match Step::begin(conn, &actor, &lookup, Action::Assign)? {
                Ok(step) => step,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let valid = match assignee {
                Some(candidate) => users::is_active_staff(conn, candidate)?.then_some(candidate),
                None => None,
            };
            let Some(assignee) = valid else {
                let mut errors = FieldErrors::default();
                errors.add("assignee", "error.unknown_choice");
                return Ok(Err(Refusal::Fields(errors)));
            };
            let name = users::names(conn, &[assignee])?.remove(&assignee).unwrap_or_default();
            cases::set_assignee(conn, step.case.id, assignee, step.now)?;
            step.event(conn, EventKind::Assigned, None, Some(&name))?;
            step.notify(conn, Happened::Assigned(assignee))?;
            if step.next != step.case.status {
                step.change_status(conn, EventKind::StatusChanged, None)?;
                step.notify(conn, Happened::StatusChanged(step.next))?;
            }
            Ok(Ok(()))
        })
        .await?;
    respond(&state, user, reference, form, result).await
}
