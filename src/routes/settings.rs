//! `POST /settings/language`: the user's choice of language, kept on their account.

use actix_web::{HttpResponse, web};

use crate::db::users;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::routes::form::Posted;
use crate::routes::page::see_other;
use crate::startup::AppState;

/// Only a local path is a valid place to go back to, never another site.
pub fn local_path(raw: &str) -> &str {
    if raw.starts_with('/') && !raw.starts_with("//") && !raw.contains('\\') { raw } else { "/cases" }
}

#[tracing::instrument(skip_all)]
pub async fn language(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let lang = Lang::parse(posted.form.get("lang")).ok_or(AppError::BadRequest("error_page.unknown_choice"))?;
    let user = posted.user.user.user_id;
    state.db(move |conn| Ok(users::set_locale(conn, user, Some(lang.code()))?)).await?;
    Ok(see_other(local_path(posted.form.get("back"))))
}
