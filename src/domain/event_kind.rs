//! The kinds of entry on a case's timeline, and which of them only the platform sees.

text_enum! {
    /// What a timeline entry records.
    pub enum EventKind {
        Filed => "filed",
        Message => "message",
        InternalNote => "internal_note",
        StatusChanged => "status_changed",
        Assigned => "assigned",
        Decision => "decision",
        DecisionConfirmed => "decision_confirmed",
        Referral => "referral",
        Viewed => "viewed",
    }
}

impl EventKind {
    /// Internal notes, staff views and referrals to authorities are for the platform's eyes only.
    pub fn is_internal(self) -> bool {
        matches!(self, EventKind::InternalNote | EventKind::Viewed | EventKind::Referral)
    }
}
