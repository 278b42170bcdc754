//! `POST /sign-out`: ends this session on the server, not only in the browser.

use actix_web::{HttpResponse, web};

use crate::auth::current_user::{AnySession, removal_cookie};
use crate::db::{audit, sessions};
use crate::domain::audit::AuditAction;
use crate::error::AppError;
use crate::routes::form::PostedBy;
use crate::routes::page::see_other;
use crate::startup::AppState;

#[tracing::instrument(skip_all)]
pub async fn submit(state: web::Data<AppState>, posted: PostedBy<AnySession>) -> Result<HttpResponse, AppError> {
    let actor = posted.user.0;
    state
        .tx(move |conn| {
            sessions::delete(conn, &actor.user.token_hash)?;
            audit::append(conn, &actor.audit(AuditAction::SignedOut))?;
            Ok(())
        })
        .await?;
    let mut response = see_other("/sign-in");
    response.add_cookie(&removal_cookie(state.settings.secure_cookies())).map_err(AppError::internal)?;
    Ok(response)
}
