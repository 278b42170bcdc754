//! The audit trail: every view by staff, change, message, decision and sign-in leaves a chained
//! record in the same transaction; `passerelle audit verify` finds an altered or removed record;
//! admins browse everything, a partner admin only their organisation's records that are not
//! internal.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use diesel::prelude::*;
use passerelle::db::audit::Entry;
use passerelle::db::schema::audit_log::dsl;
use passerelle::domain::audit::{AuditAction, Break};
use support::TestApp;

fn actions(app: &TestApp) -> Vec<(String, bool, Option<String>)> {
    dsl::audit_log
        .order(dsl::id.asc())
        .select((dsl::action, dsl::internal, dsl::detail))
        .load(&mut *app.conn())
        .unwrap()
}

/// Runs `passerelle audit verify` on the app's database: success, and what it printed.
fn verify_command(app: &TestApp) -> (bool, String) {
    app.command(&["audit", "verify"])
}

/// What an attacker with the database's owner rights does first: lift the append-only guard.
fn lift_guard(app: &TestApp) {
    let sql: &[&str] = if app.database_url.starts_with("postgres") {
        &["ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"]
    } else {
        &["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"]
    };
    for statement in sql {
        diesel::sql_query(*statement).execute(&mut *app.conn()).unwrap();
    }
}

async fn every_action_leaves_a_chained_record_without_case_text(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[("explanation", "AUDIT-SECRET explanation")]).await;
    let mut lea = app.sign_in(&cast.lea).await;
    assert_eq!(lea.get(&format!("/cases/{reference}")).await.status, 200);
    let posted = lea.post(&format!("/cases/{reference}/messages"), &[("body", "AUDIT-SECRET message")]).await;
    assert_eq!(posted.status, 303);
    let noted =
        lea.post(&format!("/cases/{reference}/messages"), &[("body", "AUDIT-SECRET note"), ("internal", "1")]).await;
    assert_eq!(noted.status, 303);
    let mut stranger = app.client();
    assert_eq!(stranger.sign_in("alice@alpha.test", "not her password").await.status, 401);
    assert_eq!(stranger.sign_in("nobody@nowhere.test", "whatever it is").await.status, 401);
    assert_eq!(alice.post("/sign-out", &[]).await.status, 303);

    let recorded = actions(&app);
    let names: Vec<&str> = recorded.iter().map(|(action, _, _)| action.as_str()).collect();
    for expected in
        ["signed_in", "case_filed", "case_viewed", "case_message", "case_internal_note", "sign_in_failed", "signed_out"]
    {
        assert!(names.contains(&expected), "{expected} is recorded: {names:?}");
    }
    assert_eq!(names.iter().filter(|a| **a == "sign_in_failed").count(), 2, "known and unknown email alike");
    for (action, internal, detail) in &recorded {
        let should_be_internal = matches!(action.as_str(), "case_viewed" | "case_internal_note");
        assert_eq!(*internal, should_be_internal, "{action}");
        assert!(!detail.as_deref().unwrap_or("").contains("AUDIT-SECRET"), "no case text in the trail");
    }
    let verified = passerelle::db::audit::verify(&mut app.conn()).unwrap();
    assert_eq!(verified.clone().map(|(count, _)| count), Ok(recorded.len() as i64));
    let (ok, printed) = verify_command(&app);
    assert!(ok, "{printed}");
    assert!(printed.contains(&format!("{} records", recorded.len())), "{printed}");
    assert!(printed.contains(&format!("hash {}", verified.unwrap().1)), "the head to keep: {printed}");
}

