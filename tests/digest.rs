//! Daily summaries: a reader who chose one gets their case news in one email at the digest hour,
//! never case content; urgent cases and security emails still come at once; several instances
//! write each summary once.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use chrono::Timelike;
use support::TestApp;
use support::smtp::{SmtpServer, via};

/// Sends through `port`, with the digest hour twelve hours away from now, so that what happens
/// during the test waits for a summary until the test moves it a day back.
fn digest_far_from_now(port: u16) -> impl FnOnce(&mut passerelle::config::Settings) {
    move |settings| {
        via(port)(settings);
        settings.digest_hour = (chrono::Utc::now().hour() + 12) % 24;
    }
}

/// Makes every waiting summary entry a day old: its summary is due.
fn a_day_passes(app: &TestApp) {
    use diesel::prelude::*;
    use passerelle::db::schema::digest_entries::dsl::*;
    diesel::update(digest_entries)
        .set(created_at.eq(passerelle::db::now() - chrono::TimeDelta::hours(25)))
        .execute(&mut *app.conn())
        .unwrap();
}

const EVERY_PARTNER_KIND: [(&str, &str); 5] =
    [("message", "1"), ("information_requested", "1"), ("status_changed", "1"), ("decided", "1"), ("closed", "1")];

/// Keeps every kind of case email, delivered in one summary a day.
async fn choose_daily(client: &mut support::Client) -> support::Response {
    let mut choice = EVERY_PARTNER_KIND.to_vec();
    choice.push(("delivery", "daily"));
    client.post("/account/notifications", &choice).await
}

async fn a_daily_reader_gets_one_summary_and_urgent_news_at_once(app: TestApp, smtp: SmtpServer) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    assert_eq!(choose_daily(&mut alice).await.status, 303);
    let page = alice.get("/account").await;
    assert!(page.contains("id=\"delivery-daily\" name=\"delivery\" type=\"radio\" value=\"daily\" aria-describedby=\"delivery-hint\" checked"));

    let first = alice.file_case(&[("explanation", "SECRET-EXPLANATION about a harassed pupil")]).await;
    let second = alice.file_case(&[("category", "doxxing")]).await;
    let urgent = alice.file_case(&[("urgency", "imminent"), ("category", "self_harm")]).await;
    lea.post(&format!("/cases/{first}/messages"), &[("body", "SECRET-MESSAGE one")]).await;
    lea.post(&format!("/cases/{first}/messages"), &[("body", "SECRET-MESSAGE two")]).await;
    lea.post(&format!("/cases/{second}/transition"), &[("action", "request_information"), ("message", "SECRET-ASK")])
        .await;
    lea.post(&format!("/cases/{urgent}/messages"), &[("body", "Are they safe now?")]).await;
    assert_eq!(app.count("digest_entries"), 3, "non-urgent news waits for the summary");

    // Lea's three new-case emails and Alice's urgent message come at once; nothing else yet.
    let at_once = smtp.wait_for(4, 10).await;
    actix_rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let to_alice: Vec<String> = smtp
        .received()
        .iter()
        .filter(|m| m.to == vec![cast.alice.email.clone()])
        .map(|m| m.header("Subject").unwrap_or_default())
        .collect();
    assert_eq!(at_once.len(), 4);
    assert_eq!(to_alice, vec![format!("[URGENT] New message on {urgent}")]);

    a_day_passes(&app);
    let all = smtp.wait_for(5, 10).await;
    assert_eq!(all.len(), 5);
    let summary = all.iter().find(|m| m.header("Subject").as_deref() == Some("Your daily Passerelle summary")).unwrap();
    assert_eq!(summary.to, vec![cast.alice.email.clone()]);
    let (_, text) = &summary.parts()[0];
    assert!(text.contains(&format!("- {first} · Cyber-harassment / bullying — Message ×2")), "{text}");
    assert!(text.contains(&format!("- {second} · Doxxing / private data exposed — Information requested")), "{text}");
    assert!(text.contains(&format!("/cases/{first}")) && text.contains(&format!("/cases/{second}")));
    assert!(!text.contains(&urgent), "urgent news is not repeated in the summary");
    let everything = summary.everything();
    assert!(!everything.contains("SECRET"), "a summary carries no case content:\n{everything}");
    assert_eq!(summary.parts()[1].0, "text/html");
    assert_eq!(app.count("digest_entries WHERE digest_id IS NULL"), 0);
    actix_rt::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.received().len(), 5, "one summary, once");
}

