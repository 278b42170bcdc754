//! `POST /cases/{reference}/referral`: staff record that they referred the case to an authority
//! (DSA Art. 18): which authority, when, and its reference. Recorded for the platform's eyes only.

use actix_web::{HttpResponse, web};

use super::{Refusal, load_visible, respond, text_field};
use crate::db::{
    self,
    events::{self, EventKind, NewEvent},
};
use crate::domain::new_case::{FieldErrors, MAX_SHORT_TEXT};
use crate::domain::reported_item::parse_local_time;
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
    let mut errors = FieldErrors::default();
    let authority = text_field(&form, "authority", MAX_SHORT_TEXT, true, &mut errors);
    let authority_reference = text_field(&form, "authority_reference", MAX_SHORT_TEXT, false, &mut errors);
    let referred_at = parse_local_time(form.get("referred_at"), db::now(), state.tz)
        .map_err(|key| errors.add("referred_at", key))
        .ok();
    let reference = reference.into_inner();
    let actor = user.clone();
    let lookup = reference.clone();
    let result = state
        .tx(move |conn| {
            let case = load_visible(conn, &actor, &lookup)?;
            if case.anonymised_at.is_some() {
                return Err(AppError::BadRequest("case.anonymised_read_only"));
            }
            let (Some(authority), Some(referred_at)) = (authority, referred_at) else {
                return Ok(Err(Refusal::Fields(errors)));
            };
            if !errors.is_empty() {
                return Ok(Err(Refusal::Fields(errors)));
            }
            let detail =
                format!("{}|{}", referred_at.format("%Y-%m-%dT%H:%M:%S"), authority_reference.unwrap_or_default());
            events::record(
                conn,
                &NewEvent {
                    case: case.id,
                    organisation: case.organisation_id,
                    actor: actor.user.user_id,
                    address: actor.address.as_deref(),
                    kind: EventKind::Referral,
                    body: Some(&authority),
                    detail: Some(&detail),
                    at: db::now(),
                },
            )?;
            Ok(Ok(()))
        })
        .await?;
    respond(&state, user, reference, form, result).await
}
