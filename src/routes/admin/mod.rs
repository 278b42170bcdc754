//! Platform administration: organisations, users and the two-factor rule. Platform admins only; anyone else gets 404.

pub mod organisations;
pub mod outbox;
pub mod two_factor;
pub mod users;
