//! Where this process's writers take turns on SQLite, the one connection they write through,
//! and the batches in which their transactions commit together.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;

use diesel::connection::{Connection, TransactionManager};
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::result::{DatabaseErrorKind, Error as QueryError};
use parking_lot::{Condvar, Mutex, MutexGuard};

use super::{Backend, DbConnection, Manager};

/// The most writes one batch commits together: a batch holds the write lock while each of its
/// writes runs, so the last of them waits for every one before it.
const MOST_IN_BATCH: usize = 64;

/// Where writers wait their turn. SQLite admits one writer at a time and makes the others
/// retry, sleeping up to 100 ms between tries: under load a write could wait hundreds of
/// milliseconds for a lock held a fraction of one. Writers of one process queue here instead;
/// `busy_timeout` stays for other processes (the command line). PostgreSQL queues writers itself
/// on the locks `lock_in` takes: no gate.
///
/// The writes of requests commit in batches (`write`): the writers waiting when a turn begins
/// each run in a savepoint of one transaction, and the transaction commits once for all of
/// them. A commit writes each page the transaction changed to the write-ahead log, and writes
/// that follow one another change many of the same pages (the last page of each table they add
/// rows to, the audit trail's head): a batch writes each once. No writer is answered before the
/// batch that holds its write has committed, and a write that fails rolls back its own
/// savepoint only.
///
/// The turn comes with the writers' own connection, outside the pool. SQLite empties a
/// connection's page cache whenever another connection has written since its last transaction:
/// when writers took turns on pooled connections, each write began by reading again, from the
/// operating system, every page it went through. One connection for the writes of requests and
/// of the background jobs keeps its pages. (The retention job, which anonymises case after case,
/// writes each on a pooled connection and waits on `busy_timeout`, so that it never holds the
/// gate for a whole run.)
#[derive(Default)]
pub struct WriteGate(Option<Shared>);

struct Shared {
    turns: Mutex<Turns>,
    /// Signalled whenever a turn ends.
    turn_over: Condvar,
    /// Locked by the one holding the turn only.
    writer: Mutex<Writer>,
}

#[derive(Default)]
struct Turns {
    /// Someone holds the turn: a batch or a background job.
    taken: bool,
    /// Background jobs waiting for a turn: no batch begins before they have had theirs, so
    /// that a steady stream of writes cannot keep them waiting.
    jobs_waiting: usize,
    /// The writes waiting for a batch, in the order they came.
    waiting: Vec<Box<dyn Queued>>,
}

struct Writer {
    manager: Manager,
    /// Opened at the first write, and again after one that left it broken.
    conn: Option<DbConnection>,
}

impl Writer {
    fn connection(&mut self) -> Result<&mut DbConnection, r2d2::Error> {
        match &mut self.conn {
            Some(conn) => Ok(conn),
            empty => Ok(empty.insert(self.manager.connect()?)),
        }
    }

    /// A connection left broken, or inside a transaction (a writer that panicked), is closed at
    /// once: closing rolls the transaction back and lets go of SQLite's write lock, which other
    /// processes may be waiting for. The next turn opens another.
    fn close_if_broken(&mut self) {
        if self.conn.as_mut().is_some_and(R2D2Connection::is_broken) {
            self.conn = None;
        }
    }
}

impl WriteGate {
    pub fn for_url(url: &str) -> WriteGate {
        match Backend::from_url(url) {
            Backend::Sqlite => WriteGate(Some(Shared {
                turns: Mutex::new(Turns::default()),
                turn_over: Condvar::new(),
                writer: Mutex::new(Writer {
                    manager: Manager { url: url.to_owned(), backend: Backend::Sqlite },
                    conn: None,
                }),
            })),
            Backend::Postgres => WriteGate(None),
        }
    }

