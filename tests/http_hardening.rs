//! Every answer carries the security headers; HSTS only when the portal is served over TLS; no
//! server banner; an oversized body is refused with a clear page. Headers do not depend on the
//! database, so these run on SQLite only.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::TestApp;

#[actix_rt::test]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::sqlite().await;
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    for response in [app.client().get("/sign-in").await, alice.get("/cases").await, alice.get("/no-such-page").await] {
        let header = |name: &str| response.headers.get(name).cloned().unwrap_or_default();
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("referrer-policy"), "no-referrer");
        assert_eq!(header("cache-control"), "no-store");
        let csp = header("content-security-policy");
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("http"), "{csp}");
        assert!(!response.headers.contains_key("server"), "no server banner");
        assert!(!response.headers.contains_key("strict-transport-security"), "no HSTS over plain HTTP");
    }
}

#[actix_rt::test]
async fn over_tls_browsers_are_told_to_stay_on_tls() {
    let app = TestApp::sqlite_with(|settings| settings.public_url = "https://passerelle.example.org".into()).await;
    let response = app.client().get("/sign-in").await;
    assert_eq!(
        response.headers.get("strict-transport-security").map(String::as_str),
        Some("max-age=63072000; includeSubDomains")
    );
}

#[actix_rt::test]
async fn an_oversized_form_is_refused_with_a_clear_page() {
    let app = TestApp::sqlite().await;
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let huge = format!("csrf={}&explanation={}", alice.csrf, "x".repeat(300 * 1024));
    let refused = alice.post_raw("/cases", huge.into_bytes()).await;
    assert_eq!(refused.status, 413);
    assert!(refused.contains("What you sent is too large. Nothing was changed."));
    assert_eq!(app.count("cases"), 0);
}
