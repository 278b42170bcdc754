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
pub struct Query(Vec<String>);

impl Query {
    /// `None` when the text holds no word at all.
    pub fn parse(text: &str) -> Option<Query> {
        let words: Vec<String> = normalise(text)
            .split(' ')
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS)
            .map(|w| w.chars().take(64).collect())
            .collect();
        (!words.is_empty()).then_some(Query(words))
    }

    /// For SQLite's FTS5: `"word"* "other"*`. Words hold only letters and digits: nothing to escape.
    /// The words are looked for in the case's text only; with an organisation, among that
    /// organisation's cases only (the index holds each case's organisation in a column of its own).
    pub fn fts5(&self, organisation: Option<i64>) -> String {
        let words = self.0.iter().map(|w| format!("\"{w}\"*")).collect::<Vec<_>>().join(" ");
        match organisation {
            Some(org) => format!("organisation_id : \"{org}\" AND search_text : ({words})"),
            None => format!("search_text : ({words})"),
        }
    }

    /// For PostgreSQL's `to_tsquery('simple', …)`: `word:* & other:*`.
    pub fn tsquery(&self) -> String {
        self.0.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & ")
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
        assert_eq!(query.fts5(None), r#"search_text : ("social"* "example"* "p"* "55"* "or"* "near"* "x"*)"#);
        assert_eq!(
            Query::parse("a b").unwrap().fts5(Some(12)),
            r#"organisation_id : "12" AND search_text : ("a"* "b"*)"#
        );
        assert_eq!(query.tsquery(), "social:* & example:* & p:* & 55:* & or:* & near:* & x:*");
        assert_eq!(Query::parse(" -- %% "), None);
        assert_eq!(Query::parse(&"word ".repeat(50)).map(|q| q.0.len()), Some(MAX_WORDS));
    }
}
