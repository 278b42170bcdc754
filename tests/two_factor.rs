//! Two-factor sign-in: staff enrol before anything else, a code works once, wrong codes end the
//! attempt, recovery codes work once, and organisations (or the platform) may require it.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use passerelle::auth::totp::{code_at, step_at};
use passerelle::db;
use support::{Client, PASSWORD, TOTP_SECRET, TestApp, csrf_in, encode};

/// The key an enrolment page shows for typing into an app, without its spaces.
fn secret_on(page: &str) -> String {
    let start = page.find("<code class=\"secret\">").unwrap() + "<code class=\"secret\">".len();
    page[start..start + page[start..].find('<').unwrap()].replace(' ', "")
}

/// The recovery codes a page shows once.
fn recovery_codes_on(page: &str) -> Vec<String> {
    page.split("<li><code>").skip(1).map(|rest| rest[..rest.find('<').unwrap()].to_owned()).collect()
}

fn now_code(secret: &str) -> String {
    code_at(secret, step_at(db::now())).unwrap()
}

/// A six-digit code that is not any code of `secret` near now.
fn wrong_code(secret: &str) -> String {
    let step = step_at(db::now());
    let near: Vec<String> = (step - 2..=step + 2).filter_map(|s| code_at(secret, s)).collect();
    (0..1000).map(|n| format!("{n:06}")).find(|c| !near.contains(c)).unwrap()
}

async fn post_form(client: &mut Client, path: &str, fields: &[(&str, &str)]) -> support::Response {
    let page = client.get("/account/two-factor").await;
    let csrf = csrf_in(&page.body).unwrap();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    client.post_raw(path, encode(&all).into_bytes()).await
}

async fn staff_enrol_before_anything_else(app: TestApp) {
    let cast = app.cast();
    app.unenrol(cast.lea.id);
    let mut lea = app.client();
    let signed = lea.sign_in_password_only(&cast.lea.email, PASSWORD).await;
    assert_eq!(signed.location.as_deref(), Some("/account/two-factor"));
    for path in ["/cases", "/account", "/admin/outbox", "/sign-in/code"] {
        assert_eq!(lea.get(path).await.location.as_deref(), Some("/account/two-factor"), "{path}");
    }
    let page = lea.get("/account/two-factor").await;
    assert_eq!(page.status, 200);
    assert!(page.contains("Your account needs two-factor sign-in before you can go on"));
    assert!(page.contains("<svg") && !page.contains("<nav"), "a QR code, and no way around");
    let secret = secret_on(&page.body);
    assert_eq!(secret, secret_on(&lea.get("/account/two-factor").await.body), "the key stays until used");

    let wrong = post_form(
        &mut lea,
        "/account/two-factor/enable",
        &[("enable_password", PASSWORD), ("code", &wrong_code(&secret))],
    )
    .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.contains("id=\"code-error\">That code is not right"));
    assert_eq!(app.count(&format!("users WHERE totp_secret IS NOT NULL AND id = {}", cast.lea.id.0)), 0);

    let done = post_form(
        &mut lea,
        "/account/two-factor/enable",
        &[("enable_password", PASSWORD), ("code", &now_code(&secret))],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.contains("Your recovery codes"));
    assert_eq!(recovery_codes_on(&done.body).len(), 10);
    assert_eq!(app.count("recovery_codes"), 10);
    assert_eq!(lea.get("/cases").await.status, 200);
    assert_eq!(app.count("notifications WHERE kind = 'two_factor_changed'"), 1);

    app.forget_used_codes(&cast.lea);
    let off =
        post_form(&mut lea, "/account/two-factor/disable", &[("off_password", PASSWORD), ("off_code", "123456")]).await;
    assert_eq!(off.status, 422);
    assert!(off.contains("Two-factor sign-in is required for your account"));
    assert_eq!(app.count("recovery_codes"), 10, "staff cannot turn it off");
}

async fn a_code_works_once_and_wrong_codes_end_the_attempt(app: TestApp) {
    let cast = app.cast();
    let mut first = app.client();
    let signed = first.sign_in_password_only(&cast.lea.email, PASSWORD).await;
    assert_eq!(signed.location.as_deref(), Some("/sign-in/code"));
    assert_eq!(first.get("/cases").await.location.as_deref(), Some("/sign-in/code"), "no page before the code");
    let wrong = first.type_code(&wrong_code(TOTP_SECRET)).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.contains("That code is not right, or was already used."));
    let code = now_code(TOTP_SECRET);
    assert_eq!(first.type_code(&code).await.location.as_deref(), Some("/cases"));
    assert_eq!(first.get("/cases").await.status, 200);
    assert_eq!(first.get("/sign-in/code").await.location.as_deref(), Some("/cases"));

    let mut second = app.client();
    second.sign_in_password_only(&cast.lea.email, PASSWORD).await;
    assert_eq!(second.type_code(&code).await.status, 401, "a code works once");
    for _ in 0..3 {
        assert_eq!(second.type_code(&wrong_code(TOTP_SECRET)).await.status, 401);
    }
    let ended = second.type_code(&wrong_code(TOTP_SECRET)).await;
    assert_eq!(ended.location.as_deref(), Some("/sign-in?done=too_many_codes"));
    assert_eq!(second.get("/sign-in/code").await.location.as_deref(), Some("/sign-in"), "the attempt is over");
    assert!(second.get("/sign-in?done=too_many_codes").await.contains("Too many wrong codes: sign in again."));
}

