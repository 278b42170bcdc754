//! A new user account, valid by construction: used by the admin page and `passerelle user add`.

use super::email_address::EmailAddress;
use super::new_case::{FieldErrors, MAX_SHORT_TEXT, clean_text};
use super::role::Role;

/// The shortest password Passerelle accepts.
pub const MIN_PASSWORD_LENGTH: usize = 12;

/// Checks a password being chosen (twice, to catch a typo), adding errors to `password` or `confirm`.
pub fn check_new_password(password: &str, confirm: &str, errors: &mut FieldErrors) {
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        errors.add("password", "error.password_too_short");
    } else if password.len() > 1024 {
        errors.add("password", "error.too_long");
    } else if password != confirm {
        errors.add("confirm", "error.passwords_differ");
    }
}

/// A new account's details; the password is still in clear and must be hashed before storing.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: EmailAddress,
    pub display_name: String,
    pub role: Role,
    /// `None`: the user chooses it from an emailed invitation.
    pub password: Option<String>,
}

impl NewAccount {
    pub fn parse(
        email: &str,
        display_name: &str,
        role: &str,
        password: Option<&str>,
    ) -> Result<NewAccount, FieldErrors> {
        let mut errors = FieldErrors::default();
        let email = EmailAddress::parse(email).map_err(|_| errors.add("email", "error.invalid_email")).ok();
        let display_name = match clean_text(display_name, MAX_SHORT_TEXT) {
            Ok(name) if name.is_empty() => {
                errors.add("display_name", "error.required");
                None
            }
            Ok(name) => Some(name),
            Err(key) => {
                errors.add("display_name", key);
                None
            }
        };
        let role = Role::parse(role).or_else(|| {
            errors.add("role", "error.unknown_choice");
            None
        });
        if let Some(password) = password {
            if password.chars().count() < MIN_PASSWORD_LENGTH {
                errors.add("password", "error.password_too_short");
            }
            if password.len() > 1024 {
                errors.add("password", "error.too_long");
            }
        }
        match (email, display_name, role) {
            (Some(email), Some(display_name), Some(role)) if errors.is_empty() => {
                Ok(NewAccount { email, display_name, role, password: password.map(str::to_owned) })
            }
            _ => Err(errors),
        }
    }
}
