//! Observability through the real server: Prometheus metrics at `/metrics` and request ids.

mod common;

use reqwest::StatusCode;
use tiendo_storage::{Store, storage_tests};

use common::{client, sign_in, start};

storage_tests!(metrics_count_requests_by_route_and_request_ids_come_back);

/// The lines of a metrics text for `name` whose labels include every one of `labels`.
fn samples<'a>(text: &'a str, name: &str, labels: &[&str]) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .filter(|l| labels.iter().all(|label| l.contains(label)))
        .collect()
}

fn value(line: &str) -> f64 {
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

async fn metrics_count_requests_by_route_and_request_ids_come_back(store: &Store) {
    let addr = start(store).await;
    let c = client();
    let mut ids = Vec::new();
    for code in ["382", "14833", "14842"] {
        let r = c
            .get(format!(
                "http://{addr}/api/v1/units/{code}/summary?as_of=2022-10-31"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        ids.push(r.headers()["x-request-id"].to_str().unwrap().to_string());
    }
    ids.dedup();
    assert_eq!(ids.len(), 3, "each request has its own id: {ids:?}");
    // A proxy's id is kept.
    let r = c
        .get(format!("http://{addr}/api/v1/units/99999/summary"))
        .header("x-request-id", "proxy-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["x-request-id"], "proxy-42");

    // From this machine, a scraper reads the metrics without signing in.
    let r = c
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = r.text().await.unwrap();
    let route = r#"route="/api/v1/units/{code}/summary""#;
    let ok = samples(&text, "http_requests_total", &[route, r#"status="200""#]);
    assert!(
        ok.iter().map(|l| value(l)).sum::<f64>() >= 3.0,
        "by route pattern, not by unit: {ok:?}\n{text}"
    );
    assert!(!samples(&text, "http_requests_total", &[route, r#"status="404""#]).is_empty());
    assert!(
        !text.contains("/units/14833/summary"),
        "no series per unit: {text}"
    );
    let buckets = samples(&text, "http_request_duration_seconds_bucket", &[route]);
    assert!(
        buckets
            .iter()
            .any(|l| l.contains(r#"le="+Inf""#) && value(l) >= 3.0),
        "{buckets:?}"
    );
    let pool = samples(&text, "tiendo_db_pool_connections", &[r#"state="idle""#]);
    assert_eq!(pool.len(), 1, "{text}");
    assert!(text.contains("tiendo_db_pool_max_connections"));

    // Through a proxy that is not declared trusted (so it connects from this machine), a
    // visitor is not taken for a local scraper.
    let r = c
        .get(format!("http://{addr}/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Behind a trusted proxy, a visitor from elsewhere must be an administrator.
    // SAFETY: set before any request reads it, in this test binary only; every test in it
    // sets the same value.
    unsafe { std::env::set_var("TIENDO_TRUSTED_PROXY", "1") };
    let from_afar = |c: &reqwest::Client| {
        c.get(format!("http://{addr}/metrics"))
            .header("x-forwarded-for", "203.0.113.9")
            .send()
    };
    assert_eq!(
        from_afar(&c).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let (officer, _) = sign_in(addr, "bacson").await;
    assert_eq!(
        from_afar(&officer).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let (admin, _) = sign_in(addr, "admin").await;
    assert_eq!(from_afar(&admin).await.unwrap().status(), StatusCode::OK);
}