async fn security_emails_never_wait_for_the_summary(app: TestApp, smtp: SmtpServer) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    choose_daily(&mut alice).await;
    let new_password = "a brand new password";
    let changed = alice
        .post(
            "/account/password",
            &[("current", support::PASSWORD), ("password", new_password), ("confirm", new_password)],
        )
        .await;
    assert_eq!(changed.status, 303);
    let received = smtp.wait_for(1, 10).await;
    assert_eq!(received[0].header("Subject").as_deref(), Some("Your Passerelle password was changed"));
    assert_eq!(app.count("digest_entries"), 0);
}

async fn two_instances_write_each_summary_once(app: TestApp, smtp: SmtpServer) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    choose_daily(&mut alice).await;
    let reference = alice.file_case(&[]).await;
    for n in 0..20 {
        lea.post(&format!("/cases/{reference}/messages"), &[("body", &format!("message {n}"))]).await;
    }
    let _second = app.another_instance(digest_far_from_now(smtp.port));
    smtp.wait_for(1, 10).await;
    a_day_passes(&app);
    smtp.wait_for(2, 10).await;
    actix_rt::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(app.count("notifications WHERE kind = 'digest'"), 1);
    let summaries: Vec<_> = smtp.received().into_iter().filter(|m| m.to == vec![cast.alice.email.clone()]).collect();
    assert_eq!(summaries.len(), 1);
    assert!(summaries[0].parts()[0].1.contains("Message ×20"));
}

async fn a_disabled_reader_gets_no_summary(app: TestApp, smtp: SmtpServer) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let mut anna = app.sign_in(&cast.anna).await;
    choose_daily(&mut alice).await;
    let reference = alice.file_case(&[]).await;
    lea.post(&format!("/cases/{reference}/messages"), &[("body", "Noted.")]).await;
    assert_eq!(anna.post(&format!("/team/{}/disable", cast.alice.id.0), &[]).await.status, 303);
    a_day_passes(&app);
    smtp.wait_for(1, 10).await;
    actix_rt::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(app.count("notifications WHERE kind = 'digest'"), 0);
    assert!(smtp.received().iter().all(|m| m.to != vec![cast.alice.email.clone()]));
}

/// Two connections bundle the same reader's summary at the same instant: one writes it, the other
/// finds nothing left and leaves nothing behind.
async fn racing_bundlers_write_one_summary(app: TestApp, _smtp: SmtpServer) {
    use diesel::Connection;
    use passerelle::db::{self, digests};
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    choose_daily(&mut alice).await;
    let reference = alice.file_case(&[]).await;
    for n in 0..5 {
        lea.post(&format!("/cases/{reference}/messages"), &[("body", &format!("message {n}"))]).await;
    }
    // A cutoff the worker will not reach for hours: only the two racers bundle.
    let cutoff = db::now() + chrono::TimeDelta::hours(1);
    let barrier = std::sync::Barrier::new(2);
    let outcomes: Vec<Result<i64, diesel::result::Error>> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let mut conn = app.pool.get().unwrap();
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    conn.transaction(|conn| {
                        db::lock_for_write(conn)?;
                        digests::bundle(conn, cast.alice.id, cutoff, db::now())
                    })
                })
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    assert!(outcomes.iter().any(|o| matches!(o, Err(diesel::result::Error::RollbackTransaction))));
    assert_eq!(app.count("notifications WHERE kind = 'digest'"), 1);
    assert_eq!(app.count("digest_entries WHERE digest_id IS NULL"), 0);
}

/// Declares a scenario on both backends, with a loopback SMTP server.
macro_rules! with_smtp_on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            use super::*;

            #[actix_rt::test]
            async fn on_sqlite() {
                let smtp = SmtpServer::start();
                let app = TestApp::sqlite_with(digest_far_from_now(smtp.port)).await;
                super::$name(app, smtp).await
            }

            #[actix_rt::test]
            async fn on_postgres() {
                let smtp = SmtpServer::start();
                if let Some(app) = TestApp::postgres_with(digest_far_from_now(smtp.port)).await {
                    super::$name(app, smtp).await
                }
            }
        }
    )+};
}

with_smtp_on_both_backends!(
    a_daily_reader_gets_one_summary_and_urgent_news_at_once,
    security_emails_never_wait_for_the_summary,
    two_instances_write_each_summary_once,
    a_disabled_reader_gets_no_summary,
    racing_bundlers_write_one_summary,
);
