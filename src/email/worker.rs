//! The outbox worker: claims due notifications, composes and sends them, and records the outcome.
//! A failed attempt is retried with exponential backoff up to `mail_max_attempts`; a crash
//! between sending and recording leaves the lease to expire, and the email (with the same
//! `Message-ID`) is sent again. Several instances may run: a claim is an atomic update. After
//! each round it bundles the daily summaries whose hour has come.

use std::time::Duration;

use actix_web::web;
use chrono::TimeDelta;

use diesel::Connection;

use crate::db::{self, digests, notifications};
use crate::domain::digest::last_digest_time;
use crate::email::mailer::{Formatted, SendError};
use crate::email::message::compose;
use crate::startup::AppState;

/// How long a claimed email is ours before another worker may take it.
const LEASE: TimeDelta = TimeDelta::minutes(5);
const BATCH: i64 = 500;
/// How long after the digest hour summaries are bundled.
const DIGEST_GRACE: TimeDelta = TimeDelta::minutes(1);
/// The worker gives up waiting for a database connection sooner than requests do: it tries
/// again at its next poll, and never holds up a shutdown.
const POOL_WAIT: Duration = Duration::from_secs(2);

/// The wait before attempt `attempts + 1`: the base, doubled per failed attempt, at most an hour.
pub fn backoff(base_seconds: i64, attempts: i32) -> TimeDelta {
    let factor = 1i64 << attempts.clamp(0, 20);
    TimeDelta::seconds(base_seconds.saturating_mul(factor).min(3600))
}

/// Bundles the daily summaries whose hour has come: one transaction per reader, so each summary
/// is written once even when several instances try at the same moment.
pub fn bundle_digests(state: &AppState) -> Result<usize, String> {
    let now = db::now();
    // A minute's grace lets an event that took its time just before the hour commit first.
    let cutoff = last_digest_time(now - DIGEST_GRACE, state.tz, state.settings.digest_hour);
    let readers = {
        let mut conn = state.pool.get_timeout(POOL_WAIT).map_err(|e| e.to_string())?;
        digests::due_readers(&mut conn, cutoff, BATCH).map_err(|e| e.to_string())?
    };
    let mut bundled = 0;
    for reader in readers {
        let result = state.write_turn(POOL_WAIT, |conn| {
            conn.transaction(|conn| {
                db::lock_for_write(conn)?;
                digests::bundle(conn, reader, cutoff, now)
            })
        });
        match result {
            Ok(_) => bundled += 1,
            // Another instance bundled them first.
            Err(db::DbError::Query(diesel::result::Error::RollbackTransaction)) => {}
            Err(error) => return Err(error.to_string()),
        }
    }
    Ok(bundled)
}

/// Delivers every due email once, `mail_concurrency` at a time; returns how many were sent.
/// Each email waits on its SMTP round trips, not on the processor, so they go in parallel over
/// the transport's pool of connections. The round's emails are claimed in one statement and
/// each lane records its sent emails a few at a time, so the outbox takes few turns at the
/// database's write lock away from the people using the site. They are composed here, one
/// after the other, before the lanes start: a lane only sends bytes, so the lanes' threads
/// allocate little and each keeps little memory of its own.
pub fn deliver_due(state: &AppState) -> Result<usize, String> {
    let db_error = |e: db::DbError| e.to_string();
    let due = {
        let mut conn = state.pool.get_timeout(POOL_WAIT).map_err(|e| e.to_string())?;
        notifications::due(&mut conn, db::now(), BATCH).map_err(|e| e.to_string())?
    };
    if due.is_empty() {
        return Ok(0);
    }
    let now = db::now();
    let until = now + LEASE;
    let claimed = state.write_turn(POOL_WAIT, |conn| notifications::claim(conn, &due, now, until)).map_err(db_error)?;
    let emails = {
        let mut conn = state.pool.get_timeout(POOL_WAIT).map_err(|e| e.to_string())?;
        notifications::outgoing(&mut conn, &claimed).map_err(|e| e.to_string())?
    };
    let composed: Vec<Composed> = emails
        .iter()
        .map(|outgoing| Composed {
            id: outgoing.id,
            attempts: outgoing.attempts,
            email: compose(outgoing, &state.i18n, &state.settings)
                .map(|message| Formatted::from(&message))
                .map_err(|error| error.to_string()),
        })
        .collect();
    drop(emails);
    let lanes = state.mailer.lanes(state.settings.mail_concurrency);
    let chunk = composed.len().div_ceil(lanes).max(1);
    let delivered: Vec<usize> = std::thread::scope(|scope| {
        let workers: Vec<_> =
            composed.chunks(chunk).map(|share| scope.spawn(move || deliver(state, share, until))).collect();
        workers
            .into_iter()
            .map(|w| {
                w.join().unwrap_or_else(|_| {
                    tracing::error!("an email thread panicked");
                    0
                })
            })
            .collect()
    });
    Ok(delivered.into_iter().sum())
}

