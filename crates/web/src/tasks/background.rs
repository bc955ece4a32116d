//! What the server does on its own: the overdue sweep, on startup and every hour.

use std::time::Duration;

use tiendo_storage::Store;

/// How often overdue tasks are looked for.
pub const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Starts the overdue sweep (now, then hourly) on the current tokio runtime.
pub fn spawn_background(store: Store) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        loop {
            every.tick().await;
            match store.sweep_overdue_tasks(crate::today()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(tasks = n, "overdue tasks noticed"),
                Err(e) => tracing::warn!(error = %e, "overdue sweep failed; retrying in an hour"),
            }
        }
    });
}
