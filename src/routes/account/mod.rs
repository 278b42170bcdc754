//! Accounts reached from an email: asking for a reset link, and choosing a password from a
//! single-use link (an invitation or a reset).

pub mod forgot;
pub mod set_password;
pub mod settings;