    /// Waits for this process's turn to write (SQLite), and holds it, alone, as long as the
    /// turn lives: for the background jobs, which make their own transactions.
    pub fn enter(&self) -> Option<WriterTurn<'_>> {
        let shared = self.0.as_ref()?;
        let mut turns = shared.turns.lock();
        turns.jobs_waiting += 1;
        while turns.taken {
            shared.turn_over.wait(&mut turns);
        }
        turns.jobs_waiting -= 1;
        turns.taken = true;
        drop(turns);
        Some(WriterTurn { shared, writer: shared.writer.lock() })
    }

    /// SQLite: runs `work` in a transaction of its own, committed with the other writes waiting
    /// beside it (a savepoint of the batch's transaction; see `WriteGate`), and answers once the
    /// batch has committed. A panic in `work` rolls back its own write and goes on in the
    /// caller's thread. On PostgreSQL, `work` comes back unrun: its caller runs it.
    pub fn write<T, E, F>(&self, work: F) -> Result<Result<T, E>, F>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<QueryError> + Send + 'static,
    {
        let Some(shared) = self.0.as_ref() else { return Err(work) };
        let answer = Arc::new(Answer(Mutex::new(None)));
        let mut turns = shared.turns.lock();
        turns.waiting.push(Box::new(Write { work: Some(work), outcome: None, answer: Some(answer.clone()) }));
        loop {
            // A batch answers its writes before its turn ends, and its turn ends under `turns`.
            if let Some(answered) = answer.0.lock().take() {
                drop(turns);
                return Ok(answered.unwrap_or_else(|panic| resume_unwind(panic)));
            }
            if turns.taken || turns.jobs_waiting > 0 {
                shared.turn_over.wait(&mut turns);
                continue;
            }
            turns.taken = true;
            let take = turns.waiting.len().min(MOST_IN_BATCH);
            let batch: Vec<_> = turns.waiting.drain(..take).collect();
            let ran = MutexGuard::unlocked(&mut turns, || {
                let mut writer = shared.writer.lock();
                let ran = catch_unwind(AssertUnwindSafe(|| writer.commit(batch)));
                if ran.is_err() {
                    // A fault of the gate's own, not of a write: the writes it had not answered
                    // were answered with an error as they were dropped. The connection may still
                    // be inside the batch's transaction: closing it rolls that back.
                    writer.conn = None;
                }
                ran
            });
            turns.taken = false;
            shared.turn_over.notify_all();
            if ran.is_err() {
                tracing::error!("a batch of writes stopped on a fault of its own; none of it stands");
            }
        }
    }
}

impl Writer {
    /// Runs each write in a savepoint of one transaction, commits it, and answers each.
    fn commit(&mut self, mut batch: Vec<Box<dyn Queued>>) {
        let committed = match self.connection() {
            Err(error) => Err(format!("database connection: {error}")),
            Ok(conn) => conn
                .transaction(|conn| batch.iter_mut().try_for_each(|write| write.run(conn)))
                .map_err(|error: QueryError| error.to_string()),
        };
        self.close_if_broken();
        for write in batch {
            write.answer(committed.as_ref().err().map(String::as_str));
        }
    }
}

/// What a write's caller gets back: its outcome, or the panic it ended in.
type Answered<T, E> = std::thread::Result<Result<T, E>>;

struct Answer<T, E>(Mutex<Option<Answered<T, E>>>);

/// A write waiting for, or in, a batch.
trait Queued: Send {
    /// Runs the write in a savepoint of the batch's transaction, keeping its outcome. An error
    /// only when the batch's transaction cannot go on.
    fn run(&mut self, conn: &mut DbConnection) -> Result<(), QueryError>;
    /// Answers the caller: its outcome, once the batch has committed (`failed` is `None`).
    fn answer(self: Box<Self>, failed: Option<&str>);
}

struct Write<T, E: From<QueryError>, F> {
    work: Option<F>,
    outcome: Option<Answered<T, E>>,
    /// Taken once the caller is answered; a write dropped before then answers with an error.
    answer: Option<Arc<Answer<T, E>>>,
}

impl<T, E: From<QueryError>, F> Drop for Write<T, E, F> {
    fn drop(&mut self) {
        if let Some(answer) = self.answer.take() {
            *answer.0.lock() = Some(Ok(Err(not_committed("the batch stopped"))));
        }
    }
}

