//! The stylesheet, compiled into the binary: nothing is ever fetched from elsewhere.

use actix_web::HttpResponse;

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../static/style.css"))
}