/// A claimed email, ready to go, or why it cannot be composed.
struct Composed {
    id: i64,
    attempts: i32,
    email: Result<Formatted, String>,
}

/// How long before its lease ends a lane stops sending: what it has not sent by then waits for
/// the lease to run out and is claimed again, so two workers never hold one email.
const SEND_ALLOWANCE: TimeDelta = TimeDelta::minutes(2);

/// Sends a lane's share of the claimed emails one after the other, recording what happened;
/// how many were recorded as sent. A database error is logged: what it concerned is tried again
/// when the lease runs out.
fn deliver(state: &AppState, emails: &[Composed], until: chrono::NaiveDateTime) -> usize {
    let record = |sent: &mut Vec<i64>| -> usize {
        if sent.is_empty() {
            return 0;
        }
        let recorded = state.write_turn(POOL_WAIT, |conn| notifications::mark_sent(conn, sent, db::now()));
        sent.clear();
        recorded.unwrap_or_else(|error| {
            tracing::error!(%error, "outbox worker: sent emails not recorded; they go again after the lease");
            0
        })
    };
    let record_every = state.mailer.record_every();
    let mut sent = Vec::with_capacity(record_every.min(emails.len()));
    let mut delivered = 0;
    for outgoing in emails {
        if db::now() + SEND_ALLOWANCE > until {
            break;
        }
        // No database connection is held while the SMTP server answers.
        let result = match &outgoing.email {
            Ok(email) => state.mailer.send(outgoing.id, email),
            Err(error) => Err(SendError { message: error.clone(), permanent: true }),
        };
        match result {
            Ok(()) => {
                sent.push(outgoing.id);
                if sent.len() == record_every {
                    delivered += record(&mut sent);
                }
            }
            Err(error) => {
                let (id, attempts) = (outgoing.id, outgoing.attempts + 1);
                let give_up = error.permanent || attempts >= state.settings.mail_max_attempts;
                let retry_at =
                    (!give_up).then(|| db::now() + backoff(state.settings.mail_retry_seconds, outgoing.attempts));
                tracing::warn!(notification = id, attempts, give_up, error = %error.message, "email not delivered");
                let recorded = state.write_turn(POOL_WAIT, |conn| {
                    notifications::mark_attempt_failed(conn, id, &error.message, retry_at)
                });
                if let Err(error) = recorded {
                    tracing::error!(notification = id, %error, "outbox worker: a failed attempt not recorded");
                }
            }
        }
    }
    delivered + record(&mut sent)
}

/// Runs for as long as the server does, looking for due emails every `mail_poll_ms`.
pub async fn run(state: web::Data<AppState>) {
    let pause = Duration::from_millis(state.settings.mail_poll_ms.max(10));
    loop {
        let worker = state.clone();
        // Due emails go first: a summary that cannot be bundled never holds up an urgent email.
        match web::block(move || (deliver_due(&worker), bundle_digests(&worker))).await {
            Ok((delivered, bundled)) => {
                if let Err(error) = delivered {
                    tracing::error!(%error, "outbox worker");
                }
                if let Err(error) = bundled {
                    tracing::error!(%error, "daily summaries");
                }
            }
            Err(error) => tracing::error!(%error, "outbox worker stopped unexpectedly"),
        }
        actix_web::rt::time::sleep(pause).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        assert_eq!(backoff(30, 0), TimeDelta::seconds(30));
        assert_eq!(backoff(30, 1), TimeDelta::seconds(60));
        assert_eq!(backoff(30, 3), TimeDelta::seconds(240));
        assert_eq!(backoff(30, 12), TimeDelta::hours(1));
    }
}
