//! Who hears what. Called inside the transaction of the event, so an event and its emails (or
//! its entries in daily summaries) commit together or not at all. Internal notes and staff views
//! never notify anyone.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::DbConnection;
use crate::db::cases::Case;
use crate::db::{digests, notifications, users, watchers};
use crate::domain::case_status::{CaseStatus, Side};
use crate::domain::ids::UserId;
use crate::domain::notification::NotificationKind;
use crate::domain::priority::Priority;

/// Something that happened to a case that someone should hear about.
#[derive(Debug, Clone, Copy)]
pub enum Happened {
    Filed,
    Message,
    StatusChanged(CaseStatus),
    Decided,
    Assigned(UserId),
}

/// The platform side of a case: its assignee (or every liaison while nobody has it) and the
/// staff who watch it.
fn platform_side(conn: &mut DbConnection, case: &Case) -> QueryResult<Vec<UserId>> {
    let mut people = match case.assignee_id {
        Some(assignee) => users::active_among(conn, &[assignee])?,
        None => users::active_liaisons(conn)?,
    };
    people.extend(watchers::watching(conn, case, Side::Staff)?.into_iter().map(|(id, _)| id));
    Ok(people)
}

/// The partner side of a case: the caseworker who filed it and the members of their
/// organisation who watch it.
fn partner_side(conn: &mut DbConnection, case: &Case) -> QueryResult<Vec<UserId>> {
    let mut people = users::active_among(conn, &[case.filed_by])?;
    people.extend(watchers::watching(conn, case, Side::Partner)?.into_iter().map(|(id, _)| id));
    Ok(people)
}

/// Queues the emails `happened` calls for; the actor never emails themselves.
pub fn enqueue(
    conn: &mut DbConnection,
    case: &Case,
    actor: UserId,
    side: Side,
    happened: Happened,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let urgent = matches!(case.priority, Priority::P0 | Priority::P1);
    let other_side = |conn: &mut DbConnection| match side {
        Side::Partner => platform_side(conn, case),
        Side::Staff => partner_side(conn, case),
    };
    let (kind, recipients) = match happened {
        // P0 and P1 cases reach every liaison; others, those who follow the category.
        Happened::Filed if urgent => (NotificationKind::CaseFiled, users::active_liaisons(conn)?),
        Happened::Filed => (NotificationKind::CaseFiled, users::liaisons_following(conn, case.category)?),
        Happened::Message => (NotificationKind::Message, other_side(conn)?),
        Happened::StatusChanged(CaseStatus::AwaitingPartner) => {
            (NotificationKind::InformationRequested, partner_side(conn, case)?)
        }
        Happened::StatusChanged(CaseStatus::Closed) if side == Side::Staff => {
            (NotificationKind::Closed, partner_side(conn, case)?)
        }
        Happened::StatusChanged(_) => (NotificationKind::StatusChanged, other_side(conn)?),
        Happened::Decided => (NotificationKind::Decided, partner_side(conn, case)?),
        Happened::Assigned(assignee) => (NotificationKind::Assigned, users::active_among(conn, &[assignee])?),
    };
    let mut recipients: Vec<UserId> = recipients.into_iter().filter(|r| *r != actor).collect();
    recipients.sort_unstable();
    recipients.dedup();
    // P0 and P1 cases reach every liaison, whatever each chose to hear about.
    let recipients = if kind == NotificationKind::CaseFiled && urgent {
        recipients
    } else {
        users::wanting(conn, &recipients, kind)?
    };
    if urgent {
        return notifications::enqueue(conn, &recipients, Some(case.id), kind, urgent, now);
    }
    // Those who chose a daily summary find it there; urgent cases never wait for it.
    let daily = users::daily_readers(conn, &recipients)?;
    let at_once: Vec<UserId> = recipients.into_iter().filter(|r| !daily.contains(r)).collect();
    Ok(digests::hold(conn, &daily, case.id, kind, now)?
        + notifications::enqueue(conn, &at_once, Some(case.id), kind, urgent, now)?)
}

/// How long an invitation link works.
pub const INVITATION_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(72);
/// How long a password-reset link works.
pub const RESET_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// How long a link confirming a new email address works.
pub const EMAIL_CHANGE_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Creates an invitation or password-reset link for `user` (only its hash is stored) and queues
/// the email that carries it, in the caller's transaction.
pub fn account_link(
    conn: &mut DbConnection,
    user: UserId,
    purpose: crate::domain::notification::TokenPurpose,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    single_use_link(conn, user, purpose, None, now)
}

/// Sends a link confirming `new_email` to that address; earlier links for another address stop
/// working. The account keeps its address until the link is used.
pub fn email_change_link(
    conn: &mut DbConnection,
    user: UserId,
    new_email: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use crate::domain::notification::TokenPurpose;
    crate::db::account_tokens::withdraw(conn, user, TokenPurpose::EmailChange, now)?;
    single_use_link(conn, user, TokenPurpose::EmailChange, Some(new_email), now)
}

fn single_use_link(
    conn: &mut DbConnection,
    user: UserId,
    purpose: crate::domain::notification::TokenPurpose,
    new_email: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    use crate::domain::notification::TokenPurpose;
    let token = crate::auth::tokens::random_token();
    let (lifetime, kind) = match purpose {
        TokenPurpose::Invitation => (INVITATION_LIFETIME, NotificationKind::Invitation),
        TokenPurpose::PasswordReset => (RESET_LIFETIME, NotificationKind::PasswordReset),
        TokenPurpose::EmailChange => (EMAIL_CHANGE_LIFETIME, NotificationKind::EmailConfirmation),
    };
    let hash = crate::auth::tokens::hash_token(&token);
    crate::db::account_tokens::create(conn, user, purpose, &hash, now + lifetime, new_email, now)?;
    notifications::enqueue_secret(conn, user, kind, Some(&token), new_email, now)
}

/// Tells a user their password changed (a security email: always sent).
pub fn password_changed(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> QueryResult<usize> {
    notifications::enqueue_secret(conn, user, NotificationKind::PasswordChanged, None, None, now)
}

/// Tells a user, at their previous address, that their account's address changed.
pub fn email_changed(conn: &mut DbConnection, user: UserId, previous: &str, now: NaiveDateTime) -> QueryResult<usize> {
    notifications::enqueue_secret(conn, user, NotificationKind::EmailChanged, None, Some(previous), now)
}

/// Tells a user their second factor was turned on or off, or their recovery codes renewed.
pub fn two_factor_changed(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> QueryResult<usize> {
    notifications::enqueue_secret(conn, user, NotificationKind::TwoFactorChanged, None, None, now)
}

/// Tells a user that too many wrong codes followed their password: whoever typed them knows it.
pub fn two_factor_locked(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> QueryResult<usize> {
    notifications::enqueue_secret(conn, user, NotificationKind::TwoFactorLocked, None, None, now)
}

/// Tells a user that many wrong passwords were typed for their account, which now waits a while.
pub fn sign_in_locked(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> QueryResult<usize> {
    notifications::enqueue_secret(conn, user, NotificationKind::SignInLocked, None, None, now)
}
