//! `GET /account/sessions`, `POST /account/sessions/end` and `POST /account/sessions/end-others`:
//! a person's signed-in sessions (device, address, when they signed in and were last seen),
//! signing out one of them, and signing out every one but this.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::auth::current_user::CurrentUser;
use crate::auth::tokens::hash_token;
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
    /// What the last action did, as a message key.
    notice: Option<&'static str>,
    /// Why the last action changed nothing, as a message key.
    problem: Option<&'static str>,
}

/// How the page names a session in its sign-out form: derived from the stored hash, so the page
/// never shows the key the session is looked up by.
fn handle(token_hash: &str) -> String {
    hash_token(token_hash)[..16].to_owned()
}

impl SessionsTemplate<'_> {
    fn is_this(&self, line: &SessionLine) -> bool {
        self.page.user.is_some_and(|u| u.token_hash == line.token_hash)
    }

    fn handle(&self, line: &SessionLine) -> String {
        handle(&line.token_hash)
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
    let notice = match FormData::from_query(&request)?.get("ended") {
        "1" => Some("sessions.ended"),
        "one" => Some("sessions.ended_one"),
        _ => None,
    };
    show(&state, &user, StatusCode::OK, notice, None).await
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    notice: Option<&'static str>,
    problem: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let id = user.user.user_id;
    let idle = idle(state);
    let sessions = state.db(move |conn| Ok(sessions::live_for_user(conn, id, db::now(), idle)?)).await?;
    render(status, &SessionsTemplate { page: Page::for_user(state, user, "account"), sessions, notice, problem })
}

fn idle(state: &AppState) -> chrono::TimeDelta {
    chrono::TimeDelta::minutes(state.settings.session_idle_minutes.max(1))
}

/// Signs out one of the person's other sessions, named by its handle on the page. A handle that
/// names none of their live sessions (already ended, someone else's, or this one) changes nothing.
#[tracing::instrument(skip_all)]
pub async fn end_one(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    let wanted = form.get("session").to_owned();
    let id = user.user.user_id;
    let keep = user.user.token_hash.clone();
    let idle = idle(&state);
    let ended = state
        .tx(move |conn| {
            let live = sessions::live_for_user(conn, id, db::now(), idle)?;
            let Some(line) = live.iter().find(|line| line.token_hash != keep && handle(&line.token_hash) == wanted)
            else {
                return Ok(0);
            };
            Ok(sessions::delete_for_user_one(conn, id, &line.token_hash)?)
        })
        .await?;
    if ended == 0 {
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, None, Some("sessions.not_found")).await;
    }
    tracing::info!(user = %id, "signed out one other session");
    Ok(see_other("/account/sessions?ended=one"))
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
