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
