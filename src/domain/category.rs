//! What an escalation is about, each label mapped to the DSA Transparency Database taxonomy.

text_enum! {
    /// The partner-facing category of an escalation.
    pub enum Category {
        ChildSexualAbuse => "csam",
        MinorIntimateImages => "minor_intimate_images",
        Grooming => "grooming",
        DangerousChallenge => "dangerous_challenge",
        Harassment => "harassment",
        AdultIntimateImages => "adult_intimate_images",
        SelfHarm => "self_harm",
        Impersonation => "impersonation",
        Doxxing => "doxxing",
        HateOrThreats => "hate_threats",
        Other => "other",
    }
}

/// Where a category sits in the DSA Transparency Database: the main category and its keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DsaClass {
    pub category: &'static str,
    pub keywords: &'static [&'static str],
}

impl Category {
    /// Child sexual exploitation: never stored as files, always at least P1.
    pub fn is_child_sexual_exploitation(self) -> bool {
        matches!(self, Category::ChildSexualAbuse | Category::MinorIntimateImages | Category::Grooming)
    }

    pub fn dsa(self) -> DsaClass {
        let (category, keywords): (&'static str, &'static [&'static str]) = match self {
            Category::ChildSexualAbuse => (
                "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
                &["KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL", "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE"],
            ),
            Category::MinorIntimateImages => {
                ("STATEMENT_CATEGORY_PROTECTION_OF_MINORS", &["KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"])
            }
            Category::Grooming => {
                ("STATEMENT_CATEGORY_PROTECTION_OF_MINORS", &["KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS"])
            }
            Category::DangerousChallenge => ("STATEMENT_CATEGORY_PROTECTION_OF_MINORS", &["KEYWORD_UNSAFE_CHALLENGES"]),
            Category::Harassment => (
                "STATEMENT_CATEGORY_CYBER_VIOLENCE",
                &["KEYWORD_CYBER_HARASSMENT", "KEYWORD_CYBER_BULLYING_INTIMIDATION"],
            ),
            Category::AdultIntimateImages => {
                ("STATEMENT_CATEGORY_CYBER_VIOLENCE", &["KEYWORD_NON_CONSENSUAL_IMAGE_SHARING"])
            }
            Category::SelfHarm => (
                "STATEMENT_CATEGORY_SELF_HARM",
                &["KEYWORD_SUICIDE", "KEYWORD_SELF_MUTILATION", "KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS"],
            ),
            Category::Impersonation => {
                ("STATEMENT_CATEGORY_SCAMS_AND_FRAUD", &["KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING"])
            }
            Category::Doxxing => ("STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", &["KEYWORD_OTHER"]),
            Category::HateOrThreats => (
                "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
                &["KEYWORD_HATE_SPEECH", "KEYWORD_INCITEMENT_VIOLENCE_HATRED"],
            ),
            Category::Other => ("STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", &["KEYWORD_OTHER"]),
        };
        DsaClass { category, keywords }
    }

    /// Parses an organisation's stored areas of expertise (comma-separated codes), skipping unknown ones.
    pub fn parse_list(codes: &str) -> Vec<Category> {
        codes.split(',').filter_map(|code| Category::parse(code.trim())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_maps_to_a_dsa_category_and_keyword() {
        for category in Category::ALL {
            let class = category.dsa();
            assert!(class.category.starts_with("STATEMENT_CATEGORY_"));
            assert!(!class.keywords.is_empty());
            assert_eq!(Category::parse(category.code()), Some(*category));
        }
    }
}
