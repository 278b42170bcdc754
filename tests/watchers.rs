//! Watchers: colleagues of the filer, and staff besides the assignee, who asked to hear about a
//! case. Each email is checked where it is decided: the outbox row written with the event.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::{Account, TestApp};

/// Who was queued an email of `kind` after outbox row `since`, by user id.
fn queued(app: &TestApp, kind: &str, since: i64) -> Vec<i64> {
    use diesel::prelude::*;
    use passerelle::db::schema::notifications::dsl as n;
    let mut ids: Vec<i64> = n::notifications
        .filter(n::kind.eq(kind))
        .filter(n::id.gt(since))
        .select(n::recipient_id)
        .load(&mut *app.conn())
        .unwrap();
    ids.sort_unstable();
    ids
}

fn last_row(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use passerelle::db::schema::notifications::dsl as n;
    n::notifications.select(diesel::dsl::max(n::id)).first::<Option<i64>>(&mut *app.conn()).unwrap().unwrap_or(0)
}

fn ids(accounts: &[&Account]) -> Vec<i64> {
    let mut ids: Vec<i64> = accounts.iter().map(|a| a.id.0).collect();
    ids.sort_unstable();
    ids
}

async fn a_colleague_who_watches_hears_what_the_filer_hears(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut anna = app.sign_in(&cast.anna).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let reference = alice.file_case(&[]).await;
    let path = format!("/cases/{reference}");
    assert!(alice.get(&path).await.contains("You filed this case"));
    let page = anna.get(&path).await;
    assert!(page.contains("Watch this case to receive an email"), "{}", page.body);
    assert_eq!(anna.post(&format!("{path}/watch"), &[("watch", "1")]).await.status, 303);
    assert!(anna.get(&path).await.contains("You are watching this case"));
    let alices_view = alice.get(&path).await;
    assert!(alices_view.contains("Also watching: partner_admin anna@alpha.test."), "{}", alices_view.body);
    // Staff see their own side's watchers, never the partner's.
    assert!(!lea.get(&path).await.contains("anna@alpha.test"));

    let since = last_row(&app);
    lea.post(&format!("{path}/messages"), &[("body", "Can you tell us more?")]).await;
    lea.post(&format!("{path}/transition"), &[("action", "request_information"), ("message", "Which school?")]).await;
    assert_eq!(queued(&app, "message", since), ids(&[&cast.alice, &cast.anna]));
    assert_eq!(queued(&app, "information_requested", since), ids(&[&cast.alice, &cast.anna]));

    assert_eq!(anna.post(&format!("{path}/watch"), &[("watch", "0")]).await.status, 303);
    assert!(anna.get(&path).await.contains("Watch this case to receive an email"));
    let since = last_row(&app);
    lea.post(&format!("{path}/messages"), &[("body", "Thank you.")]).await;
    assert_eq!(queued(&app, "message", since), ids(&[&cast.alice]), "who stopped watching hears nothing");
}

async fn a_colleague_who_writes_on_a_case_hears_the_answer(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut anna = app.sign_in(&cast.anna).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let reference = alice.file_case(&[]).await;
    let path = format!("/cases/{reference}");
    let since = last_row(&app);
    anna.post(&format!("{path}/messages"), &[("body", "Adding what the family told us.")]).await;
    assert_eq!(queued(&app, "message", since), ids(&[&cast.lea]), "unassigned: every liaison hears it");
    assert!(anna.get(&path).await.contains("You are watching this case"));
    let since = last_row(&app);
    lea.post(&format!("{path}/messages"), &[("body", "Noted.")]).await;
    assert_eq!(queued(&app, "message", since), ids(&[&cast.alice, &cast.anna]));
}

async fn staff_who_watch_hear_the_partner_besides_the_assignee(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let mut max = app.sign_in(&cast.max).await;
    let reference = alice.file_case(&[]).await;
    let path = format!("/cases/{reference}");
    assert_eq!(max.post(&format!("{path}/assign"), &[("assignee", "me")]).await.status, 303);
    assert!(max.get(&path).await.contains("This case is assigned to you"));
    let since = last_row(&app);
    alice.post(&format!("{path}/messages"), &[("body", "Any news?")]).await;
    assert_eq!(queued(&app, "message", since), ids(&[&cast.max]), "assigned: only the assignee");
    assert_eq!(lea.post(&format!("{path}/watch"), &[("watch", "1")]).await.status, 303);
    assert!(max.get(&path).await.contains(&format!("Also watching: liaison {}.", cast.lea.email)));
    // Partners never learn which staff watch their case.
    assert!(!alice.get(&path).await.contains(&cast.lea.email));
    let since = last_row(&app);
    alice.post(&format!("{path}/messages"), &[("body", "Still there?")]).await;
    assert_eq!(queued(&app, "message", since), ids(&[&cast.lea, &cast.max]));
}

async fn a_disabled_watcher_hears_nothing_and_a_bad_choice_changes_nothing(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut anna = app.sign_in(&cast.anna).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let mut max = app.sign_in(&cast.max).await;
    let reference = alice.file_case(&[]).await;
    let path = format!("/cases/{reference}");
    assert_eq!(anna.post(&format!("{path}/watch"), &[("watch", "maybe")]).await.status, 400);
    assert_eq!(app.count("case_watchers"), 0);
    anna.post(&format!("{path}/watch"), &[("watch", "1")]).await;
    anna.post(&format!("{path}/watch"), &[("watch", "1")]).await;
    assert_eq!(app.count("case_watchers"), 1, "watching twice is watching once");
    assert_eq!(max.post(&format!("/admin/users/{}/disable", cast.anna.id.0), &[]).await.status, 303);
    let since = last_row(&app);
    lea.post(&format!("{path}/messages"), &[("body", "Hello.")]).await;
    assert_eq!(queued(&app, "message", since), ids(&[&cast.alice]));
}

on_both_backends!(
    a_colleague_who_watches_hears_what_the_filer_hears,
    a_colleague_who_writes_on_a_case_hears_the_answer,
    staff_who_watch_hear_the_partner_besides_the_assignee,
    a_disabled_watcher_hears_nothing_and_a_bad_choice_changes_nothing,
);
