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
/// has none may only enrol one, whenever the rule changed.
pub fn effective_stage(stored: SessionStage, required: bool, enrolled: bool) -> SessionStage {
    match stored {
        SessionStage::Full if required && !enrolled => SessionStage::Enrol,
        SessionStage::Enrol if enrolled => SessionStage::Full,
        stage => stage,
    }
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
        assert_eq!(effective_stage(Enrol, true, true), Full);
    }
}
