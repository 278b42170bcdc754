//! Each main page issues a small, fixed number of SQL statements, whatever the data holds: a
//! longer timeline or a fuller list costs no more queries (no N+1). Counted by the diesel
//! instrumentation every connection carries; one scenario at a time, since the count is the
//! process's.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use std::future::Future;

use support::{Client, TestApp};

/// The statements run while `request` is answered.
async fn queries_of<T>(request: impl Future<Output = T>) -> (u64, T) {
    let before = passerelle::db::queries_run();
    let answer = request.await;
    (passerelle::db::queries_run() - before, answer)
}

async fn page(client: &mut Client, path: &str) -> u64 {
    let (queries, page) = queries_of(client.get(path)).await;
    assert_eq!(page.status, 200, "{path}");
    queries
}

/// The statements of each page that reads: lists, a filtered list, search, the case page.
async fn read_pages(partner: &mut Client, staff: &mut Client, reference: &str) -> [(&'static str, u64); 6] {
    [
        ("partner list", page(partner, "/cases").await),
        ("queue", page(staff, "/cases").await),
        ("filtered", page(staff, "/cases?status=all&category=harassment&sort=urgency").await),
        ("search", page(partner, "/cases?q=harassed").await),
        ("case page, partner", page(partner, &format!("/cases/{reference}")).await),
        ("case page, staff", page(staff, &format!("/cases/{reference}")).await),
    ]
}

/// The most statements a read page may take (session, checks and the page's own data); a
/// staff member's case page also records the view and its audit record in a transaction. On
/// PostgreSQL a write's audit record is then sealed onto the chain in a short transaction of its
/// own (seven statements), so that writers of different cases need not take turns.
const READ_AT_MOST: u64 = 12;
/// (SQLite, PostgreSQL)
const STAFF_VIEW_AT_MOST: (u64, u64) = (20, 24);
const WRITE_AT_MOST: (u64, u64) = (25, 28);

async fn pages_cost_a_fixed_number_of_queries(app: TestApp) {
    // Let the outbox worker's and retention job's first rounds pass.
    actix_rt::time::sleep(std::time::Duration::from_millis(500)).await;
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let reference = alice.file_case(&[]).await;

    let small = read_pages(&mut alice, &mut lea, &reference).await;
    let (filing, filed) = queries_of(alice.post("/cases", &support::case_fields(&[]))).await;
    assert_eq!(filed.status, 303);
    let (message, sent) = queries_of(alice.post(&format!("/cases/{reference}/messages"), &[("body", "More.")])).await;
    assert_eq!(sent.status, 303);
    eprintln!("queries: {small:?}, filing {filing}, message {message}");
    let on_postgres = app.database_url.starts_with("postgres");
    let of_backend = |(sqlite, postgres): (u64, u64)| if on_postgres { postgres } else { sqlite };
    for (name, queries) in small {
        let bound = if name == "case page, staff" { of_backend(STAFF_VIEW_AT_MOST) } else { READ_AT_MOST };
        assert!(queries <= bound, "{name}: {queries} statements");
    }
    let write_bound = of_backend(WRITE_AT_MOST);
    assert!(filing <= write_bound && message <= write_bound, "filing {filing}, message {message}");

    // Much more data: the same statements.
    for n in 0..30 {
        alice.post(&format!("/cases/{reference}/messages"), &[("body", &format!("Message {n}"))]).await;
        lea.post(&format!("/cases/{reference}/messages"), &[("body", "Noted."), ("internal", "1")]).await;
    }
    for _ in 0..40 {
        alice.file_case(&[]).await;
    }
    let large = read_pages(&mut alice, &mut lea, &reference).await;
    assert_eq!(small, large, "sixty more entries and forty more cases cost no query");

    // Five times the liaisons to tell: filing and posting cost the same statements.
    let writes = || async {
        let mut alice = app.sign_in(&cast.alice).await;
        let emails = app.count("notifications");
        let (filing, _) = queries_of(alice.post("/cases", &support::case_fields(&[]))).await;
        let (message, _) = queries_of(alice.post(&format!("/cases/{reference}/messages"), &[("body", "Again.")])).await;
        (filing, message, app.count("notifications") - emails)
    };
    let (filing, message, told) = writes().await;
    for n in 0..4 {
        app.user(app.platform(), passerelle::domain::role::Role::Liaison, &format!("liaison{n}@platform.test"));
    }
    let (more_filing, more_message, more_told) = writes().await;
    assert_eq!(told, 2, "Lea hears of the filing and of the message");
    assert_eq!(more_told, 10, "and so do the four new liaisons");
    assert_eq!((filing, message), (more_filing, more_message), "one statement for all the emails");
}

#[actix_rt::test]
async fn on_both_backends_one_after_the_other() {
    let quiet = |settings: &mut passerelle::config::Settings| settings.mail_poll_ms = 3_600_000;
    pages_cost_a_fixed_number_of_queries(TestApp::sqlite_with(quiet).await).await;
    if let Some(app) = TestApp::postgres_with(quiet).await {
        pages_cost_a_fixed_number_of_queries(app).await;
    }
}
