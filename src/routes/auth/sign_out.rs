//! `POST /sign-out`: ends this session on the server, not only in the browser.

use actix_web::{HttpResponse, web};

use crate::auth::current_user::{AnySession, removal_cookie};
use crate::db::sessions;
use crate::error::AppError;
use crate::routes::form::PostedBy;
use crate::routes::page::see_other;
use crate::startup::AppState;

#[tracing::instrument(skip_all)]
pub async fn submit(state: web::Data<AppState>, posted: PostedBy<AnySession>) -> Result<HttpResponse, AppError> {
    let token_hash = posted.user.0.user.token_hash.clone();
    state.db(move |conn| Ok(sessions::delete(conn, &token_hash)?)).await?;
    let mut response = see_other("/sign-in");
    response.add_cookie(&removal_cookie(state.settings.secure_cookies())).map_err(AppError::internal)?;
    Ok(response)
}
