//! The words some case's search text holds (`search_terms`), so that a typed word is looked up
//! as the few whole words it starts: the full-text index reads a whole word's postings newest
//! first and stops at a page, but the start of a word only after collecting every posting of
//! every word it starts.

use diesel::prelude::*;

use super::DbConnection;
use super::schema::{cases, cases_fts, search_terms};
use crate::domain::search::Query;

/// The most whole words one typed word is looked up as; a start of more stays a start.
pub const MOST_WORDS: i64 = 16;

fn distinct_words(search_text: &str) -> Vec<&str> {
    let mut words: Vec<&str> = search_text.split(' ').filter(|w| !w.is_empty()).collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// Keeps the words of a case's search text (as `domain::search::normalise` wrote it).
pub fn add(conn: &mut DbConnection, search_text: &str) -> QueryResult<()> {
    let rows: Vec<_> = distinct_words(search_text).into_iter().map(|w| search_terms::term.eq(w)).collect();
    // One value per row, far under either backend's limit of bound values.
    for chunk in rows.chunks(1000) {
        match conn {
            DbConnection::Postgres(c) => {
                diesel::insert_into(search_terms::table).values(chunk).on_conflict_do_nothing().execute(c)?
            }
            DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(search_terms::table).values(chunk).execute(c)?,
        };
    }
    Ok(())
}

/// Looks each typed word of `query` up as the whole words it starts; `false` when one starts
/// no word any case holds, so nothing can match. One statement per typed word.
pub fn resolve(conn: &mut DbConnection, query: &mut Query) -> QueryResult<bool> {
    let mut whole = Vec::new();
    for start in query.typed() {
        // Every word that starts with `start` sorts between it and it followed by the last
        // character there is (both backends compare these words byte by byte).
        let words: Vec<String> = search_terms::table
            .filter(search_terms::term.ge(start))
            .filter(search_terms::term.le(format!("{start}{}", char::MAX)))
            .order(search_terms::term)
            .select(search_terms::term)
            .limit(MOST_WORDS + 1)
            .load(conn)?;
        whole.push((words.len() as i64 <= MOST_WORDS).then_some(words));
    }
    Ok(query.resolve(whole))
}

/// Forgets the words of an emptied case's former search text that no case holds any more, so
/// the list keeps nothing retention deleted.
pub fn forget_unused(conn: &mut DbConnection, former_text: &str) -> QueryResult<()> {
    use super::{Fts5Form, Fts5Match, TsMatch};
    use diesel::dsl::{exists, select};
    for word in distinct_words(former_text) {
        let used: bool = match conn {
            DbConnection::Sqlite(_) => {
                let held = Fts5Match { words: format!("search_text : \"{word}\""), form: Fts5Form::Table };
                select(exists(cases_fts::table.select(cases_fts::rowid).filter(held))).get_result(conn)?
            }
            DbConnection::Postgres(_) => {
                let held = TsMatch::Words(word.to_owned());
                select(exists(cases::table.select(cases::id).filter(held))).get_result(conn)?
            }
        };
        if !used {
            diesel::delete(search_terms::table.find(word)).execute(conn)?;
        }
    }
    Ok(())
}
