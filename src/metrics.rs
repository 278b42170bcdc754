//! What `/metrics` tells a Prometheus server: requests and their latency per route, the
//! database pool, and the outbox's depth. Counted in this process; each instance is scraped.

use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The collectors of one instance.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    outbox_pending: IntGauge,
    queries: IntCounter,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("passerelle_http_requests_total", "HTTP requests answered, by route, method and status"),
            &["route", "method", "status"],
        )?;
        // From a tenth of a millisecond to about 6.5 seconds, doubling.
        let buckets = prometheus::exponential_buckets(0.0001, 2.0, 17)?;
        let latency = HistogramVec::new(
            HistogramOpts::new("passerelle_http_request_duration_seconds", "Time to answer a request, by route")
                .buckets(buckets),
            &["route", "method"],
        )?;
        let pool_connections =
            IntGauge::new("passerelle_db_pool_connections", "Database connections open in this instance's pool")?;
        let pool_idle = IntGauge::new("passerelle_db_pool_idle_connections", "Open database connections not in use")?;
        let outbox_pending =
            IntGauge::new("passerelle_outbox_pending", "Emails waiting in the outbox (every instance's, one table)")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_idle.clone()))?;
        let queries = IntCounter::new("passerelle_db_queries_total", "SQL statements run by this process")?;
        registry.register(Box::new(outbox_pending.clone()))?;
        registry.register(Box::new(queries.clone()))?;
        Ok(Metrics { registry, requests, latency, pool_connections, pool_idle, outbox_pending, queries })
    }

    /// One answered request. `route` is the route's pattern (`/cases/{reference}`), never the
    /// path itself, so no reference or token becomes a label.
    pub fn observe(&self, route: &str, method: &str, status: u16, took: Duration) {
        self.requests.with_label_values(&[route, method, &status.to_string()]).inc();
        self.latency.with_label_values(&[route, method]).observe(took.as_secs_f64());
    }

    /// The text exposition, with the gauges read now and the statements run so far.
    pub fn render(&self, connections: u32, idle: u32, outbox_pending: i64, queries: u64) -> String {
        self.queries.inc_by(queries.saturating_sub(self.queries.get()));
        self.pool_connections.set(i64::from(connections));
        self.pool_idle.set(i64::from(idle));
        self.outbox_pending.set(outbox_pending);
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(%error, "metrics could not be encoded");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_per_route_pattern() {
        let metrics = Metrics::new().unwrap();
        metrics.observe("/cases/{reference}", "GET", 200, Duration::from_millis(3));
        metrics.observe("/cases/{reference}", "GET", 200, Duration::from_millis(5));
        let text = metrics.render(4, 3, 7, 12);
        assert!(text.contains("passerelle_db_queries_total 12"));
        assert!(
            text.contains(r#"passerelle_http_requests_total{method="GET",route="/cases/{reference}",status="200"} 2"#)
        );
        assert!(text.contains("passerelle_http_request_duration_seconds_bucket"));
        assert!(text.contains("passerelle_db_pool_connections 4"));
        assert!(text.contains("passerelle_outbox_pending 7"));
    }
}
