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
/// operating system, every page it went through. One connection for every write keeps its pages.
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
        if writer.conn.as_mut().is_some_and(R2D2Connection::is_broken) {
            writer.conn = None;
        }
        match &mut writer.conn {
            Some(conn) => Ok(conn),
            empty => Ok(empty.insert(writer.manager.connect()?)),
        }
    }
}
