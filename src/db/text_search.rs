//! Full-text search on either backend: the condition a list adds for typed words, and the upkeep
//! of SQLite's index. The words themselves are normalised by `domain::search`.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::fragment::sql_expression;
use super::{Db, DbConnection};

/// The cases whose search text holds every word of `query` (as the start of a word), through
/// the backend's full-text index: SQLite's FTS5 table, PostgreSQL's GIN-indexed `tsvector`.
/// With `organisation`, the words are looked for among those the index holds scoped to that
/// organisation's cases (`domain::search::Query::fts5`), so the index reads no other
/// organisation's postings; the caller still scopes the query by organisation in SQL.
pub fn text_matches<QS>(
    conn: &DbConnection,
    query: &crate::domain::search::Query,
    organisation: Option<i64>,
) -> Box<dyn BoxableExpression<QS, Db, SqlType = Bool>> {
    match conn {
        DbConnection::Sqlite(_) => Box::new(Fts5Match { words: query.fts5(organisation), form: Fts5Form::CaseIds }),
        DbConnection::Postgres(_) => Box::new(match organisation {
            Some(_) => TsMatch::Query(query.tsquery(organisation)),
            None => TsMatch::Words(query.tsquery(None)),
        }),
    }
}

/// PostgreSQL's full-text condition on a case, as `domain::search::Query::tsquery` writes it.
#[derive(Debug, Clone)]
pub enum TsMatch {
    /// Words, which the database reads as it reads a case's text (`to_tsquery('simple', …)`).
    Words(String),
    /// A `tsquery` as it stands, of lexemes the database's parser would split: words scoped to
    /// an organisation, in the case's `scope_vector`.
    Query(String),
}

sql_expression!(TsMatch: Bool, |this, out| {
    match this {
        TsMatch::Words(words) => {
            out.push_sql("cases.search_vector @@ to_tsquery('simple', ");
            out.push_bind_param::<Text, _>(words)?;
            out.push_sql(")");
        }
        TsMatch::Query(query) => {
            out.push_sql("cases.scope_vector @@ CAST(");
            out.push_bind_param::<Text, _>(query)?;
            out.push_sql(" AS tsquery)");
        }
    }
    Ok(())
});

/// SQLite's full-text condition.
#[derive(Debug, Clone)]
pub struct Fts5Match {
    /// An FTS5 query, as `domain::search::Query::fts5` writes it.
    pub words: String,
    pub form: Fts5Form,
}

/// Where an `Fts5Match` stands in a statement.
#[derive(Debug, Clone, Copy)]
pub enum Fts5Form {
    /// In a statement that reads `cases_fts` itself: `cases_fts MATCH ?`.
    Table,
    /// In a statement on `cases`: `cases.id IN (SELECT rowid FROM cases_fts WHERE …)`.
    CaseIds,
}

sql_expression!(Fts5Match: Bool, |this, out| {
    match this.form {
        Fts5Form::Table => out.push_sql("cases_fts MATCH "),
        Fts5Form::CaseIds => out.push_sql("cases.id IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH "),
    }
    out.push_bind_param::<Text, _>(&this.words)?;
    if let Fts5Form::CaseIds = this.form {
        out.push_sql(")");
    }
    Ok(())
});

/// One step of the full-text index's upkeep; `true` when it merged something, so another step
/// may follow. SQLite's FTS5 index is a set of parts: each write adds one, FTS5 merges four of
/// one size into a larger one as it writes, and a search reads every part (a million seeded
/// cases left sixteen, six of them large). A step merges parts of one size, two at least (the
/// table's `usermerge`), writing about 64 pages: a few milliseconds under the write lock, so
/// writers wait little for the upkeep. PostgreSQL keeps its GIN index itself: nothing to do.
pub fn tidy_search_index(conn: &mut DbConnection) -> QueryResult<bool> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let DbConnection::Sqlite(_) = conn else { return Ok(false) };
    conn.transaction(|conn| {
        super::lock_for_write(conn)?;
        let changes = || diesel::select(sql::<BigInt>("total_changes()"));
        let before: i64 = changes().get_result(conn)?;
        diesel::sql_query("INSERT INTO cases_fts (cases_fts, rank) VALUES ('merge', 64)").execute(conn)?;
        let after: i64 = changes().get_result(conn)?;
        // FTS5 counts two changes or more when a merge wrote something, fewer when none was due.
        Ok(after - before >= 2)
    })
}
