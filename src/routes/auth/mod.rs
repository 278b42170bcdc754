//! Signing in and out.

pub mod second_factor;
pub mod sign_in;
pub mod sign_out;
