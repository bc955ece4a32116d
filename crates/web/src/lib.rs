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
mod matrix;
mod meetings;
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
        .fallback(pages::not_found)
        .with_state(state)
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
        .layer(TraceLayer::new_for_http())
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
