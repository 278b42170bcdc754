//! Filing an escalation: the raw form becomes a `NewCase` only if every field is valid.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::case_fields::{AgeBand, Ground, Urgency};
use super::category::Category;
use super::reported_item::{ContentType, Locator, LocatorKind, NewReportedItem, parse_local_time};

/// The wording version of the good-faith declaration the partner ticks; stored with each case.
pub const GOOD_FAITH_VERSION: &str = "2026-11";
pub const MAX_ITEMS: usize = 20;
pub const MAX_EXPLANATION: usize = 10_000;
pub const MIN_EXPLANATION: usize = 20;
pub const MAX_SHORT_TEXT: usize = 200;
pub const MAX_NOTE_TEXT: usize = 2_000;

/// Field name → catalogue key of the message shown next to that field, in the order the fields
/// were checked (the form's order), one message per field.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(Vec<(String, &'static str)>);

impl FieldErrors {
    /// Records the first problem found with `field`; later ones wait until it is fixed.
    pub fn add(&mut self, field: impl Into<String>, message_key: &'static str) {
        let field = field.into();
        if self.get(&field).is_none() {
            self.0.push((field, message_key));
        }
    }

    /// Records `message_key` as the problem with `field`, in place of any found before.
    pub fn set(&mut self, field: impl Into<String>, message_key: &'static str) {
        let field = field.into();
        self.0.retain(|(name, _)| *name != field);
        self.0.push((field, message_key));
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|(name, _)| name == field).map(|(_, key)| *key)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &'static str)> {
        self.0.iter().map(|(field, key)| (field.as_str(), *key))
    }
}

/// One row of the reported-items part of the form, as typed.
#[derive(Debug, Default, Clone)]
pub struct ItemForm {
    pub locator_kind: String,
    pub locator: String,
    pub content_type: String,
    pub seen_at: String,
}

impl ItemForm {
    pub fn is_blank(&self) -> bool {
        self.locator.trim().is_empty() && self.seen_at.trim().is_empty()
    }
}

/// The filing form as typed, kept whole so it can be shown again with its errors.
#[derive(Debug, Default, Clone)]
pub struct CaseForm {
    pub ground: String,
    pub explanation: String,
    pub category: String,
    pub urgency: String,
    pub age_band: String,
    pub partner_reference: String,
    pub external_references: String,
    pub authorities_involved: bool,
    pub authorities_details: String,
    pub good_faith: bool,
    pub items: Vec<ItemForm>,
}

/// A valid escalation, ready to store.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub ground: Ground,
    pub explanation: String,
    pub category: Category,
    pub urgency: Urgency,
    pub age_band: AgeBand,
    pub partner_reference: Option<String>,
    pub external_references: Option<String>,
    pub authorities_involved: bool,
    pub authorities_details: Option<String>,
    pub items: Vec<NewReportedItem>,
}

fn choice<T>(errors: &mut FieldErrors, field: &str, raw: &str, parse: fn(&str) -> Option<T>) -> Option<T> {
    if raw.is_empty() {
        errors.add(field, "error.choose_one");
        return None;
    }
    let parsed = parse(raw);
    if parsed.is_none() {
        errors.add(field, "error.unknown_choice");
    }
    parsed
}

/// Trims free text and refuses control characters other than line breaks and tabs.
pub fn clean_text(raw: &str, max: usize) -> Result<String, &'static str> {
    let text = raw.trim().replace("\r\n", "\n");
    if text.chars().count() > max {
        return Err("error.too_long");
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("error.control_characters");
    }
    Ok(text)
}

fn optional_text(errors: &mut FieldErrors, field: &str, raw: &str, max: usize) -> Option<String> {
    match clean_text(raw, max) {
        Ok(text) if text.is_empty() => None,
        Ok(text) => Some(text),
        Err(key) => {
            errors.add(field, key);
            None
        }
    }
}

impl CaseForm {
    /// Checks every field and collects every error, so the partner fixes them all at once.
    /// Times are read in the portal's zone `tz`.
    pub fn parse(&self, now: NaiveDateTime, tz: Tz) -> Result<NewCase, FieldErrors> {
        let mut errors = FieldErrors::default();
        let category = choice(&mut errors, "category", &self.category, Category::parse);
        if category == Some(Category::AdultIntimateImages)
            && AgeBand::parse(&self.age_band).is_some_and(AgeBand::is_minor)
        {
            // Intimate images of anyone under 18 are child sexual abuse material: never the adult flow.
            errors.add("category", "error.minor_not_adult_flow");
        }
        let urgency = choice(&mut errors, "urgency", &self.urgency, Urgency::parse);
        let age_band = choice(&mut errors, "age_band", &self.age_band, AgeBand::parse);
        let ground = choice(&mut errors, "ground", &self.ground, Ground::parse);
        let explanation = match clean_text(&self.explanation, MAX_EXPLANATION) {
            Ok(text) if text.is_empty() => {
                errors.add("explanation", "error.required");
                None
            }
            Ok(text) if text.chars().count() < MIN_EXPLANATION => {
                errors.add("explanation", "error.explanation_too_short");
                None
            }
            Ok(text) => Some(text),
            Err(key) => {
                errors.add("explanation", key);
                None
            }
        };
        let items = self.parse_items(&mut errors, now, tz);
        let partner_reference = optional_text(&mut errors, "partner_reference", &self.partner_reference, 100);
        let external_references =
            optional_text(&mut errors, "external_references", &self.external_references, MAX_SHORT_TEXT * 5);
        let authorities_details =
            optional_text(&mut errors, "authorities_details", &self.authorities_details, MAX_NOTE_TEXT);
        if !self.good_faith {
            errors.add("good_faith", "error.good_faith_required");
        }

        match (ground, explanation, category, urgency, age_band) {
            (Some(ground), Some(explanation), Some(category), Some(urgency), Some(age_band)) if errors.is_empty() => {
                Ok(NewCase {
                    ground,
                    explanation,
                    category,
                    urgency,
                    age_band,
                    partner_reference,
                    external_references,
                    authorities_involved: self.authorities_involved,
                    authorities_details: authorities_details.filter(|_| self.authorities_involved),
                    items,
                })
            }
            _ => Err(errors),
        }
    }

