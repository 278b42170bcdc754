//! Languages and message catalogues. Every user-facing string lives in `locales/*.toml`;
//! code and templates refer to it by key.

use std::collections::HashMap;

use actix_web::HttpRequest;
use actix_web::http::header::ACCEPT_LANGUAGE;

text_enum! {
    /// A language the portal speaks.
    pub enum Lang {
        En => "en",
        Fr => "fr",
    }
}

/// One language's messages, flattened to `section.key`.
#[derive(Debug)]
pub struct Catalogue {
    lang: Lang,
    messages: HashMap<String, String>,
}

impl Catalogue {
    fn parse(lang: Lang, source: &str) -> Result<Self, String> {
        let table: toml::Table = toml::from_str(source).map_err(|e| format!("catalogue {lang}: {e}"))?;
        let mut messages = HashMap::new();
        flatten("", &table, &mut messages).map_err(|key| format!("catalogue {lang}: {key} is not text"))?;
        Ok(Self { lang, messages })
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message for `key`; a missing key shows itself (and a test keeps that from shipping).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        match self.messages.get(key) {
            Some(message) => message,
            None => {
                tracing::warn!(key, lang = %self.lang, "missing translation");
                key
            }
        }
    }

    /// The label of an enum value: `get("<prefix>.<code>")`.
    pub fn label(&self, prefix: &str, code: &str) -> String {
        self.get(&format!("{prefix}.{code}")).to_owned()
    }

    /// The message for `key` with each `{name}` replaced by its value.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut message = self.get(key).to_owned();
        for (name, value) in values {
            message = message.replace(&format!("{{{name}}}"), value);
        }
        message
    }

    pub fn has(&self, key: &str) -> bool {
        self.messages.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.messages.keys().map(String::as_str)
    }
}

fn flatten(prefix: &str, table: &toml::Table, into: &mut HashMap<String, String>) -> Result<(), String> {
    for (key, value) in table {
        let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::String(text) => {
                into.insert(full, text.clone());
            }
            toml::Value::Table(inner) => flatten(&full, inner, into)?,
            _ => return Err(full),
        }
    }
    Ok(())
}

/// Both catalogues, loaded once at start-up from the files compiled into the binary.
#[derive(Debug)]
pub struct I18n {
    en: Catalogue,
    fr: Catalogue,
}

impl I18n {
    pub fn load() -> Result<Self, String> {
        Ok(Self {
            en: Catalogue::parse(Lang::En, include_str!("../locales/en.toml"))?,
            fr: Catalogue::parse(Lang::Fr, include_str!("../locales/fr.toml"))?,
        })
    }

    /// Catalogues with no message: every key shows itself. Only for when the built-in ones fail to load.
    pub fn empty() -> Self {
        Self {
            en: Catalogue { lang: Lang::En, messages: HashMap::new() },
            fr: Catalogue { lang: Lang::Fr, messages: HashMap::new() },
        }
    }

    pub fn catalogue(&self, lang: Lang) -> &Catalogue {
        match lang {
            Lang::En => &self.en,
            Lang::Fr => &self.fr,
        }
    }
}

/// The user's own choice if they made one, else the browser's first supported language, else English.
pub fn negotiate(preference: Option<&str>, request: &HttpRequest) -> Lang {
    if let Some(lang) = preference.and_then(Lang::parse) {
        return lang;
    }
    let header = request.headers().get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    from_accept_language(header)
}

