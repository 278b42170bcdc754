//! Passerelle: the escalation desk between a social platform and the organisations that protect
//! children online. The binary in `main.rs` only parses the command line and calls `cli::run`.

#[macro_use]
mod text_enum;

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod email;
pub mod error;
pub mod i18n;
pub mod metrics;
pub mod retention;
pub mod routes;
pub mod startup;