async fn a_partner_enrols_by_choice_and_a_recovery_code_works_once(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let page = alice.get("/account/two-factor").await;
    assert!(page.contains("Protect your account"));
    let secret = secret_on(&page.body);
    let done = post_form(
        &mut alice,
        "/account/two-factor/enable",
        &[("enable_password", PASSWORD), ("code", &now_code(&secret))],
    )
    .await;
    let codes = recovery_codes_on(&done.body);
    assert_eq!(codes.len(), 10);

    let mut phone_lost = app.client();
    phone_lost.sign_in_password_only(&cast.alice.email, PASSWORD).await;
    let typed = format!(" {} ", codes[3].to_uppercase());
    let used = phone_lost.type_code(&typed).await;
    assert_eq!(used.location.as_deref(), Some("/account/two-factor?saved=recovery_used"));
    assert!(phone_lost.get("/account/two-factor").await.contains("Recovery codes left: 9."));
    let mut again = app.client();
    again.sign_in_password_only(&cast.alice.email, PASSWORD).await;
    assert_eq!(again.type_code(&codes[3]).await.status, 401, "a recovery code works once");

    let wrong_password =
        post_form(&mut alice, "/account/two-factor/disable", &[("off_password", "nope"), ("off_code", "000000")]).await;
    assert!(wrong_password.contains("id=\"off_password-error\">This is not your current password."));
    let step = step_at(db::now()) + 1;
    let off = post_form(
        &mut alice,
        "/account/two-factor/disable",
        &[("off_password", PASSWORD), ("off_code", &code_at(&secret, step).unwrap())],
    )
    .await;
    assert_eq!(off.location.as_deref(), Some("/account/two-factor?saved=off"));
    assert_eq!(app.count("recovery_codes"), 0);
    assert_eq!(
        app.client().sign_in_password_only(&cast.alice.email, PASSWORD).await.location.as_deref(),
        Some("/cases")
    );
}

async fn organisations_and_the_platform_may_require_it(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut anna = app.sign_in(&cast.anna).await;
    let mut bob = app.sign_in(&cast.bob).await;
    let mut max = app.sign_in(&cast.max).await;
    let mut lea = app.sign_in(&cast.lea).await;
    assert!(anna.get("/team").await.contains("Each member chooses whether to sign in with a second factor."));
    for (client, path) in
        [(&mut alice, "/admin/two-factor"), (&mut lea, "/team/two-factor"), (&mut bob, "/admin/two-factor")]
    {
        assert_eq!(client.post(path, &[("required", "1")]).await.status, 404, "{path}");
    }
    assert_eq!(anna.post("/team/two-factor", &[("required", "maybe")]).await.status, 400);
    assert_eq!(anna.post("/team/two-factor", &[("required", "1")]).await.location.as_deref(), Some("/team#two-factor"));
    assert_eq!(alice.get("/cases").await.location.as_deref(), Some("/account/two-factor"), "enrol at the next page");
    assert_eq!(bob.get("/cases").await.status, 200, "another organisation is untouched");
    app.enrol(cast.anna.id);
    assert_eq!(anna.post("/team/two-factor", &[("required", "0")]).await.status, 303);
    assert_eq!(alice.get("/cases").await.status, 200);

    // The platform's requirement is its own: the organisation's admin cannot lift it.
    let org_a = format!("/admin/organisations/{}/two-factor", cast.org_a.0);
    assert_eq!(max.post(&org_a, &[("required", "1")]).await.status, 303);
    assert_eq!(alice.get("/cases").await.location.as_deref(), Some("/account/two-factor"));
    let team = anna.get("/team").await;
    assert!(
        team.contains("requires two-factor sign-in of everyone in your organisation"),
        "{:?} {}",
        team.location,
        team.body
    );
    anna.post("/team/two-factor", &[("required", "0")]).await;
    assert_eq!(alice.get("/cases").await.location.as_deref(), Some("/account/two-factor"), "still required");
    assert!(max.get("/admin/organisations").await.contains("Yes (the platform)"));
    assert_eq!(max.post(&org_a, &[("required", "0")]).await.status, 303);
    assert_eq!(alice.get("/cases").await.status, 200);

    assert_eq!(max.post("/admin/two-factor", &[("required", "1")]).await.status, 303);
    assert_eq!(bob.get("/cases").await.location.as_deref(), Some("/account/two-factor"));
    assert!(max.get("/admin/organisations").await.contains("Everyone must sign in with a second factor"));
    assert_eq!(max.post("/admin/two-factor", &[("required", "0")]).await.status, 303);
    assert_eq!(bob.get("/cases").await.status, 200);
    let platform = format!("/admin/organisations/{}/two-factor", app.platform().0);
    assert_eq!(max.post(&platform, &[("required", "0")]).await.status, 404, "staff always need it");
}

