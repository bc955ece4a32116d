//! tiendo's web layer, the only crate that knows HTTP: the JSON API (`/api/v1`, documented at
//! `/api/openapi.json`), the server-rendered pages, and the static assets built into the binary.

mod api;
pub mod auth;
mod charts;
pub mod demo;
mod documents;
mod entry_api;
mod error;
mod evidence;
mod forms;
mod indicator_page;
mod input;
mod matrix;
mod meetings;
mod metrics;
mod pages;
mod query;
mod recognition;
mod review_api;
mod scores;
mod search;
mod tasks;
mod trainings;

use std::net::SocketAddr;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tiendo_domain::Date;
use tiendo_storage::{FileStore, Store, settings};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use api::openapi_json;
pub use tasks::{Mailer, send_pending_emails, spawn_mailer};

/// Appended to asset URLs so a new release is never served a stale stylesheet.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");
pub use error::AppError;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Where evidence files are kept.
    pub files: FileStore,
}

impl AppState {
    /// The date a view opens on when none is asked for: the dataset's own (the demo opens on
    /// its meeting day), else today.
    async fn default_as_of(&self) -> Result<Date, AppError> {
        let configured = self.store.setting(settings::DEFAULT_AS_OF).await?;
        Ok(configured
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(today))
    }
}

/// Today in UTC+7 (Vietnam), read from the clock here so that the domain never reads it.
pub fn today() -> Date {
    let now = time::OffsetDateTime::now_utc() + time::Duration::hours(7);
    Date::from_ymd(now.year(), now.month() as u8, now.day()).unwrap_or(Date::MIN)
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(api::routes())
        .merge(pages::routes())
        .merge(forms::routes())
        .merge(indicator_page::routes())
        .merge(matrix::routes())
        .merge(scores::routes())
        .merge(search::routes())
        .merge(evidence::routes())
        .merge(review_api::routes())
        .merge(documents::routes())
        .merge(tasks::routes())
        .merge(meetings::routes())
        .merge(trainings::routes())
        .merge(recognition::routes())
        .route("/metrics", get(metrics::metrics_page))
        // Inside the routes, where the matched route pattern is known.
        .route_layer(axum::middleware::from_fn(metrics::track))
        .fallback(pages::not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn(reads_at_one_revision))
        // The fastest level: pages shrink by nine tenths all the same, in a fraction of the time
        // the default level takes on a small server.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
            ),
        ))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(
            REQUEST_ID.clone(),
            NextRequestId::default(),
        ))
}

/// A request checks the database's revisions once for all its cached reads (its token, the
/// unit's ancestors, settings, a summary), and again only after a write of its own: one round
/// trip instead of several.
async fn reads_at_one_revision(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    tiendo_storage::at_one_revision(next.run(request)).await
}

/// The header that carries each request's id, in the log and back to the client: a proxy's
/// id is kept, else one is given.
static REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

/// Request ids from this process: a prefix from its start time, then a counter.
#[derive(Clone, Default)]
struct NextRequestId(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl MakeRequestId for NextRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let prefix = PREFIX.get_or_init(|| {
            let started = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            format!("{:x}", started % 0x100_0000)
        });
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&format!("{prefix}-{n}"))
            .ok()
            .map(RequestId::new)
    }
}

/// Every log line written while answering a request carries its id, method and path (never the
/// query string, which may hold search text).
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::info_span!("request", id, method = %request.method(), path = request.uri().path())
}

/// Binds `addr` (port 0 picks a free one) and returns the address bound and the server, to be
/// awaited; it stops on Ctrl-C.
pub async fn bind(
    store: Store,
    files: FileStore,
    addr: SocketAddr,
) -> std::io::Result<(
    SocketAddr,
    impl std::future::Future<Output = std::io::Result<()>>,
)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tasks::spawn_background(store.clone());
    metrics::start();
    let app = router(AppState { store, files });
    let server = async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    };
    Ok((bound, server))
}
