//! A partner admin's own organisation: its users, whom they may disable and enable, and whether
//! they must sign in with a second factor.

pub mod invite;
pub mod members;
pub mod two_factor;
