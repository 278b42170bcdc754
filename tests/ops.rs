//! What the load balancer and the monitoring read: `/healthz`, `/readyz` and `/metrics`, the
//! last one counted per route pattern and kept from anyone but a scraper.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a failed step in a scenario should stop it loudly")]

mod support;

use support::TestApp;

async fn health_and_readiness_answer(app: TestApp) {
    let mut client = app.client();
    let health = client.get("/healthz").await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    let ready = client.get("/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready\n"), "database reachable, migrations applied");
}

async fn metrics_count_routes_by_pattern_on_loopback(app: TestApp) {
    let cast = app.cast();
    let mut alice = app.sign_in(&cast.alice).await;
    let reference = alice.file_case(&[]).await;
    alice.get(&format!("/cases/{reference}")).await;
    alice.get("/no/such/page").await;
    let scraped = app.client().get("/metrics").await;
    assert_eq!(scraped.status, 200);
    assert!(scraped.headers["content-type"].starts_with("text/plain; version=0.0.4"));
    let text = scraped.body;
    assert!(
        text.contains(r#"passerelle_http_requests_total{method="GET",route="/cases/{reference}",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched",status="404""#));
    assert!(text.contains("passerelle_http_request_duration_seconds_bucket"));
    assert!(text.contains("passerelle_db_pool_connections"));
    assert!(text.contains("passerelle_db_queries_total"));
    assert!(text.contains("passerelle_outbox_pending 1"), "the new-case email waits: {text}");
    assert!(!text.contains(&reference), "no case reference in a label");
}

on_both_backends!(health_and_readiness_answer);
// The worker would look at the outbox only in an hour, so the new-case email is still waiting
// when the metrics are read.
on_both_backends!(settings: |s: &mut passerelle::config::Settings| s.mail_poll_ms = 3_600_000 => metrics_count_routes_by_pattern_on_loopback);

#[actix_rt::test]
async fn with_a_token_metrics_need_it() {
    let app = TestApp::sqlite_with(|s| s.metrics_token = passerelle::config::Secret::new("scrape-secret")).await;
    assert_eq!(app.client().get("/metrics").await.status, 404, "loopback alone is not enough then");
    let check = |token: &'static str| {
        let address = app.address.clone();
        async move {
            awc::Client::new()
                .get(format!("{address}/metrics"))
                .insert_header(("Authorization", format!("Bearer {token}")))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(check("wrong").await, 404);
    assert_eq!(check("scrape-secret").await, 200);
}

#[actix_rt::test]
async fn behind_a_proxy_metrics_need_a_token() {
    let app = TestApp::sqlite_with(|s| s.behind_proxy = true).await;
    assert_eq!(app.client().get("/metrics").await.status, 404, "every client seems to be the proxy");
    assert_eq!(app.client().get("/healthz").await.status, 200);
}
