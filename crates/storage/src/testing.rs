//! Databases for tests: a fresh SQLite file, or a fresh schema on the PostgreSQL server named
//! by `TIENDO_TEST_POSTGRES_URL`. Every storage test runs on both through these.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection;

use crate::{DatabaseUrl, Store};

/// The variable that names the PostgreSQL server for tests, e.g.
/// `postgres://postgres@127.0.0.1:5432/postgres`.
pub const POSTGRES_ENV: &str = "TIENDO_TEST_POSTGRES_URL";

/// A migrated store on a database of its own, removed by [`TestDb::finish`].
pub struct TestDb {
    pub store: Store,
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Schema { admin_url: String, schema: String },
}

fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "tiendo_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestDb {
    /// A fresh SQLite file in the temporary directory.
    pub async fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
        let url = DatabaseUrl::Sqlite(path.to_string_lossy().into_owned());
        let store = Store::open(&url)
            .await
            .expect("open a test SQLite database");
        TestDb {
            store,
            url,
            cleanup: Cleanup::File(path),
        }
    }

    /// A fresh schema on the test PostgreSQL server, or `None` (after saying so on stderr) when
    /// `TIENDO_TEST_POSTGRES_URL` is not set.
    pub async fn postgres() -> Option<TestDb> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            eprintln!("SKIPPED on PostgreSQL: set {POSTGRES_ENV} to run this test there too");
            return None;
        };
        let schema = unique_name();
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to the test PostgreSQL server");
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut admin)
            .await
            .expect("create a test schema");
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = DatabaseUrl::Postgres(format!(
            "{admin_url}{separator}options=-c%20search_path%3D{schema}"
        ));
        let store = Store::open(&url).await.expect("open the test schema");
        Some(TestDb {
            store,
            url,
            cleanup: Cleanup::Schema { admin_url, schema },
        })
    }

    /// Closes the store and removes its database.
    pub async fn finish(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Schema { admin_url, schema } => {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                        .execute(&mut admin)
                        .await;
                }
            }
        }
    }
}

/// Declares each listed `async fn(&Store)` as two tests, `sqlite::NAME` and `postgres::NAME`;
/// the PostgreSQL one reports itself skipped when no server is configured.
#[macro_export]
macro_rules! storage_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::testing::TestDb::sqlite().await;
                    super::$name(&db.store).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = $crate::testing::TestDb::postgres().await else { return };
                    super::$name(&db.store).await;
                    db.finish().await;
                }
            )*
        }
    };
}
