//! Platform administration: organisations and users. Platform admins only; anyone else gets 404.

pub mod organisations;
pub mod outbox;
pub mod users;