async fn the_trail_refuses_changes_and_verify_finds_tampering(app: TestApp) {
    let cast = app.cast();
    for _ in 0..3 {
        let mut client = app.sign_in(&cast.alice).await;
        client.post("/sign-out", &[]).await;
    }
    assert!(actions(&app).len() >= 6);
    // The application's own connection cannot rewrite history.
    let update = diesel::sql_query("UPDATE audit_log SET detail = 'rewritten' WHERE id = 3").execute(&mut *app.conn());
    assert!(update.is_err(), "the trail is append-only");
    let delete = diesel::sql_query("DELETE FROM audit_log WHERE id = 2").execute(&mut *app.conn());
    assert!(delete.is_err(), "the trail is append-only");
    let rewind = diesel::sql_query("UPDATE audit_head SET last_id = 2").execute(&mut *app.conn());
    assert!(rewind.is_err(), "the head only moves forward");
    let rehash = diesel::sql_query("UPDATE audit_head SET last_hash = 'forged'").execute(&mut *app.conn());
    assert!(rehash.is_err(), "the head's hash is its last record's");
    let replace = if app.database_url.starts_with("postgres") {
        "INSERT INTO audit_log (id, at, action, internal, prev_hash, hash) VALUES (3, '2026-01-01', 'x', false, 'p', 'h')"
    } else {
        "INSERT OR REPLACE INTO audit_log (id, at, action, internal, prev_hash, hash) VALUES (3, '2026-01-01', 'x', 0, 'p', 'h')"
    };
    assert!(diesel::sql_query(replace).execute(&mut *app.conn()).is_err(), "no record enters but at the head");
    let second_head = if app.database_url.starts_with("postgres") {
        "INSERT INTO audit_head (id, last_id, last_hash) VALUES (2, 0, 'x')"
    } else {
        "INSERT OR REPLACE INTO audit_head (id, last_id, last_hash) VALUES (1, 0, 'x')"
    };
    assert!(diesel::sql_query(second_head).execute(&mut *app.conn()).is_err(), "one head, never replaced");
    assert!(diesel::sql_query("DELETE FROM audit_head").execute(&mut *app.conn()).is_err());
    if app.database_url.starts_with("postgres") {
        let truncate = diesel::sql_query("TRUNCATE audit_log").execute(&mut *app.conn());
        assert!(truncate.is_err(), "nor emptied at once");
    }
    assert!(verify_command(&app).0);

    lift_guard(&app);
    diesel::sql_query("UPDATE audit_log SET address = '203.0.113.9' WHERE id = 3").execute(&mut *app.conn()).unwrap();
    assert_eq!(
        passerelle::db::audit::verify(&mut app.conn()).unwrap().map(|(count, _)| count),
        Err(Break::Altered { id: 3 })
    );
    let (ok, printed) = verify_command(&app);
    assert!(!ok, "a broken chain fails the command");
    assert!(printed.contains("record 3 was altered"), "{printed}");

    diesel::sql_query("DELETE FROM audit_log WHERE id = 3").execute(&mut *app.conn()).unwrap();
    diesel::sql_query("DELETE FROM audit_log WHERE id = 2").execute(&mut *app.conn()).unwrap();
    let (ok, printed) = verify_command(&app);
    assert!(!ok);
    assert!(printed.contains("record 2 is missing"), "{printed}");
}

async fn admins_browse_it_and_partner_admins_see_only_their_own(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let ours = alice.file_case(&[]).await;
    let mut bob = app.sign_in(&cast.bob).await;
    let theirs = bob.file_case(&[]).await;
    let mut lea = app.sign_in(&cast.lea).await;
    lea.get(&format!("/cases/{ours}")).await;
    lea.post(&format!("/cases/{ours}/messages"), &[("body", "a note"), ("internal", "1")]).await;
    app.client().sign_in("alice@alpha.test", "not her password").await;

    let mut max = app.sign_in(&cast.max).await;
    let all = max.get("/admin/audit").await;
    assert_eq!(all.status, 200);
    for text in [&ours, &theirs, "Case viewed by staff", "Internal note", "Failed sign-in", "Beta Hotline"] {
        assert!(all.contains(text), "the admin sees {text}");
    }
    let failed = max.get("/admin/audit?action=sign_in_failed").await;
    assert!(failed.contains("Failed sign-in") && !failed.contains(&ours));
    let one_case = max.get(&format!("/admin/audit?case={theirs}")).await;
    assert!(one_case.contains(&theirs) && !one_case.contains(&ours));
    let by_person = max.get("/admin/audit?person=bob%40beta.test").await;
    assert!(by_person.contains(&theirs) && !by_person.contains(&ours));
    let bad = max.get("/admin/audit?from=yesterday&action=nonsense").await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.contains("Enter a date.") && bad.contains("value=\"yesterday\""),
        "errors beside the fields, input kept"
    );

    let mut anna = app.sign_in(&cast.anna).await;
    let team = anna.get("/team/audit").await;
    assert_eq!(team.status, 200);
    assert!(!team.contains(">No.<"), "the trail's numbers would count every organisation's records");
    assert!(team.contains(&ours) && team.contains("Failed sign-in"));
    for hidden in [theirs.as_str(), "Case viewed by staff", "Internal note", "Beta Hotline", "bob@beta.test"] {
        assert!(!team.contains(hidden), "a partner admin never sees {hidden}");
    }
    let foreign_case = anna.get(&format!("/team/audit?case={theirs}")).await;
    assert_eq!(foreign_case.status, 422);
    assert!(foreign_case.contains("No case of yours has this reference."));
    let foreign_person = anna.get("/team/audit?person=bob%40beta.test").await;
    assert_eq!(foreign_person.status, 422);
    let sneaky = anna.get(&format!("/team/audit?organisation={}", cast.org_b.0)).await;
    assert!(!sneaky.contains(&theirs), "the organisation filter is not hers to set");
    assert_eq!(alice.get("/team/audit").await.status, 404);
    assert_eq!(lea.get("/admin/audit").await.status, 404);
}

