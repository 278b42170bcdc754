//! SQL written by hand that diesel still keeps prepared.
//!
//! A raw SQL fragment (`diesel::dsl::sql`) makes diesel prepare its whole statement anew at
//! every execution: SQLite parses and plans it again (a complex statement's planning can cost
//! more than running it), PostgreSQL plans it again. A statement holding an expression declared
//! with `sql_expression!` instead is prepared once per connection and kept under its SQL text
//! (not its type: the text may differ with the expression's fields).

/// Declares that the struct `$name` is an SQL expression of type `$sql_type`, usable on any
/// table, whose SQL the block writes (`$this` is the struct, `$out` the `AstPass`).
macro_rules! sql_expression {
    ($name:ident: $sql_type:ty, |$this:ident, $out:ident| $walk:block) => {
        impl diesel::query_builder::QueryId for $name {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }

        impl diesel::expression::Expression for $name {
            type SqlType = $sql_type;
        }

        impl<QS> diesel::expression::AppearsOnTable<QS> for $name {}

        impl<QS> diesel::expression::SelectableExpression<QS> for $name {}

        impl diesel::expression::ValidGrouping<()> for $name {
            type IsAggregate = diesel::expression::is_aggregate::Never;
        }

        impl<B> diesel::query_builder::QueryFragment<B> for $name
        where
            B: diesel::backend::Backend
                + diesel::sql_types::HasSqlType<diesel::sql_types::Text>
                + diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>,
            String: diesel::serialize::ToSql<diesel::sql_types::Text, B>,
            i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, B>,
        {
            fn walk_ast<'b>(&'b self, mut $out: diesel::query_builder::AstPass<'_, 'b, B>) -> diesel::QueryResult<()> {
                let $this = self;
                $walk
            }
        }
    };
}

pub(crate) use sql_expression;

/// Declares that `$name<C>` is a condition on its column `C`: a boolean expression, usable
/// wherever the column is, kept prepared under its SQL text. Its `QueryFragment` writes it.
macro_rules! column_condition {
    ($name:ident) => {
        impl<C> diesel::query_builder::QueryId for $name<C> {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }

        impl<C> diesel::expression::Expression for $name<C> {
            type SqlType = diesel::sql_types::Bool;
        }

        impl<C: diesel::expression::AppearsOnTable<QS>, QS> diesel::expression::AppearsOnTable<QS> for $name<C> {}

        impl<C: diesel::expression::SelectableExpression<QS>, QS> diesel::expression::SelectableExpression<QS>
            for $name<C>
        {
        }

        impl<C> diesel::expression::ValidGrouping<()> for $name<C> {
            type IsAggregate = diesel::expression::is_aggregate::Never;
        }
    };
}

/// `column IN (ids)`, in a statement kept prepared whatever the number of ids (on SQLite
/// `eq_any` writes one placeholder per id, and diesel prepares such a statement anew each time;
/// on PostgreSQL it binds one array, as this does). The ids travel as one text value: a JSON
/// array that SQLite's `json_each` reads, an array literal that PostgreSQL casts. No id, no row.
pub struct IdIn<C> {
    column: C,
    ids: String,
    postgres: bool,
}

impl<C> IdIn<C> {
    pub fn new(conn: &super::DbConnection, column: C, ids: impl IntoIterator<Item = i64>) -> IdIn<C> {
        let list = ids.into_iter().map(|id| id.to_string()).collect::<Vec<_>>().join(",");
        let postgres = matches!(conn, super::DbConnection::Postgres(_));
        let ids = if postgres { format!("{{{list}}}") } else { format!("[{list}]") };
        IdIn { column, ids, postgres }
    }
}

column_condition!(IdIn);

impl<C, B> diesel::query_builder::QueryFragment<B> for IdIn<C>
where
    C: diesel::query_builder::QueryFragment<B>,
    B: diesel::backend::Backend + diesel::sql_types::HasSqlType<diesel::sql_types::Text>,
    String: diesel::serialize::ToSql<diesel::sql_types::Text, B>,
{
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, B>) -> diesel::QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        if self.postgres {
            out.push_sql(" = ANY(CAST(");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.ids)?;
            out.push_sql(" AS BIGINT[]))");
        } else {
            out.push_sql(" IN (SELECT value FROM json_each(");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.ids)?;
            out.push_sql("))");
        }
        Ok(())
    }
}

/// A whole statement written by hand, with text parameters, that diesel keeps prepared:
/// `diesel::sql_query`, and every `diesel::update`, are prepared anew at each execution (on
/// SQLite with the triggers they fire). `parts` go around the parameters, one more part than
/// parameters; `ST` is the SQL type of the rows it returns.
pub struct Statement<ST> {
    parts: &'static [&'static str],
    parameters: Vec<String>,
    rows: std::marker::PhantomData<ST>,
}

impl<ST> Statement<ST> {
    pub fn new(parts: &'static [&'static str], parameters: Vec<String>) -> Statement<ST> {
        debug_assert_eq!(parts.len(), parameters.len() + 1, "one more part than parameters");
        Statement { parts, parameters, rows: std::marker::PhantomData }
    }
}