fn not_committed<E: From<QueryError>>(why: &str) -> E {
    E::from(QueryError::DatabaseError(
        DatabaseErrorKind::Unknown,
        Box::new(format!("the batch of writes did not commit: {why}")),
    ))
}

impl<T, E: From<QueryError>, F> Queued for Write<T, E, F>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send,
    T: Send,
    E: Send,
{
    fn run(&mut self, conn: &mut DbConnection) -> Result<(), QueryError> {
        let Some(work) = self.work.take() else { return Ok(()) };
        let outer = depth(conn)?;
        let outcome = catch_unwind(AssertUnwindSafe(|| conn.transaction(work)));
        let panicked = outcome.is_err();
        self.outcome = Some(outcome);
        // A write that panicked left its savepoint open: roll it back, so the batch's other
        // writes go on as though it never ran. A savepoint left open otherwise (its release
        // failed) is rolled back too, and the batch stops.
        let left = depth(conn)?;
        let mut now = left;
        while now > outer {
            <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)?;
            now = depth(conn)?;
        }
        // Below the batch's own depth, SQLite itself ended the whole transaction (a full disk,
        // an I/O error): the batch stops, and nothing of it stands.
        if now < outer || (left > outer && !panicked) {
            return Err(QueryError::BrokenTransactionManager);
        }
        Ok(())
    }

    fn answer(mut self: Box<Self>, failed: Option<&str>) {
        let outcome = match (failed, self.outcome.take()) {
            (None, Some(outcome)) => outcome,
            // A panic stays a panic, whatever became of the batch.
            (_, Some(Err(panic))) => Err(panic),
            (failed, _) => Ok(Err(not_committed(failed.unwrap_or("not run")))),
        };
        if let Some(answer) = self.answer.take() {
            *answer.0.lock() = Some(outcome);
        }
    }
}

/// How many transactions and savepoints the connection is inside.
fn depth(conn: &mut DbConnection) -> Result<u32, QueryError> {
    use diesel::connection::TransactionManagerStatus;
    match <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn) {
        TransactionManagerStatus::Valid(status) => Ok(status.transaction_depth().map_or(0, u32::from)),
        TransactionManagerStatus::InError => Err(QueryError::BrokenTransactionManager),
    }
}

/// One background job's turn, and with it the writers' connection.
pub struct WriterTurn<'a> {
    shared: &'a Shared,
    writer: MutexGuard<'a, Writer>,
}

impl WriterTurn<'_> {
    /// The writers' connection, opened if need be.
    pub fn connection(&mut self) -> Result<&mut DbConnection, r2d2::Error> {
        self.writer.connection()
    }
}

