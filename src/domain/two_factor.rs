//! Who must sign in with a second factor, and where a session stands on the way to it.

use super::role::Role;

text_enum! {
    /// How far a session got: fully signed in, waiting for a code, or only allowed to enrol.
    pub enum SessionStage {
        Full => "full",
        SecondFactor => "second_factor",
        Enrol => "enrol",
    }
}

/// Whether a user must have a second factor: every member of staff, every member of an
/// organisation that requires it, and everyone once the platform requires it everywhere.
pub fn required(role: Role, organisation_requires: bool, everywhere: bool) -> bool {
    role.is_staff() || organisation_requires || everywhere
}

/// Where a session really stands: a full session of someone who must have a second factor and
/// has none may only enrol one, whenever the rule changed; an enrolling session of someone who
/// enrolled elsewhere must now type a code like any other.
pub fn effective_stage(stored: SessionStage, required: bool, enrolled: bool) -> SessionStage {
    match stored {
        SessionStage::Full if required && !enrolled => SessionStage::Enrol,
        SessionStage::Enrol if enrolled => SessionStage::SecondFactor,
        stage => stage,
    }
}

/// Wrong codes in a row (across sessions) before an account takes no code for a while.
pub const FAILURES_BEFORE_LOCK: i32 = 10;

/// How long an account takes no code after `failures` wrong ones in a row: nothing below the
/// threshold, then 15 minutes, doubling at each further threshold, at most a day.
pub fn lock_after(failures: i32) -> Option<chrono::TimeDelta> {
    if failures < FAILURES_BEFORE_LOCK || failures % FAILURES_BEFORE_LOCK != 0 {
        return None;
    }
    let doublings = u32::try_from(failures / FAILURES_BEFORE_LOCK - 1).unwrap_or(0).min(7);
    Some(chrono::TimeDelta::minutes(15 * (1i64 << doublings)).min(chrono::TimeDelta::days(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_always_need_a_second_factor_partners_when_asked() {
        assert!(required(Role::Liaison, false, false));
        assert!(required(Role::PlatformAdmin, false, false));
        assert!(!required(Role::PartnerCaseworker, false, false));
        assert!(required(Role::PartnerCaseworker, true, false));
        assert!(required(Role::PartnerAdmin, false, true));
    }

    #[test]
    fn a_new_requirement_sends_an_unenrolled_session_to_enrolment() {
        use SessionStage::*;
        assert_eq!(effective_stage(Full, true, false), Enrol);
        assert_eq!(effective_stage(Full, true, true), Full);
        assert_eq!(effective_stage(Full, false, false), Full);
        assert_eq!(effective_stage(SecondFactor, true, true), SecondFactor);
        assert_eq!(effective_stage(Enrol, true, true), SecondFactor, "no way round the code");
    }

    #[test]
    fn wrong_codes_lock_the_account_for_growing_spells() {
        assert_eq!(lock_after(9), None);
        assert_eq!(lock_after(10), Some(chrono::TimeDelta::minutes(15)));
        assert_eq!(lock_after(11), None);
        assert_eq!(lock_after(20), Some(chrono::TimeDelta::minutes(30)));
        assert_eq!(lock_after(1000), Some(chrono::TimeDelta::days(1)));
    }
}
