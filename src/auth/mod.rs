//! Who is asking: passwords, sessions, the `CurrentUser` extractor and permission checks.

pub mod current_user;
pub mod password;
pub mod permissions;
pub mod tokens;
pub mod totp;