async fn the_trail_pages_by_key(app: TestApp) {
    let cast = app.cast();
    for n in 0..70 {
        let action = if n % 7 == 6 { AuditAction::SignedOut } else { AuditAction::SignInFailed };
        passerelle::db::audit::append(&mut app.conn(), &Entry::new(action, None, Some("127.0.0.1"))).unwrap();
    }
    passerelle::db::audit::seal(&mut app.conn()).unwrap();
    let mut max = app.sign_in(&cast.max).await;
    let first = max.get("/admin/audit?action=sign_in_failed").await;
    assert_eq!(first.body.matches("<tr>").count(), 51, "a header and 50 records");
    let link =
        first.body.split("href=\"/admin/audit?").nth(1).unwrap().split('"').next().unwrap().replace("&#38;", "&");
    assert!(link.contains("action=sign_in_failed") && link.contains("before="), "{link}");
    let second = max.get(&format!("/admin/audit?{link}")).await;
    assert_eq!(second.body.matches("<tr>").count(), 11, "a header and the last 10");
    assert!(!second.contains("Older records"));
}

/// Many people writing at once, on two cases: on PostgreSQL the writers of different cases run
/// side by side and each record waits to be sealed onto the chain; every answer comes once its
/// record is chained, none is lost, none is chained twice, and the chain holds.
async fn records_written_at_once_are_all_chained_before_the_answer(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let first = alice.file_case(&[]).await;
    let second = alice.file_case(&[]).await;
    // One after the other, each answer finds its own record chained (the server's own sealer
    // only passes every second: it cannot be what sealed each of these).
    for n in 0..10 {
        let chained = app.count("audit_log");
        let sent = alice.post(&format!("/cases/{first}/messages"), &[("body", &format!("first {n}"))]).await;
        assert_eq!(sent.status, 303);
        assert_eq!((app.count("audit_log"), app.count("audit_pending")), (chained + 1, 0), "message {n}");
    }
    let mut writers = vec![alice];
    for _ in 0..5 {
        writers.push(app.sign_in(&cast.alice).await);
    }
    let (first, second) = (&first, &second);
    let writing = writers.iter_mut().enumerate().map(|(n, writer)| async move {
        for round in 0..4 {
            let case = if (n + round) % 2 == 0 { first } else { second };
            let sent = writer.post(&format!("/cases/{case}/messages"), &[("body", &format!("{n}.{round}"))]).await;
            assert_eq!(sent.status, 303, "{}", sent.body);
            writer.file_case(&[]).await;
        }
    });
    futures_util::future::join_all(writing).await;

    assert_eq!(app.count("audit_pending"), 0, "every answer came after its record was sealed");
    let recorded = actions(&app);
    let count = |name: &str| recorded.iter().filter(|(action, _, _)| action == name).count();
    assert_eq!(count("case_message"), 34);
    assert_eq!(count("case_filed"), 26);
    assert_eq!(app.count("case_events WHERE kind = 'message'"), 34, "each message once");
    let verified = passerelle::db::audit::verify(&mut app.conn()).unwrap();
    assert_eq!(verified.map(|(count, _)| count), Ok(recorded.len() as i64), "one chain, no fork, no gap");
}

/// A record whose action committed but which was not sealed (the server stopped in between):
/// the server's sealer seals it within seconds; `audit verify` checks it too. A waiting record
/// cannot be changed, nor removed but onto the chain.
async fn a_record_left_waiting_is_sealed_and_cannot_be_changed(app: TestApp) {
    use passerelle::db::schema::audit_pending;
    let wait = |app: &TestApp| {
        diesel::insert_into(audit_pending::table)
            .values((
                audit_pending::at.eq(passerelle::db::now()),
                audit_pending::action.eq("signed_out"),
                audit_pending::internal.eq(false),
            ))
            .execute(&mut *app.conn())
            .unwrap();
    };
    wait(&app);
    for tampering in ["UPDATE audit_pending SET detail = 'rewritten'", "DELETE FROM audit_pending"] {
        let refused = diesel::sql_query(tampering).execute(&mut *app.conn());
        assert!(refused.is_err(), "{tampering} is refused");
    }
    if app.database_url.starts_with("postgres") {
        assert!(diesel::sql_query("TRUNCATE audit_pending").execute(&mut *app.conn()).is_err());
    }
    let mut rounds = 0;
    while app.count("audit_pending") > 0 {
        rounds += 1;
        assert!(rounds < 100, "the server seals it within a few seconds");
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(actions(&app).last().map(|(action, _, _)| action.as_str()), Some("signed_out"));
    assert_eq!(app.count("audit_log WHERE sealed_from IS NOT NULL"), 1, "it names what it was sealed from");

    let before = actions(&app).len();
    wait(&app);
    let (ok, printed) = verify_command(&app);
    assert!(ok, "{printed}");
    assert!(printed.contains(&format!("{} records", before + 1)), "{printed}");
}

on_both_backends!(
    records_written_at_once_are_all_chained_before_the_answer,
    a_record_left_waiting_is_sealed_and_cannot_be_changed,
    every_action_leaves_a_chained_record_without_case_text,
    the_trail_refuses_changes_and_verify_finds_tampering,
    admins_browse_it_and_partner_admins_see_only_their_own,
    the_trail_pages_by_key
);
