//! Tenancy is absolute, and internal notes never reach a partner: every case route walked as a
//! user of another organisation, and every page a partner can open searched for a note.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::{Client, TestApp};

/// A method, a path and the form fields sent with it.
type Route = (&'static str, String, Vec<(&'static str, &'static str)>);

/// Every case route with the form fields that would make it succeed for the case's owner.
fn case_routes(reference: &str) -> Vec<Route> {
    vec![
        ("GET", format!("/cases/{reference}"), vec![]),
        ("GET", format!("/cases/{reference}?filed=1"), vec![]),
        ("POST", format!("/cases/{reference}/messages"), vec![("body", "hello")]),
        ("POST", format!("/cases/{reference}/transition"), vec![("action", "withdraw")]),
        ("POST", format!("/cases/{reference}/transition"), vec![("action", "contest"), ("message", "no")]),
        ("POST", format!("/cases/{reference}/transition"), vec![("action", "reopen")]),
        ("POST", format!("/cases/{reference}/assign"), vec![("assignee", "me")]),
        ("POST", format!("/cases/{reference}/decision"), vec![]),
        ("POST", format!("/cases/{reference}/referral"), vec![("authority", "x"), ("referred_at", "2026-01-01T10:00")]),
        ("POST", format!("/cases/{reference}/watch"), vec![("watch", "1")]),
    ]
}

async fn request(client: &mut Client, method: &str, path: &str, fields: &[(&str, &str)]) -> support::Response {
    if method == "GET" { client.get(path).await } else { client.post(path, fields).await }
}

async fn another_organisation_gets_404_on_every_case_route(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut bob = app.sign_in(&cast.bob).await;
    let reference = alice.file_case(&[("explanation", "Secret details about a child at Alpha Helpline.")]).await;
    let events = app.count("case_events");
    let missing = format!("{}ZZZZZZZ", &reference[..reference.len() - 7]);
    assert_ne!(missing, reference);
    for (method, path, fields) in case_routes(&reference) {
        let theirs = request(&mut bob, method, &path, &fields).await;
        assert_eq!(theirs.status, 404, "{method} {path} as another organisation");
        assert!(!theirs.contains("Secret details") && !theirs.contains("social.example"), "{method} {path} leaked");
        let unknown_path = path.replace(&reference, &missing);
        let unknown = request(&mut bob, method, &unknown_path, &fields).await;
        assert_eq!(unknown.status, theirs.status, "{method} {path}: another's case and no case answer alike");
        // The pages differ only where they echo the address asked for.
        assert_eq!(unknown.body.replace(&missing, &reference), theirs.body, "{method} {path}: the pages differ");
    }
    assert_eq!(app.count("case_events"), events, "nothing was written");
    assert_eq!(app.count("case_watchers"), 0, "nobody watches a case they cannot see");
    assert!(alice.get(&format!("/cases/{reference}")).await.contains(">Submitted<"));
}

async fn lists_searches_and_filters_never_show_another_organisation(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut bob = app.sign_in(&cast.bob).await;
    let reference = alice.file_case(&[("item_0_locator", "https://social.example/alpha-only")]).await;
    let own = bob.file_case(&[]).await;
    let searches = [
        "/cases".to_owned(),
        format!("/cases?q={reference}"),
        "/cases?q=alpha-only".to_owned(),
        "/cases?q=alpha-only&sort=urgency".to_owned(),
        format!("/cases?q=alpha-only&organisation={}", cast.org_a.0),
        format!("/cases?organisation={}", cast.org_a.0),
        "/cases?status=submitted&sort=urgency".to_owned(),
        format!("/cases?after=p3.{}", i64::MAX),
    ];
    for path in searches {
        let page = bob.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        // The search box echoes what was typed; what must never appear is a row or a detail.
        assert!(!page.contains(&format!("href=\"/cases/{reference}\"")), "{path} lists another organisation's case");
        assert!(!page.contains("social.example") && !page.contains("Alpha Helpline"), "{path} leaked");
    }
    assert!(bob.get("/cases").await.contains(&own));
}

/// A word both organisations' cases hold: each partner finds their own case by it, by the whole
/// word or its start, and staff find both.
async fn a_shared_word_finds_each_partner_their_own_case(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut bob = app.sign_in(&cast.bob).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let explanation = ("explanation", "Both helplines heard of the sharedword campaign against a pupil.");
    let alphas = alice.file_case(&[explanation]).await;
    let betas = bob.file_case(&[explanation]).await;
    for search in ["/cases?q=sharedword", "/cases?q=shared+campaign", "/cases?q=sharedword&sort=urgency"] {
        let (mine, theirs) = (alice.get(search).await, bob.get(search).await);
        assert!(mine.contains(&alphas) && !mine.contains(&betas), "{search}");
        assert!(theirs.contains(&betas) && !theirs.contains(&alphas), "{search}");
        let staff = lea.get(search).await;
        assert!(staff.contains(&alphas) && staff.contains(&betas), "{search}");
    }
    // Typed out, another organisation's scoped word finds none of its cases.
    let scoped = format!("/cases?q=~{}~sharedword", cast.org_b.0);
    assert!(!alice.get(&scoped).await.contains(&betas));
}

async fn partners_never_see_internal_notes_anywhere(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let mut anna = app.sign_in(&cast.anna).await;
    let mut lea = app.sign_in(&cast.lea).await;
    let reference = alice.file_case(&[]).await;
    let path = format!("/cases/{reference}");
    let note = "INTERNAL-ONLY: matches a known offender network";
    assert_eq!(lea.post(&format!("{path}/messages"), &[("body", note), ("internal", "1")]).await.status, 303);
    lea.post(&format!("{path}/messages"), &[("body", "A message the partner may read.")]).await;
    assert!(lea.get(&path).await.contains(note), "staff see their notes");
    for partner in [&mut alice, &mut anna] {
        for page in [
            path.clone(),
            format!("{path}?filed=1"),
            format!("{path}?views=all"),
            "/cases".into(),
            "/cases?q=offender".into(),
            "/cases?q=internal-only".into(),
        ] {
            let response = partner.get(&page).await;
            assert!(!response.contains("matches a known offender network"), "{page} shows the note");
            if page.contains("?q=") {
                assert!(response.contains("No case matches these filters."), "{page}: a note is no search hit");
            }
            assert!(
                !response.contains("Internal note") && !response.contains("Viewed the case"),
                "{page} shows that notes or views exist"
            );
        }
        let page = partner.get(&path).await;
        assert!(page.contains("A message the partner may read."));
        assert!(!page.contains("Add internal note"));
    }
}

async fn partners_and_liaisons_cannot_reach_administration(app: TestApp) {
    let cast = app.cast();
    for account in [&cast.alice, &cast.anna, &cast.lea] {
        let mut client = app.sign_in(account).await;
        for path in ["/admin/organisations", "/admin/users"] {
            assert_eq!(client.get(path).await.status, 404, "{path} as {}", account.email);
        }
        let created = client.post("/admin/organisations", &[("name", "Rogue")]).await;
        assert_eq!(created.status, 404);
        let disabled = client.post(&format!("/admin/users/{}/disable", cast.max.id), &[]).await;
        assert_eq!(disabled.status, 404);
    }
    assert_eq!(app.count("organisations"), 3);
    assert!(app.client().sign_in(&cast.max.email, support::PASSWORD).await.status == 303);
}

async fn signed_out_visitors_are_sent_to_sign_in(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    let mut visitor = app.client();
    for path in ["/cases".to_owned(), format!("/cases/{reference}"), "/cases/new".into(), "/admin/users".into()] {
        let response = visitor.get(&path).await;
        assert_eq!(response.status, 303, "{path}");
        assert_eq!(response.location.as_deref(), Some("/sign-in"));
    }
    let post = visitor.post(&format!("/cases/{reference}/messages"), &[("body", "x")]).await;
    assert_eq!(post.location.as_deref(), Some("/sign-in"));
    assert_eq!(visitor.get("/nowhere").await.status, 404);
}

on_both_backends!(
    another_organisation_gets_404_on_every_case_route,
    lists_searches_and_filters_never_show_another_organisation,
    a_shared_word_finds_each_partner_their_own_case,
    partners_never_see_internal_notes_anywhere,
    partners_and_liaisons_cannot_reach_administration,
    signed_out_visitors_are_sent_to_sign_in,
);
