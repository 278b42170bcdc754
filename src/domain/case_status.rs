//! The life of a case: the one state machine every route goes through.

use chrono::{NaiveDateTime, TimeDelta};
use thiserror::Error;

text_enum! {
    /// Where a case stands. The response clock pauses only in `AwaitingPartner`.
    pub enum CaseStatus {
        Submitted => "submitted",
        Triaged => "triaged",
        InReview => "in_review",
        AwaitingPartner => "awaiting_partner",
        Decided => "decided",
        Contested => "contested",
        Closed => "closed",
        Withdrawn => "withdrawn",
        Reopened => "reopened",
    }
}

text_enum! {
    /// Something a user does to a case that may change its status.
    pub enum Action {
        Triage => "triage",
        Assign => "assign",
        RequestInformation => "request_information",
        ProvideInformation => "provide_information",
        Decide => "decide",
        ConfirmDecision => "confirm_decision",
        Close => "close",
        Withdraw => "withdraw",
        Reopen => "reopen",
        Contest => "contest",
    }
}

/// Which side of the desk acts: the partner organisation or the platform's staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Partner,
    Staff,
}

/// How long a partner may reopen a closed case.
pub const REOPEN_WINDOW: TimeDelta = TimeDelta::days(30);
/// How long a partner may contest a decision (DSA Art. 20: six months).
pub const CONTEST_WINDOW: TimeDelta = TimeDelta::days(183);

/// The moments the time-bound transitions depend on.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub now: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    /// When the current decision was last contested: a decision is contested once, and a new
    /// decision opens the right again.
    pub contested_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("{action} is not possible while the case is {from}")]
    NotAllowed { from: CaseStatus, action: Action },
    #[error("{action} is not for this side of the desk")]
    WrongSide { action: Action },
    #[error("the window for {action} has passed")]
    WindowPassed { action: Action },
    #[error("this decision was already contested and reviewed")]
    AlreadyContested,
}

impl TransitionError {
    pub fn message_key(self) -> &'static str {
        match self {
            TransitionError::NotAllowed { .. } => "transition.not_allowed",
            TransitionError::WrongSide { .. } => "transition.wrong_side",
            TransitionError::WindowPassed { .. } => "transition.window_passed",
            TransitionError::AlreadyContested => "transition.already_contested",
        }
    }
}

fn within(since: Option<NaiveDateTime>, window: TimeDelta, now: NaiveDateTime) -> bool {
    since.is_some_and(|since| now - since <= window)
}

