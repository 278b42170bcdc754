//! Retention in the database: which closed cases are due, emptying one of its texts, items and
//! files while keeping what reports count, the legal hold, and deleting people and
//! organisations without losing a case from the statistics.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::attachments::{self, Storage};
use super::schema::{
    account_tokens, case_events, case_watchers, cases, digest_entries, notifications, organisations, recovery_codes,
    reported_items, sessions, sign_in_failures, users,
};
use super::{DbConnection, audit};
use crate::auth::password;
use crate::domain::audit::AuditAction;
use crate::domain::case_status::CaseStatus;
use crate::domain::event_kind::EventKind;
use crate::domain::ids::{CaseId, OrgId, UserId};
use crate::domain::notification::DeliveryStatus;

/// Finished cases closed before `cutoff`, not held and not yet anonymised, oldest first.
pub fn due(conn: &mut DbConnection, cutoff: NaiveDateTime, limit: i64) -> QueryResult<Vec<CaseId>> {
    let ids: Vec<i64> = cases::table
        .filter(cases::closed_at.lt(cutoff))
        .filter(cases::status.eq_any([CaseStatus::Closed.code(), CaseStatus::Withdrawn.code()]))
        .filter(cases::legal_hold.eq(false))
        .filter(cases::anonymised_at.is_null())
        .order(cases::closed_at.asc())
        .limit(limit)
        .select(cases::id)
        .load(conn)?;
    Ok(ids.into_iter().map(CaseId).collect())
}

/// Empties one case: its explanation and references, where its reported items were, the
/// reasons given, every message, note and referral text, and its files. Category, dates,
/// statuses, outcomes and counts stay for reports. `false` if the case was held, already
/// anonymised (another instance got there first) or not finished.
pub fn anonymise(
    conn: &mut DbConnection,
    storage: &Storage,
    case: CaseId,
    actor: Option<UserId>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = cases::table
        .find(case.0)
        .filter(cases::anonymised_at.is_null())
        .filter(cases::legal_hold.eq(false))
        .filter(cases::status.eq_any([CaseStatus::Closed.code(), CaseStatus::Withdrawn.code()]));
    let former_text: Option<String> = target.clone().select(cases::search_text).first(conn).optional()?;
    let emptied = diesel::update(target)
        .set((
            cases::anonymised_at.eq(Some(now)),
            cases::explanation.eq(""),
            cases::partner_reference.eq(None::<String>),
            cases::external_references.eq(None::<String>),
            cases::authorities_details.eq(None::<String>),
            cases::search_text.eq(""),
        ))
        .execute(conn)?;
    if emptied == 0 {
        return Ok(false);
    }
    super::search_terms::forget_unused(conn, former_text.as_deref().unwrap_or(""))?;
    diesel::update(reported_items::table.filter(reported_items::case_id.eq(case.0)))
        .set((reported_items::locator.eq(""), reported_items::reasons.eq(None::<String>)))
        .execute(conn)?;
    diesel::update(case_events::table.filter(case_events::case_id.eq(case.0)))
        .set(case_events::body.eq(None::<String>))
        .execute(conn)?;
    diesel::update(
        case_events::table
            .filter(case_events::case_id.eq(case.0))
            .filter(case_events::kind.eq(EventKind::Referral.code())),
    )
    .set(case_events::detail.eq(None::<String>))
    .execute(conn)?;
    attachments::delete_for_case(conn, storage, case)?;
    diesel::delete(case_watchers::table.filter(case_watchers::case_id.eq(case.0))).execute(conn)?;
    let organisation: i64 = cases::table.find(case.0).select(cases::organisation_id).first(conn)?;
    let mut entry = audit::Entry::new(AuditAction::CaseAnonymised, actor, None).organisation(OrgId(organisation));
    entry.case = Some(case);
    entry.at = now;
    audit::append(conn, &entry)?;
    Ok(true)
}

