//! `POST /team/two-factor`: a partner admin requires (`required=1`) or stops requiring
//! (`required=0`) two-factor sign-in of their own organisation's members. Members without a
//! second factor must enrol one at their next page.

use actix_web::{HttpResponse, web};

use super::members::ensure_partner_admin;
use crate::db::two_factor;
use crate::domain::audit::AuditAction;
use crate::error::AppError;
use crate::routes::form::{FormData, Posted};
use crate::routes::page::see_other;
use crate::startup::AppState;

/// The choice a two-factor policy form sends.
pub fn required_choice(form: &FormData) -> Result<bool, AppError> {
    form.flag("required").ok_or(AppError::BadRequest("error_page.unknown_choice"))
}

#[tracing::instrument(skip_all)]
pub async fn post(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    ensure_partner_admin(&user)?;
    let required = required_choice(&form)?;
    let organisation = user.user.organisation_id;
    state
        .tx(move |conn| {
            two_factor::set_organisation_requires(conn, organisation, required)?;
            let detail = if required { "organisation_required" } else { "organisation_optional" };
            crate::db::audit::append(conn, &user.audit(AuditAction::TwoFactorPolicyChanged).detail(detail))?;
            Ok(())
        })
        .await?;
    tracing::info!(organisation = %organisation, required, "two-factor requirement changed");
    Ok(see_other("/team#two-factor"))
}
