//! Who a user is to Passerelle: a partner's caseworker or admin, or platform staff.

text_enum! {
    /// The role of a user; partner roles belong to a partner organisation, staff roles to the platform.
    pub enum Role {
        PartnerCaseworker => "partner_caseworker",
        PartnerAdmin => "partner_admin",
        Liaison => "liaison",
        PlatformAdmin => "platform_admin",
    }
}

impl Role {
    /// Platform staff see every partner's cases and internal notes.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Liaison | Role::PlatformAdmin)
    }

    pub fn is_partner(self) -> bool {
        !self.is_staff()
    }

    pub fn is_platform_admin(self) -> bool {
        self == Role::PlatformAdmin
    }
}

text_enum! {
    /// Whether an organisation is the platform itself or one of its partners.
    pub enum OrgKind {
        Platform => "platform",
        Partner => "partner",
    }
}

impl OrgKind {
    /// The roles a user of this kind of organisation may hold.
    pub fn allows(self, role: Role) -> bool {
        match self {
            OrgKind::Platform => role.is_staff(),
            OrgKind::Partner => role.is_partner(),
        }
    }
}
