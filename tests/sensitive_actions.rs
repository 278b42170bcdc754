//! Sensitive actions (a role change, deleting a person, exporting the audit trail) ask for a
//! fresh code, or a password from someone without a second factor; a role change ends every
//! session of the person; deleting a person keeps their cases and the counts.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use diesel::prelude::*;
use passerelle::db::schema::{audit_log, users};
use support::{PASSWORD, TestApp, fresh_code};

fn always_ask(settings: &mut passerelle::config::Settings) {
    settings.step_up_minutes = 0;
}

fn role_of(app: &TestApp, id: i64) -> String {
    users::table.find(id).select(users::role).first(&mut *app.conn()).unwrap()
}

async fn a_role_change_needs_a_fresh_code_and_ends_the_sessions(app: TestApp) {
    let cast = app.cast();
    let mut max = app.sign_in(&cast.max).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let path = format!("/admin/users/{}/role", cast.lea.id.0);
    let page = max.get(&format!("/admin/users/{}", cast.lea.id.0)).await;
    assert!(page.contains("Your authenticator code"), "the form asks for a code");

    let missing = max.post(&path, &[("role", "platform_admin")]).await;
    assert_eq!(missing.status, 422);
    assert!(missing.contains("Type the current code"));
    let wrong = max.post(&path, &[("role", "platform_admin"), ("confirm_code", "000000")]).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.contains("This code is not right"));
    assert_eq!(role_of(&app, cast.lea.id.0), "liaison", "nothing changed");
    assert_eq!(lea.get("/cases").await.status, 200);

    let code = fresh_code(&app.address, &cast.max.email).await;
    let done = max.post(&path, &[("role", "platform_admin"), ("confirm_code", &code)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(role_of(&app, cast.lea.id.0), "platform_admin");
    assert_eq!(lea.get("/cases").await.location.as_deref(), Some("/sign-in"), "her sessions ended");
    let recorded: Vec<Option<String>> = audit_log::table
        .filter(audit_log::action.eq("role_changed"))
        .select(audit_log::detail)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(recorded, vec![Some("liaison>platform_admin".to_owned())]);
    let partner_role = max.post(&path, &[("role", "partner_admin"), ("confirm_code", "123456")]).await;
    assert_eq!(partner_role.status, 422, "a partner role is not for the platform's people");
    let own = max.post(&format!("/admin/users/{}/role", cast.max.id.0), &[("role", "liaison")]).await;
    assert_eq!(own.status, 422, "not one's own role");
}

async fn a_partner_admin_confirms_with_their_password_within_their_organisation(app: TestApp) {
    let cast = app.cast();
    let mut anna = app.sign_in(&cast.anna).await;
    let path = format!("/team/{}/role", cast.alice.id.0);
    assert!(anna.get(&format!("/team/{}", cast.alice.id.0)).await.contains("Your password"));
    let wrong = anna.post(&path, &[("role", "partner_admin"), ("confirm_code", "not my password")]).await;
    assert_eq!(wrong.status, 422);
    let staff = anna.post(&path, &[("role", "liaison"), ("confirm_code", PASSWORD)]).await;
    assert_eq!(staff.status, 422, "no platform role from a partner");
    assert_eq!(anna.get(&format!("/team/{}", cast.bob.id.0)).await.status, 404, "another organisation's person");
    let foreign = anna.post(&format!("/team/{}/role", cast.bob.id.0), &[("role", "partner_admin")]).await;
    assert_eq!(foreign.status, 404);
    let done = anna.post(&path, &[("role", "partner_admin"), ("confirm_code", PASSWORD)]).await;
    assert_eq!(done.status, 303);
    assert_eq!(role_of(&app, cast.alice.id.0), "partner_admin");
    assert_eq!(role_of(&app, cast.bob.id.0), "partner_caseworker");
}

async fn a_deleted_person_cannot_sign_in_and_their_cases_stay(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    let mut anna = app.sign_in(&cast.anna).await;
    let path = format!("/team/{}/delete", cast.alice.id.0);
    let unconfirmed = anna.post(&path, &[("confirm_code", PASSWORD)]).await;
    assert_eq!(unconfirmed.status, 422);
    assert!(unconfirmed.contains("Tick the confirmation"));
    let done = anna.post(&path, &[("confirm", "1"), ("confirm_code", PASSWORD)]).await;
    assert_eq!(done.location.as_deref(), Some("/team?deleted=1"));
    assert!(anna.get("/team?deleted=1").await.contains("The person was deleted."));
    assert_eq!(alice.get("/cases").await.location.as_deref(), Some("/sign-in"));
    assert_eq!(app.client().sign_in(&cast.alice.email, PASSWORD).await.status, 401);
    assert_eq!(app.count("cases"), 1, "the case stays");
    let page = anna.get(&format!("/cases/{reference}")).await;
    assert!(page.contains(&format!("Deleted user #{}", cast.alice.id.0)));
    assert!(!page.contains("alice@alpha.test"));
    let email: String = users::table.find(cast.alice.id.0).select(users::email).first(&mut *app.conn()).unwrap();
    assert!(!email.contains("alice"));
    anna.post(&format!("/team/{}/enable", cast.alice.id.0), &[]).await;
    assert_eq!(app.client().sign_in(&email, PASSWORD).await.status, 401, "a deleted person stays deleted");
    let invite = [("display_name", "Noor"), ("email", "noor@alpha.test"), ("role", "partner_admin")];
    let unproven = anna.post("/team/invite", &invite).await;
    assert_eq!(unproven.status, 422, "adding an admin is sensitive too");
    assert!(unproven.contains("Type your password"));
    let mut proven = invite.to_vec();
    proven.push(("confirm_code", PASSWORD));
    assert!(anna.post("/team/invite", &proven).await.contains("noor@alpha.test"));
    let noor: i64 =
        users::table.filter(users::email.eq("noor@alpha.test")).select(users::id).first(&mut *app.conn()).unwrap();
    assert_eq!(anna.post(&format!("/team/{noor}/disable"), &[]).await.status, 303);
    let back = anna.post(&format!("/team/{noor}/enable"), &[]).await;
    assert_eq!(back.status, 422, "giving an admin back their powers is sensitive too");
    assert!(back.contains("Type your password"));
    let enabled = anna.post(&format!("/team/{noor}/enable"), &[("confirm_code", PASSWORD)]).await;
    assert_eq!(enabled.location.as_deref(), Some("/team"));
    let disabled: Option<chrono::NaiveDateTime> =
        users::table.find(noor).select(users::disabled_at).first(&mut *app.conn()).unwrap();
    assert!(disabled.is_none());
}

async fn the_audit_export_asks_for_a_code_and_is_recorded(app: TestApp) {
    let cast = app.cast();
    app.sign_in(&cast.alice).await.file_case(&[]).await;
    let mut max = app.sign_in(&cast.max).await;
    let refused = max.post("/admin/audit/export", &[("action", "case_filed")]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.contains("Type the current code") && refused.contains("value=\"case_filed\""));
    let code = fresh_code(&app.address, &cast.max.email).await;
    let csv = max.post("/admin/audit/export", &[("action", "case_filed"), ("confirm_code", &code)]).await;
    assert_eq!(csv.status, 200);
    assert!(csv.headers["content-type"].starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines[0].starts_with("number,at_utc,action"));
    assert_eq!(lines.len(), 2, "the header and the one filing");
    assert!(lines[1].contains(",case_filed,"));
    // The fields as hashed are there: the record can be re-chained from the export alone.
    let cells: Vec<&str> = lines[1].split(',').collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let at = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()];
    let record = passerelle::domain::audit::AuditRecord {
        id: at("number").parse().unwrap(),
        at: chrono::NaiveDateTime::parse_from_str(at("at_hashed"), "%Y-%m-%dT%H:%M:%S%.6f").unwrap(),
        actor_id: at("actor_id").parse().ok(),
        organisation_id: at("organisation_id").parse().ok(),
        case_id: at("case_id").parse().ok(),
        subject_id: at("subject_id").parse().ok(),
        action: at("action").to_owned(),
        internal: at("internal") == "1",
        detail: Some(at("detail")).filter(|d| !d.is_empty()).map(str::to_owned),
        address: Some(at("address")).filter(|a| !a.is_empty()).map(str::to_owned),
        prev_hash: at("prev_hash").to_owned(),
    };
    assert_eq!(record.hash(), at("hash"));
    let exported: i64 =
        audit_log::table.filter(audit_log::action.eq("audit_exported")).count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(exported, 1);
    let mut lea = app.sign_in(&cast.lea).await;
    assert_eq!(lea.post("/admin/audit/export", &[]).await.status, 404);
}

