//! What every page's layout needs, and turning a template into a response.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use chrono::{Datelike, NaiveDateTime, Timelike};

use crate::auth::current_user::CurrentUser;
use crate::db::sessions::SessionUser;
use crate::error::AppError;
use crate::i18n::{Catalogue, Lang};
use crate::startup::AppState;

/// The layout's context: the reader's language and, when signed in, who they are.
pub struct Page<'a> {
    pub t: &'a Catalogue,
    pub user: Option<&'a SessionUser>,
    /// The section highlighted in the navigation.
    pub section: &'static str,
    /// Where the language switch comes back to.
    pub back: &'a str,
    /// The zone times are shown in.
    pub tz: chrono_tz::Tz,
}

impl<'a> Page<'a> {
    pub fn for_user(state: &'a AppState, user: &'a CurrentUser, section: &'static str) -> Self {
        let t = state.i18n.catalogue(user.lang);
        Page { t, user: Some(&user.user), section, back: &user.back, tz: state.tz }
    }

    pub fn signed_out(state: &'a AppState, lang: Lang) -> Self {
        Page { t: state.i18n.catalogue(lang), user: None, section: "", back: "/", tz: state.tz }
    }

    pub fn lang(&self) -> &'static str {
        self.t.lang().code()
    }

    /// Fully signed in: not waiting for a second factor, nor only enrolling one.
    pub fn full(&self) -> bool {
        self.user.is_some_and(|u| u.stage == crate::domain::two_factor::SessionStage::Full)
    }

    pub fn csrf(&self) -> &str {
        self.user.map_or("", |u| u.csrf_token.as_str())
    }

    pub fn is_staff(&self) -> bool {
        self.user.is_some_and(|u| u.role.is_staff())
    }

    pub fn is_partner_admin(&self) -> bool {
        self.user.is_some_and(|u| u.role == crate::domain::role::Role::PartnerAdmin)
    }

    pub fn is_platform_admin(&self) -> bool {
        self.user.is_some_and(|u| u.role.is_platform_admin())
    }

    /// A status as this reader says it: a partner reads "waiting for your answer" where staff
    /// read "awaiting the partner's answer".
    pub fn status(&self, code: &str) -> String {
        let own = format!("status_partner.{code}");
        if !self.is_staff() && self.t.has(&own) { self.t.get(&own).to_owned() } else { self.t.label("status", code) }
    }

    /// A stored UTC moment as shown to people, in the portal's zone: `2026-11-25 15:03 CET`.
    pub fn time(&self, at: &NaiveDateTime) -> String {
        // Written field by field: chrono's `format` parses its pattern again at every call, and
        // a list shows a time on every line.
        let local = at.and_utc().with_timezone(&self.tz);
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02} {}",
            local.year(),
            local.month(),
            local.day(),
            local.hour(),
            local.minute(),
            local.offset()
        )
    }

    /// The zone's name, for hints next to date-time fields.
    pub fn zone(&self) -> &'static str {
        self.tz.name()
    }

    /// A stored UTC moment for `<time datetime>`.
    pub fn iso(&self, at: &NaiveDateTime) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            at.year(),
            at.month(),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    }
}

/// Renders `template` as an HTML response with `status`.
pub fn render(status: StatusCode, template: &impl askama::Template) -> Result<HttpResponse, AppError> {
    let body = template.render()?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}

/// A `303 See Other` to `location`, the answer to every successful form.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, location.to_owned())).finish()
}
