//! Signing in and out, sessions stored on the server, CSRF, and disabling a user.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::{PASSWORD, TestApp, csrf_in, encode};

async fn a_partner_signs_in_and_out(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.client();
    let response = alice.sign_in(&cast.alice.email, PASSWORD).await;
    assert_eq!(response.status, 303);
    assert_eq!(response.location.as_deref(), Some("/cases"));
    let cookie = response.headers.get("set-cookie").cloned().unwrap_or_default();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert_eq!(app.count("sessions"), 1);

    let page = alice.get("/cases").await;
    assert_eq!(page.status, 200);
    assert!(page.contains("Alpha Helpline"));
    assert_eq!(page.headers.get("cache-control").map(String::as_str), Some("no-store"), "case pages are never cached");

    let out = alice.post("/sign-out", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/sign-in"));
    assert_eq!(app.count("sessions"), 0, "signing out ends the session on the server");
    assert_eq!(alice.get("/cases").await.location.as_deref(), Some("/sign-in"));
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(app: TestApp) {
    let cast = app.cast();
    let wrong = app.client().sign_in(&cast.alice.email, "not the password at all").await;
    let unknown = app.client().sign_in("nobody@nowhere.test", PASSWORD).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    let message = "That email address and password do not match an active account.";
    assert!(wrong.contains(message) && unknown.contains(message));
    let strip = |body: &str| body.replace(&csrf_in(body).unwrap_or_default(), "").replace(&cast.alice.email, "");
    assert_eq!(strip(&wrong.body), strip(&unknown.body.replace("nobody@nowhere.test", "")));
    assert_eq!(app.count("sessions"), 0);
}

async fn sign_in_without_its_csrf_token_is_refused(app: TestApp) {
    let cast = app.cast();
    let mut client = app.client();
    client.get("/sign-in").await;
    let body = encode(&[("csrf", "forged"), ("email", &cast.alice.email), ("password", PASSWORD)]);
    let response = client.post_raw("/sign-in", body.into_bytes()).await;
    assert_eq!(response.status, 403);
    assert!(response.contains("This form has expired"));
    assert_eq!(app.count("sessions"), 0);
}

async fn a_state_changing_form_without_the_session_token_changes_nothing(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let body = encode(&support::case_fields(&[]));
    let response = alice.post_raw("/cases", body.into_bytes()).await;
    assert_eq!(response.status, 403);
    let other = alice.post_raw("/sign-out", encode(&[("csrf", "0000")]).into_bytes()).await;
    assert_eq!(other.status, 403);
    assert_eq!(app.count("cases"), 0);
    assert_eq!(app.count("sessions"), 1);
}

async fn disabling_a_user_ends_their_sessions_at_once(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut max = app.sign_in(&cast.max).await;
    assert_eq!(alice.get("/cases").await.status, 200);
    let response = max.post(&format!("/admin/users/{}/disable", cast.alice.id), &[]).await;
    assert_eq!(response.status, 303);
    assert_eq!(alice.get("/cases").await.location.as_deref(), Some("/sign-in"));
    assert_eq!(app.client().sign_in(&cast.alice.email, PASSWORD).await.status, 401, "a disabled user cannot sign in");
    max.post(&format!("/admin/users/{}/enable", cast.alice.id), &[]).await;
    assert_eq!(app.client().sign_in(&cast.alice.email, PASSWORD).await.status, 303);
}

async fn pages_follow_the_browser_language_and_the_users_choice(app: TestApp) {
    let cast = app.cast();
    let mut anonymous = app.client();
    let page = anonymous.get("/sign-in?lang=fr").await;
    assert!(page.contains("Connexion") && page.contains("lang=\"fr\""));
    let mut bob = app.client();
    let form = bob.get("/sign-in?lang=fr").await;
    let csrf = csrf_in(&form.body).unwrap_or_default();
    let body = encode(&[("csrf", &csrf), ("email", &cast.bob.email), ("password", PASSWORD)]);
    assert_eq!(bob.post_raw("/sign-in?lang=fr", body.into_bytes()).await.status, 303);
    assert!(bob.get("/cases").await.contains("lang=\"fr\""), "a language chosen at sign-in is kept");

    let mut alice = app.sign_in(&cast.alice).await;
    alice.post("/settings/language", &[("lang", "fr"), ("back", "/cases")]).await;
    let cases = alice.get("/cases").await;
    assert!(cases.contains("Les dossiers de votre organisation"), "{}", cases.body);
    assert!(cases.contains("name=\"back\" value=\"/cases\""));
    let missing = alice.get("/cases/ESC-2026-NOPE").await;
    assert_eq!(missing.status, 404);
    assert!(missing.contains("Cette page n&#39;existe pas") && missing.contains("Se déconnecter"), "{}", missing.body);
    let filtered = alice.get("/cases?status=closed").await;
    assert!(filtered.contains("name=\"back\" value=\"/cases?status=closed\""), "switching language stays on the page");
    for evil in ["//evil.example", "/\t/evil.example", "/\r\nSet-Cookie:x=y", "https://evil.example"] {
        let response = alice.post("/settings/language", &[("lang", "en"), ("back", evil)]).await;
        assert_eq!(response.status, 400, "{evil:?}");
    }
    assert!(alice.get("/cases").await.contains("lang=\"fr\""), "a refused switch changes nothing");
    let bad_id = alice.post("/admin/users/abc/disable", &[]).await;
    assert_eq!(bad_id.status, 404);
    assert!(bad_id.contains("Cette page n&#39;existe pas"));
}

on_both_backends!(
    a_partner_signs_in_and_out,
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    sign_in_without_its_csrf_token_is_refused,
    a_state_changing_form_without_the_session_token_changes_nothing,
    disabling_a_user_ends_their_sessions_at_once,
    pages_follow_the_browser_language_and_the_users_choice,
);