/// Puts a case under legal hold or lifts it; `false` if it already stood so.
pub fn set_legal_hold(conn: &mut DbConnection, case: CaseId, hold: bool) -> QueryResult<bool> {
    let changed = diesel::update(cases::table.find(case.0).filter(cases::legal_hold.eq(!hold)))
        .set(cases::legal_hold.eq(hold))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Deletes a person: their row stays (cases they filed or decided still count) but says no more
/// who they were; they can never sign in again, and every session, link and code is gone.
/// `false` if they were deleted already.
pub fn delete_user(conn: &mut DbConnection, user: UserId, now: NaiveDateTime) -> QueryResult<bool> {
    // Failed sign-ins are counted under the email typed: that count names them too.
    let email: Option<String> = users::table.find(user.0).select(users::email).first(conn).optional()?;
    if let Some(email) = email {
        diesel::delete(sign_in_failures::table.filter(sign_in_failures::subject.eq(format!("account:{email}"))))
            .execute(conn)?;
    }
    let changed = diesel::update(users::table.find(user.0).filter(users::deleted_at.is_null()))
        .set((
            users::email.eq(format!("deleted-{}@deleted.invalid", user.0)),
            users::display_name.eq(format!("Deleted user #{}", user.0)),
            users::password_hash.eq(password::NO_PASSWORD_YET),
            users::totp_secret.eq(None::<String>),
            users::locale.eq(None::<String>),
            users::disabled_at.eq(Some(now)),
            users::deleted_at.eq(Some(now)),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user.0))).execute(conn)?;
    diesel::delete(account_tokens::table.filter(account_tokens::user_id.eq(user.0))).execute(conn)?;
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user.0))).execute(conn)?;
    diesel::delete(case_watchers::table.filter(case_watchers::user_id.eq(user.0))).execute(conn)?;
    diesel::delete(digest_entries::table.filter(digest_entries::recipient_id.eq(user.0))).execute(conn)?;
    // Sent and failed emails keep no address of theirs.
    diesel::update(notifications::table.filter(notifications::recipient_id.eq(user.0)))
        .set(notifications::to_address.eq(None::<String>))
        .execute(conn)?;
    // Emails not yet sent would go to an address that is no longer theirs to hold.
    diesel::delete(
        notifications::table
            .filter(notifications::recipient_id.eq(user.0))
            .filter(notifications::status.eq(DeliveryStatus::Pending.code())),
    )
    .execute(conn)?;
    Ok(true)
}

/// Deletes a partner organisation: every member is deleted, every case not under legal hold is
/// anonymised now (closed or not), and the row keeps only a number. Counts stay.
pub fn delete_organisation(
    conn: &mut DbConnection,
    storage: &Storage,
    organisation: OrgId,
    actor: UserId,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(organisations::table.find(organisation.0).filter(organisations::deleted_at.is_null()))
        .set((
            organisations::name.eq(format!("Deleted organisation #{}", organisation.0)),
            organisations::deleted_at.eq(Some(now)),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Ok(false);
    }
    let members: Vec<i64> =
        users::table.filter(users::organisation_id.eq(organisation.0)).select(users::id).load(conn)?;
    for member in members {
        delete_user(conn, UserId(member), now)?;
    }
    // Nobody is left to follow its cases: the open ones close as withdrawn (held ones too, so
    // retention takes them once the hold is lifted); all but the held lose their content now.
    let open: Vec<(i64, String)> = cases::table
        .filter(cases::organisation_id.eq(organisation.0))
        .filter(cases::status.ne_all([CaseStatus::Closed.code(), CaseStatus::Withdrawn.code()]))
        .select((cases::id, cases::status))
        .load(conn)?;
    for (case, status) in open {
        diesel::update(cases::table.find(case))
            .set((
                cases::status.eq(CaseStatus::Withdrawn.code()),
                cases::closed_at.eq(Some(now)),
                cases::updated_at.eq(now),
            ))
            .execute(conn)?;
        let change = format!("{status}>{}", CaseStatus::Withdrawn.code());
        let mut entry = audit::Entry::new(AuditAction::CaseStatusChanged, Some(actor), None).organisation(organisation);
        entry.case = Some(CaseId(case));
        entry.at = now;
        audit::append(conn, &entry.detail(&change))?;
    }
    let unheld: Vec<i64> = cases::table
        .filter(cases::organisation_id.eq(organisation.0))
        .filter(cases::anonymised_at.is_null())
        .filter(cases::legal_hold.eq(false))
        .select(cases::id)
        .load(conn)?;
    for case in unheld {
        anonymise(conn, storage, CaseId(case), Some(actor), now)?;
    }
    Ok(true)
}
