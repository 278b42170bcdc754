//! Filing an escalation: every field checked on the server, errors in place, nothing half-written.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::{TestApp, case_fields, encode};

async fn a_partner_files_a_case_and_gets_a_receipt(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let form = alice.get("/cases/new").await;
    assert_eq!(form.status, 200);
    assert!(form.contains("<label for=\"explanation\">"));
    let reference = alice
        .file_case(&[
            ("item_rows", "2"),
            ("item_1_locator_kind", "handle"),
            ("item_1_locator", "@bully_account"),
            ("item_1_content_type", "profile"),
            ("item_1_seen_at", "2026-01-05T11:00"),
        ])
        .await;
    let (prefix, symbols) = reference.split_at("ESC-2026-".len());
    assert!(prefix.starts_with("ESC-20") && prefix.ends_with('-'), "{reference}");
    assert!(symbols.len() == 7 && symbols.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()), "{reference}");
    let page = alice.get(&format!("/cases/{reference}?filed=1")).await;
    assert_eq!(page.status, 200);
    assert!(page.contains("Escalation received"));
    assert!(page.contains(&format!("We received escalation {reference} at ")));
    assert!(page.contains("https://social.example/p/12345") && page.contains("@bully_account"));
    // Alpha is a trusted flagger in harassment: in its area, so P2.
    assert!(page.contains(">P2 · Priority notice<"), "{}", page.body);
    assert!(!page.contains("call 112 now"), "no emergency banner for a standard case");
    assert_eq!(app.count("cases"), 1);
    assert_eq!(app.count("reported_items"), 2);
    assert_eq!(app.count("case_events"), 1);
}

async fn an_imminent_risk_case_is_p0_and_shows_the_emergency_banner(app: TestApp) {
    let cast = app.cast();
    let mut bob = app.sign_in(&cast.bob).await;
    let reference = bob.file_case(&[("urgency", "imminent"), ("category", "self_harm")]).await;
    let page = bob.get(&format!("/cases/{reference}")).await;
    assert!(page.contains("If a life is at risk, call 112 now."));
    assert!(page.contains(">P0 · Imminent risk to life<"));
    let list = bob.get("/cases").await;
    assert!(list.contains("priority p0"), "the priority shows in lists too");
}

async fn invalid_input_is_shown_next_to_each_field_with_everything_kept(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let fields = case_fields(&[
        ("explanation", "Too short"),
        ("category", "not-a-category"),
        ("item_0_locator", "javascript:alert(1)"),
        ("partner_reference", "MY-REF-77"),
        ("good_faith", ""),
    ]);
    let response = alice.post("/cases", &fields).await;
    assert_eq!(response.status, 422);
    assert!(response.contains("Nothing was saved"));
    assert!(response.contains("id=\"explanation-error\">Please explain in at least 20 characters."));
    assert!(response.contains("id=\"category-error\">This is not one of the choices offered."));
    assert!(response.contains("id=\"item_0_locator-error\">Enter a full web address"));
    assert!(response.contains("id=\"good_faith-error\">"));
    assert!(response.contains("aria-describedby=\"item_0_locator-error\""));
    assert!(response.contains("value=\"MY-REF-77\""), "typed input is kept");
    assert!(response.contains(">Too short</textarea>"));
    assert!(response.contains("value=\"javascript:alert(1)\""));
    assert_eq!(app.count("cases"), 0);
    assert_eq!(app.count("reported_items"), 0);
}

async fn oversized_fields_and_bodies_are_refused(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let long = "x".repeat(10_001);
    let response = alice.post("/cases", &case_fields(&[("explanation", &long)])).await;
    assert_eq!(response.status, 422);
    assert!(response.contains("id=\"explanation-error\">This is too long."));
    let huge_url = format!("https://social.example/{}", "a".repeat(3000));
    let response = alice.post("/cases", &case_fields(&[("item_0_locator", &huge_url)])).await;
    assert!(response.contains("id=\"item_0_locator-error\">This address is too long"));
    let csrf = alice.csrf.clone();
    let body = format!("csrf={csrf}&explanation={}", "y".repeat(300 * 1024));
    let response = alice.post_raw("/cases", body.into_bytes()).await;
    assert_eq!(response.status, 413);
    assert!(response.contains("too large"));
    assert_eq!(app.count("cases"), 0);
}

async fn invalid_utf8_and_unknown_choices_get_a_clear_error(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut body = encode(&case_fields(&[])).into_bytes();
    body.extend_from_slice(format!("&csrf={}&explanation=%FF%FE%FD", alice.csrf).as_bytes());
    let response = alice.post_raw("/cases", body).await;
    assert_eq!(response.status, 400);
    assert!(response.contains("characters that could not be read"));
    let response = alice.post("/cases", &case_fields(&[("urgency", "whenever"), ("age_band", "42")])).await;
    assert_eq!(response.status, 422);
    assert!(response.contains("id=\"urgency-error\">This is not one of the choices offered."));
    assert!(response.contains("id=\"age_band-error\">This is not one of the choices offered."));
    let nul = alice.get("/cases?q=a%00b").await;
    assert_eq!(nul.status, 400, "NUL is no text, on either database");
    assert_eq!(alice.get("/cases/ESC%00").await.status, 404);
    assert_eq!(alice.post("/cases/ESC-2026-%00/messages", &[("body", "x")]).await.status, 404);
    let list = alice.get("/cases?status=lost").await;
    assert_eq!(list.status, 400);
    assert!(list.contains("One of the filters is not valid"));
    assert_eq!(app.count("cases"), 0);
}

