//! Choosing a password from an emailed single-use link: resets and their refusals.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::{PASSWORD, TestApp, csrf_in, encode};

async fn ask_for_reset(app: &TestApp, email: &str) -> support::Response {
    let mut visitor = app.client();
    let form = visitor.get("/sign-in/forgot").await;
    let csrf = csrf_in(&form.body).unwrap();
    visitor.post_raw("/sign-in/forgot", encode(&[("csrf", &csrf), ("email", email)]).into_bytes()).await
}

async fn a_forgotten_password_is_reset_once_through_an_emailed_link(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let unknown = ask_for_reset(&app, "nobody@nowhere.test").await;
    let known = ask_for_reset(&app, &cast.alice.email).await;
    assert_eq!((unknown.status, known.status), (200, 200));
    let strip = |body: &str| body.replace(&csrf_in(body).unwrap_or_default(), "");
    assert_eq!(strip(&unknown.body), strip(&known.body), "the answer does not tell whether the account exists");
    assert!(known.contains("If an account uses that address, we have sent it a link."));
    assert_eq!(app.count("notifications"), 1, "only the real account gets an email");
    assert_eq!(app.count("account_tokens"), 1);

    let link = app.wait_for_link_to(&cast.alice.email, "/account/reset/").await;
    let mut visitor = app.client();
    let mismatch = visitor.choose_password(&link, "a brand new password", "another new password").await;
    assert_eq!(mismatch.status, 422);
    assert!(mismatch.contains("id=\"confirm-error\">The two passwords differ."));
    let short = visitor.choose_password(&link, "short", "short").await;
    assert!(short.contains("id=\"password-error\">The password needs at least 12 characters."));
    let done = visitor.choose_password(&link, "a brand new password", "a brand new password").await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location.as_deref(), Some("/sign-in?done=password"));
    assert!(visitor.get("/sign-in?done=password").await.contains("Your password is set."));

    assert_eq!(alice.get("/cases").await.location.as_deref(), Some("/sign-in"), "a new password ends every session");
    assert_eq!(app.client().sign_in(&cast.alice.email, PASSWORD).await.status, 401);
    assert_eq!(app.client().sign_in(&cast.alice.email, "a brand new password").await.status, 303);
    app.wait_for_link_to(&cast.alice.email, "/sign-in").await;

    let again = app.client().get(&link).await;
    assert_eq!(again.status, 410);
    assert!(again.contains("This link was already used"));
    let replay = app.client().choose_password(&link, "yet another password", "yet another password").await;
    assert_eq!(replay.status, 410);
    assert_eq!(app.client().sign_in(&cast.alice.email, "a brand new password").await.status, 303, "nothing changed");
}

async fn wrong_expired_and_misused_links_are_refused_clearly(app: TestApp) {
    let cast = app.cast();
    let wrong = app.client().get(&format!("/account/reset/{}", "0".repeat(64))).await;
    assert_eq!(wrong.status, 410);
    assert!(wrong.contains("This link is not valid"));
    assert!(app.client().get("/account/reset/%00").await.status >= 400);

    ask_for_reset(&app, &cast.bob.email).await;
    let link = app.wait_for_link_to(&cast.bob.email, "/account/reset/").await;
    let as_invitation = link.replace("/account/reset/", "/account/setup/");
    assert_eq!(app.client().get(&as_invitation).await.status, 410, "a reset link is no invitation");
    {
        use diesel::prelude::*;
        use passerelle::db::schema::account_tokens::dsl::*;
        diesel::update(account_tokens)
            .set(expires_at.eq(passerelle::db::now() - chrono::TimeDelta::minutes(1)))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let expired = app.client().choose_password(&link, "a brand new password", "a brand new password").await;
    assert_eq!(expired.status, 410);
    assert!(expired.contains("This link has expired"));
    assert_eq!(app.client().sign_in(&cast.bob.email, PASSWORD).await.status, 303, "the old password still works");
}

async fn people_choose_their_emails_but_urgent_cases_always_reach_liaisons(app: TestApp) {
    let cast = app.cast();
    let mut lea = app.sign_in(&cast.lea).await;
    let page = lea.get("/account").await;
    assert!(page.contains("a partner files a new case"));
    let saved =
        lea.post("/account/notifications", &[("message", "1"), ("status_changed", "1"), ("assigned", "1")]).await;
    assert_eq!(saved.location.as_deref(), Some("/account?saved=notifications"));
    assert!(
        !lea.get("/account")
            .await
            .contains("id=\"kind-case_filed\" name=\"case_filed\" type=\"checkbox\" value=\"1\" checked")
    );
    let mut bob = app.sign_in(&cast.bob).await;
    bob.file_case(&[]).await;
    assert_eq!(app.count("notifications"), 0, "Lea turned new-case emails off");
    bob.file_case(&[("urgency", "imminent")]).await;
    assert_eq!(app.count("notifications"), 1, "an imminent-risk case reaches every liaison all the same");
}

async fn liaisons_hear_of_new_cases_in_the_categories_they_follow(app: TestApp) {
    let cast = app.cast();
    let mut lea = app.sign_in(&cast.lea).await;
    assert!(lea.get("/account").await.contains("New cases I follow"));
    lea.post("/account/notifications", &[("case_filed", "1"), ("message", "1"), ("follow_doxxing", "1")]).await;
    let mut bob = app.sign_in(&cast.bob).await;
    bob.file_case(&[("category", "harassment")]).await;
    assert_eq!(app.count("notifications"), 0, "Lea does not follow harassment");
    bob.file_case(&[("category", "doxxing")]).await;
    assert_eq!(app.count("notifications"), 1);
    bob.file_case(&[("category", "grooming")]).await;
    assert_eq!(app.count("notifications"), 2, "child exploitation reaches every liaison");
    let mut alice = app.sign_in(&cast.alice).await;
    assert!(!alice.get("/account").await.contains("New cases I follow"), "partners follow no categories");
}

async fn changing_ones_password_ends_the_other_sessions_and_is_confirmed(app: TestApp) {
    let cast = app.cast();
    let mut here = app.sign_in(&cast.alice).await;
    let mut elsewhere = app.sign_in(&cast.alice).await;
    let wrong = here
        .post(
            "/account/password",
            &[("current", "not it at all"), ("password", "a brand new password"), ("confirm", "a brand new password")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.contains("id=\"current-error\">This is not your current password."));
    let changed = here
        .post(
            "/account/password",
            &[("current", PASSWORD), ("password", "a brand new password"), ("confirm", "a brand new password")],
        )
        .await;
    assert_eq!(changed.location.as_deref(), Some("/account?saved=password"));
    assert_eq!(here.get("/cases").await.status, 200, "this session goes on");
    assert_eq!(elsewhere.get("/cases").await.location.as_deref(), Some("/sign-in"), "the others end");
    app.wait_for_link_to(&cast.alice.email, "/sign-in").await;
    assert_eq!(app.client().sign_in(&cast.alice.email, "a brand new password").await.status, 303);
}

on_both_backends!(
    people_choose_their_emails_but_urgent_cases_always_reach_liaisons,
    changing_ones_password_ends_the_other_sessions_and_is_confirmed,
    liaisons_hear_of_new_cases_in_the_categories_they_follow,
    a_forgotten_password_is_reset_once_through_an_emailed_link,
    wrong_expired_and_misused_links_are_refused_clearly
);
