//! What an email tells someone happened. Emails carry only this, the case reference, the
//! category label and a link: never case content.

text_enum! {
    /// The kind of event an email announces.
    pub enum NotificationKind {
        CaseFiled => "case_filed",
        Message => "message",
        InformationRequested => "information_requested",
        StatusChanged => "status_changed",
        Decided => "decided",
        Closed => "closed",
        Assigned => "assigned",
        Invitation => "invitation",
        PasswordReset => "password_reset",
        PasswordChanged => "password_changed",
        EmailConfirmation => "email_confirmation",
        EmailChanged => "email_changed",
        Digest => "digest",
        TwoFactorChanged => "two_factor_changed",
        TwoFactorLocked => "two_factor_locked",
        SignInLocked => "sign_in_locked",
    }
}

impl NotificationKind {
    /// Security emails go out whatever the recipient's preferences, and carry a link with a
    /// single-use token instead of a case.
    pub fn is_security(self) -> bool {
        matches!(
            self,
            NotificationKind::Invitation
                | NotificationKind::PasswordReset
                | NotificationKind::PasswordChanged
                | NotificationKind::EmailConfirmation
                | NotificationKind::EmailChanged
                | NotificationKind::TwoFactorChanged
                | NotificationKind::TwoFactorLocked
                | NotificationKind::SignInLocked
        )
    }
}

text_enum! {
    /// What a single-use account link is for.
    pub enum TokenPurpose {
        Invitation => "invitation",
        PasswordReset => "password_reset",
        EmailChange => "email_change",
    }
}

text_enum! {
    /// Where an email stands in the outbox.
    pub enum DeliveryStatus {
        Pending => "pending",
        Sent => "sent",
        Failed => "failed",
    }
}
