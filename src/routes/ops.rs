//! For the load balancer and the monitoring: `GET /healthz` (the process answers), `GET /readyz`
//! (the database answers and every migration is applied) and `GET /metrics` (Prometheus text).
//! `/metrics` is not for partners: with `metrics_token` set it needs that bearer token;
//! without, it answers only on a direct loopback connection. Anyone else gets a 404.

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::tokens::constant_time_eq;
use crate::db::{self, notifications};
use crate::domain::notification::DeliveryStatus;
use crate::error::AppError;
use crate::startup::AppState;

fn text(status: StatusCode, body: &str) -> HttpResponse {
    HttpResponse::build(status).insert_header((CONTENT_TYPE, "text/plain; charset=utf-8")).body(body.to_owned())
}

pub async fn healthz() -> HttpResponse {
    text(StatusCode::OK, "ok\n")
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let checked = state.db(|conn| db::pending_migrations(conn).map_err(AppError::internal)).await;
    match checked {
        Ok(false) => text(StatusCode::OK, "ready\n"),
        Ok(true) => text(StatusCode::SERVICE_UNAVAILABLE, "not ready: migrations pending\n"),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            text(StatusCode::SERVICE_UNAVAILABLE, "not ready: database unreachable\n")
        }
    }
}

/// Whether this request may read the metrics.
fn may_scrape(state: &AppState, request: &HttpRequest) -> bool {
    let token = state.settings.metrics_token.expose();
    if !token.is_empty() {
        let sent = request.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        return sent.strip_prefix("Bearer ").is_some_and(|sent| constant_time_eq(sent, token));
    }
    // Behind a proxy every client seems to come from the proxy: only a token will do.
    !state.settings.behind_proxy && request.peer_addr().is_some_and(|peer| peer.ip().is_loopback())
}

pub async fn metrics(state: web::Data<AppState>, request: HttpRequest) -> Result<HttpResponse, AppError> {
    if !may_scrape(&state, &request) {
        return Err(AppError::NotFound);
    }
    let pool = state.pool.state();
    let pending = state.db(|conn| Ok(notifications::count(conn, DeliveryStatus::Pending)?)).await?;
    let body = state.metrics.render(pool.connections, pool.idle_connections, pending, db::queries_run());
    Ok(HttpResponse::Ok().insert_header((CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")).body(body))
}
