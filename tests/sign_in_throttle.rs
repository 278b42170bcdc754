//! Failed sign-ins slow down, then lock, whoever makes them, per account (by the email typed) and
//! per client address; the owner of a locked account hears of it; nothing tells whether an
//! account exists.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use diesel::prelude::*;
use passerelle::db::schema::sign_in_failures::dsl;
use support::{PASSWORD, TestApp, csrf_in};

/// Sets a subject's failures as if they had happened just now, without any wait pending.
fn failures_so_far(app: &TestApp, subject: &str, failures: i32) {
    let now = passerelle::db::now();
    diesel::delete(dsl::sign_in_failures.find(subject)).execute(&mut *app.conn()).unwrap();
    diesel::insert_into(dsl::sign_in_failures)
        .values((dsl::subject.eq(subject), dsl::failures.eq(failures), dsl::last_failure_at.eq(now)))
        .execute(&mut *app.conn())
        .unwrap();
}

async fn attempt(app: &TestApp, email: &str, password: &str) -> support::Response {
    app.client().sign_in_password_only(email, password).await
}

async fn statuses(app: &TestApp, email: &str) -> Vec<u16> {
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(attempt(app, email, "not the password").await.status);
    }
    seen
}

async fn wrong_passwords_slow_then_lock_an_account_and_its_owner_hears(app: TestApp) {
    let cast = app.cast();
    assert_eq!(statuses(&app, &cast.alice.email).await, vec![401, 401, 401, 401, 429], "a wait after the free tries");
    let waiting = attempt(&app, &cast.alice.email, PASSWORD).await;
    assert_eq!(waiting.status, 429, "even the right password waits");
    assert!(
        waiting.contains("Too many failed sign-ins. Wait 1 s, then try again.")
            || waiting.contains("Too many failed sign-ins. Wait 2 s, then try again."),
        "the 2-second wait after the first paid failure, rounded up"
    );

    // Nine failures so far: the tenth locks the account and its owner hears of it.
    failures_so_far(&app, &format!("account:{}", cast.alice.email), 9);
    assert_eq!(attempt(&app, &cast.alice.email, "still not it").await.status, 401);
    let locked = attempt(&app, &cast.alice.email, PASSWORD).await;
    assert!(locked.contains("Wait 15 min, then try again."), "the lock's length, told");
    assert_eq!(app.count("notifications WHERE kind = 'sign_in_locked'"), 1);
    let link = app.wait_for_link_to(&cast.alice.email, "/sign-in/forgot").await;
    assert!(link.ends_with("/sign-in/forgot"), "the email leads to a password reset: {link}");
    assert_eq!(attempt(&app, &cast.alice.email, PASSWORD).await.status, 429);
}

async fn an_unknown_address_gets_exactly_the_same_answers(app: TestApp) {
    let cast = app.cast();
    let known = statuses(&app, &cast.bob.email).await;
    let unknown = statuses(&app, "nobody@beta.test").await;
    assert_eq!(known, unknown);
    // The seconds left of a wait may tick between the two pages: digits are left out.
    let strip = |r: support::Response, email: &str| {
        let body = r.body.replace(&csrf_in(&r.body).unwrap_or_default(), "").replace(email, "");
        body.chars().filter(|c| !c.is_ascii_digit()).collect::<String>()
    };
    let a = strip(attempt(&app, &cast.bob.email, "x").await, &cast.bob.email);
    let b = strip(attempt(&app, "nobody@beta.test", "x").await, "nobody@beta.test");
    assert_eq!(a, b, "the pages differ only by the address typed");
    failures_so_far(&app, "account:nobody@beta.test", 9);
    attempt(&app, "nobody@beta.test", "x").await;
    assert_eq!(app.count("notifications"), 0, "nobody to tell");
}

async fn a_right_password_starts_the_count_again(app: TestApp) {
    let cast = app.cast();
    for _ in 0..3 {
        assert_eq!(attempt(&app, &cast.alice.email, "nope").await.status, 401);
    }
    assert_eq!(attempt(&app, &cast.alice.email, PASSWORD).await.status, 303);
    for _ in 0..3 {
        assert_eq!(attempt(&app, &cast.alice.email, "nope").await.status, 401, "three free tries again");
    }
}

async fn one_address_guessing_many_accounts_is_slowed(app: TestApp) {
    let cast = app.cast();
    failures_so_far(&app, "address:127.0.0.1", 20);
    assert_eq!(attempt(&app, "someone@alpha.test", "guess").await.status, 401);
    assert_eq!(attempt(&app, &cast.anna.email, PASSWORD).await.status, 429, "the address waits, whatever account");
}

on_both_backends!(
    wrong_passwords_slow_then_lock_an_account_and_its_owner_hears,
    an_unknown_address_gets_exactly_the_same_answers,
    a_right_password_starts_the_count_again,
    one_address_guessing_many_accounts_is_slowed,
);
