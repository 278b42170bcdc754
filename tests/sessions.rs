//! Sessions: each person sees where they are signed in and can sign out one of them or everywhere
//! else, never someone else's; a session unused for the idle time ends; the absolute lifetime
//! still holds.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use diesel::prelude::*;
use passerelle::db::schema::sessions::dsl;
use support::TestApp;

fn age_sessions(app: &TestApp, minutes: i64) {
    diesel::update(dsl::sessions)
        .set(dsl::last_seen_at.eq(Some(passerelle::db::now() - chrono::TimeDelta::minutes(minutes))))
        .execute(&mut *app.conn())
        .unwrap();
}

async fn people_see_their_sessions_and_sign_out_everywhere_else(app: TestApp) {
    let cast = app.cast();
    let mut here = app.sign_in(&cast.alice).await;
    let mut elsewhere = app.sign_in(&cast.alice).await;
    let _bob = app.sign_in(&cast.bob).await;
    let page = here.get("/account/sessions").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body.matches("<tr>").count(), 3, "a header and Alice's two sessions, not Bob's");
    assert_eq!(page.body.matches("this browser").count(), 1);
    assert!(page.contains("127.0.0.1"));
    let ended = here.post("/account/sessions/end-others", &[]).await;
    assert_eq!(ended.location.as_deref(), Some("/account/sessions?ended=1"));
    assert_eq!(elsewhere.get("/cases").await.location.as_deref(), Some("/sign-in"));
    assert_eq!(here.get("/cases").await.status, 200);
    assert_eq!(app.count(&format!("sessions WHERE user_id = {}", cast.bob.id.0)), 1, "Bob is untouched");
    let after = here.get("/account/sessions?ended=1").await;
    assert!(after.contains("Every other session is signed out."));
    assert!(!after.contains("Sign out everywhere else"), "nothing else to sign out");
}

/// The session handles of the sign-out buttons on a sessions page.
fn handles(body: &str) -> Vec<String> {
    body.split("name=\"session\" value=\"").skip(1).map(|rest| rest[..16].to_owned()).collect()
}

async fn people_sign_out_one_other_session_and_nobody_elses(app: TestApp) {
    let cast = app.cast();
    let mut here = app.sign_in(&cast.alice).await;
    let mut phone = app.sign_in(&cast.alice).await;
    let mut laptop = app.sign_in(&cast.alice).await;
    let mut bob = app.sign_in(&cast.bob).await;
    let _bob_elsewhere = app.sign_in(&cast.bob).await;
    let alices = handles(&here.get("/account/sessions").await.body);
    assert_eq!(alices.len(), 2, "a button for each other session, none for this one");
    let bobs = handles(&bob.get("/account/sessions").await.body);
    assert_eq!(bobs.len(), 1);

    for forged in [bobs[0].as_str(), "", "0123456789abcdef"] {
        let refused = here.post("/account/sessions/end", &[("session", forged)]).await;
        assert_eq!(refused.status, 422, "{forged:?}");
        assert!(refused.contains("nothing was changed"), "{forged:?}");
        assert_eq!(handles(&refused.body), alices, "the page is shown again as it was");
    }
    assert_eq!(app.count(&format!("sessions WHERE user_id = {}", cast.bob.id.0)), 2, "Bob is untouched");

    let ended = here.post("/account/sessions/end", &[("session", &alices[0])]).await;
    assert_eq!(ended.location.as_deref(), Some("/account/sessions?ended=one"));
    let mut signed_out = 0;
    for other in [&mut phone, &mut laptop] {
        if other.get("/cases").await.location.as_deref() == Some("/sign-in") {
            signed_out += 1;
        }
    }
    assert_eq!(signed_out, 1, "exactly the session named");
    assert_eq!(here.get("/cases").await.status, 200);
    let after = here.get("/account/sessions?ended=one").await;
    assert!(after.contains("That session is signed out."));
    assert_eq!(handles(&after.body), alices[1..]);
    let again = here.post("/account/sessions/end", &[("session", &alices[0])]).await;
    assert_eq!(again.status, 422, "an ended session cannot be ended twice");
}

async fn an_idle_session_ends_and_use_keeps_one_alive(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    age_sessions(&app, 30);
    assert_eq!(alice.get("/cases").await.status, 200, "30 minutes idle is within the hour");
    let seen: Option<chrono::NaiveDateTime> = dsl::sessions.select(dsl::last_seen_at).first(&mut *app.conn()).unwrap();
    assert!(seen.unwrap() > passerelle::db::now() - chrono::TimeDelta::minutes(1), "using it keeps it alive");
    age_sessions(&app, 61);
    assert_eq!(alice.get("/cases").await.location.as_deref(), Some("/sign-in"), "an hour idle ends it");
}

on_both_backends!(
    people_see_their_sessions_and_sign_out_everywhere_else,
    people_sign_out_one_other_session_and_nobody_elses,
    an_idle_session_ends_and_use_keeps_one_alive
);
