//! Changing one's email address: asked with the password, confirmed from a link sent to the new
//! address, announced to the previous one; refusals change nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::{Client, PASSWORD, TestApp, csrf_in, encode};

/// Opens an emailed confirmation link and confirms there.
async fn confirm(client: &mut Client, link: &str) -> support::Response {
    let page = client.get(link).await;
    let Some(csrf) = csrf_in(&page.body) else { return page };
    client.post_raw(link, encode(&[("csrf", &csrf)]).into_bytes()).await
}

async fn ask(client: &mut Client, new_email: &str, password: &str) -> support::Response {
    client.post("/account/email", &[("new_email", new_email), ("email_password", password)]).await
}

async fn an_address_changes_only_once_the_new_one_confirms_it(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    assert!(alice.get("/account").await.contains("You sign in and receive emails at alice@alpha.test."));

    let refusals = [
        ("not an address", PASSWORD, "id=\"new_email-error\">Enter a valid email address."),
        ("Alice@Alpha.test", PASSWORD, "id=\"new_email-error\">This is already your address."),
        ("alice@new.test", "not my password", "id=\"email_password-error\">This is not your current password."),
    ];
    for (typed, password, error) in refusals {
        let refused = ask(&mut alice, typed, password).await;
        assert_eq!(refused.status, 422, "{typed}");
        assert!(refused.contains(error), "{typed}: {}", refused.body);
        assert!(refused.contains(&format!("value=\"{typed}\"")), "what was typed is kept");
    }
    assert_eq!((app.count("notifications"), app.count("account_tokens")), (0, 0), "refusals change nothing");

    // Another organisation's address gets the same answer as a free one, and no link.
    let taken = ask(&mut alice, "bob@beta.test", PASSWORD).await;
    assert_eq!(taken.location.as_deref(), Some("/account?saved=email_sent"), "no account is revealed");
    assert_eq!((app.count("notifications"), app.count("account_tokens")), (0, 0));

    let asked = ask(&mut alice, "Alice@New.test", PASSWORD).await;
    assert_eq!(asked.location.as_deref(), Some("/account?saved=email_sent"));
    assert!(
        alice
            .get("/account?saved=email_sent")
            .await
            .contains("If no other account uses that address, we sent it a link.")
    );
    assert_eq!(app.client().sign_in(&cast.alice.email, PASSWORD).await.status, 303, "nothing changes yet");
    assert_eq!(app.client().sign_in("alice@new.test", PASSWORD).await.status, 401);

    let link = app.wait_for_link_to("alice@new.test", "/account/email/").await;
    let page = app.client().get(&link).await;
    assert_eq!(page.status, 200);
    assert!(page.contains("Use alice@new.test to sign in to Passerelle"), "opening the link changes nothing");
    assert_eq!(app.client().sign_in(&cast.alice.email, PASSWORD).await.status, 303);
    let confirmed = confirm(&mut app.client(), &link).await;
    assert_eq!(confirmed.location.as_deref(), Some("/sign-in?done=email"));
    assert_eq!(app.client().sign_in(&cast.alice.email, PASSWORD).await.status, 401);
    assert_eq!(app.client().sign_in("alice@new.test", PASSWORD).await.status, 303);
    assert_eq!(alice.get("/cases").await.status, 200, "sessions go on");

    // The previous address hears of it, and the notice names the new one.
    app.wait_for_link_to(&cast.alice.email, "/sign-in").await;
    let notice = outbox_text(&app, &cast.alice.email);
    assert!(notice.contains("now uses the address alice@new.test"), "{notice}");
    assert_eq!(confirm(&mut app.client(), &link).await.status, 410, "a link works once");
}

async fn only_the_latest_link_works_and_confirming_while_signed_in_returns_to_the_account(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    ask(&mut alice, "first@alpha.test", PASSWORD).await;
    let first = app.wait_for_link_to("first@alpha.test", "/account/email/").await;
    ask(&mut alice, "second@alpha.test", PASSWORD).await;
    let second = app.wait_for_link_to("second@alpha.test", "/account/email/").await;
    let stale = confirm(&mut app.client(), &first).await;
    assert_eq!(stale.status, 410);
    assert!(stale.contains("This link was already used"));
    let confirmed = confirm(&mut alice, &second).await;
    assert_eq!(confirmed.location.as_deref(), Some("/account?saved=email"));
    assert!(alice.get("/account?saved=email").await.contains("You sign in and receive emails at second@alpha.test."));
}

async fn links_sent_to_the_previous_address_die_with_the_change(app: TestApp) {
    let cast = app.cast();
    let mut visitor = app.client();
    let form = visitor.get("/sign-in/forgot").await;
    let csrf = csrf_in(&form.body).unwrap();
    visitor.post_raw("/sign-in/forgot", encode(&[("csrf", &csrf), ("email", &cast.alice.email)]).into_bytes()).await;
    let reset = app.wait_for_link_to(&cast.alice.email, "/account/reset/").await;
    let mut alice = app.sign_in(&cast.alice).await;
    ask(&mut alice, "alice@new.test", PASSWORD).await;
    let link = app.wait_for_link_to("alice@new.test", "/account/email/").await;
    assert_eq!(confirm(&mut alice, &link).await.status, 303);
    let stale = app.client().choose_password(&reset, "taken over at last", "taken over at last").await;
    assert_eq!(stale.status, 410, "whoever kept the old mailbox cannot reset the password");
    assert_eq!(app.client().sign_in("alice@new.test", PASSWORD).await.status, 303);
}

async fn a_disabled_account_cannot_confirm_a_new_address(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    ask(&mut alice, "alice@new.test", PASSWORD).await;
    let link = app.wait_for_link_to("alice@new.test", "/account/email/").await;
    let mut anna = app.sign_in(&cast.anna).await;
    assert_eq!(anna.post(&format!("/team/{}/disable", cast.alice.id.0), &[]).await.status, 303);
    let refused = app.client().get(&link).await;
    assert_eq!(refused.status, 410);
    assert_eq!(app.count("users WHERE email = 'alice@new.test'"), 0);
}

async fn an_address_taken_in_the_meantime_is_not_stolen(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    ask(&mut alice, "shared@alpha.test", PASSWORD).await;
    let link = app.wait_for_link_to("shared@alpha.test", "/account/email/").await;
    app.user(cast.org_a, passerelle::domain::role::Role::PartnerCaseworker, "shared@alpha.test");
    let refused = confirm(&mut app.client(), &link).await;
    assert_eq!(refused.status, 410);
    assert!(refused.contains("Another account started using this address"));
    assert_eq!(app.client().sign_in(&cast.alice.email, PASSWORD).await.status, 303, "Alice keeps her address");
    assert_eq!(app.count("notifications WHERE kind = 'email_changed'"), 0);
}

/// Every text part of the emails written to `address`.
fn outbox_text(app: &TestApp, address: &str) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(app.files.path().join("outbox")).unwrap().flatten() {
        let raw = std::fs::read(entry.path()).unwrap();
        let parsed = mailparse::parse_mail(&raw).unwrap();
        use mailparse::MailHeaderMap;
        if parsed.headers.get_first_value("To").unwrap_or_default().contains(address) {
            text.push_str(&parsed.subparts[0].get_body().unwrap());
        }
    }
    text
}

on_both_backends!(
    an_address_changes_only_once_the_new_one_confirms_it,
    only_the_latest_link_works_and_confirming_while_signed_in_returns_to_the_account,
    an_address_taken_in_the_meantime_is_not_stolen,
    links_sent_to_the_previous_address_die_with_the_change,
    a_disabled_account_cannot_confirm_a_new_address,
);
