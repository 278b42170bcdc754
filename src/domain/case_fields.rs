//! The small closed vocabularies of an escalation: ground, urgency, age band.

text_enum! {
    /// Why the content should go: against the law, against the platform's rules, or both.
    pub enum Ground {
        Illegal => "illegal",
        TermsOfService => "terms",
        Both => "both",
    }
}

text_enum! {
    /// How urgent the partner says the case is.
    pub enum Urgency {
        Standard => "standard",
        Urgent => "urgent",
        ImminentRisk => "imminent",
    }
}

text_enum! {
    /// The affected person's age band: the only thing ever recorded about their age.
    pub enum AgeBand {
        Under13 => "under_13",
        From13To14 => "13_14",
        From15To17 => "15_17",
        Adult => "adult",
        Unknown => "unknown",
    }
}

impl AgeBand {
    pub fn is_minor(self) -> bool {
        matches!(self, AgeBand::Under13 | AgeBand::From13To14 | AgeBand::From15To17)
    }
}
