//! Every route in the route table, walked signed out, as each role and as another organisation:
//! the expected answer, and nothing of another organisation's case in a refusal; and every
//! state-changing route, posted without this session's CSRF token, refused with nothing changed.
//! A route without a rule here fails these tests, so a new route cannot ship unexamined.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use passerelle::routes::ROUTES;
use support::{Account, Client, TestApp};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Anyone, signed in or not (its own checks, such as a link's token, follow).
    Public,
    /// The second step of signing in: only a session waiting for a code; others are sent on.
    Pending,
    /// Anyone fully signed in, about themselves.
    SignedIn,
    /// Partner caseworkers and admins.
    Partner,
    /// A partner organisation's admin, about their own organisation.
    PartnerAdmin,
    /// Platform admins.
    PlatformAdmin,
    /// Whoever may see the case: its organisation's members and staff.
    CaseReader,
    /// Staff, on any case.
    CaseStaff,
}

fn rule(method: &str, path: &str) -> Option<Rule> {
    use Rule::*;
    Some(match (method, path) {
        (_, "/" | "/static/style.css" | "/sign-in" | "/sign-in/forgot") => Public,
        // For the load balancer and monitoring; `/metrics` has its own guard (tests/ops.rs).
        ("get", "/healthz" | "/readyz" | "/metrics") => Public,
        (_, "/account/setup/{token}" | "/account/reset/{token}" | "/account/email/{token}") => Public,
        (_, "/sign-in/code") => Pending,
        ("post", "/sign-out" | "/settings/language") => SignedIn,
        (_, p) if p.starts_with("/account") => SignedIn,
        ("get", "/cases") => SignedIn,
        ("post", "/cases") | ("get", "/cases/new") => Partner,
        (_, "/cases/{reference}") => CaseReader,
        ("post", "/cases/{reference}/messages" | "/cases/{reference}/transition" | "/cases/{reference}/watch") => {
            CaseReader
        }
        (
            "post",
            "/cases/{reference}/assign"
            | "/cases/{reference}/decision"
            | "/cases/{reference}/referral"
            | "/cases/{reference}/legal-hold",
        ) => CaseStaff,
        ("get", "/cases/{reference}/attachments/{id}") => CaseReader,
        ("get", "/cases/{reference}/attachments/{id}/preview") => CaseStaff,
        ("post", "/cases/{reference}/attachments/{id}/purge") => CaseStaff,
        (_, p) if p.starts_with("/team") => PartnerAdmin,
        (_, p) if p.starts_with("/admin") => PlatformAdmin,
        _ => return None,
    })
}

/// Whether `who` (by role name) may use a route under `rule`.
fn allowed(rule: Rule, who: &str) -> bool {
    match rule {
        Rule::Public | Rule::SignedIn => true,
        Rule::Pending => false,
        Rule::Partner => matches!(who, "alice" | "anna" | "bob"),
        Rule::PartnerAdmin => who == "anna",
        Rule::PlatformAdmin => who == "max",
        Rule::CaseReader => matches!(who, "alice" | "anna" | "lea" | "max"),
        Rule::CaseStaff => matches!(who, "lea" | "max"),
    }
}

const MARKER: &str = "ROUTE-RULES-SECRET about a pupil of the Alpha school";

async fn send(client: &mut Client, method: &str, path: &str) -> support::Response {
    if method == "get" { client.get(path).await } else { client.post(path, &[]).await }
}

async fn every_route_answers_each_person_as_its_rule_says(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[("explanation", MARKER)]).await;
    let sent = alice
        .post_multipart(
            &format!("/cases/{reference}/messages"),
            &[("body", MARKER)],
            &[("shot.png", support::PIXEL_PNG)],
        )
        .await;
    assert_eq!(sent.status, 303);
    let attachment: i64 = {
        use diesel::prelude::*;
        use passerelle::db::schema::attachments::dsl;
        dsl::attachments.select(dsl::id).first(&mut *app.conn()).unwrap()
    };
    let throwaway = app.user(cast.org_a, passerelle::domain::role::Role::PartnerCaseworker, "spare@alpha.test");
    let people: [(&str, &Account); 5] =
        [("alice", &cast.alice), ("anna", &cast.anna), ("bob", &cast.bob), ("lea", &cast.lea), ("max", &cast.max)];
    let mut unruled = Vec::new();
    for (method, pattern) in ROUTES {
        let Some(rule) = rule(method, pattern) else {
            unruled.push(format!("{method} {pattern}"));
            continue;
        };
        let id = if pattern.starts_with("/admin/organisations") {
            cast.org_b.0
        } else if pattern.contains("/attachments/") {
            attachment
        } else {
            throwaway.id.0
        };
        let path = pattern
            .replace("{reference}", &reference)
            .replace("{token}", &"0".repeat(64))
            .replace("{id}", &id.to_string());

        let signed_out = send(&mut app.client(), method, &path).await;
        assert!(signed_out.status < 500, "{method} {path} signed out: {}", signed_out.status);
        if rule != Rule::Public {
            assert_eq!(signed_out.location.as_deref(), Some("/sign-in"), "{method} {path} signed out");
        }
        if rule == Rule::Public {
            continue;
        }
        for (who, account) in people {
            // A fresh session each time: some routes sign out or end sessions.
            let mut client = app.sign_in(account).await;
            let answer = send(&mut client, method, &path).await;
            let what = format!("{method} {path} as {who}: {} {:?}", answer.status, answer.location);
            assert!(answer.status < 500, "{what}");
            if path != "/sign-out" {
                assert_ne!(answer.location.as_deref(), Some("/sign-in"), "{what}");
            }
            if rule == Rule::Pending {
                assert_eq!(answer.location.as_deref(), Some("/cases"), "a full session has no code to type: {what}");
            } else if allowed(rule, who) {
                assert!(!matches!(answer.status, 403 | 404), "allowed, yet refused: {what}");
            } else {
                assert!(matches!(answer.status, 403 | 404), "refused, yet allowed: {what}");
                assert!(!answer.contains("ROUTE-RULES-SECRET"), "a refusal leaked the case: {what}");
            }
        }
    }
    assert!(unruled.is_empty(), "routes without a rule in tests/route_rules.rs: {unruled:?}");
}

