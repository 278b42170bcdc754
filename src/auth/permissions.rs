//! Who may do what, checked at the top of each handler.

use super::current_user::CurrentUser;
use crate::db::cases::Scope;
use crate::db::events::Audience;
use crate::error::AppError;

impl CurrentUser {
    /// Partners read their own organisation's cases; staff read every partner's.
    pub fn scope(&self) -> Scope {
        if self.user.role.is_staff() { Scope::Everything } else { Scope::Organisation(self.user.organisation_id) }
    }

    pub fn audience(&self) -> Audience {
        if self.user.role.is_staff() { Audience::Staff } else { Audience::Partner }
    }

    pub fn ensure_staff(&self) -> Result<(), AppError> {
        if self.user.role.is_staff() { Ok(()) } else { Err(AppError::NotFound) }
    }

    pub fn ensure_partner(&self) -> Result<(), AppError> {
        if self.user.role.is_partner() { Ok(()) } else { Err(AppError::Forbidden) }
    }

    pub fn ensure_platform_admin(&self) -> Result<(), AppError> {
        if self.user.role.is_platform_admin() { Ok(()) } else { Err(AppError::NotFound) }
    }
}
