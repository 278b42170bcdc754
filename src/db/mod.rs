//! The database: the only backend-specific code (connection, pragmas, migrations) lives here.

pub mod account_tokens;
pub mod attachments;
pub mod audit;
pub mod cases;
pub mod digests;
pub mod events;
mod fragment;
pub mod items;
pub mod notifications;
pub mod organisations;
pub mod retention;
pub mod schema;
pub mod search_terms;
pub mod seed;
pub mod sessions;
pub mod sign_in_failures;
pub mod text_search;
pub mod two_factor;
pub mod users;
pub mod watchers;
pub mod write_gate;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use text_search::{Fts5Form, Fts5Match, TsMatch, text_matches, tidy_search_index};
pub use write_gate::{WriteGate, WriterTurn};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs `$body` with the backend's own connection as `$c`, the same code compiled for each. A
/// statement run through `MultiConnection` has its SQL written again at every execution; on the
/// backend's own connection, a statically typed one is kept prepared by its type alone.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub use on_backend;

/// Inserts many rows in one statement, on either backend: `MultiConnection` does not carry
/// multi-row inserts, so the statement goes to the backend's own connection. Keep a chunk under
/// SQLite's limit of 32,766 bound values.
#[macro_export]
macro_rules! insert_many {
    ($conn:expr, $table:expr, $rows:expr) => {
        $crate::db::on_backend!($conn, |c| diesel::insert_into($table).values($rows).execute(c))
    };
}
pub use insert_many;

/// Rows per `insert_many!` of a request's writes (a case's emails, its summary entries): well
/// under SQLite's limit of bound values for any of their tables.
pub const ROWS_PER_INSERT: usize = 500;

/// A connection to whichever backend the URL names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// `postgres://` and `postgresql://` URLs are PostgreSQL; everything else is a SQLite path.
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Opens connections for the pool, choosing the backend once from the URL's scheme and
/// setting SQLite's pragmas on every new connection.
#[derive(Debug)]
pub struct Manager {
    url: String,
    backend: Backend,
}

/// Statements run by this process since it started (`/metrics`, and the tests that hold each
/// page to a fixed number of queries).
static QUERIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Statements run by this process so far.
pub fn queries_run() -> u64 {
    QUERIES.load(std::sync::atomic::Ordering::Relaxed)
}

