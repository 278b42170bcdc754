//! Text search over cases: the text a case is found by, and a typed query, both reduced to the
//! same lower-case words, so that either database's full-text index finds what a person typed.

/// The most words of a query that count.
const MAX_WORDS: usize = 8;

/// Lower-case words of letters and digits; everything else separates them (so a URL, a handle
/// or a reference is found by any of its parts).
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
            gap = false;
        } else if !gap {
            out.push(' ');
            gap = true;
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// A query's words, each matched as the start of a word in the text; every word must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query(Vec<Word>);

/// What one typed word is looked for as.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Word {
    /// The start of any word, found by the index's own (costlier) search by start.
    Start(String),
    /// One of these whole words: the ones the typed word starts, when few enough to name.
    AnyOf(Vec<String>),
}

impl Query {
    /// `None` when the text holds no word at all.
    pub fn parse(text: &str) -> Option<Query> {
        let words: Vec<Word> = normalise(text)
            .split(' ')
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS)
            .map(|w| Word::Start(w.chars().take(64).collect()))
            .collect();
        (!words.is_empty()).then_some(Query(words))
    }

    /// The words as typed (normalised), in order.
    pub fn typed(&self) -> Vec<&str> {
        self.0
            .iter()
            .filter_map(|word| match word {
                Word::Start(start) => Some(start.as_str()),
                Word::AnyOf(_) => None,
            })
            .collect()
    }

    /// Looks each typed word up as the whole words it starts, given (in the order of `typed`)
    /// those words, or `None` where they are too many to name. `false` when a typed word starts
    /// no word at all: then no case can match.
    pub fn resolve(&mut self, whole: Vec<Option<Vec<String>>>) -> bool {
        let mut whole = whole.into_iter();
        for word in &mut self.0 {
            if let Word::Start(_) = word {
                match whole.next().flatten() {
                    Some(words) if words.is_empty() => return false,
                    Some(words) => *word = Word::AnyOf(words),
                    None => {}
                }
            }
        }
        true
    }

    /// For SQLite's FTS5: `"word"* AND ("whole" OR "wholly")`. Words hold only letters and
    /// digits: nothing to escape. The words are looked for in the case's text only; with an
    /// organisation, among that organisation's cases only (the index holds each case's
    /// organisation in a column of its own).
    pub fn fts5(&self, organisation: Option<i64>) -> String {
        let words = self
            .0
            .iter()
            .map(|word| match word {
                Word::Start(start) => format!("\"{start}\"*"),
                Word::AnyOf(words) => {
                    format!("({})", words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" OR "))
                }
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        match organisation {
            Some(org) => format!("organisation_id : \"{org}\" AND search_text : ({words})"),
            None => format!("search_text : ({words})"),
        }
    }

    /// For PostgreSQL's `to_tsquery('simple', …)`: `word:* & (whole | wholly)`.
    pub fn tsquery(&self) -> String {
        self.0
            .iter()
            .map(|word| match word {
                Word::Start(start) => format!("{start}:*"),
                Word::AnyOf(words) => format!("({})", words.join(" | ")),
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_become_words() {
        assert_eq!(
            normalise("ESC-2026-7K3QX9A\nhttps://social.example/p/5512"),
            "esc 2026 7k3qx9a https social example p 5512"
        );
        assert_eq!(normalise("  Capture d'écran — @Emma_v!  "), "capture d écran emma v");
    }

    #[test]
    fn queries_carry_no_syntax_of_their_own() {
        let query = Query::parse(r#"social.example/p/55 " OR * NEAR(x) : & | !"#).unwrap();
        assert_eq!(
            query.fts5(None),
            r#"search_text : ("social"* AND "example"* AND "p"* AND "55"* AND "or"* AND "near"* AND "x"*)"#
        );
        assert_eq!(
            Query::parse("a b").unwrap().fts5(Some(12)),
            r#"organisation_id : "12" AND search_text : ("a"* AND "b"*)"#
        );
        assert_eq!(query.tsquery(), "social:* & example:* & p:* & 55:* & or:* & near:* & x:*");
        assert_eq!(Query::parse(" -- %% "), None);
        assert_eq!(Query::parse(&"word ".repeat(50)).map(|q| q.0.len()), Some(MAX_WORDS));
    }

    #[test]
    fn typed_starts_become_the_whole_words_they_start() {
        let mut query = Query::parse("insult EVEN p").unwrap();
        assert_eq!(query.typed(), ["insult", "even", "p"]);
        assert!(query.resolve(vec![
            Some(vec!["insulted".into(), "insults".into()]),
            Some(vec!["evening".into()]),
            None
        ]));
        assert_eq!(query.fts5(None), r#"search_text : (("insulted" OR "insults") AND ("evening") AND "p"*)"#);
        assert_eq!(query.tsquery(), "(insulted | insults) & (evening) & p:*");
        let mut nothing = Query::parse("insult zzz").unwrap();
        assert!(!nothing.resolve(vec![Some(vec!["insulted".into()]), Some(Vec::new())]), "a word no case holds");
    }
}