macro_rules! asking_always {
    ($($name:ident),+) => {$(
        mod $name {
            #[actix_rt::test]
            async fn on_sqlite() {
                super::$name(super::TestApp::sqlite_with(super::always_ask).await).await
            }

            #[actix_rt::test]
            async fn on_postgres() {
                if let Some(app) = super::TestApp::postgres_with(super::always_ask).await {
                    super::$name(app).await
                }
            }
        }
    )+};
}

asking_always!(
    a_role_change_needs_a_fresh_code_and_ends_the_sessions,
    a_partner_admin_confirms_with_their_password_within_their_organisation,
    a_deleted_person_cannot_sign_in_and_their_cases_stay,
    the_audit_export_asks_for_a_code_and_is_recorded
);

async fn a_fresh_sign_in_is_proof_enough(app: TestApp) {
    let cast = app.cast();
    let mut max = app.sign_in(&cast.max).await;
    let page = max.get(&format!("/admin/users/{}", cast.lea.id.0)).await;
    assert!(!page.contains("Your authenticator code"), "the code typed at sign-in is recent");
    let done = max.post(&format!("/admin/users/{}/role", cast.lea.id.0), &[("role", "platform_admin")]).await;
    assert_eq!(done.status, 303);
}

on_both_backends!(a_fresh_sign_in_is_proof_enough);