async fn every_two_factor_form_needs_the_session_token(app: TestApp) {
    let cast = app.cast();
    let mut anna = app.sign_in(&cast.anna).await;
    let mut max = app.sign_in(&cast.max).await;
    let forged = encode(&[("csrf", "0000"), ("required", "1"), ("code", "123456")]).into_bytes();
    for path in [
        "/account/two-factor/enable",
        "/account/two-factor/recovery-codes",
        "/account/two-factor/disable",
        "/team/two-factor",
    ] {
        assert_eq!(anna.post_raw(path, forged.clone()).await.status, 403, "{path}");
    }
    let org = format!("/admin/organisations/{}/two-factor", cast.org_a.0);
    for path in ["/admin/two-factor", org.as_str()] {
        assert_eq!(max.post_raw(path, forged.clone()).await.status, 403, "{path}");
    }
    assert_eq!(app.count("organisations WHERE require_two_factor"), 0);
    assert_eq!(app.count("platform_policy WHERE two_factor_everywhere"), 0);
}

async fn wrong_codes_across_sessions_lock_the_account_and_its_owner_hears(app: TestApp) {
    let cast = app.cast();
    for _ in 0..2 {
        let mut guesser = app.client();
        guesser.sign_in_password_only(&cast.lea.email, PASSWORD).await;
        for _ in 0..5 {
            guesser.type_code(&wrong_code(TOTP_SECRET)).await;
        }
    }
    assert_eq!(app.count("notifications WHERE kind = 'two_factor_locked'"), 1, "the owner hears of it");
    let mut lea = app.client();
    lea.sign_in_password_only(&cast.lea.email, PASSWORD).await;
    let locked = lea.type_code(&now_code(TOTP_SECRET)).await;
    assert_eq!(locked.status, 429, "even the right code waits");
    assert!(locked.contains("Too many wrong codes were typed for this account"));
    assert_eq!(lea.get("/cases").await.location.as_deref(), Some("/sign-in/code"));
}

async fn each_session_enrols_its_own_secret_and_enrolment_elsewhere_asks_for_a_code(app: TestApp) {
    let cast = app.cast();
    app.unenrol(cast.lea.id);
    let mut first = app.client();
    first.sign_in_password_only(&cast.lea.email, PASSWORD).await;
    let mut second = app.client();
    second.sign_in_password_only(&cast.lea.email, PASSWORD).await;
    let first_secret = secret_on(&first.get("/account/two-factor").await.body);
    let second_secret = secret_on(&second.get("/account/two-factor").await.body);
    assert_ne!(first_secret, second_secret, "nobody else ever sees the secret a session enrols");
    let crossed = post_form(
        &mut second,
        "/account/two-factor/enable",
        &[("enable_password", PASSWORD), ("code", &now_code(&first_secret))],
    )
    .await;
    assert_eq!(crossed.status, 422);
    let no_password = post_form(
        &mut second,
        "/account/two-factor/enable",
        &[("enable_password", "wrong"), ("code", &now_code(&second_secret))],
    )
    .await;
    assert!(no_password.contains("id=\"enable_password-error\">This is not your current password."));
    assert_eq!(app.count(&format!("users WHERE totp_secret IS NOT NULL AND id = {}", cast.lea.id.0)), 0);

    // Enrolled elsewhere (as if from another device at the same moment): this session must type a code.
    app.enrol(cast.lea.id);
    assert_eq!(first.get("/cases").await.location.as_deref(), Some("/sign-in/code"));
}

on_both_backends!(
    wrong_codes_across_sessions_lock_the_account_and_its_owner_hears,
    each_session_enrols_its_own_secret_and_enrolment_elsewhere_asks_for_a_code,
    every_two_factor_form_needs_the_session_token,
    staff_enrol_before_anything_else,
    a_code_works_once_and_wrong_codes_end_the_attempt,
    a_partner_enrols_by_choice_and_a_recovery_code_works_once,
    organisations_and_the_platform_may_require_it,
);
