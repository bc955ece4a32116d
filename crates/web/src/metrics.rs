//! Prometheus metrics at `/metrics`: requests and their latency by route, the database pool,
//! and imports. The recorder belongs to the process (the `metrics` facade has one), so every
//! server in a process shares it; it is installed on first use.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tiendo_domain::access::Role;

use crate::auth::Viewer;
use crate::{AppError, AppState};

/// Latency buckets in seconds: most answers take a few milliseconds; reports take seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &BUCKETS,
            )
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // A program embedding tiendo may have installed its own recorder; then this one only
        // renders what is recorded into it, which is nothing.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics stays empty");
        }
        handle
    })
}

/// Installs the recorder and keeps its histograms drained, as the exporter needs.
pub(crate) fn start() {
    let handle = handle();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            handle.run_upkeep();
        }
    });
}

/// Counts each request by its route pattern (never the raw path, whose codes and ids would
/// make a series per unit), method and status, and records how long it took.
pub(crate) async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(seconds);
    response
}

/// Records an import applied (`applied`) or refused (`refused`), with the figures it wrote.
pub(crate) fn import_done(outcome: &'static str, figures: usize) {
    metrics::counter!("tiendo_imports_total", "outcome" => outcome).increment(1);
    metrics::counter!("tiendo_import_figures_total").increment(figures as u64);
}

/// The metrics, for a scraper on this machine or an administrator: they say how the server is
/// used, which is not for everyone. A request that came through a proxy is never taken for a
/// local one, even when the proxy is not declared trusted and so connects from this machine.
pub(crate) async fn metrics_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let proxied =
        headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED);
    let local = !proxied
        && viewer
            .address
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let admin = viewer
        .user
        .as_ref()
        .is_some_and(|u| u.grants.iter().any(|g| g.role == Role::Admin));
    if !local && !admin {
        return Err(match viewer.user {
            None => AppError::SignInRequired,
            Some(_) => AppError::Forbidden {
                vi: "chỉ quản trị viên xem được số liệu vận hành của máy chủ".into(),
                en: "only an administrator may read the server's metrics".into(),
            },
        });
    }
    let pool = state.store.pool_usage();
    metrics::gauge!("tiendo_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("tiendo_db_pool_connections", "state" => "in_use")
        .set(f64::from(pool.open.saturating_sub(pool.idle)));
    metrics::gauge!("tiendo_db_pool_max_connections").set(f64::from(pool.max));
    let handle = handle();
    handle.run_upkeep();
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        handle.render(),
    )
        .into_response())
}
