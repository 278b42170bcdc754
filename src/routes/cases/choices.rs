//! The organisations and staff a staff list can be narrowed to, and whom a case page offers to
//! assign: read from the database at most every `FRESH_FOR`, not on every page (a queue page
//! would otherwise read and write out two hundred organisations each time). Only choices come
//! from here; every permission and every assignment is checked against the database.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::db::{DbConnection, organisations, users};
use crate::domain::ids::{OrgId, UserId};

/// How long a read of the choices serves: what another instance changed shows within this.
pub const FRESH_FOR: Duration = Duration::from_secs(10);

/// The partner organisations and the assignable staff, by name.
#[derive(Debug, Default)]
pub struct Choices {
    pub organisations: Vec<(OrgId, String)>,
    pub staff: Vec<(UserId, String)>,
}

/// This instance's copy of the choices and when it was read.
#[derive(Debug, Default)]
pub struct ChoicesCache {
    read: RwLock<Option<(Instant, Arc<Choices>)>>,
}

impl ChoicesCache {
    /// The choices if the copy is fresh enough.
    pub fn fresh(&self) -> Option<Arc<Choices>> {
        let read = self.read.read().ok()?;
        read.as_ref().filter(|(at, _)| at.elapsed() < FRESH_FOR).map(|(_, choices)| choices.clone())
    }

    /// Reads the choices from the database and keeps them.
    pub fn refresh(&self, conn: &mut DbConnection) -> diesel::QueryResult<Arc<Choices>> {
        let choices = Arc::new(Choices {
            organisations: organisations::partner_names(conn)?,
            staff: users::assignable_staff(conn)?,
        });
        if let Ok(mut read) = self.read.write() {
            *read = Some((Instant::now(), choices.clone()));
        }
        Ok(choices)
    }

    /// Forgets the copy: an organisation or a person changed through this instance, and the one
    /// who changed it sees it in the filters at once.
    pub fn forget(&self) {
        if let Ok(mut read) = self.read.write() {
            *read = None;
        }
    }
}
