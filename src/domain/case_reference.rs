//! A case reference as people see it: `ESC-<year>-<7 symbols>`.

use chrono::{Datelike, NaiveDateTime};

/// Symbols of a reference: digits and capitals without I, L, O and U, which read as others.
pub const SYMBOLS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A well-formed case reference. Anything else cannot name a case, so it never reaches a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseReference(String);

impl CaseReference {
    pub fn parse(raw: &str) -> Option<CaseReference> {
        let rest = raw.strip_prefix("ESC-")?;
        let (year, symbols) = rest.split_once('-')?;
        let well_formed = year.len() == 4
            && year.bytes().all(|b| b.is_ascii_digit())
            && symbols.len() == 7
            && symbols.bytes().all(|b| SYMBOLS.contains(&b));
        well_formed.then(|| CaseReference(raw.to_owned()))
    }

    /// A new reference for a case received at `received_at`, from seven random bytes.
    pub fn new(received_at: NaiveDateTime, random: [u8; 7]) -> CaseReference {
        let symbols: String = random.iter().map(|byte| SYMBOLS[usize::from(byte % 32)] as char).collect();
        CaseReference(format!("ESC-{}-{symbols}", received_at.year()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_references_parse() {
        assert!(CaseReference::parse("ESC-2026-7K3QX9A").is_some());
        for bad in [
            "ESC-2026-7K3QX9",
            "ESC-2026-7K3QX9a",
            "ESC-26-7K3QX9A",
            "ESC-2026-7K3QX9\0",
            "esc-2026-7K3QX9A",
            "ESC-2026-7K3QXIA",
        ] {
            assert_eq!(CaseReference::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn new_references_parse() {
        let reference = CaseReference::new(NaiveDateTime::default(), [0, 31, 32, 200, 7, 9, 255]);
        assert_eq!(CaseReference::parse(reference.as_str()), Some(reference));
    }
}
