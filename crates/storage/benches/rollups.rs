//! Roll-ups and loading on the province-scale benchmark dataset (Thanh Hóa: 559 communes, 40
//! indicators, 12 monthly figures each), each paired with its limit measured in the same run:
//! the same aggregate written by hand over `status_counts`, and the same figures as a raw bulk
//! insert into a bare table. On SQLite files under the system's temporary directory.
//!
//! `cargo bench -p tiendo-storage --bench rollups`

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tiendo_demo::bench::{Scale, figures, framework_toml, units};
use tiendo_domain::Date;
use tiendo_storage::{Actor, DatabaseUrl, FrameworkRef, Store};

struct Setup {
    runtime: tokio::runtime::Runtime,
    store: Store,
    framework: FrameworkRef,
    raw: sqlx::SqlitePool,
    province: i64,
}

/// A new database file each time: a file is never reused while a closed pool may still hold it.
fn temp_db(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path =
        std::env::temp_dir().join(format!("tiendo-bench-{}-{name}-{n}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

async fn load(path: &Path, scale: Scale) -> (Store, FrameworkRef) {
    let store = Store::open(&DatabaseUrl::Sqlite(path.to_string_lossy().into_owned()))
        .await
        .expect("a store");
    let report = store
        .load_dataset(
            &units(scale),
            &framework_toml(),
            std::sync::Arc::new(|u| figures(u, 1)),
            &mut |_| {},
            &Actor::system("bench"),
        )
        .await
        .expect("the dataset loads");
    (store, report.framework)
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        let path = temp_db("province");
        let (store, framework) = runtime.block_on(load(&path, Scale::Province));
        let raw = runtime
            .block_on(sqlx::SqlitePool::connect(&format!(
                "sqlite://{}",
                path.display()
            )))
            .expect("the same file");
        let province = runtime
            .block_on(
                sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE code = '38'")
                    .fetch_one(&raw),
            )
            .expect("Thanh Hóa");
        Setup {
            runtime,
            store,
            framework,
            raw,
            province,
        }
    })
}

const DAYS: [&str; 3] = ["2024-01-31", "2024-07-31", "2024-12-31"];

fn main() {
    divan::main();
}

/// The province's summary: its counts per group and per district, read from the database (as
/// the first time after a change).
#[divan::bench(args = DAYS)]
fn province_summary(day: &str) {
    let s = setup();
    let day: Date = day.parse().unwrap();
    s.store.forget_caches();
    s.runtime
        .block_on(s.store.summary("38", &s.framework, day))
        .expect("a summary");
}

/// The same summary asked again with nothing changed: the revisions, then the cache.
#[divan::bench(args = DAYS)]
fn province_summary_cached(day: &str) {
    let s = setup();
    let day: Date = day.parse().unwrap();
    s.runtime
        .block_on(s.store.summary("38", &s.framework, day))
        .expect("a summary");
}

/// Its limit: the same two aggregates over `status_counts`, written by hand.
#[divan::bench(args = DAYS)]
fn province_summary_limit(day: &str) {
    let s = setup();
    s.runtime.block_on(async {
        for q in [
            "SELECT c.group_id, SUM(c.achieved), SUM(c.in_progress), SUM(c.not_achieved),
                    SUM(c.no_data), SUM(c.not_applicable) FROM status_counts c
             WHERE c.framework_id = ?1 AND c.unit_id = ?2 AND c.valid_until > ?3 AND c.valid_from <= ?3
             GROUP BY c.group_id",
            "SELECT c.unit_id, SUM(c.achieved), SUM(c.in_progress), SUM(c.not_achieved),
                    SUM(c.no_data), SUM(c.not_applicable)
             FROM units child JOIN status_counts c ON c.unit_id = child.id
             WHERE child.parent_id = ?2 AND c.framework_id = ?1 AND c.valid_until > ?3 AND c.valid_from <= ?3
             GROUP BY c.unit_id",
        ] {
            sqlx::query(q)
                .bind(s.framework.id)
                .bind(s.province)
                .bind(day)
                .fetch_all(&s.raw)
                .await
                .expect("the aggregate");
        }
    });
}

/// A commune's indicators with their statuses and figures.
#[divan::bench(args = DAYS)]
fn commune_indicators(day: &str) {
    let s = setup();
    let day: Date = day.parse().unwrap();
    s.runtime
        .block_on(s.store.unit_indicators("14833", &s.framework, day))
        .expect("the indicators");
}

/// Loading the city (11 communes, 5,280 figures) into a new database: figures, spans, counts.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn load_city() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let path = temp_db("city");
    runtime.block_on(load(&path, Scale::City));
}

/// Its limit: the same 5,280 figures inserted raw into a bare table, in one transaction.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn load_city_limit() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let path = temp_db("raw");
    runtime.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .expect("a file");
        sqlx::query(
            "CREATE TABLE raw (unit TEXT, indicator TEXT, observed_on TEXT, amount BIGINT)",
        )
        .execute(&pool)
        .await
        .expect("a table");
        let mut tx = pool.begin().await.expect("a transaction");
        for unit in units(Scale::City) {
            for (code, o) in figures(&unit, 1) {
                sqlx::query("INSERT INTO raw VALUES (?1, ?2, ?3, ?4)")
                    .bind(&unit.code)
                    .bind(&code)
                    .bind(o.observed_on.to_string())
                    .bind(0i64)
                    .execute(&mut *tx)
                    .await
                    .expect("a row");
            }
        }
        tx.commit().await.expect("committed");
    });
}