async fn add_another_item_works_without_javascript(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let response = alice.post("/cases", &case_fields(&[("add_item", "1"), ("partner_reference", "KEEP-ME")])).await;
    assert_eq!(response.status, 200);
    assert!(response.contains("id=\"item_1_locator\""));
    assert!(response.contains("value=\"KEEP-ME\""));
    assert!(response.contains("name=\"item_rows\" value=\"2\""));
    assert_eq!(app.count("cases"), 0);
}

async fn references_reveal_nothing_about_other_organisations(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut bob = app.sign_in(&cast.bob).await;
    let first = alice.file_case(&[]).await;
    bob.file_case(&[]).await;
    bob.file_case(&[]).await;
    let second = alice.file_case(&[]).await;
    // Random references: no sequence a partner could count other organisations' cases by.
    assert_ne!(first, second);
    let number = |r: &str| r[9..].parse::<u64>().ok();
    assert!(
        !matches!((number(&first), number(&second)), (Some(a), Some(b)) if b == a + 3),
        "{first} then {second}: the gap counts another organisation's cases"
    );
}

async fn intimate_images_of_a_minor_cannot_be_filed_in_the_adult_flow(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let response =
        alice.post("/cases", &case_fields(&[("category", "adult_intimate_images"), ("age_band", "15_17")])).await;
    assert_eq!(response.status, 422);
    assert!(response.contains("id=\"category-error\">The person is a minor"));
    assert!(response.contains("href=\"#category\""), "the error summary links to the field");
    assert_eq!(app.count("cases"), 0);
    let minor = alice.file_case(&[("category", "minor_intimate_images"), ("age_band", "15_17")]).await;
    assert!(alice.get(&format!("/cases/{minor}")).await.contains(">P1 · Child sexual exploitation<"));
}

async fn staff_cannot_file_a_case(app: TestApp) {
    let cast = app.cast();
    let mut lea = app.sign_in(&cast.lea).await;
    assert_eq!(lea.get("/cases/new").await.status, 403);
    assert_eq!(lea.post("/cases", &case_fields(&[])).await.status, 403);
    assert_eq!(app.count("cases"), 0);
}

on_both_backends!(
    a_partner_files_a_case_and_gets_a_receipt,
    an_imminent_risk_case_is_p0_and_shows_the_emergency_banner,
    invalid_input_is_shown_next_to_each_field_with_everything_kept,
    oversized_fields_and_bodies_are_refused,
    invalid_utf8_and_unknown_choices_get_a_clear_error,
    add_another_item_works_without_javascript,
    staff_cannot_file_a_case,
    references_reveal_nothing_about_other_organisations,
    intimate_images_of_a_minor_cannot_be_filed_in_the_adult_flow,
);

/// Partners type and read times in the portal's zone; the database keeps UTC.
async fn times_are_typed_and_shown_in_the_portals_time_zone(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let form = alice.get("/cases/new").await;
    assert!(form.contains("Dates and times are in the Europe/Paris time zone."));
    let reference = alice.file_case(&[("item_0_seen_at", "2026-01-05T10:30")]).await;
    let page = alice.get(&format!("/cases/{reference}")).await;
    assert!(page.contains("Seen at: 2026-01-05 10:30 CET"), "{}", page.body);
    let skipped = alice.post("/cases", &case_fields(&[("item_0_seen_at", "2026-03-29T02:30")])).await;
    assert!(skipped.contains("id=\"item_0_seen_at-error\">Enter a date and time."), "a local time that never existed");
    #[derive(diesel::QueryableByName)]
    struct Seen {
        #[diesel(sql_type = diesel::sql_types::Timestamp)]
        seen_at: chrono::NaiveDateTime,
    }
    use diesel::RunQueryDsl;
    let stored: Seen = diesel::sql_query("SELECT seen_at FROM reported_items").get_result(&mut *app.conn()).unwrap();
    assert_eq!(stored.seen_at.format("%Y-%m-%d %H:%M").to_string(), "2026-01-05 09:30");
}

mod times_are_typed_and_shown_in_the_portals_time_zone {
    #[actix_rt::test]
    async fn on_sqlite() {
        super::times_are_typed_and_shown_in_the_portals_time_zone(super::TestApp::sqlite_in("Europe/Paris").await).await
    }

    #[actix_rt::test]
    async fn on_postgres() {
        if let Some(app) = super::TestApp::postgres_in("Europe/Paris").await {
            super::times_are_typed_and_shown_in_the_portals_time_zone(app).await
        }
    }
}
