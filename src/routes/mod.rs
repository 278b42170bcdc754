//! One file per page or action, mirroring the URL tree.

pub mod account;
pub mod admin;
pub mod anonymous;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod error_page;
pub mod form;
pub mod home;
pub mod ops;
pub mod page;
pub mod person;
pub mod settings;
pub mod static_files;
pub mod step_up;
pub mod team;

use actix_web::web;

use crate::error::AppError;

/// Declares the route table once: `configure` wires it into actix-web, and `ROUTES` lists it, so
/// the route-rules test walks every route that exists (a new one without a rule fails it).
macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path),+ $(,)?) => {
        /// Every route as (method, path pattern), as `configure` declares it.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),+];

        /// The route table: every URL Passerelle answers.
        pub fn configure(config: &mut web::ServiceConfig) {
            config$(.route($path, web::$method().to($handler)))+.default_service(web::to(not_found));
        }
    };
}

route_table! {
    get "/" => home::get,
    get "/static/style.css" => static_files::stylesheet,
    get "/healthz" => ops::healthz,
    get "/readyz" => ops::readyz,
    get "/metrics" => ops::metrics,
    get "/sign-in" => auth::sign_in::form,
    post "/sign-in" => auth::sign_in::submit,
    get "/sign-in/code" => auth::second_factor::form,
    post "/sign-in/code" => auth::second_factor::submit,
    post "/sign-out" => auth::sign_out::submit,
    get "/account" => account::settings::get,
    post "/account/notifications" => account::settings::notifications,
    post "/account/password" => account::settings::password,
    post "/account/email" => account::settings::email,
    get "/account/sessions" => account::sessions::get,
    post "/account/sessions/end" => account::sessions::end_one,
    post "/account/sessions/end-others" => account::sessions::end_others,
    get "/account/two-factor" => account::two_factor::get,
    post "/account/two-factor/enable" => account::two_factor::enable,
    post "/account/two-factor/recovery-codes" => account::two_factor::recovery_codes,
    post "/account/two-factor/disable" => account::two_factor::disable,
    get "/account/email/{token}" => account::confirm_email::form,
    post "/account/email/{token}" => account::confirm_email::submit,
    get "/sign-in/forgot" => account::forgot::form,
    post "/sign-in/forgot" => account::forgot::submit,
    get "/account/setup/{token}" => account::set_password::setup_form,
    post "/account/setup/{token}" => account::set_password::setup,
    get "/account/reset/{token}" => account::set_password::reset_form,
    post "/account/reset/{token}" => account::set_password::reset,
    post "/settings/language" => settings::language,
    get "/cases" => cases::list::get,
    post "/cases" => cases::create::post,
    get "/cases/new" => cases::create::form,
    get "/cases/{reference}" => cases::show::get,
    post "/cases/{reference}/messages" => cases::messages::post,
    post "/cases/{reference}/transition" => cases::transition::post,
    post "/cases/{reference}/assign" => cases::assign::post,
    post "/cases/{reference}/decision" => cases::decide::post,
    post "/cases/{reference}/referral" => cases::referral::post,
    post "/cases/{reference}/watch" => cases::watch::post,
    post "/cases/{reference}/legal-hold" => cases::legal_hold::post,
    get "/cases/{reference}/attachments/{id}" => cases::evidence::download,
    get "/cases/{reference}/attachments/{id}/preview" => cases::evidence::preview,
    post "/cases/{reference}/attachments/{id}/purge" => cases::evidence::purge,
    get "/team" => team::members::get,
    get "/team/audit" => audit::team,
    post "/team/invite" => team::invite::post,
    post "/team/two-factor" => team::two_factor::post,
    get "/team/{id}" => person::get,
    post "/team/{id}/role" => person::role,
    post "/team/{id}/delete" => person::delete,
    post "/team/{id}/disable" => team::members::disable,
    post "/team/{id}/enable" => team::members::enable,
    get "/admin/organisations" => admin::organisations::get,
    post "/admin/organisations" => admin::organisations::post,
    post "/admin/two-factor" => admin::two_factor::everywhere,
    post "/admin/organisations/{id}/two-factor" => admin::two_factor::organisation,
    post "/admin/organisations/{id}/delete" => admin::organisations::delete,
    get "/admin/audit" => audit::admin,
    post "/admin/audit/export" => audit::export,
    get "/admin/outbox" => admin::outbox::get,
    post "/admin/outbox/retry" => admin::outbox::retry,
    get "/admin/users" => admin::users::get,
    post "/admin/users" => admin::users::post,
    get "/admin/users/{id}" => person::get,
    post "/admin/users/{id}/role" => person::role,
    post "/admin/users/{id}/delete" => person::delete,
    post "/admin/users/{id}/disable" => admin::users::disable,
    post "/admin/users/{id}/enable" => admin::users::enable,
}

async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}
