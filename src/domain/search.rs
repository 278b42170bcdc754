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

    /// For SQLite's FTS5: `"word"* AND ("whole" OR "wholly")`, looked for in the case's text.
    /// With an organisation, the same words scoped to it (`"~12~word"*`), looked for among the
    /// scoped words only that organisation's cases hold. Words hold only letters and digits:
    /// nothing to escape.
    pub fn fts5(&self, organisation: Option<i64>) -> String {
        let word = |w: &str| format!("\"{}\"", scoped(organisation, w, usize::MAX));
        let words = self
            .0
            .iter()
            .map(|typed| match typed {
                Word::Start(start) => format!("{}*", word(start)),
                Word::AnyOf(words) => format!("({})", words.iter().map(|w| word(w)).collect::<Vec<_>>().join(" OR ")),
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        match organisation {
            Some(_) => format!("search_scope : ({words})"),
            None => format!("search_text : ({words})"),
        }
    }

    /// For PostgreSQL: without an organisation, the text of `to_tsquery('simple', …)`:
    /// `word:* & (whole | wholly)`. With one, a `tsquery` itself, of the words scoped to it
    /// (lexemes the database's parser would split): `'~12~word':* & ('~12~whole' | '~12~wholly')`.
    pub fn tsquery(&self, organisation: Option<i64>) -> String {
        let word = |w: &str| match organisation {
            Some(_) => format!("'{}'", scoped(organisation, w, SCOPED_WORD_CHARS)),
            None => w.to_owned(),
        };
        self.0
            .iter()
            .map(|typed| match typed {
                Word::Start(start) => format!("{}:*", word(start)),
                Word::AnyOf(words) => format!("({})", words.iter().map(|w| word(w)).collect::<Vec<_>>().join(" | ")),
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

/// The most characters of a word PostgreSQL keeps scoped to an organisation (its migration
/// `search_scope_words` cuts longer ones), so that a lexeme stays within its 2,047 bytes.
pub const SCOPED_WORD_CHARS: usize = 200;

/// `word` as the index holds it for one organisation's cases: `~12~word`, of its first `chars`
/// characters; as itself without an organisation.
fn scoped(organisation: Option<i64>, word: &str, chars: usize) -> String {
    match organisation {
        Some(org) => format!("~{org}~{}", word.chars().take(chars).collect::<String>()),
        None => word.to_owned(),
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
        assert_eq!(Query::parse("a b").unwrap().fts5(Some(12)), r#"search_scope : ("~12~a"* AND "~12~b"*)"#);
        assert_eq!(query.tsquery(None), "social:* & example:* & p:* & 55:* & or:* & near:* & x:*");
        assert_eq!(Query::parse("a b").unwrap().tsquery(Some(12)), "'~12~a':* & '~12~b':*");
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
        assert_eq!(query.tsquery(None), "(insulted | insults) & (evening) & p:*");
        assert_eq!(
            query.fts5(Some(7)),
            r#"search_scope : (("~7~insulted" OR "~7~insults") AND ("~7~evening") AND "~7~p"*)"#
        );
        assert_eq!(query.tsquery(Some(7)), "('~7~insulted' | '~7~insults') & ('~7~evening') & '~7~p':*");
        let mut nothing = Query::parse("insult zzz").unwrap();
        assert!(!nothing.resolve(vec![Some(vec!["insulted".into()]), Some(Vec::new())]), "a word no case holds");
    }

    #[test]
    fn scoped_words_are_cut_as_postgresql_keeps_them() {
        let long = "é".repeat(SCOPED_WORD_CHARS + 50);
        let mut query = Query::parse("x").unwrap();
        assert!(query.resolve(vec![Some(vec![long.clone()])]));
        let kept = "é".repeat(SCOPED_WORD_CHARS);
        assert_eq!(query.tsquery(Some(3)), format!("('~3~{kept}')"));
        assert_eq!(query.fts5(Some(3)), format!("search_scope : ((\"~3~{long}\"))"), "SQLite keeps every word whole");
    }
}
