//! `POST /cases/{reference}/legal-hold`: staff put a case under legal hold (`hold=1`), which
//! keeps retention from anonymising it, or lift the hold (`hold=0`). The platform's own matter:
//! partners neither see the hold nor its audit record.

use actix_web::{HttpResponse, web};

use super::{case_path, load_visible};
use crate::db::{audit, retention};
use crate::domain::audit::AuditAction;
use crate::error::AppError;
use crate::routes::form::Posted;
use crate::routes::page::see_other;
use crate::startup::AppState;

#[tracing::instrument(skip_all, fields(case = %reference))]
pub async fn post(
    state: web::Data<AppState>,
    posted: Posted,
    reference: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    if !user.user.role.is_staff() {
        return Err(AppError::NotFound);
    }
    let hold = form.flag("hold");
    let reference = reference.into_inner();
    let lookup = reference.clone();
    state
        .tx(move |conn| {
            let case = load_visible(conn, &user, &lookup)?;
            let hold = hold.ok_or(AppError::BadRequest("error_page.unknown_choice"))?;
            if case.anonymised_at.is_some() {
                return Err(AppError::BadRequest("case.hold_too_late"));
            }
            if retention::set_legal_hold(conn, case.id, hold)? {
                let action = if hold { AuditAction::LegalHoldSet } else { AuditAction::LegalHoldLifted };
                let mut entry = user.audit(action).organisation(case.organisation_id);
                entry.case = Some(case.id);
                entry.internal = true;
                audit::append(conn, &entry)?;
            }
            Ok(())
        })
        .await?;
    Ok(see_other(&format!("{}#legal-hold", case_path(&reference))))
}