/// What a forged form could change: counted before and after.
fn footprint(app: &TestApp) -> Vec<i64> {
    [
        "cases",
        "cases WHERE legal_hold",
        "case_events",
        "attachments",
        "case_watchers",
        "notifications",
        "audit_log",
        "audit_pending",
        "sessions",
        "sign_in_failures",
        "users WHERE deleted_at IS NULL AND disabled_at IS NULL",
        "users WHERE role IN ('partner_admin', 'platform_admin')",
        "users WHERE totp_secret IS NOT NULL",
        "organisations WHERE deleted_at IS NULL",
        "organisations WHERE require_two_factor OR platform_requires_two_factor",
        "account_tokens",
        "recovery_codes",
    ]
    .iter()
    .map(|table| app.count(table))
    .collect()
}

/// The page every forged form gets.
const CSRF_REFUSAL: &str = "did not come from Passerelle";

async fn every_state_changing_route_refuses_a_forged_form(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    alice
        .post_multipart(&format!("/cases/{reference}/messages"), &[("body", "see")], &[("a.png", support::PIXEL_PNG)])
        .await;
    let attachment: i64 = {
        use diesel::prelude::*;
        use passerelle::db::schema::attachments::dsl;
        dsl::attachments.select(dsl::id).first(&mut *app.conn()).unwrap()
    };
    // Everyone signed in first: the forged posts below are the only thing that happens.
    let mut clients = Vec::new();
    for (name, account) in
        [("anna", &cast.anna), ("alice", &cast.alice), ("lea", &cast.lea), ("max", &cast.max), ("bob", &cast.bob)]
    {
        clients.push((name, app.sign_in(account).await));
    }
    let mut pending = app.client();
    pending.sign_in_password_only(&cast.lea.email, support::PASSWORD).await;
    let mut anonymous = app.client();
    // A signed-out form's token is a double-submit cookie: hold one, then send another token.
    anonymous.get("/sign-in").await;
    let before = footprint(&app);
    let mut checked = 0;
    for (method, pattern) in ROUTES.iter().filter(|(method, _)| *method == "post") {
        let rule = rule(method, pattern).expect("every route has a rule");
        let id = if pattern.starts_with("/admin/organisations") {
            cast.org_b.0
        } else if pattern.contains("/attachments/") {
            attachment
        } else {
            cast.alice.id.0
        };
        let path = pattern
            .replace("{reference}", &reference)
            .replace("{token}", &"0".repeat(64))
            .replace("{id}", &id.to_string());
        let client = match rule {
            Rule::Public => &mut anonymous,
            Rule::Pending => &mut pending,
            _ => {
                let (_, client) = clients.iter_mut().find(|(name, _)| allowed(rule, name)).expect("someone may");
                client
            }
        };
        for body in [&b"csrf=forged&confirm=1&hold=1&watch=1&required=1&role=partner_admin"[..], b"confirm=1"] {
            let answer = client.post_raw(&path, body.to_vec()).await;
            assert_eq!(answer.status, 403, "{method} {path} with a forged form: {:?}", answer.location);
            assert!(answer.contains(CSRF_REFUSAL), "{method} {path}: refused for its token");
        }
        if path.ends_with("/messages") || path == "/cases" {
            // Forms that carry files are read as multipart: the same rule holds there.
            let real = std::mem::replace(&mut client.csrf, "forged".to_owned());
            let answer = client.post_multipart(&path, &[("body", "forged")], &[("a.png", support::PIXEL_PNG)]).await;
            client.csrf = real;
            assert_eq!(answer.status, 403, "{method} {path} multipart");
            assert!(answer.contains(CSRF_REFUSAL));
        }
        checked += 1;
    }
    assert!(checked > 30, "every state-changing route was tried ({checked})");
    assert_eq!(footprint(&app), before, "a refused form changed nothing");
    // The control: the same client with its real token is heard.
    let (_, alice) = clients.iter_mut().find(|(name, _)| *name == "alice").unwrap();
    assert_eq!(alice.post(&format!("/cases/{reference}/watch"), &[("watch", "0")]).await.status, 303);
}

on_both_backends!(every_route_answers_each_person_as_its_rule_says, every_state_changing_route_refuses_a_forged_form);