impl<ST> diesel::query_builder::QueryId for Statement<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST: 'static> diesel::query_builder::Query for Statement<ST> {
    type SqlType = ST;
}

impl<ST, Conn> diesel::RunQueryDsl<Conn> for Statement<ST> {}

impl<ST, B> diesel::query_builder::QueryFragment<B> for Statement<ST>
where
    B: diesel::backend::Backend + diesel::sql_types::HasSqlType<diesel::sql_types::Text>,
    String: diesel::serialize::ToSql<diesel::sql_types::Text, B>,
{
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, B>) -> diesel::QueryResult<()> {
        let mut parameters = self.parameters.iter();
        for (n, part) in self.parts.iter().enumerate() {
            if n > 0 {
                let parameter = parameters
                    .next()
                    .ok_or_else(|| diesel::result::Error::QueryBuilderError("a statement lacks a parameter".into()))?;
                out.push_bind_param::<diesel::sql_types::Text, _>(parameter)?;
            }
            out.push_sql(part);
        }
        Ok(())
    }
}

/// `query LIMIT rows`, with `rows` written into the statement's text instead of bound.
/// PostgreSQL plans a prepared statement again at each execution for as long as a parameter
/// could change its plan, and a bound LIMIT always could: planning a list's three-table join
/// cost it four times what running it did. Written out, the statement's remaining parameters
/// leave the plan alone and PostgreSQL keeps one plan for it (after its first five runs).
pub struct Limit<Q> {
    query: Q,
    rows: i64,
}

impl<Q> Limit<Q> {
    pub fn new(query: Q, rows: i64) -> Limit<Q> {
        Limit { query, rows }
    }
}

impl<Q> diesel::query_builder::QueryId for Limit<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for Limit<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> diesel::RunQueryDsl<Conn> for Limit<Q> {}

impl<Q, B> diesel::query_builder::QueryFragment<B> for Limit<Q>
where
    Q: diesel::query_builder::QueryFragment<B>,
    B: diesel::backend::Backend,
{
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, B>) -> diesel::QueryResult<()> {
        self.query.walk_ast(out.reborrow())?;
        out.push_sql(&format!(" LIMIT {}", self.rows));
        Ok(())
    }
}

/// `column = 'code'`, a code of one of the domain's enums written into the statement's text.
/// Bound, the code would hide from PostgreSQL's planner what it chooses by (most cases are
/// closed, a few thousand open, so a status decides which index a list reads), and it would
/// keep planning the statement again at each execution. Each code makes its own statement,
/// kept prepared like any other: a list's filters make at most a few hundred.
pub struct CodeIs<C> {
    column: C,
    code: &'static str,
}

impl<C> CodeIs<C> {
    /// `code` is one of the domain's codes: lowercase letters and underscores, nothing to quote
    /// (anything else fails the statement).
    pub fn new(column: C, code: &'static str) -> CodeIs<C> {
        CodeIs { column, code }
    }
}

/// Lowercase ASCII letters and underscores: nothing an SQL string literal needs to quote.
fn is_code(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

column_condition!(CodeIs);

impl<C, B> diesel::query_builder::QueryFragment<B> for CodeIs<C>
where
    C: diesel::query_builder::QueryFragment<B>,
    B: diesel::backend::Backend,
{
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, B>) -> diesel::QueryResult<()> {
        if !is_code(self.code) {
            return Err(diesel::result::Error::QueryBuilderError(format!("{} is not a code", self.code).into()));
        }
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = '");
        out.push_sql(self.code);
        out.push_sql("'");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use super::*;

    diesel::table! {
        t (id) {
            id -> BigInt,
            status -> Text,
        }
    }

    fn table() -> SqliteConnection {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, status TEXT NOT NULL); \
             INSERT INTO t VALUES (1, 'open'), (2, 'closed'), (3, 'open'), (4, 'open');",
        )
        .unwrap();
        conn
    }

    #[test]
    fn a_code_and_a_limit_are_written_into_the_statement() {
        let mut conn = table();
        let query = t::table.filter(CodeIs::new(t::status, "open")).order(t::id.desc()).select(t::id).into_boxed();
        let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&Limit::new(query, 2)).to_string();
        assert!(sql.contains("`t`.`status` = 'open'") && sql.ends_with("LIMIT 2 -- binds: []"), "{sql}");
        let query = t::table.filter(CodeIs::new(t::status, "open")).order(t::id.desc()).select(t::id);
        assert_eq!(Limit::new(query, 2).load::<i64>(&mut conn).unwrap(), [4, 3]);
    }

    #[test]
    fn every_code_a_list_filters_by_can_be_written_out() {
        use crate::domain::{case_fields::Urgency, case_status::CaseStatus, category::Category};
        let codes = CaseStatus::ALL.iter().map(|s| s.code());
        let codes = codes.chain(Category::ALL.iter().map(|c| c.code())).chain(Urgency::ALL.iter().map(|u| u.code()));
        for code in codes {
            assert!(is_code(code), "{code}");
        }
    }

    #[test]
    fn anything_but_a_code_fails_the_statement() {
        let mut conn = table();
        let query = t::table.filter(CodeIs::new(t::status, "x' OR 'a' = 'a")).select(t::id);
        assert!(query.load::<i64>(&mut conn).is_err());
    }
}
