//! The retention job: closed cases are anonymised `retention_months` after closing, unless a
//! legal hold stops it. Run every hour by the server (every instance may run it: each case is
//! emptied by a compare-and-set, once) and on demand by `passerelle retention run`.

use chrono::{Months, NaiveDateTime};
use diesel::Connection;

use crate::db::attachments::Storage;
use crate::db::{self, DbConnection, retention};

/// How often the server runs the job.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Cases closed before this moment are due; `None` when retention is switched off (0 months).
pub fn cutoff(now: NaiveDateTime, months: u32) -> Option<NaiveDateTime> {
    if months == 0 {
        return None;
    }
    now.checked_sub_months(Months::new(months))
}

/// Anonymises every due case, one transaction each; how many this run emptied.
pub fn run(conn: &mut DbConnection, storage: &Storage, months: u32, now: NaiveDateTime) -> diesel::QueryResult<usize> {
    const BATCH: i64 = 100;
    let Some(cutoff) = cutoff(now, months) else { return Ok(0) };
    let mut emptied = 0;
    loop {
        let due = retention::due(conn, cutoff, BATCH)?;
        let mut progress = false;
        for case in &due {
            let done = conn.transaction(|conn| {
                db::lock_for_write(conn)?;
                retention::anonymise(conn, storage, *case, None, now)
            })?;
            if done {
                emptied += 1;
            }
            progress = true;
        }
        if !progress || (due.len() as i64) < BATCH {
            // Each anonymisation stands once committed; what is not sealed here is sealed by
            // the server within a second, or by the command line when it ends.
            if let Err(error) = db::audit::seal(conn) {
                tracing::error!(%error, "retention: audit records wait to be sealed");
            }
            return Ok(emptied);
        }
    }
}

/// The server's loop: the job now and then every hour, on the blocking pool.
pub async fn scheduled(state: actix_web::web::Data<crate::startup::AppState>) {
    loop {
        let months = state.settings.retention_months;
        let worker = state.clone();
        let outcome = actix_web::web::block(move || -> Result<usize, String> {
            let mut conn = worker.pool.get().map_err(|e| e.to_string())?;
            run(&mut conn, &worker.storage, months, db::now()).map_err(|e| e.to_string())
        })
        .await;
        match outcome {
            Ok(Ok(0)) => {}
            Ok(Ok(emptied)) => tracing::info!(emptied, "retention: closed cases anonymised"),
            Ok(Err(error)) => tracing::error!(%error, "retention job"),
            Err(error) => tracing::error!(%error, "retention job stopped unexpectedly"),
        }
        actix_web::rt::time::sleep(EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_whole_months_back_and_zero_means_never() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap().and_hms_opt(12, 0, 0).unwrap();
        assert_eq!(cutoff(now, 0), None);
        let expected = chrono::NaiveDate::from_ymd_opt(2025, 3, 31).unwrap().and_hms_opt(12, 0, 0).unwrap();
        assert_eq!(cutoff(now, 12), Some(expected));
        let february = chrono::NaiveDate::from_ymd_opt(2026, 2, 28).unwrap().and_hms_opt(12, 0, 0).unwrap();
        assert_eq!(cutoff(now, 1), Some(february), "the end of a shorter month");
    }
}
