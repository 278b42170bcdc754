//! `passerelle seed`: a realistic history for the benchmark, on either backend, that the portal
//! then serves like any other.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::TestApp;

async fn seeding_writes_a_realistic_history(app: TestApp) {
    let organisations_before = app.count("organisations");
    let (ok, printed) = app.command(&["seed", "--cases", "3000", "--organisations", "6", "--users", "80"]);
    assert!(ok, "{printed}");
    assert!(printed.contains("seeded 3000 cases"), "{printed}");
    assert_eq!(app.count("cases"), 3000);
    assert_eq!(app.count("organisations") - organisations_before, 6);
    assert_eq!(app.count("users WHERE email LIKE 'seed-%'"), 6 * 13 + 2, "members per organisation, and staff");
    let items = app.count("reported_items");
    assert!((3000..=9000).contains(&items), "one to three items a case: {items}");
    let events = app.count("case_events");
    assert!(events >= 3 * 3000, "a timeline for each case: {events}");
    let closed = app.count("cases WHERE status IN ('closed', 'withdrawn')");
    let open = app.count("cases WHERE status IN ('submitted', 'triaged', 'in_review', 'awaiting_partner')");
    assert!(closed > 2700 && open < 100, "most cases are long closed: {closed} closed, {open} open");
    assert_eq!(app.count("cases WHERE category = 'adult_intimate_images' AND age_band <> 'adult'"), 0);
    assert_eq!(app.count("(SELECT DISTINCT reference FROM cases) AS r"), 3000, "unique references");
    // Cases closed more than `retention_months` ago are as retention leaves them.
    let anonymised = app.count("cases WHERE anonymised_at IS NOT NULL");
    assert!(anonymised > 1000, "{anonymised}");
    assert_eq!(app.count("cases WHERE anonymised_at IS NOT NULL AND explanation <> ''"), 0);
    let (ok, printed) = app.command(&["retention", "run"]);
    assert!(ok && printed.starts_with("0 closed cases"), "nothing left for the job: {printed}");

    // The portal serves it: a seeded partner admin sees their organisation's cases, and only them.
    let admin = app.count("users WHERE email LIKE 'seed-%' AND role = 'partner_admin'");
    assert_eq!(admin, 6);
    let mut client = app.client();
    let email = {
        use diesel::prelude::*;
        use passerelle::db::schema::users::dsl;
        dsl::users
            .filter(dsl::role.eq("partner_admin"))
            .filter(dsl::email.like("seed-%"))
            .select(dsl::email)
            .first::<String>(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(client.sign_in(&email, "seeded-password").await.status, 303);
    let page = client.get("/cases?status=all").await;
    assert_eq!(page.status, 200);
    assert!(page.contains("ESC-"));

    // Seeding again adds to what is there.
    let (ok, printed) = app.command(&["seed", "--cases", "500", "--organisations", "2", "--users", "10"]);
    assert!(ok, "{printed}");
    assert_eq!(app.count("cases"), 3500);
}

on_both_backends!(seeding_writes_a_realistic_history);
