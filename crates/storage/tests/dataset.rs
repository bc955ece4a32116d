//! Loading a whole dataset (`Store::load_dataset`), on SQLite and on PostgreSQL: all of it or
//! nothing, with the database left as every other use expects it.

use std::sync::Arc;

use sqlx::Connection;
use tiendo_demo::bench::{Scale, figures, framework_toml, units};
use tiendo_domain::{Decimal, Figure, Observation};
use tiendo_storage::testing::TestDb;
use tiendo_storage::{Actor, DatabaseUrl, DatasetFigures, StorageError, Store};

/// Figures for the province's units, with one for an indicator the framework lacks given to its
/// last commune: a unit of the second chunk, after the first was written.
fn with_one_bad_figure() -> DatasetFigures {
    let all = units(Scale::Province);
    let last = all.last().expect("units").code.clone();
    Arc::new(move |unit| {
        let mut given: Vec<(String, Observation)> = figures(unit, 3).into_iter().take(2).collect();
        if unit.code == last {
            given.push((
                "X-99".into(),
                Observation {
                    observed_on: "2024-03-31".parse().unwrap(),
                    figure: Figure::Amount(Decimal::from_int(1)),
                    planned_by: None,
                    note: String::new(),
                },
            ));
        }
        given
    })
}

async fn load(store: &Store, scale: Scale, given: DatasetFigures) -> tiendo_storage::Result<u64> {
    let mut heard = 0;
    let report = store
        .load_dataset(
            &units(scale),
            &framework_toml(),
            given,
            &mut |_| heard += 1,
            &Actor::system("test"),
        )
        .await?;
    assert!(heard >= 1, "progress is reported");
    Ok(report.figures)
}

/// The indexes of the tables a load fills, by name, with what each is on.
async fn indexes_of_loaded_tables(url: &DatabaseUrl) -> Vec<(String, String)> {
    let listed = match url {
        DatabaseUrl::Postgres(url) => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_as(
                "SELECT c.relname::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
                 JOIN pg_class c ON c.oid = i.indexrelid
                 WHERE i.indrelid IN ('observations'::regclass, 'indicator_status'::regclass,
                                      'status_counts'::regclass)
                 ORDER BY 1",
            )
            .fetch_all(&mut c)
            .await
        }
        DatabaseUrl::Sqlite(path) => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .unwrap();
            sqlx::query_as(
                "SELECT name, COALESCE(sql, '') FROM sqlite_master WHERE type = 'index'
                 AND tbl_name IN ('observations', 'indicator_status', 'status_counts')
                 ORDER BY 1",
            )
            .fetch_all(&mut c)
            .await
        }
    };
    listed.unwrap()
}

/// The load refuses the bad figure, says where it is in both languages and leaves the database
/// empty; a good load then goes in whole and sums up to the nation. Either way the indexes the
/// load set aside are back as they were.
async fn loads_whole_or_not_at_all(store: &Store, url: &DatabaseUrl) {
    let indexes = indexes_of_loaded_tables(url).await;
    assert!(
        indexes
            .iter()
            .any(|(name, _)| name == "indicator_status_in_force")
            && indexes
                .iter()
                .any(|(name, _)| name == "observations_history"),
        "{indexes:?}"
    );
    let err = load(store, Scale::Province, with_one_bad_figure())
        .await
        .expect_err("the unknown indicator is refused");
    let StorageError::Invalid { vi, en } = err else {
        panic!("{err:?}");
    };
    assert!(
        vi.contains("X-99") && vi.contains("không có chỉ tiêu"),
        "{vi}"
    );
    assert!(
        en.contains("X-99") && en.contains("has no indicator"),
        "{en}"
    );
    assert!(
        store.unit("VN").await.is_err(),
        "no unit of the refused load remains"
    );
    assert_eq!(
        indexes_of_loaded_tables(url).await,
        indexes,
        "a refused load leaves the indexes as they were"
    );

    let loaded = load(store, Scale::City, Arc::new(|u| figures(u, 7)))
        .await
        .expect("the city loads");
    assert_eq!(loaded, 11 * 40 * 12);
    let framework = store.framework_ref(Some("bench-2024"), None).await.unwrap();
    let day = "2024-06-30".parse().unwrap();
    let nation = store.summary("VN", &framework, day).await.unwrap();
    let city = store.summary("382", &framework, day).await.unwrap();
    assert_eq!(nation.counts, city.counts);
    assert_eq!(
        nation.counts.applicable + nation.counts.not_applicable,
        11 * 40
    );
    assert_eq!(
        indexes_of_loaded_tables(url).await,
        indexes,
        "the indexes set aside for the load are built again"
    );
}

#[tokio::test]
async fn sqlite_loads_whole_or_not_at_all() {
    let db = TestDb::sqlite().await;
    loads_whole_or_not_at_all(&db.store, &db.url).await;
    db.finish().await;
}

#[tokio::test]
async fn postgres_loads_whole_or_not_at_all_and_keeps_its_foreign_keys() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let foreign_keys = || async {
        let DatabaseUrl::Postgres(url) = &db.url else {
            unreachable!()
        };
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN
             ('observations'::regclass, 'indicator_status'::regclass, 'status_counts'::regclass)",
        )
        .fetch_one(&mut c)
        .await
        .unwrap()
    };
    let before = foreign_keys().await;
    assert!(before >= 10, "{before}");
    loads_whole_or_not_at_all(&db.store, &db.url).await;
    assert_eq!(
        foreign_keys().await,
        before,
        "the foreign keys set aside for the load are back"
    );
    db.finish().await;
}

/// `Store::open_for_load` loads an SQLite file through the rollback journal and leaves it in
/// write-ahead-log mode, with no log left beside it, readable by a store opened as usual.
#[tokio::test]
async fn an_sqlite_file_loaded_alone_ends_in_wal_mode() {
    let path = std::env::temp_dir().join(format!("tiendo-load-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let url = DatabaseUrl::Sqlite(path.to_string_lossy().into_owned());
    let store = Store::open_for_load(&url).await.unwrap();
    load(&store, Scale::City, Arc::new(|u| figures(u, 7)))
        .await
        .unwrap();
    store.close().await;

    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    let problems: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&mut c)
        .await
        .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    c.close().await.unwrap();

    let reopened = Store::open(&url).await.unwrap();
    let framework = reopened
        .framework_ref(Some("bench-2024"), None)
        .await
        .unwrap();
    let nation = reopened
        .summary("VN", &framework, "2024-12-31".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        nation.counts.applicable + nation.counts.not_applicable,
        11 * 40
    );
    reopened.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
