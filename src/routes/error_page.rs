//! Renders the friendly page behind every `AppError`, in the reader's language.

use actix_web::body::EitherBody;
use actix_web::dev::ServiceResponse;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpMessage, HttpResponse, web};
use askama::Template;

use crate::auth::current_user::CurrentUser;
use crate::error::ErrorPage;
use crate::i18n::negotiate;
use crate::routes::page::Page;
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    page: Page<'a>,
    message_key: &'static str,
    status: u16,
}

/// Replaces the empty body of an `AppError` response with its page; other responses pass untouched.
pub fn render<B>(response: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let Some(ErrorPage(message_key)) = response.response().extensions().get::<ErrorPage>().copied() else {
        return Ok(ErrorHandlerResponse::Response(response.map_into_left_body()));
    };
    let (request, old) = response.into_parts();
    let status = old.status();
    let Some(state) = request.app_data::<web::Data<AppState>>() else {
        let fallback = HttpResponse::build(status).finish();
        return Ok(ErrorHandlerResponse::Response(ServiceResponse::new(request, fallback).map_into_right_body()));
    };
    let reader = request.extensions().get::<CurrentUser>().cloned();
    let body = match &reader {
        Some(user) => {
            let page = Page::for_user(state, user, "");
            ErrorTemplate { page, message_key, status: status.as_u16() }.render()
        }
        None => {
            let page = Page::signed_out(state, negotiate(None, &request));
            ErrorTemplate { page, message_key, status: status.as_u16() }.render()
        }
    }
    .unwrap_or_default();
    let mut new = HttpResponse::build(status);
    new.content_type("text/html; charset=utf-8");
    for (name, value) in old.headers() {
        if name != actix_web::http::header::CONTENT_TYPE && name != actix_web::http::header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let response: ServiceResponse<EitherBody<B>> = ServiceResponse::new(request, new.body(body)).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(response))
}
