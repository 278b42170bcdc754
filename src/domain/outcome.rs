//! What the platform decided about one reported item.

text_enum! {
    /// The decision recorded per reported item (DSA statement of reasons).
    pub enum Outcome {
        Removed => "removed",
        AccessDisabled => "access_disabled",
        Restricted => "restricted",
        AccountSuspended => "account_suspended",
        AccountTerminated => "account_terminated",
        NoViolation => "no_violation",
        NotActionable => "not_actionable",
    }
}
