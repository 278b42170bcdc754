//! Retention: closed cases are anonymised after the configured months (by the command and the
//! server's job alike), keeping what reports count; a legal hold stops it; deleting an
//! organisation empties its cases and keeps the counts.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use diesel::prelude::*;
use passerelle::db::schema::{audit_log, case_events, cases, reported_items, search_terms, users};
use support::{PIXEL_PNG, TestApp};

/// Closes a case `months_ago` months back, as if it had been closed then.
fn close(app: &TestApp, reference: &str, months_ago: u32) {
    let at = passerelle::db::now().checked_sub_months(chrono::Months::new(months_ago)).unwrap();
    diesel::update(cases::table.filter(cases::reference.eq(reference)))
        .set((cases::status.eq("closed"), cases::closed_at.eq(Some(at))))
        .execute(&mut *app.conn())
        .unwrap();
}

fn run_retention(app: &TestApp) -> String {
    let (ok, printed) = app.command(&["retention", "run"]);
    assert!(ok, "{printed}");
    printed
}

fn explanation(app: &TestApp, reference: &str) -> String {
    cases::table.filter(cases::reference.eq(reference)).select(cases::explanation).first(&mut *app.conn()).unwrap()
}

async fn closed_cases_are_anonymised_after_the_period_unless_held(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let old = alice.file_case(&[("explanation", "OLD-SECRET about a pupil")]).await;
    let held = alice.file_case(&[("explanation", "HELD-SECRET kept for the court")]).await;
    let recent = alice.file_case(&[("explanation", "RECENT-SECRET still useful")]).await;
    let sent = alice
        .post_multipart(
            &format!("/cases/{old}/messages"),
            &[("body", "OLD-SECRET message")],
            &[("shot.png", PIXEL_PNG)],
        )
        .await;
    assert_eq!(sent.status, 303);
    let mut lea = app.sign_in(&cast.lea).await;
    lea.post(&format!("/cases/{old}/messages"), &[("body", "OLD-SECRET note"), ("internal", "1")]).await;
    assert_eq!(alice.post(&format!("/cases/{held}/legal-hold"), &[("hold", "1")]).await.status, 404, "staff only");
    assert_eq!(lea.post(&format!("/cases/{held}/legal-hold"), &[("hold", "1")]).await.status, 303);
    assert!(lea.get(&format!("/cases/{held}")).await.contains("Lift the legal hold"));
    assert!(!alice.get(&format!("/cases/{held}")).await.contains("legal hold"), "the hold is the platform's matter");
    close(&app, &old, 13);
    close(&app, &held, 13);
    close(&app, &recent, 1);

    let words = |app: &TestApp| -> Vec<String> {
        search_terms::table.select(search_terms::term).load(&mut *app.conn()).unwrap()
    };
    let own_word = old[old.len() - 7..].to_lowercase();
    assert!(words(&app).contains(&"pupil".to_owned()) && words(&app).contains(&own_word));
    assert!(run_retention(&app).starts_with("1 closed cases anonymised"));
    assert_eq!(explanation(&app, &old), "");
    let left = words(&app);
    assert!(!left.contains(&"pupil".to_owned()) && !left.contains(&own_word), "no word only it held is kept");
    assert!(left.contains(&"secret".to_owned()), "words other cases hold stay searchable");
    assert!(explanation(&app, &held).contains("HELD-SECRET"), "held");
    assert!(explanation(&app, &recent).contains("RECENT-SECRET"), "closed too recently");
    let old_id: i64 = cases::table.filter(cases::reference.eq(&old)).select(cases::id).first(&mut *app.conn()).unwrap();
    let bodies: Vec<Option<String>> = case_events::table
        .filter(case_events::case_id.eq(old_id))
        .select(case_events::body)
        .load(&mut *app.conn())
        .unwrap();
    assert!(bodies.iter().all(Option::is_none), "no message or note text left");
    let locators: Vec<(String, String)> = reported_items::table
        .filter(reported_items::case_id.eq(old_id))
        .select((reported_items::locator, reported_items::content_type))
        .load(&mut *app.conn())
        .unwrap();
    assert!(!locators.is_empty() && locators.iter().all(|(locator, kind)| locator.is_empty() && !kind.is_empty()));
    assert_eq!(app.count("attachments"), 0);
    assert_eq!(app.count("attachment_blobs"), 0);
    let (category, status): (String, String) =
        cases::table.find(old_id).select((cases::category, cases::status)).first(&mut *app.conn()).unwrap();
    assert_eq!((category.as_str(), status.as_str()), ("harassment", "closed"), "what reports count stays");
    let page = alice.get(&format!("/cases/{old}")).await;
    assert_eq!(page.status, 200);
    assert!(page.contains("was anonymised") && !page.contains("OLD-SECRET"));
    assert!(!page.contains(&format!("/cases/{old}/watch")), "nothing to watch on an anonymised case");
    let staff_page = lea.get(&format!("/cases/{old}")).await;
    assert!(!staff_page.contains(&format!("/cases/{old}/referral")), "no referral form either");
    let search = alice.get("/cases?status=all&q=OLD-SECRET").await;
    assert!(!search.contains(&old));
    let late = alice.post(&format!("/cases/{old}/messages"), &[("body", "something new")]).await;
    assert_eq!(late.status, 400, "nothing is written to an anonymised case");
    assert!(late.contains("nothing can be added"));
    assert_eq!(lea.post(&format!("/cases/{old}/transition"), &[("action", "reopen")]).await.status, 400);

    assert!(run_retention(&app).starts_with("0 closed cases"), "each case once");
    assert_eq!(lea.post(&format!("/cases/{held}/legal-hold"), &[("hold", "0")]).await.status, 303);
    assert!(run_retention(&app).starts_with("1 closed cases"), "the hold lifted, the case goes");
    let recorded: Vec<String> = audit_log::table.select(audit_log::action).load(&mut *app.conn()).unwrap();
    assert_eq!(recorded.iter().filter(|a| *a == "case_anonymised").count(), 2);
    assert!(recorded.iter().any(|a| a == "legal_hold_set") && recorded.iter().any(|a| a == "legal_hold_lifted"));
    assert_eq!(
        passerelle::db::audit::verify(&mut app.conn()).unwrap().map(|(count, _)| count),
        Ok(recorded.len() as i64)
    );
    assert!(!lea.get(&format!("/cases/{old}")).await.contains("legal-hold\" class"), "nothing left to hold");
    assert_eq!(lea.post(&format!("/cases/{old}/legal-hold"), &[("hold", "1")]).await.status, 400);
}

