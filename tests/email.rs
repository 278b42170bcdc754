//! Email notifications through a real SMTP server on loopback: who hears what, well-formed
//! messages without case content, and the outbox surviving an SMTP outage.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::TestApp;
use support::smtp::{SmtpServer, free_port, via};

/// Case content that must never appear in an email.
const SECRETS: [&str; 6] =
    ["SECRET-EXPLANATION", "secret-item", "SECRET-MESSAGE", "SECRET-NOTE", "SECRET-ANSWER", "SECRET-REASONS"];

fn outcome_field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}_");
    let start = page.find(&marker).unwrap() + marker.len();
    page[start..start + page[start..].find('"').unwrap()].to_owned()
}

async fn every_kind_reaches_the_right_people_well_formed_and_without_case_content(app: TestApp, smtp: SmtpServer) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let reference = alice
        .file_case(&[
            ("explanation", "SECRET-EXPLANATION: a girl of 14 is harassed."),
            ("item_0_locator", "https://social.example/secret-item"),
            ("urgency", "urgent"),
        ])
        .await;
    let path = format!("/cases/{reference}");
    let filed = smtp.wait_for(1, 10).await;
    assert_eq!(filed.len(), 1, "one liaison, one email");
    assert_eq!(filed[0].to, vec![cast.lea.email.clone()]);

    lea.post(&format!("{path}/assign"), &[("assignee", "me")]).await;
    lea.post(&format!("{path}/messages"), &[("body", "SECRET-MESSAGE from the platform")]).await;
    lea.post(&format!("{path}/messages"), &[("body", "SECRET-NOTE"), ("internal", "1")]).await;
    lea.post(&format!("{path}/transition"), &[("action", "request_information"), ("message", "Which school?")]).await;
    alice.post(&format!("{path}/messages"), &[("body", "SECRET-ANSWER: the local college")]).await;
    let page = lea.get(&path).await;
    let item = outcome_field(&page.body, "outcome");
    let decided = lea
        .post(
            &format!("{path}/decision"),
            &[
                ("decision", "1"),
                (&format!("outcome_{item}"), "removed"),
                (&format!("reasons_{item}"), "SECRET-REASONS"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    assert_eq!(lea.post(&format!("{path}/transition"), &[("action", "close")]).await.status, 303);

    let all = smtp.wait_for(7, 10).await;
    let mut subjects: Vec<(Vec<String>, String)> =
        all.iter().map(|m| (m.to.clone(), m.header("Subject").unwrap_or_default())).collect();
    let to = |who: &support::Account| vec![who.email.clone()];
    // Emails due together are sent in parallel: compare them in any order.
    subjects.sort();
    let mut expected = vec![
        (to(&cast.lea), format!("New escalation {reference} · Cyber-harassment / bullying")),
        (to(&cast.alice), format!("Status changed on {reference}")),
        (to(&cast.alice), format!("New message on {reference}")),
        (to(&cast.alice), format!("Information requested on {reference}")),
        (to(&cast.lea), format!("New message on {reference}")),
        (to(&cast.alice), format!("Decision on {reference}")),
        (to(&cast.alice), format!("{reference} was closed")),
    ];
    expected.sort();
    assert_eq!(subjects, expected, "no email for the internal note, none to whoever acted");
    for message in &all {
        let everything = message.everything();
        for secret in SECRETS {
            assert!(!everything.contains(secret), "an email carries {secret}:\n{everything}");
        }
        assert!(!everything.contains("13–14") && !everything.contains("social.example"));
        assert_eq!(message.header("From").as_deref(), Some("Passerelle <no-reply@platform.test>"));
        assert_eq!(message.header("Auto-Submitted").as_deref(), Some("auto-generated"));
        assert!(message.header("Date").is_some());
        let id = message.header("Message-ID").unwrap_or_default();
        assert!(id.starts_with("<notification-") && id.ends_with("@127.0.0.1>"), "{id}");
        let parts = message.parts();
        let types: Vec<&str> = parts.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(types, vec!["text/plain", "text/html"]);
        assert!(parts.iter().all(|(_, body)| body.contains(&format!("{}/cases/{reference}", app_public_url()))));
    }
    assert_eq!(app.count("notifications"), 7);
}

fn app_public_url() -> String {
    passerelle::config::Settings::default().public_url
}

async fn urgent_cases_say_so_and_each_reader_gets_their_language(app: TestApp, smtp: SmtpServer) {
    let cast = app.cast();
    let mut lea = app.sign_in(&cast.lea).await;
    lea.post("/settings/language", &[("lang", "fr"), ("back", "/cases")]).await;
    let mut bob = app.sign_in(&cast.bob).await;
    let reference = bob.file_case(&[("urgency", "imminent"), ("category", "self_harm")]).await;
    let received = smtp.wait_for(1, 10).await;
    assert_eq!(
        received[0].header("Subject").unwrap_or_default(),
        format!(
            "[URGENT] Nouveau signalement {reference} · Suicide / automutilation / promotion des troubles alimentaires"
        )
    );
    let (_, text) = &received[0].parts()[0];
    assert!(text.contains("Bonjour") && text.contains("ne contiennent jamais le détail des dossiers"), "{text}");
}

async fn an_outage_delays_emails_without_losing_or_doubling_them(app: TestApp, port: u16) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    alice.file_case(&[]).await;
    // The SMTP server is down: the worker tries, records the error, and waits to try again.
    let mut tried = false;
    for _ in 0..100 {
        let (status, attempts, error) = delivery(&app);
        if attempts >= 1 {
            assert_eq!(status, "pending");
            assert!(error.is_some());
            tried = true;
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(tried, "the worker tried while the server was down");
    let smtp = SmtpServer::start_on(port);
    let received = smtp.wait_for(1, 15).await;
    assert_eq!(received.len(), 1);
    actix_rt::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(smtp.received().len(), 1, "delivered once, never twice");
    let (status, _, error) = delivery(&app);
    assert_eq!((status.as_str(), error), ("sent", None));
}

async fn two_instances_deliver_each_email_exactly_once(app: TestApp, smtp: SmtpServer) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    alice.file_case(&[]).await;
    let _second = app.another_instance(via(smtp.port));
    let case = {
        use diesel::prelude::*;
        use passerelle::db::schema::cases::dsl::*;
        cases.select(id).first::<i64>(&mut *app.conn()).unwrap()
    };
    let recipients = vec![cast.lea.id; 199];
    passerelle::db::notifications::enqueue(
        &mut app.conn(),
        &recipients,
        Some(passerelle::domain::ids::CaseId(case)),
        passerelle::domain::notification::NotificationKind::Message,
        false,
        passerelle::db::now(),
    )
    .unwrap();
    let received = smtp.wait_for(200, 30).await;
    actix_rt::time::sleep(std::time::Duration::from_millis(500)).await;
    let received = if received.len() < 200 { received } else { smtp.received() };
    let mut ids: Vec<String> = received.iter().map(|m| m.header("Message-ID").unwrap_or_default()).collect();
    assert_eq!(ids.len(), 200, "every email sent once, by one instance or the other");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200, "no email sent twice");
    assert_eq!(app.count("notifications WHERE status = 'sent'"), 200);
}

/// A crash between committing an event and sending its email loses nothing: the next process
/// sends it. The crash is a real `kill -9` of a real server process.
async fn a_crash_before_sending_loses_no_email(app: TestApp, smtp: SmtpServer) {
    let cast = app.cast();
    let binary = env!("CARGO_BIN_EXE_passerelle");
    let serve = |port: u16, smtp_port: u16, poll_ms: &str| {
        std::process::Command::new(binary)
            .arg("serve")
            .env("DATABASE_URL", &app.database_url)
            .env("PASSERELLE_PORT", port.to_string())
            .env("PASSERELLE_SMTP_HOST", "127.0.0.1")
            .env("PASSERELLE_SMTP_PORT", smtp_port.to_string())
            .env("PASSERELLE_SMTP_TLS", "none")
            .env("PASSERELLE_MAIL_POLL_MS", poll_ms)
            .env("PASSERELLE_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let wait_until_up = |port: u16| async move {
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return;
            }
            actix_rt::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the server did not start");
    };
    // The first process would only look at the outbox in an hour: it dies first.
    let port = free_port();
    let mut first = serve(port, smtp.port, "3600000");
    wait_until_up(port).await;
    let mut alice = support::Client::new(&format!("http://127.0.0.1:{port}"));
    assert_eq!(alice.sign_in(&cast.alice.email, support::PASSWORD).await.status, 303);
    let reference = alice.file_case(&[]).await;
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(smtp.received().len(), 0);
    assert_eq!(app.count("notifications WHERE status = 'pending'"), 1, "the email was committed with the case");

    let port = free_port();
    let mut second = serve(port, smtp.port, "50");
    let received = smtp.wait_for(1, 15).await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(received.len(), 1);
    assert!(received[0].header("Subject").unwrap_or_default().contains(&reference));
}

async fn admins_see_failed_emails_and_try_them_again(app: TestApp, port: u16) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    let mut given_up = false;
    for _ in 0..200 {
        if delivery(&app).0 == "failed" {
            given_up = true;
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(given_up, "after mail_max_attempts the email is marked failed");
    let mut max = app.sign_in(&cast.max).await;
    let page = max.get("/admin/outbox").await;
    assert_eq!(page.status, 200);
    assert!(page.contains(&reference) && page.contains(&cast.lea.email));
    assert!(page.contains("Connection refused") || page.contains("connection"), "the last error is shown");
    for account in [&cast.alice, &cast.anna, &cast.lea] {
        let mut other = app.sign_in(account).await;
        assert_eq!(other.get("/admin/outbox").await.status, 404);
        assert_eq!(other.post("/admin/outbox/retry", &[]).await.status, 404);
    }
    let smtp = SmtpServer::start_on(port);
    assert_eq!(max.post("/admin/outbox/retry", &[]).await.status, 303);
    assert_eq!(smtp.wait_for(1, 15).await.len(), 1);
    // The server has the email before the worker records it as sent.
    for _ in 0..100 {
        if delivery(&app).0 == "sent" {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(delivery(&app).0, "sent");
}

/// The one notification's status, attempts and last error.
fn delivery(app: &TestApp) -> (String, i32, Option<String>) {
    use diesel::prelude::*;
    use passerelle::db::schema::notifications::dsl::*;
    notifications
        .select((status, attempts, last_error))
        .first::<(String, i32, Option<String>)>(&mut *app.conn())
        .unwrap()
}

mod every_kind_reaches_the_right_people_well_formed_and_without_case_content {
    use super::*;

    #[actix_rt::test]
    async fn on_sqlite() {
        let smtp = SmtpServer::start();
        let app = TestApp::sqlite_with(via(smtp.port)).await;
        every_kind_reaches_the_right_people_well_formed_and_without_case_content(app, smtp).await
    }

    #[actix_rt::test]
    async fn on_postgres() {
        let smtp = SmtpServer::start();
        if let Some(app) = TestApp::postgres_with(via(smtp.port)).await {
            every_kind_reaches_the_right_people_well_formed_and_without_case_content(app, smtp).await
        }
    }
}

mod urgent_cases_say_so_and_each_reader_gets_their_language {
    use super::*;

    #[actix_rt::test]
    async fn on_sqlite() {
        let smtp = SmtpServer::start();
        let app = TestApp::sqlite_with(via(smtp.port)).await;
        urgent_cases_say_so_and_each_reader_gets_their_language(app, smtp).await
    }

    #[actix_rt::test]
    async fn on_postgres() {
        let smtp = SmtpServer::start();
        if let Some(app) = TestApp::postgres_with(via(smtp.port)).await {
            urgent_cases_say_so_and_each_reader_gets_their_language(app, smtp).await
        }
    }
}

mod an_outage_delays_emails_without_losing_or_doubling_them {
    use super::*;

    #[actix_rt::test]
    async fn on_sqlite() {
        let port = free_port();
        let app = TestApp::sqlite_with(via(port)).await;
        an_outage_delays_emails_without_losing_or_doubling_them(app, port).await
    }

    #[actix_rt::test]
    async fn on_postgres() {
        let port = free_port();
        if let Some(app) = TestApp::postgres_with(via(port)).await {
            an_outage_delays_emails_without_losing_or_doubling_them(app, port).await
        }
    }
}

mod two_instances_deliver_each_email_exactly_once {
    use super::*;

    #[actix_rt::test]
    async fn on_sqlite() {
        let smtp = SmtpServer::start();
        let app = TestApp::sqlite_with(via(smtp.port)).await;
        two_instances_deliver_each_email_exactly_once(app, smtp).await
    }

    #[actix_rt::test]
    async fn on_postgres() {
        let smtp = SmtpServer::start();
        if let Some(app) = TestApp::postgres_with(via(smtp.port)).await {
            two_instances_deliver_each_email_exactly_once(app, smtp).await
        }
    }
}

/// The in-process app only seeds users; its worker would look at the outbox in an hour.
fn seeding_only(settings: &mut passerelle::config::Settings) {
    settings.mail_poll_ms = 3_600_000;
}

mod a_crash_before_sending_loses_no_email {
    use super::*;

    #[actix_rt::test]
    async fn on_sqlite() {
        let smtp = SmtpServer::start();
        let app = TestApp::sqlite_with(seeding_only).await;
        a_crash_before_sending_loses_no_email(app, smtp).await
    }

    #[actix_rt::test]
    async fn on_postgres() {
        let smtp = SmtpServer::start();
        if let Some(app) = TestApp::postgres_with(seeding_only).await {
            a_crash_before_sending_loses_no_email(app, smtp).await
        }
    }
}

fn gives_up_quickly(port: u16) -> impl FnOnce(&mut passerelle::config::Settings) {
    move |settings| {
        via(port)(settings);
        settings.mail_max_attempts = 2;
    }
}

mod admins_see_failed_emails_and_try_them_again {
    use super::*;

    #[actix_rt::test]
    async fn on_sqlite() {
        let port = free_port();
        let app = TestApp::sqlite_with(gives_up_quickly(port)).await;
        admins_see_failed_emails_and_try_them_again(app, port).await
    }

    #[actix_rt::test]
    async fn on_postgres() {
        let port = free_port();
        if let Some(app) = TestApp::postgres_with(gives_up_quickly(port)).await {
            admins_see_failed_emails_and_try_them_again(app, port).await
        }
    }
}