impl CaseStatus {
    /// Before a decision, with someone still working on it.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseStatus::Submitted
                | CaseStatus::Triaged
                | CaseStatus::InReview
                | CaseStatus::AwaitingPartner
                | CaseStatus::Reopened
        )
    }

    /// Applies `action` by `side` and returns the new status, or why it is refused.
    pub fn apply(self, action: Action, side: Side, clock: &Clock) -> Result<CaseStatus, TransitionError> {
        use CaseStatus::*;
        let staff_only = matches!(
            action,
            Action::Triage
                | Action::Assign
                | Action::RequestInformation
                | Action::Decide
                | Action::ConfirmDecision
                | Action::Close
        );
        let partner_only = matches!(action, Action::ProvideInformation | Action::Withdraw | Action::Contest);
        if (staff_only && side != Side::Staff) || (partner_only && side != Side::Partner) {
            return Err(TransitionError::WrongSide { action });
        }
        let refused = TransitionError::NotAllowed { from: self, action };
        match (action, self) {
            (Action::Triage, Submitted | Reopened) => Ok(Triaged),
            (Action::Assign, Submitted | Triaged | Reopened) => Ok(InReview),
            (Action::Assign, InReview | AwaitingPartner | Decided | Contested) => Ok(self),
            (Action::RequestInformation, Submitted | Triaged | InReview | Reopened) => Ok(AwaitingPartner),
            (Action::ProvideInformation, AwaitingPartner) => Ok(InReview),
            (Action::Decide, status) if status.is_open() || status == Contested => Ok(Decided),
            (Action::ConfirmDecision, Contested) => Ok(Decided),
            (Action::Close, Decided) => Ok(Closed),
            // Withdrawing is for cases not yet decided; a reopened decided case is closed again instead.
            (Action::Withdraw, status) if status.is_open() && clock.decided_at.is_none() => Ok(Withdrawn),
            (Action::Reopen, Closed | Withdrawn) if side == Side::Staff => Ok(Reopened),
            (Action::Reopen, Closed | Withdrawn) => {
                if within(clock.closed_at, REOPEN_WINDOW, clock.now) {
                    Ok(Reopened)
                } else {
                    Err(TransitionError::WindowPassed { action })
                }
            }
            (Action::Contest, Decided | Closed) => {
                let contested_already = matches!(
                    (clock.contested_at, clock.decided_at),
                    (Some(contested), Some(decided)) if contested >= decided
                );
                if contested_already {
                    Err(TransitionError::AlreadyContested)
                } else if within(clock.decided_at, CONTEST_WINDOW, clock.now) {
                    Ok(Contested)
                } else {
                    Err(TransitionError::WindowPassed { action })
                }
            }
            _ => Err(refused),
        }
    }

    /// The actions `side` may take now, for showing only the buttons that will work.
    pub fn available(self, side: Side, clock: &Clock) -> Vec<Action> {
        Action::ALL.iter().copied().filter(|action| self.apply(*action, side, clock).is_ok()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(day))))
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap_or_default()
    }

    fn clock(now: u32) -> Clock {
        Clock { now: at(now), decided_at: Some(at(0)), contested_at: None, closed_at: Some(at(0)) }
    }

    #[test]
    fn the_main_path_goes_from_submitted_to_closed() {
        let c = clock(1);
        let status = CaseStatus::Submitted
            .apply(Action::Triage, Side::Staff, &c)
            .and_then(|s| s.apply(Action::Assign, Side::Staff, &c))
            .and_then(|s| s.apply(Action::RequestInformation, Side::Staff, &c))
            .and_then(|s| s.apply(Action::ProvideInformation, Side::Partner, &c))
            .and_then(|s| s.apply(Action::Decide, Side::Staff, &c))
            .and_then(|s| s.apply(Action::Close, Side::Staff, &c));
        assert_eq!(status, Ok(CaseStatus::Closed));
    }

    #[test]
    fn partners_cannot_decide_and_staff_cannot_withdraw() {
        let c = clock(1);
        assert_eq!(
            CaseStatus::InReview.apply(Action::Decide, Side::Partner, &c),
            Err(TransitionError::WrongSide { action: Action::Decide })
        );
        assert!(CaseStatus::InReview.apply(Action::Withdraw, Side::Staff, &c).is_err());
        let undecided = Clock { decided_at: None, ..c };
        assert_eq!(CaseStatus::InReview.apply(Action::Withdraw, Side::Partner, &undecided), Ok(CaseStatus::Withdrawn));
    }

    #[test]
    fn a_reopened_case_that_was_decided_cannot_be_withdrawn() {
        let decided = clock(1);
        assert!(CaseStatus::Reopened.apply(Action::Withdraw, Side::Partner, &decided).is_err());
        let undecided = Clock { decided_at: None, ..clock(1) };
        assert_eq!(CaseStatus::Reopened.apply(Action::Withdraw, Side::Partner, &undecided), Ok(CaseStatus::Withdrawn));
    }

    #[test]
    fn a_decided_case_cannot_be_withdrawn() {
        assert_eq!(
            CaseStatus::Decided.apply(Action::Withdraw, Side::Partner, &clock(1)),
            Err(TransitionError::NotAllowed { from: CaseStatus::Decided, action: Action::Withdraw })
        );
    }

    #[test]
    fn partners_reopen_within_thirty_days_and_staff_any_time() {
        assert_eq!(CaseStatus::Closed.apply(Action::Reopen, Side::Partner, &clock(30)), Ok(CaseStatus::Reopened));
        assert_eq!(
            CaseStatus::Closed.apply(Action::Reopen, Side::Partner, &clock(31)),
            Err(TransitionError::WindowPassed { action: Action::Reopen })
        );
        assert_eq!(CaseStatus::Closed.apply(Action::Reopen, Side::Staff, &clock(400)), Ok(CaseStatus::Reopened));
    }

    #[test]
    fn a_decision_can_be_contested_for_six_months_and_then_confirmed() {
        assert_eq!(CaseStatus::Closed.apply(Action::Contest, Side::Partner, &clock(100)), Ok(CaseStatus::Contested));
        assert!(CaseStatus::Closed.apply(Action::Contest, Side::Partner, &clock(200)).is_err());
        assert_eq!(
            CaseStatus::Contested.apply(Action::ConfirmDecision, Side::Staff, &clock(1)),
            Ok(CaseStatus::Decided)
        );
    }

    #[test]
    fn a_reviewed_decision_cannot_be_contested_again_until_a_new_one() {
        let reviewed = Clock { contested_at: Some(at(5)), ..clock(10) };
        assert_eq!(
            CaseStatus::Decided.apply(Action::Contest, Side::Partner, &reviewed),
            Err(TransitionError::AlreadyContested)
        );
        let revised = Clock { decided_at: Some(at(8)), ..reviewed };
        assert_eq!(CaseStatus::Decided.apply(Action::Contest, Side::Partner, &revised), Ok(CaseStatus::Contested));
    }

    #[test]
    fn available_actions_are_exactly_the_ones_that_apply() {
        let actions = CaseStatus::Submitted.available(Side::Partner, &Clock { decided_at: None, ..clock(1) });
        assert_eq!(actions, vec![Action::Withdraw]);
    }
}