impl Drop for WriterTurn<'_> {
    /// The writer itself is let go just after: a batch that begins at once waits that long.
    fn drop(&mut self) {
        self.writer.close_if_broken();
        self.shared.turns.lock().taken = false;
        self.shared.turn_over.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use super::*;

    fn rows(conn: &mut DbConnection) -> i64 {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("(SELECT COUNT(*) FROM t)"))
            .get_result(conn)
            .unwrap()
    }

    #[test]
    fn a_turn_left_inside_a_transaction_lets_go_of_the_write_lock() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("gate.db").display().to_string();
        let gate = WriteGate::for_url(&url);
        {
            let mut turn = gate.enter().expect("SQLite has a gate");
            let conn = turn.connection().unwrap();
            conn.batch_execute("CREATE TABLE t (x INTEGER)").unwrap();
            <DbConnection as Connection>::TransactionManager::begin_transaction(conn).unwrap();
            conn.batch_execute("INSERT INTO t VALUES (1)").unwrap();
            // The turn ends inside its transaction, as a writer's that panicked would.
        }
        // Another process writes at once, without waiting: the write lock was let go.
        let mut other = diesel::SqliteConnection::establish(&url).unwrap();
        other.batch_execute("PRAGMA busy_timeout = 0; INSERT INTO t VALUES (2)").unwrap();
        // The next turn writes on a fresh connection, and the unfinished write never happened.
        let mut turn = gate.enter().expect("SQLite has a gate");
        let conn = turn.connection().unwrap();
        conn.transaction(|conn| conn.batch_execute("INSERT INTO t VALUES (3)")).unwrap();
        assert_eq!(rows(conn), 2);
    }

    #[test]
    fn writes_waiting_together_commit_together_and_fail_alone() {
        let (_dir, gate) = gate_with_table();
        let turn = gate.enter().unwrap();
        let mut writers = Vec::new();
        for n in 0..8 {
            let gate = gate.clone();
            writers.push(std::thread::spawn(move || {
                gate.write(move |conn: &mut DbConnection| {
                    conn.batch_execute(&format!("INSERT INTO t VALUES ({n})"))?;
                    match n {
                        // Each fails after it wrote: its write must not stand.
                        3 => Err(QueryError::RollbackTransaction),
                        5 => panic!("a writer's bug"),
                        _ => Ok(n),
                    }
                })
                .ok()
                .unwrap()
            }));
        }
        // Every writer waits for the turn this test holds, and then for one batch.
        while gate.0.as_ref().unwrap().turns.lock().waiting.len() < 8 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        drop(turn);
        let outcomes: Vec<_> = writers.into_iter().map(|writer| writer.join().map_err(|_| "panicked")).collect();
        assert!(matches!(outcomes[3], Ok(Err(QueryError::RollbackTransaction))));
        assert_eq!(outcomes[5].as_ref().err(), Some(&"panicked"), "the panic goes on in its caller");
        for n in [0, 1, 2, 4, 6, 7] {
            assert_eq!(outcomes[n].as_ref().ok().and_then(|o| o.as_ref().ok()), Some(&n));
        }
        assert_eq!(kept(&gate, "x"), [0, 1, 2, 4, 6, 7]);
    }

    #[test]
    fn a_background_job_waiting_goes_before_the_next_batch() {
        let (_dir, gate) = gate_with_table();
        let turn = gate.enter().unwrap();
        let insert = |n: i64| move |conn: &mut DbConnection| conn.batch_execute(&format!("INSERT INTO t VALUES ({n})"));
        let writer = {
            let gate = gate.clone();
            std::thread::spawn(move || gate.write(insert(1)).ok().unwrap().unwrap())
        };
        let job = {
            let gate = gate.clone();
            std::thread::spawn(move || insert(2)(gate.enter().unwrap().connection().unwrap()).unwrap())
        };
        let shared = gate.0.as_ref().unwrap();
        while shared.turns.lock().waiting.is_empty() || shared.turns.lock().jobs_waiting == 0 {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        drop(turn);
        writer.join().unwrap();
        job.join().unwrap();
        assert_eq!(kept(&gate, "rowid"), [2, 1], "the job that waited wrote first");
    }

    /// A gate on a new database with one table `t`, and the folder that holds it.
    fn gate_with_table() -> (tempfile::TempDir, Arc<WriteGate>) {
        let dir = tempfile::tempdir().unwrap();
        let gate = Arc::new(WriteGate::for_url(&dir.path().join("gate.db").display().to_string()));
        gate.enter().unwrap().connection().unwrap().batch_execute("CREATE TABLE t (x INTEGER)").unwrap();
        (dir, gate)
    }

    #[derive(QueryableByName)]
    struct Kept {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        x: i64,
    }

    /// What `t` holds, in the order of `order_by`.
    fn kept(gate: &WriteGate, order_by: &str) -> Vec<i64> {
        let mut turn = gate.enter().unwrap();
        let rows: Vec<Kept> =
            diesel::sql_query(format!("SELECT x FROM t ORDER BY {order_by}")).load(turn.connection().unwrap()).unwrap();
        rows.into_iter().map(|row| row.x).collect()
    }

    #[test]
    fn postgres_has_no_gate() {
        let gate = WriteGate::for_url("postgres://localhost/passerelle");
        assert!(gate.enter().is_none());
        assert!(gate.write(|_: &mut DbConnection| Ok::<_, QueryError>(())).is_err(), "the work comes back");
    }
}
