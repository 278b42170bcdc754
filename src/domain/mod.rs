//! Types that are valid by construction and the rules between them; no I/O here.

pub mod account;
pub mod audit;
pub mod case_fields;
pub mod case_reference;
pub mod case_status;
pub mod category;
pub mod device;
pub mod digest;
pub mod email_address;
pub mod event_kind;
pub mod evidence;
pub mod ids;
pub mod new_case;
pub mod notification;
pub mod outcome;
pub mod priority;
pub mod reported_item;
pub mod role;
pub mod search;
pub mod throttle;
pub mod two_factor;
