//! A person's own account: their settings, asking for a reset link, choosing a password from a
//! single-use link (an invitation or a reset), and confirming a new email address.

pub mod confirm_email;
pub mod forgot;
pub mod sessions;
pub mod set_password;
pub mod settings;
pub mod two_factor;
