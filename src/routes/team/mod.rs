//! A partner admin's own organisation: its users, whom they may disable and enable.

pub mod invite;
pub mod members;
