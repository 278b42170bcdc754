//! `POST /settings/language`: the user's choice of language, kept on their account.

use actix_web::{HttpResponse, web};

use crate::db::users;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::routes::form::Posted;
use crate::routes::page::see_other;
use crate::startup::AppState;

/// Only a path of this site is a place to go back to: one leading `/`, then plain path and query
/// characters; anything else (another site, control characters, `\\`) is refused.
pub fn local_path(raw: &str) -> Option<&str> {
    let plain = raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"/-_.~?=&%+,:@".contains(&b));
    (raw.starts_with('/') && !raw.starts_with("//") && plain).then_some(raw)
}

#[tracing::instrument(skip_all)]
pub async fn language(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let lang = Lang::parse(posted.form.get("lang")).ok_or(AppError::BadRequest("error_page.unknown_choice"))?;
    let back = match posted.form.get("back") {
        "" => "/cases",
        raw => local_path(raw).ok_or(AppError::BadRequest("error_page.unknown_choice"))?,
    }
    .to_owned();
    let user = posted.user.user.user_id;
    state.tx(move |conn| Ok(users::set_locale(conn, user, Some(lang.code()))?)).await?;
    Ok(see_other(&back))
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_of_this_site_are_places_to_go_back_to() {
        assert_eq!(local_path("/cases?status=closed&sort=urgency"), Some("/cases?status=closed&sort=urgency"));
        assert_eq!(local_path("/cases?q=harassed+by&status="), Some("/cases?q=harassed+by&status="));
        for bad in ["//evil.example", "/\t/evil.example", "https://evil.example", "/\\evil", "/a\nb", "cases"] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }
}