/// Picks the highest-weighted supported language of an `Accept-Language` header.
pub fn from_accept_language(header: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for part in header.split(',') {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let weight =
            pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        if let Some(lang) = Lang::parse(primary)
            && best.is_none_or(|(w, _)| weight > w)
        {
            best = Some((weight, lang));
        }
    }
    best.map_or(Lang::En, |(_, lang)| lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_language_is_used_by_weight() {
        assert_eq!(from_accept_language("fr-FR,fr;q=0.9,en;q=0.8"), Lang::Fr);
        assert_eq!(from_accept_language("de-DE,en;q=0.5,fr;q=0.7"), Lang::Fr);
        assert_eq!(from_accept_language("de"), Lang::En);
        assert_eq!(from_accept_language(""), Lang::En);
    }

    #[test]
    fn both_catalogues_load_and_hold_the_same_keys() {
        let i18n = I18n::load();
        assert!(i18n.is_ok(), "{:?}", i18n.err());
        let Ok(i18n) = i18n else { return };
        let missing_fr: Vec<_> = i18n.en.keys().filter(|k| !i18n.fr.has(k)).collect();
        let missing_en: Vec<_> = i18n.fr.keys().filter(|k| !i18n.en.has(k)).collect();
        assert!(missing_fr.is_empty(), "missing in French: {missing_fr:?}");
        assert!(missing_en.is_empty(), "missing in English: {missing_en:?}");
    }

    /// Every key written literally in a template or in the code, and every label of every enum
    /// shown to people, exists in both catalogues.
    #[test]
    fn every_key_in_use_is_translated() {
        use crate::db::events::EventKind;
        use crate::domain::{case_fields, case_status, category, outcome, priority, reported_item, role};

        let Ok(i18n) = I18n::load() else { return };
        let mut keys: Vec<String> = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs = vec![root.join("templates"), root.join("src")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() { dirs.push(path) } else { files.push(path) }
            }
        }
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for (start, _) in text.match_indices('"') {
                let rest = &text[start + 1..];
                let Some(end) = rest.find('"') else { continue };
                let candidate = &rest[..end];
                let known_section = [
                    "error.",
                    "error_page.",
                    "transition.",
                    "nav.",
                    "case.",
                    "list.",
                    "field.",
                    "new_case.",
                    "outbox.",
                    "team.",
                ]
                .iter()
                .any(|p| candidate.starts_with(p));
                let shaped =
                    candidate.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.' || c.is_ascii_digit());
                let is_file = candidate.ends_with(".html") || candidate.ends_with(".rs");
                if known_section
                    && shaped
                    && !is_file
                    && candidate.matches('.').count() == 1
                    && !candidate.ends_with('.')
                {
                    keys.push(candidate.to_owned());
                }
            }
            for call in ["t.get(\"", "t.fill(\""] {
                for (start, _) in text.match_indices(call) {
                    let rest = &text[start + call.len()..];
                    if let Some(end) = rest.find('"') {
                        keys.push(rest[..end].to_owned());
                    }
                }
            }
        }
        let labels: [(&str, Vec<&str>); 12] = [
            ("category", category::Category::ALL.iter().map(|c| c.code()).collect()),
            ("status", case_status::CaseStatus::ALL.iter().map(|c| c.code()).collect()),
            ("action", case_status::Action::ALL.iter().map(|c| c.code()).collect()),
            ("urgency", case_fields::Urgency::ALL.iter().map(|c| c.code()).collect()),
            ("ground", case_fields::Ground::ALL.iter().map(|c| c.code()).collect()),
            ("age_band", case_fields::AgeBand::ALL.iter().map(|c| c.code()).collect()),
            ("priority", priority::Priority::ALL.iter().map(|c| c.code()).collect()),
            ("outcome", outcome::Outcome::ALL.iter().map(|c| c.code()).collect()),
            ("role", role::Role::ALL.iter().map(|c| c.code()).collect()),
            ("org_kind", role::OrgKind::ALL.iter().map(|c| c.code()).collect()),
            ("locator_kind", reported_item::LocatorKind::ALL.iter().map(|c| c.code()).collect()),
            ("content_type", reported_item::ContentType::ALL.iter().map(|c| c.code()).collect()),
        ];
        for (prefix, codes) in labels {
            keys.extend(codes.iter().map(|code| format!("{prefix}.{code}")));
        }
        keys.extend(EventKind::ALL.iter().map(|k| format!("event.{}", k.code())));
        keys.extend(crate::domain::audit::AuditAction::ALL.iter().map(|a| format!("audit.actions.{}", a.code())));
        keys.extend(crate::domain::evidence::FileKind::ALL.iter().map(|k| format!("attachments.kinds.{}", k.code())));
        keys.push("status_partner.awaiting_partner".into());
        keys.extend(["filer", "assignee", "watching", "not_watching"].iter().map(|h| format!("watch.{h}")));
        for kind in crate::domain::notification::NotificationKind::ALL {
            for prefix in ["email.subject", "email.sentence", "outbox.kinds"] {
                keys.push(format!("{prefix}.{}", kind.code()));
            }
            if kind.is_security() {
                keys.push(format!("email.action.{}", kind.code()));
                keys.push(format!("email.link_text.{}", kind.code()));
            }
        }
        keys.extend(
            ["request_information", "contest", "confirm_decision", "reopen", "withdraw"]
                .iter()
                .map(|a| format!("action_prompt.{a}")),
        );
        // A literal may also name a section whose keys are picked at run time (`label("outbox.kinds", …)`).
        let known = |c: &Catalogue, k: &str| c.has(k) || c.keys().any(|key| key.starts_with(&format!("{k}.")));
        let missing: Vec<&String> = keys.iter().filter(|k| !known(&i18n.en, k) || !known(&i18n.fr, k)).collect();
        assert!(keys.len() > 150, "the scan found the keys in use ({})", keys.len());
        assert!(missing.is_empty(), "untranslated keys: {missing:?}");
    }
}
