//! `POST /team/invite`: a partner admin adds a caseworker or another admin to their own
//! organisation; the new user receives an invitation to choose their password.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::members::{ensure_partner_admin, show};
use crate::auth::password;
use crate::db::{self, users};
use crate::domain::account::NewAccount;
use crate::domain::audit::AuditAction;
use crate::domain::new_case::FieldErrors;
use crate::domain::notification::TokenPurpose;
use crate::email::notify;
use crate::error::AppError;
use crate::routes::form::Posted;
use crate::startup::AppState;

#[tracing::instrument(skip_all)]
pub async fn post(state: web::Data<AppState>, posted: Posted) -> Result<HttpResponse, AppError> {
    let Posted { user, form } = posted;
    ensure_partner_admin(&user)?;
    let account = match NewAccount::parse(form.get("email"), form.get("display_name"), form.get("role"), None) {
        Ok(account) if account.role.is_partner() => account,
        Ok(_) => {
            let mut errors = FieldErrors::default();
            errors.add("role", "error.unknown_choice");
            return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form, errors, None).await;
        }
        Err(errors) => return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form, errors, None).await,
    };
    // Inviting someone may add an admin: as sensitive as changing a role.
    let mut errors = FieldErrors::default();
    crate::routes::step_up::confirm(&state, &user, &form, &mut errors).await?;
    if !errors.is_empty() {
        return show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form, errors, None).await;
    }
    let organisation = user.user.organisation_id;
    let stored = account.clone();
    let actor = user.clone();
    let refusal = state
        .tx(move |conn| {
            if users::email_taken(conn, stored.email.as_str())? {
                let mut errors = FieldErrors::default();
                errors.add("email", "error.email_taken");
                return Ok(Some(errors));
            }
            let now = db::now();
            let created = users::insert(
                conn,
                &users::NewUser {
                    organisation_id: organisation.0,
                    email: stored.email.as_str(),
                    display_name: &stored.display_name,
                    password_hash: password::NO_PASSWORD_YET,
                    role: stored.role.code(),
                    locale: None,
                    created_at: now,
                },
            )?;
            notify::account_link(conn, created, TokenPurpose::Invitation, now)?;
            let invited = actor.audit(AuditAction::UserInvited).subject(created).detail(stored.role.code());
            crate::db::audit::append(conn, &invited)?;
            Ok(None)
        })
        .await?;
    match refusal {
        Some(errors) => show(&state, &user, StatusCode::UNPROCESSABLE_ENTITY, form, errors, None).await,
        None => {
            show(
                &state,
                &user,
                StatusCode::OK,
                Default::default(),
                FieldErrors::default(),
                Some(account.email.as_str().to_owned()),
            )
            .await
        }
    }
}