fn counting(event: diesel::connection::InstrumentationEvent<'_>) {
    if matches!(event, diesel::connection::InstrumentationEvent::StartQuery { .. }) {
        QUERIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
                conn.set_instrumentation(counting);
                Ok(DbConnection::Postgres(conn))
            }
            Backend::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
                conn.set_instrumentation(counting);
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 5000; PRAGMA temp_store = MEMORY;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    /// A connection whose server went away, or left in a broken transaction, leaves the pool
    /// when it is handed back; the request that found it out fails once.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the database: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("cannot open the database: {0}")]
    Connection(#[from] r2d2::Error),
    #[error("cannot apply migrations: {0}")]
    Migrations(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Builds the pool and applies pending migrations before anything else touches the database.
pub fn connect(url: &str, size: u32) -> Result<Pool, DbError> {
    let manager = Manager { url: url.to_owned(), backend: Backend::from_url(url) };
    // No `SELECT 1` before every use (r2d2's default): it was one statement in three on a
    // page, a network round trip on PostgreSQL. Broken connections leave through `has_broken`.
    let pool = r2d2::Pool::builder().max_size(size).test_on_check_out(false).build(manager)?;
    let mut conn = pool.get()?;
    migrate(&mut conn)?;
    Ok(pool)
}

/// Whether migrations this binary carries are not applied yet (readiness).
pub fn pending_migrations(conn: &mut DbConnection) -> Result<bool, DbError> {
    match conn {
        DbConnection::Postgres(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
    }
    .map_err(|e| DbError::Migrations(e.to_string()))
}

fn migrate(conn: &mut DbConnection) -> Result<(), DbError> {
    let applied = match conn {
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    }
    .map_err(|e| DbError::Migrations(e.to_string()))?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(())
}

/// What a write transaction may change, and so which other writers it waits for.
#[derive(Debug, Clone)]
pub enum WriteScope {
    /// Anything: it waits for every other writer, and they for it.
    Everything,
    /// One case, named by its reference, and what hangs off it (its events, items, files,
    /// emails, watchers): it waits for the case's other writers and for `Everything`'s, and runs
    /// beside the writers of other cases.
    Case(String),
    /// A case being filed: it waits only for `Everything`'s writers.
    NewCase,
    /// One session's own row (its idle clock): it waits only for `Everything`'s writers.
    Session,
}

/// The PostgreSQL advisory locks writers take, as `(space, key)` pairs of the two-number form.
mod locks {
    /// Every writer holds it: `Everything` alone, the others shared.
    pub const WRITERS: (i32, i32) = (0x5053_0001, 0);
    /// Whoever moves waiting audit records onto the chain.
    pub const SEALING: (i32, i32) = (0x5053_0001, 1);
    /// A case's writers, keyed by a hash of its reference: two cases that share a key only
    /// wait for each other, which is harmless.
    pub const CASES: i32 = 0x5053_0002;
}

/// Takes SQLite's write lock, held until the transaction ends, with a write that changes nothing
/// (in a statement kept prepared).
fn write_lock(conn: &mut diesel::SqliteConnection) -> QueryResult<()> {
    fragment::Statement::<diesel::sql_types::Untyped>::new(&["UPDATE organisations SET id = id WHERE 0"], Vec::new())
        .execute(conn)
        .map(drop)
}

/// Takes the database's write lock for anything at the start of a transaction that will write.
pub fn lock_for_write(conn: &mut DbConnection) -> QueryResult<()> {
    lock_in(conn, &WriteScope::Everything)
}

/// Takes the locks `scope` needs at the start of a transaction that will write.
///
/// On SQLite a deferred transaction that reads first and writes later fails at once
/// (`SQLITE_BUSY`) when another writer committed in between; taking the write lock first makes
/// concurrent writers queue on `busy_timeout` instead, as `BEGIN IMMEDIATE` would (a write
/// statement takes the lock even when it matches no row). One writer at a time, whatever the
/// scope.
///
/// On PostgreSQL the scope's advisory locks, always in one order (the writers' lock, then the
/// case's), so that no two writers wait for each other in a circle: a writer of `Everything`
/// runs alone, as every writer once did, and checks such as "was this file purged?" see every
/// earlier action; writers of different cases run side by side, each case's one at a time.
pub fn lock_in(conn: &mut DbConnection, scope: &WriteScope) -> QueryResult<()> {
    let (space, key) = locks::WRITERS;
    match (conn, scope) {
        (DbConnection::Sqlite(c), _) => write_lock(c),
        (DbConnection::Postgres(c), WriteScope::Everything) => {
            c.batch_execute(&format!("SELECT pg_advisory_xact_lock({space}, {key})"))
        }
        (DbConnection::Postgres(c), WriteScope::NewCase | WriteScope::Session) => {
            c.batch_execute(&format!("SELECT pg_advisory_xact_lock_shared({space}, {key})"))
        }
        (DbConnection::Postgres(c), WriteScope::Case(reference)) => {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(reference.as_bytes());
            let case = i32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
            c.batch_execute(&format!(
                "SELECT pg_advisory_xact_lock_shared({space}, {key}); SELECT pg_advisory_xact_lock({}, {case})",
                locks::CASES
            ))
        }
    }
}

/// Makes sealers of the audit trail take turns (see `audit::seal`); SQLite's one writer at a
/// time already does.
pub fn lock_for_sealing(conn: &mut DbConnection) -> QueryResult<()> {
    let (space, key) = locks::SEALING;
    match conn {
        DbConnection::Sqlite(c) => write_lock(c),
        DbConnection::Postgres(c) => c.batch_execute(&format!("SELECT pg_advisory_xact_lock({space}, {key})")),
    }
}

/// The current time as stored: UTC without an offset, to the microsecond (both backends keep that).
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}

/// The backend type of `DbConnection`, for boxed (dynamically filtered) queries.
pub type Db = <DbConnection as Connection>::Backend;

/// Turns a stored code back into its enum; a value no version of Passerelle writes is an error,
/// never a silent default.
pub fn decode<T>(column: &'static str, value: &str, parse: fn(&str) -> Option<T>) -> QueryResult<T> {
    parse(value).ok_or_else(|| {
        diesel::result::Error::DeserializationError(format!("unexpected {column} {value:?} in the database").into())
    })
}
