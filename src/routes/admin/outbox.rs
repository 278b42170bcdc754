//! `GET /admin/outbox` and `POST /admin/outbox/retry`: what the email worker has pending, sent
//! and given up on, with the last error, and a way to try failed ones again.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::current_user::CurrentUser;
use crate::db::notifications::OutboxLine;
use crate::db::{self, notifications};
use crate::domain::notification::DeliveryStatus;
use crate::error::AppError;
use crate::routes::form::Posted;
use crate::routes::page::{Page, render, see_other};
use crate::startup::AppState;

const SHOWN: i64 = 50;

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxTemplate<'a> {
    page: Page<'a>,
    pending: i64,
    sent: i64,
    failed: i64,
    sections: Vec<Section>,
    /// Where emails go: a folder, or (`None`) the SMTP server.
    folder: Option<String>,
}

/// The latest emails in one state; failed ones can be tried again.
struct Section {
    title: &'static str,
    lines: Vec<OutboxLine>,
    retryable: bool,
}

pub async fn get(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.ensure_platform_admin()?;
    let (pending, sent, failed, failed_lines, pending_lines, sent_lines) = state
        .db(|conn| {
            Ok((
                notifications::count(conn, DeliveryStatus::Pending)?,
                notifications::count(conn, DeliveryStatus::Sent)?,
                notifications::count(conn, DeliveryStatus::Failed)?,
                notifications::latest(conn, DeliveryStatus::Failed, SHOWN)?,
                notifications::latest(conn, DeliveryStatus::Pending, SHOWN)?,
                notifications::latest(conn, DeliveryStatus::Sent, SHOWN)?,
            ))
        })
        .await?;
    let template = OutboxTemplate {
        page: Page::for_user(&state, &user, "outbox"),
        pending,
        sent,
        failed,
        sections: vec![
            Section { title: "outbox.failed", lines: failed_lines, retryable: true },
            Section { title: "outbox.pending", lines: pending_lines, retryable: false },
            Section { title: "outbox.sent", lines: sent_lines, retryable: false },
        ],
        folder: state.mailer.folder(),
    };
    render(StatusCode::OK, &template)
}

/// Retries one failed email (`id`) or every failed one (`id` absent).
#[tracing::instrument(skip_all)]
pub async fn retry(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    posted.user.ensure_platform_admin()?;
    let id = match posted.form.get("id") {
        "" => None,
        raw => Some(raw.parse::<i64>().map_err(|_| AppError::NotFound)?),
    };
    state.tx(move |conn| Ok(notifications::retry_failed(conn, id, db::now())?)).await?;
    Ok(see_other("/admin/outbox"))
}
