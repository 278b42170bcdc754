//! Email over TLS to a real SMTP server on loopback: STARTTLS and implicit TLS with a server
//! certificate from the authority named in `smtp_ca_file`; an unknown authority, or a server that
//! does not offer STARTTLS, gets no email at all. The database plays no part here, so these run on
//! SQLite only.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::TestApp;
use support::smtp::SmtpServer;
use support::tls::Pki;

fn over_tls(
    mode: &'static str,
    port: u16,
    ca_file: Option<&std::path::Path>,
) -> impl FnOnce(&mut passerelle::config::Settings) {
    let ca_file = ca_file.map(|path| path.display().to_string()).unwrap_or_default();
    move |settings| {
        support::smtp::via(port)(settings);
        settings.smtp_tls = mode.into();
        settings.smtp_ca_file = ca_file;
    }
}

/// Files a case as Alice, whose arrival Lea should hear of.
async fn file_a_case(app: &TestApp) -> String {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    alice.file_case(&[]).await
}

/// Waits for the worker's first failed attempt and returns its error.
async fn first_error(app: &TestApp) -> String {
    use diesel::prelude::*;
    use passerelle::db::schema::notifications::dsl::*;
    for _ in 0..200 {
        let error: Option<String> = notifications.select(last_error).first(&mut *app.conn()).unwrap();
        if let Some(error) = error {
            return error;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the worker never tried");
}

#[actix_rt::test]
async fn starttls_delivers_to_a_server_signed_by_the_configured_authority() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let smtp = SmtpServer::start_starttls(&pki);
    let app = TestApp::sqlite_with(over_tls("starttls", smtp.port, Some(&pki.ca))).await;
    let reference = file_a_case(&app).await;
    let received = smtp.wait_for(1, 15).await;
    assert_eq!(received.len(), 1);
    assert!(received[0].header("Subject").unwrap_or_default().contains(&reference));
    assert_eq!(app.count("notifications WHERE status = 'sent'"), 1);
}

#[actix_rt::test]
async fn implicit_tls_delivers_to_a_server_signed_by_the_configured_authority() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let smtp = SmtpServer::start();
    let front = pki.implicit_tls_front(smtp.port);
    let app = TestApp::sqlite_with(over_tls("tls", front, Some(&pki.ca))).await;
    let reference = file_a_case(&app).await;
    let received = smtp.wait_for(1, 15).await;
    assert_eq!(received.len(), 1);
    assert!(received[0].header("Subject").unwrap_or_default().contains(&reference));
}

#[actix_rt::test]
async fn a_certificate_from_an_unknown_authority_gets_no_email() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let smtp = SmtpServer::start_starttls(&pki);
    let app = TestApp::sqlite_with(over_tls("starttls", smtp.port, None)).await;
    file_a_case(&app).await;
    let error = first_error(&app).await;
    assert!(error.to_lowercase().contains("certificate"), "{error}");
    assert!(smtp.received().is_empty(), "nothing was sent");
    assert_eq!(app.count("notifications WHERE status = 'pending'"), 1, "the email waits to be tried again");
}

#[actix_rt::test]
async fn starttls_is_required_not_merely_attempted() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let plain = SmtpServer::start();
    let app = TestApp::sqlite_with(over_tls("starttls", plain.port, Some(&pki.ca))).await;
    file_a_case(&app).await;
    let error = first_error(&app).await;
    assert!(error.contains("STARTTLS"), "{error}");
    assert!(plain.received().is_empty(), "no email travels in the clear");
}

#[actix_rt::test]
async fn an_unreadable_authority_file_stops_the_start_with_a_clear_error() {
    let mut settings = passerelle::config::Settings::default();
    over_tls("starttls", 2525, Some(std::path::Path::new("/nonexistent/ca.pem")))(&mut settings);
    let error = passerelle::email::mailer::Mailer::from_settings(&settings).err().expect("a refusal");
    assert!(error.to_string().starts_with("cannot read smtp_ca_file /nonexistent/ca.pem"), "{error}");
}
