//! Email: who hears what (`notify`), emails as data (`message`), the transports (`mailer`) and
//! the outbox worker (`worker`).

pub mod mailer;
pub mod message;
pub mod notify;
pub mod worker;
