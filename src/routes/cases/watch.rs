//! `POST /cases/{reference}/watch`: start (`watch=1`) or stop (`watch=0`) hearing about a case
//! by email. Anyone who may see the case may watch it; nobody else learns it exists.

use actix_web::{HttpResponse, web};

use super::{case_path, load_visible};
use crate::db::{self, watchers};
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
    let watch = form.flag("watch");
    let reference = reference.into_inner();
    let lookup = reference.clone();
    state
        .tx(move |conn| {
            // The case first: another organisation's case is absent, whatever the form says.
            let case = load_visible(conn, &user, &lookup)?;
            if case.anonymised_at.is_some() {
                return Err(AppError::BadRequest("case.anonymised_read_only"));
            }
            let watch = watch.ok_or(AppError::BadRequest("error_page.unknown_choice"))?;
            if watch {
                watchers::watch(conn, case.id, user.user.user_id, db::now())?;
            } else {
                watchers::unwatch(conn, case.id, user.user.user_id)?;
            }
            Ok(())
        })
        .await?;
    Ok(see_other(&format!("{}#watch", case_path(&reference))))
}
