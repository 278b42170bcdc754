//! Where this process's writers take turns on SQLite, and the one connection they write through.

use diesel::r2d2::{self, ManageConnection, R2D2Connection};

use super::{Backend, DbConnection, Manager};

/// Where writers wait their turn. SQLite admits one writer at a time and makes the others
/// retry, sleeping up to 100 ms between tries: under load a write could wait hundreds of
/// milliseconds for a lock held a fraction of one. Writers of one process queue here instead,
/// woken as soon as the one before commits; `busy_timeout` stays for other processes (the
/// command line). PostgreSQL queues writers itself on the locks `lock_in` takes: no gate.
/// The turns go in the order asked for (a fair lock): a writer that has just had its turn cannot
/// take the next one ahead of those waiting, so no request waits many turns.
///
/// The turn comes with the writers' own connection, outside the pool. SQLite empties a
/// connection's page cache whenever another connection has written since its last transaction:
/// when writers took turns on pooled connections, each write began by reading again, from the
/// operating system, every page it went through. One connection for the writes of requests and
/// of the background jobs keeps its pages. (The retention job, which anonymises case after case,
/// writes each on a pooled connection and waits on `busy_timeout`, so that it never holds the
/// gate for a whole run.)
#[derive(Default)]
pub struct WriteGate(Option<parking_lot::FairMutex<Writer>>);

struct Writer {
    manager: Manager,
    /// Opened at the first write, and again after one that left it broken.
    conn: Option<DbConnection>,
}

impl WriteGate {
    pub fn for_url(url: &str) -> WriteGate {
        match Backend::from_url(url) {
            Backend::Sqlite => WriteGate(Some(parking_lot::FairMutex::new(Writer {
                manager: Manager { url: url.to_owned(), backend: Backend::Sqlite },
                conn: None,
            }))),
            Backend::Postgres => WriteGate(None),
        }
    }

    /// Waits for this process's turn to write (SQLite); the turn lasts as long as it is held.
    /// A writer that panicked released nothing the database needs: its transaction rolled back.
    pub fn enter(&self) -> Option<WriterTurn<'_>> {
        self.0.as_ref().map(|writer| WriterTurn(writer.lock()))
    }
}

/// One writer's turn, and with it the writers' connection.
pub struct WriterTurn<'a>(parking_lot::FairMutexGuard<'a, Writer>);

impl WriterTurn<'_> {
    /// The writers' connection, opened if need be.
    pub fn connection(&mut self) -> Result<&mut DbConnection, r2d2::Error> {
        let writer = &mut *self.0;
        match &mut writer.conn {
            Some(conn) => Ok(conn),
            empty => Ok(empty.insert(writer.manager.connect()?)),
        }
    }
}

impl Drop for WriterTurn<'_> {
    /// A turn that ends with its connection broken, or still inside a transaction (a writer that
    /// panicked), closes it at once: closing rolls the transaction back and lets go of SQLite's
    /// write lock, which other processes may be waiting for. The next turn opens another.
    fn drop(&mut self) {
        let writer = &mut *self.0;
        if writer.conn.as_mut().is_some_and(R2D2Connection::is_broken) {
            writer.conn = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::{Connection, SimpleConnection, TransactionManager};
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
    fn postgres_has_no_gate() {
        assert!(WriteGate::for_url("postgres://localhost/passerelle").enter().is_none());
    }
}
