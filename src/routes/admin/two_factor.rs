//! `POST /admin/two-factor` and `POST /admin/organisations/{id}/two-factor`: a platform admin
//! requires two-factor sign-in of everyone, or of one partner organisation (`required=1|0`), on
//! a flag of the platform's own that the organisation's admin cannot undo. Staff need it
//! whatever these say.

use actix_web::{HttpResponse, web};

use crate::db::{organisations, two_factor};
use crate::domain::audit::AuditAction;
use crate::domain::ids::OrgId;
use crate::domain::role::OrgKind;
use crate::error::AppError;
use crate::routes::form::Posted;
use crate::routes::page::see_other;
use crate::routes::team::two_factor::required_choice;
use crate::startup::AppState;

#[tracing::instrument(skip_all)]
pub async fn everywhere(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    user.ensure_platform_admin()?;
    let required = required_choice(&form)?;
    state
        .tx(move |conn| {
            two_factor::set_everywhere(conn, required)?;
            let detail = if required { "everywhere_required" } else { "everywhere_optional" };
            crate::db::audit::append(conn, &user.audit(AuditAction::TwoFactorPolicyChanged).detail(detail))?;
            Ok(())
        })
        .await?;
    tracing::info!(required, "two-factor requirement for everyone changed");
    Ok(see_other("/admin/organisations#two-factor"))
}

#[tracing::instrument(skip_all, fields(organisation = %id))]
pub async fn organisation(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    user.ensure_platform_admin()?;
    let required = required_choice(&form)?;
    let id = OrgId(id.into_inner());
    state
        .tx(move |conn| match organisations::find(conn, id)? {
            Some(org) if org.kind == OrgKind::Partner => {
                two_factor::set_platform_requires(conn, id, required)?;
                let detail = if required { "platform_required" } else { "platform_optional" };
                let entry = user.audit(AuditAction::TwoFactorPolicyChanged).organisation(id).detail(detail);
                crate::db::audit::append(conn, &entry)?;
                Ok(())
            }
            _ => Err(AppError::NotFound),
        })
        .await?;
    Ok(see_other("/admin/organisations"))
}
