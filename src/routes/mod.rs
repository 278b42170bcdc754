//! One file per page or action, mirroring the URL tree.

pub mod account;
pub mod admin;
pub mod anonymous;
pub mod auth;
pub mod cases;
pub mod error_page;
pub mod form;
pub mod home;
pub mod page;
pub mod settings;
pub mod static_files;
pub mod team;

use actix_web::web;

use crate::error::AppError;

/// The route table: every URL Passerelle answers.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(home::get))
        .route("/static/style.css", web::get().to(static_files::stylesheet))
        .route("/sign-in", web::get().to(auth::sign_in::form))
        .route("/sign-in", web::post().to(auth::sign_in::submit))
        .route("/sign-in/code", web::get().to(auth::second_factor::form))
        .route("/sign-in/code", web::post().to(auth::second_factor::submit))
        .route("/sign-out", web::post().to(auth::sign_out::submit))
        .route("/account", web::get().to(account::settings::get))
        .route("/account/notifications", web::post().to(account::settings::notifications))
        .route("/account/password", web::post().to(account::settings::password))
        .route("/account/email", web::post().to(account::settings::email))
        .route("/account/sessions", web::get().to(account::sessions::get))
        .route("/account/sessions/end-others", web::post().to(account::sessions::end_others))
        .route("/account/two-factor", web::get().to(account::two_factor::get))
        .route("/account/two-factor/enable", web::post().to(account::two_factor::enable))
        .route("/account/two-factor/recovery-codes", web::post().to(account::two_factor::recovery_codes))
        .route("/account/two-factor/disable", web::post().to(account::two_factor::disable))
        .route("/account/email/{token}", web::get().to(account::confirm_email::form))
        .route("/account/email/{token}", web::post().to(account::confirm_email::submit))
        .route("/sign-in/forgot", web::get().to(account::forgot::form))
        .route("/sign-in/forgot", web::post().to(account::forgot::submit))
        .route("/account/setup/{token}", web::get().to(account::set_password::setup_form))
        .route("/account/setup/{token}", web::post().to(account::set_password::setup))
        .route("/account/reset/{token}", web::get().to(account::set_password::reset_form))
        .route("/account/reset/{token}", web::post().to(account::set_password::reset))
        .route("/settings/language", web::post().to(settings::language))
        .route("/cases", web::get().to(cases::list::get))
        .route("/cases", web::post().to(cases::create::post))
        .route("/cases/new", web::get().to(cases::create::form))
        .route("/cases/{reference}", web::get().to(cases::show::get))
        .route("/cases/{reference}/messages", web::post().to(cases::messages::post))
        .route("/cases/{reference}/transition", web::post().to(cases::transition::post))
        .route("/cases/{reference}/assign", web::post().to(cases::assign::post))
        .route("/cases/{reference}/decision", web::post().to(cases::decide::post))
        .route("/cases/{reference}/referral", web::post().to(cases::referral::post))
        .route("/cases/{reference}/watch", web::post().to(cases::watch::post))
        .route("/team", web::get().to(team::members::get))
        .route("/team/invite", web::post().to(team::invite::post))
        .route("/team/two-factor", web::post().to(team::two_factor::post))
        .route("/team/{id}/disable", web::post().to(team::members::disable))
        .route("/team/{id}/enable", web::post().to(team::members::enable))
        .route("/admin/organisations", web::get().to(admin::organisations::get))
        .route("/admin/organisations", web::post().to(admin::organisations::post))
        .route("/admin/two-factor", web::post().to(admin::two_factor::everywhere))
        .route("/admin/organisations/{id}/two-factor", web::post().to(admin::two_factor::organisation))
        .route("/admin/outbox", web::get().to(admin::outbox::get))
        .route("/admin/outbox/retry", web::post().to(admin::outbox::retry))
        .route("/admin/users", web::get().to(admin::users::get))
        .route("/admin/users", web::post().to(admin::users::post))
        .route("/admin/users/{id}/disable", web::post().to(admin::users::disable))
        .route("/admin/users/{id}/enable", web::post().to(admin::users::enable))
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}
