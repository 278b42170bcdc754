//! `GET /account/sessions` and `POST /account/sessions/end-others`: a person's signed-in
//! sessions (device, address, when they signed in and were last seen), and signing out every one
//! but this.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::current_user::CurrentUser;
use crate::db::sessions::{self, SessionLine};
use crate::db::{self};
use crate::domain::device;
use crate::error::AppError;
use crate::routes::form::{FormData, Posted};
use crate::routes::page::{Page, render, see_other};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "account/sessions.html")]
struct SessionsTemplate<'a> {
    page: Page<'a>,
    sessions: Vec<SessionLine>,
    ended: bool,
}

impl SessionsTemplate<'_> {
    fn is_this(&self, line: &SessionLine) -> bool {
        self.page.user.is_some_and(|u| u.token_hash == line.token_hash)
    }

    fn device(&self, line: &SessionLine) -> String {
        match &line.user_agent {
            Some(agent) => device::describe(agent),
            None => self.page.t.get("sessions.unknown").to_owned(),
        }
    }
}

pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let ended = FormData::from_query(&request)?.get("ended") == "1";
    let id = user.user.user_id;
    let idle = chrono::TimeDelta::minutes(state.settings.session_idle_minutes.max(1));
    let sessions = state.db(move |conn| Ok(sessions::live_for_user(conn, id, db::now(), idle)?)).await?;
    render(StatusCode::OK, &SessionsTemplate { page: Page::for_user(&state, &user, "account"), sessions, ended })
}

#[tracing::instrument(skip_all)]
pub async fn end_others(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, .. } = posted;
    let id = user.user.user_id;
    let keep = user.user.token_hash.clone();
    let ended = state.tx(move |conn| Ok(sessions::delete_for_user_except(conn, id, &keep)?)).await?;
    tracing::info!(user = %id, ended, "signed out everywhere else");
    Ok(see_other("/account/sessions?ended=1"))
}
