//! The error policy. Repository functions return `QueryResult`; domain rules return small
//! `thiserror` enums that handlers turn into re-rendered pages with the message in place.
//! Everything else becomes an `AppError`: a status code and a friendly page in the reader's
//! language (rendered by `routes::error_page`), with the full cause logged and never shown.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, ResponseError};

/// Marks a response as an error page still to be rendered, with the catalogue key of its message.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage(pub &'static str);

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Unknown, or not yours: the same answer either way.
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("sign-in required")]
    SignInRequired,
    /// The password was right; the session waits for a second-factor code.
    #[error("second factor required")]
    SecondFactorRequired,
    /// A page for signing in, asked for by someone fully signed in.
    #[error("already signed in")]
    AlreadySignedIn,
    /// The session may only enrol the second factor its user must have.
    #[error("second-factor enrolment required")]
    EnrolmentRequired,
    /// A request no form of ours sends (bad encoding, a missing field); the key explains it.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// A single-use account link that is wrong, used or expired; the key says which.
    #[error("account link refused: {0}")]
    LinkRefused(&'static str),
    /// Something that existed and was removed on purpose (a purged file); the key says what.
    #[error("gone: {0}")]
    Gone(&'static str),
    #[error("CSRF token missing or wrong")]
    CsrfRejected,
    /// Someone else changed the same thing between reading and writing; nothing was written.
    #[error("concurrent change")]
    Conflict,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError::Internal(cause.to_string())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            // Two people creating the same thing at once: the second learns it, nothing is half-written.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::Conflict,
            error => AppError::Internal(format!("database: {error}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        AppError::Internal(format!("database pool: {error}"))
    }
}

impl From<diesel::r2d2::Error> for AppError {
    fn from(error: diesel::r2d2::Error) -> Self {
        AppError::Internal(format!("database connection: {error}"))
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> Self {
        AppError::Internal(format!("template: {error}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        AppError::Internal(format!("blocking pool: {error}"))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::SignInRequired
            | AppError::SecondFactorRequired
            | AppError::EnrolmentRequired
            | AppError::AlreadySignedIn => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::LinkRefused(_) | AppError::Gone(_) => StatusCode::GONE,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Conflict => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let key = match self {
            AppError::SignInRequired => {
                return HttpResponse::SeeOther().insert_header((LOCATION, "/sign-in")).finish();
            }
            AppError::SecondFactorRequired => {
                return HttpResponse::SeeOther().insert_header((LOCATION, "/sign-in/code")).finish();
            }
            AppError::EnrolmentRequired => {
                return HttpResponse::SeeOther().insert_header((LOCATION, "/account/two-factor")).finish();
            }
            AppError::AlreadySignedIn => {
                return HttpResponse::SeeOther().insert_header((LOCATION, "/cases")).finish();
            }
            AppError::NotFound => "error_page.not_found",
            AppError::Forbidden => "error_page.forbidden",
            AppError::BadRequest(key) | AppError::LinkRefused(key) | AppError::Gone(key) => key,
            AppError::CsrfRejected => "error_page.csrf",
            AppError::PayloadTooLarge => "error_page.too_large",
            AppError::Conflict => "error_page.conflict",
            AppError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                "error_page.internal"
            }
        };
        let mut response = HttpResponse::build(self.status_code()).finish();
        response.extensions_mut().insert(ErrorPage(key));
        response
    }
}
