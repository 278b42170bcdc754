//! One id type per table, so a user id can never be passed where a case id belongs.

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )+};
}

id_type!(
    /// A row of `organisations`.
    OrgId,
    /// A row of `users`.
    UserId,
    /// A row of `cases`.
    CaseId,
    /// A row of `reported_items`.
    ItemId,
);
