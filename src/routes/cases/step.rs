//! One step of a case's life inside a handler's transaction: load the case the reader may see,
//! ask the state machine where the action takes it, then record the change and its events.

use chrono::NaiveDateTime;

use super::{Refusal, load_visible};
use crate::auth::current_user::CurrentUser;
use crate::db::cases::{self, Case};
use crate::db::events::{self, EventKind, NewEvent};
use crate::db::{self, DbConnection};
use crate::domain::case_status::{Action, CaseStatus};
use crate::email::notify::{self, Happened};
use crate::error::AppError;

/// A visible case and the status `action` takes it to, at one moment.
pub struct Step<'a> {
    pub case: Case,
    pub next: CaseStatus,
    pub now: NaiveDateTime,
    actor: &'a CurrentUser,
}

impl<'a> Step<'a> {
    /// The case (404 if the reader may not see it; refused once anonymised), staying as it is
    /// unless an action applies.
    pub fn load(conn: &mut DbConnection, actor: &'a CurrentUser, reference: &str) -> Result<Step<'a>, AppError> {
        let case = load_visible(conn, actor, reference)?;
        if case.anonymised_at.is_some() {
            // Retention emptied it for good: nothing new may be written to it.
            return Err(AppError::BadRequest("case.anonymised_read_only"));
        }
        Ok(Step { next: case.status, case, now: db::now(), actor })
    }

    /// Where `action` by this actor takes the case, as the state machine says.
    pub fn apply(self, action: Action) -> Result<Step<'a>, Refusal> {
        match self.case.status.apply(action, self.actor.side(), &self.case.clock(self.now)) {
            Ok(next) => Ok(Step { next, ..self }),
            Err(refused) => Err(Refusal::Transition(refused.message_key())),
        }
    }

    /// `load` then `apply`: a refusal of the state machine comes back as `Err(Refusal)` with
    /// nothing written.
    pub fn begin(
        conn: &mut DbConnection,
        actor: &'a CurrentUser,
        reference: &str,
        action: Action,
    ) -> Result<Result<Step<'a>, Refusal>, AppError> {
        Ok(Step::load(conn, actor, reference)?.apply(action))
    }

    /// Appends an entry by the acting user to the case's timeline; the entry's id.
    pub fn event(
        &self,
        conn: &mut DbConnection,
        kind: EventKind,
        body: Option<&str>,
        detail: Option<&str>,
    ) -> Result<i64, AppError> {
        let event = NewEvent {
            case: self.case.id,
            organisation: self.case.organisation_id,
            actor: self.actor.user.user_id,
            address: self.actor.address.as_deref(),
            kind,
            body,
            detail,
            at: self.now,
        };
        Ok(events::record(conn, &event)?)
    }

    /// Queues the emails this step calls for, in the same transaction.
    pub fn notify(&self, conn: &mut DbConnection, happened: Happened) -> Result<(), AppError> {
        notify::enqueue(conn, &self.case, self.actor.user.user_id, self.actor.side(), happened, self.now)?;
        Ok(())
    }

    /// Stores the new status, if it changed, with a `kind` entry saying from what to what.
    pub fn change_status(&self, conn: &mut DbConnection, kind: EventKind, body: Option<&str>) -> Result<(), AppError> {
        if self.next == self.case.status && body.is_none() {
            return Ok(());
        }
        if !cases::set_status(conn, self.case.id, self.case.status, self.next, self.now)? {
            return Err(AppError::Conflict);
        }
        let change = format!("{}>{}", self.case.status.code(), self.next.code());
        self.event(conn, kind, body, Some(&change))?;
        Ok(())
    }
}