async fn deleting_an_organisation_empties_its_cases_and_keeps_the_counts(app: TestApp) {
    let cast = app.cast();
    let mut bob = app.sign_in(&cast.bob).await;
    let theirs =
        bob.file_case(&[("explanation", "BETA-SECRET: a pupil is harassed in the comments every evening.")]).await;
    let ours = app.sign_in(&cast.alice).await.file_case(&[]).await;
    let mut max = app.sign_in(&cast.max).await;
    let path = format!("/admin/organisations/{}/delete", cast.org_b.0);
    let wrong = max.post(&path, &[("confirm_name", "Beta")]).await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.contains("Type the organisation&#39;s name exactly")
            || wrong.contains("Type the organisation's name exactly")
    );
    assert!(wrong.contains("value=\"Beta\""), "what was typed stays");
    assert_eq!(app.count("cases"), 2);
    let done = max.post(&path, &[("confirm_name", "Beta Hotline")]).await;
    assert_eq!(done.location.as_deref(), Some("/admin/organisations?deleted=1"));
    assert_eq!(bob.get("/cases").await.location.as_deref(), Some("/sign-in"));
    assert_eq!(app.count("cases"), 2, "the counts stay");
    assert_eq!(explanation(&app, &theirs), "");
    let status: String =
        cases::table.filter(cases::reference.eq(&theirs)).select(cases::status).first(&mut *app.conn()).unwrap();
    assert_eq!(status, "withdrawn");
    assert!(!explanation(&app, &ours).is_empty(), "another organisation's case is untouched");
    let deleted: i64 =
        users::table.filter(users::deleted_at.is_not_null()).count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(deleted, 1);
    let list = max.get("/admin/organisations?deleted=1").await;
    assert!(list.contains("The organisation was deleted") && !list.contains("Beta Hotline"));
}

on_both_backends!(
    closed_cases_are_anonymised_after_the_period_unless_held,
    deleting_an_organisation_empties_its_cases_and_keeps_the_counts
);
