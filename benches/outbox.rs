//! The outbox benchmark: fills the outbox with 10,000 notifications and drains them into a real
//! SMTP server on loopback, as the worker does; prints emails per second and peak memory.
//! Run: `cargo bench --bench outbox` (SQLite), or with `BENCH_DATABASE_URL=postgres://…`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark that cannot run should stop loudly")]

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use mailin_embedded::{Handler, Response, Server, response};
use passerelle::config::{Secret, Settings};
use passerelle::db::{self, notifications, organisations, users};
use passerelle::domain::ids::UserId;
use passerelle::domain::notification::NotificationKind;
use passerelle::domain::role::{OrgKind, Role};
use passerelle::email::mailer::Mailer;
use passerelle::email::worker::deliver_due;
use passerelle::i18n::I18n;
use passerelle::startup::AppState;

const EMAILS: usize = 10_000;

#[derive(Clone)]
struct Counter(Arc<AtomicUsize>);

impl Handler for Counter {
    fn data_end(&mut self) -> Response {
        self.0.fetch_add(1, Ordering::Relaxed);
        response::OK
    }
}

/// The peak resident memory of this process, from the kernel, in MiB.
fn peak_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| dir.path().join("bench.db").display().to_string());
    let received = Arc::new(AtomicUsize::new(0));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = Server::new(Counter(received.clone()));
    server.with_name("bench.test").with_num_threads(64).with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });

    let settings = Settings {
        database_url: Secret::new(url.clone()),
        smtp_host: "127.0.0.1".into(),
        smtp_port: port,
        smtp_tls: "none".into(),
        ..Settings::default()
    };
    let pool = db::connect(&url, 4).unwrap();
    let mut conn = pool.get().unwrap();
    let now = db::now();
    let org = organisations::insert(
        &mut conn,
        &organisations::NewOrganisation {
            name: &format!("Bench {}", std::process::id()),
            kind: OrgKind::Partner.code(),
            trusted_flagger: false,
            designating_authority: None,
            designated_on: None,
            expertise: String::new(),
            created_at: now,
        },
    )
    .unwrap();
    let recipients: Vec<UserId> = (0..100)
        .map(|i| {
            users::insert(
                &mut conn,
                &users::NewUser {
                    organisation_id: org.0,
                    email: &format!("reader{i}.{}@bench.test", std::process::id()),
                    display_name: &format!("Reader {i}"),
                    password_hash: "!",
                    role: Role::PartnerCaseworker.code(),
                    locale: Some(if i % 2 == 0 { "en" } else { "fr" }),
                    created_at: now,
                },
            )
            .unwrap()
        })
        .collect();
    let filling = Instant::now();
    for chunk in 0..EMAILS / recipients.len() {
        let _ = chunk;
        notifications::enqueue(&mut conn, &recipients, None, NotificationKind::Message, false, now).unwrap();
    }
    let filled = filling.elapsed();
    drop(conn);

    let state = AppState {
        mailer: Mailer::from_settings(&settings).unwrap(),
        i18n: I18n::load().unwrap(),
        tz: chrono_tz::Tz::UTC,
        pool,
        settings,
        storage: passerelle::db::attachments::Storage::Database,
        metrics: passerelle::metrics::Metrics::new().unwrap(),
        choices: Default::default(),
        write_gate: std::sync::Arc::new(passerelle::db::WriteGate::for_url(&url)),
        hashing: passerelle::auth::password::Hashing::per_core(),
    };
    let draining = Instant::now();
    let mut sent = 0;
    while sent < EMAILS {
        let batch = deliver_due(&state).unwrap();
        if batch == 0 {
            break;
        }
        sent += batch;
    }
    let drained = draining.elapsed();
    let backend = if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    println!("outbox benchmark on {backend}: {EMAILS} emails");
    println!("  queued in {:.2} s ({:.0} notifications/s)", filled.as_secs_f64(), EMAILS as f64 / filled.as_secs_f64());
    println!(
        "  delivered {sent} in {:.2} s: {:.0} emails/s",
        drained.as_secs_f64(),
        sent as f64 / drained.as_secs_f64()
    );
    println!("  accepted by the SMTP server: {}", received.load(Ordering::Relaxed));
    println!("  peak memory: {:.1} MiB (benchmark process, SMTP server included)", peak_memory_mib());
}