    fn parse_items(&self, errors: &mut FieldErrors, now: NaiveDateTime, tz: Tz) -> Vec<NewReportedItem> {
        if self.items.len() > MAX_ITEMS {
            errors.add("items", "error.too_many_items");
            return Vec::new();
        }
        let mut items = Vec::new();
        for (index, row) in self.items.iter().enumerate() {
            if row.is_blank() && index > 0 {
                continue;
            }
            let field = |name: &str| format!("item_{index}_{name}");
            let kind = choice(errors, &field("locator_kind"), &row.locator_kind, LocatorKind::parse);
            let locator = kind.and_then(|kind| {
                Locator::parse(kind, &row.locator).map_err(|e| errors.add(field("locator"), e.message_key())).ok()
            });
            if kind.is_none() && row.locator.trim().is_empty() {
                errors.add(field("locator"), "error.required");
            }
            let content_type = choice(errors, &field("content_type"), &row.content_type, ContentType::parse);
            let seen_at = parse_local_time(&row.seen_at, now, tz).map_err(|key| errors.add(field("seen_at"), key)).ok();
            if let (Some(locator), Some(content_type), Some(seen_at)) = (locator, content_type, seen_at) {
                items.push(NewReportedItem { locator, content_type, seen_at });
            }
        }
        if self.items.is_empty() {
            errors.add("item_0_locator", "error.required");
        }
        items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> NaiveDateTime {
        NaiveDateTime::parse_from_str("2026-11-25T12:00", "%Y-%m-%dT%H:%M").unwrap_or_default()
    }

    fn valid_form() -> CaseForm {
        CaseForm {
            ground: "both".into(),
            explanation: "Intimate images of a 14-year-old shared in a group chat.".into(),
            category: "minor_intimate_images".into(),
            urgency: "urgent".into(),
            age_band: "13_14".into(),
            good_faith: true,
            items: vec![ItemForm {
                locator_kind: "url".into(),
                locator: "https://social.example/p/1".into(),
                content_type: "post".into(),
                seen_at: "2026-11-25T09:30".into(),
            }],
            ..CaseForm::default()
        }
    }

    #[test]
    fn a_complete_form_becomes_a_new_case() {
        let case = valid_form().parse(now(), Tz::UTC).map_err(|e| format!("{e:?}"));
        assert_eq!(case.map(|c| c.items.len()), Ok(1));
    }

    #[test]
    fn every_error_is_reported_against_its_field() {
        let form = CaseForm {
            category: "not_a_category".into(),
            items: vec![ItemForm { locator_kind: "url".into(), locator: "javascript:1".into(), ..ItemForm::default() }],
            ..CaseForm::default()
        };
        let errors = form.parse(now(), Tz::UTC).err().unwrap_or_default();
        assert_eq!(errors.get("category"), Some("error.unknown_choice"));
        assert_eq!(errors.get("ground"), Some("error.choose_one"));
        assert_eq!(errors.get("explanation"), Some("error.required"));
        assert_eq!(errors.get("good_faith"), Some("error.good_faith_required"));
        assert_eq!(errors.get("item_0_locator"), Some("error.invalid_url"));
        assert_eq!(errors.get("item_0_seen_at"), Some("error.required"));
    }

    #[test]
    fn intimate_images_of_a_minor_are_never_the_adult_flow() {
        let form = CaseForm { category: "adult_intimate_images".into(), age_band: "15_17".into(), ..valid_form() };
        let errors = form.parse(now(), Tz::UTC).err().unwrap_or_default();
        assert_eq!(errors.get("category"), Some("error.minor_not_adult_flow"));
        let adult = CaseForm { category: "adult_intimate_images".into(), age_band: "adult".into(), ..valid_form() };
        assert!(adult.parse(now(), Tz::UTC).is_ok());
    }

    #[test]
    fn blank_extra_item_rows_are_ignored_but_half_filled_ones_are_not() {
        let mut form = valid_form();
        form.items.push(ItemForm::default());
        form.items.push(ItemForm { locator: "@someone".into(), ..ItemForm::default() });
        let errors = form.parse(now(), Tz::UTC).err().unwrap_or_default();
        assert_eq!(errors.get("item_1_locator"), None);
        assert_eq!(errors.get("item_2_locator_kind"), Some("error.choose_one"));
    }
}
