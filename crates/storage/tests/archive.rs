//! Archives: the Sầm Sơn demo exported from SQLite and imported into PostgreSQL and into a new
//! SQLite file reads back the same everywhere; bad archives and non-empty targets import
//! nothing and say why.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::sync::Mutex;

use serde_json::Value;
use tiendo_domain::access::{ReadScope, Role};
use tiendo_domain::{Date, Figure, Observation, Unit, UnitKind};
use tiendo_storage::testing::TestDb;
use tiendo_storage::{
    Actor, ArchiveProgress, ArchiveSummary, DatabaseUrl, EvidenceItem, FrameworkRef,
    NewObservation, NewUser, Period, StorageError, Store, grant, settings, storage_tests,
};

storage_tests!(
    import_refuses_a_database_that_holds_data,
    a_wrongly_typed_row_imports_nothing_and_is_named,
    a_row_the_database_refuses_imports_nothing_and_is_named,
    archives_that_are_not_ours_are_refused_with_reasons,
);

fn day(s: &str) -> Date {
    s.parse().unwrap()
}

/// The dates compared: before, on and after the meeting day.
const DATES: [&str; 3] = ["2022-06-30", "2022-10-31", "2022-12-31"];

/// A password hash as the web crate writes it (storage keeps what it is given).
const PASSWORD_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$0fOvCq2jJ6d1bCzrN0pIhxvAgIuTzCq5E6UvVTmbS0Y";

fn ward(code: &str, name: &str, kind: UnitKind, parent: &str) -> Unit {
    Unit {
        code: code.into(),
        name: name.into(),
        kind,
        parent_code: Some(parent.into()),
        valid_from: None,
        valid_until: None,
    }
}

/// The demo much as the web crate loads it (units, framework, exclusion, a year of figures
/// with evidence, accounts, a period with submissions returned, accepted and unlocked,
/// exclusion requests, settings), plus a ward moved under a unit added after it, so that a
/// parent's id is larger than its child's.
async fn load_demo(store: &Store) -> FrameworkRef {
    let system = Actor::system("test");
    store.put_units(&tiendo_demo::units()).await.unwrap();
    let fw = store
        .load_framework(tiendo_demo::FRAMEWORK_TOML)
        .await
        .unwrap();
    for e in tiendo_demo::exclusions() {
        store
            .set_exclusion(
                &fw,
                &e.unit_code,
                &e.indicator_code,
                Some(&e.reason),
                &system,
            )
            .await
            .unwrap();
    }
    let figures: Vec<NewObservation> = tiendo_demo::figures()
        .into_iter()
        .map(|f| NewObservation {
            unit_code: f.unit_code,
            indicator_code: f.indicator_code,
            observation: f.observation,
        })
        .collect();
    let evidence: Vec<Vec<EvidenceItem>> = figures
        .iter()
        .enumerate()
        .map(|(n, f)| match (n, f.unit_code.as_str()) {
            (0, _) => vec![
                EvidenceItem::File {
                    hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
                    media_type: "application/pdf".into(),
                    size: 48213,
                    file_name: "quyết định.pdf".into(),
                    title: "Quyết định thành lập".into(),
                },
                EvidenceItem::Link {
                    url: "https://samson.thanhhoa.gov.vn/".into(),
                    title: "Cổng thông tin".into(),
                },
            ],
            (_, tiendo_demo::BAC_SON_CODE | tiendo_demo::QUANG_TIEN_CODE) => {
                vec![EvidenceItem::Document {
                    number: format!("{}/BC-UBND", 100 + n),
                    date: f.observation.observed_on,
                    issuer: "UBND phường".into(),
                    title: "Báo cáo kết quả thực hiện chỉ tiêu chuyển đổi số".into(),
                }]
            }
            _ => Vec::new(),
        })
        .collect();
    store
        .record_observations_with_evidence(&fw, &figures, &evidence, &system)
        .await
        .unwrap();
    let mut actors = BTreeMap::new();
    for (username, role, unit) in [
        ("admin", Role::Admin, None),
        ("samson", Role::Steering, Some(tiendo_demo::CITY_CODE)),
        ("bacson", Role::Officer, Some(tiendo_demo::BAC_SON_CODE)),
        (
            "quangtien",
            Role::Officer,
            Some(tiendo_demo::QUANG_TIEN_CODE),
        ),
    ] {
        let user = store
            .create_user(
                &NewUser {
                    username: username.into(),
                    display_name: format!("Cán bộ {username}"),
                    organisation: unit.map(|_| "UBND".to_string()),
                    password_hash: PASSWORD_HASH.into(),
                    grants: vec![grant(role, unit)],
                },
                &system,
            )
            .await
            .unwrap();
        actors.insert(username, user.actor(Some("127.0.0.1".into())));
    }
    let year = store.periods(&fw).await.unwrap().remove(0);
    let year = store
        .put_period(
            &fw,
            &Period {
                name: "Năm 2022".into(),
                deadline: day("2022-10-25"),
                ..year
            },
            &system,
        )
        .await
        .unwrap();
    store
        .submit(
            &fw,
            tiendo_demo::BAC_SON_CODE,
            &year,
            day("2022-10-24"),
            &actors["bacson"],
        )
        .await
        .unwrap();
    store
        .submit(
            &fw,
            tiendo_demo::QUANG_TIEN_CODE,
            &year,
            day("2022-10-27"),
            &actors["quangtien"],
        )
        .await
        .unwrap();
    store
        .return_submission(
            tiendo_demo::BAC_SON_CODE,
            &year,
            &[("CQ-05".into(), "Đề nghị báo cáo số hồ sơ cụ thể".into())],
            &actors["samson"],
        )
        .await
        .unwrap();
    store
        .accept_submission(tiendo_demo::QUANG_TIEN_CODE, &year, &actors["samson"])
        .await
        .unwrap();
    store
        .unlock_indicator(
            tiendo_demo::QUANG_TIEN_CODE,
            &year,
            "NT-02",
            "Bổ sung biên bản họp",
            &actors["samson"],
        )
        .await
        .unwrap();
    let refused = store
        .request_exclusion(
            &fw,
            tiendo_demo::BAC_SON_CODE,
            "KT-02",
            "Chưa có sản phẩm OCOP",
            &actors["bacson"],
        )
        .await
        .unwrap();
    store
        .decide_exclusion(
            refused,
            false,
            "Phường có sản phẩm đang đề nghị công nhận",
            &actors["samson"],
        )
        .await
        .unwrap();
    store
        .request_exclusion(
            &fw,
            tiendo_demo::BAC_SON_CODE,
            "XH-04",
            "Không có chợ trên địa bàn",
            &actors["bacson"],
        )
        .await
        .unwrap();
    for (key, value) in [
        (settings::PUBLIC_DASHBOARD, "true"),
        (settings::ILLUSTRATIVE, "true"),
        (settings::DEFAULT_AS_OF, tiendo_demo::MEETING_DAY),
        (settings::HOME_UNIT, tiendo_demo::CITY_CODE),
    ] {
        store.set_setting(key, value, &system).await.unwrap();
    }
    store
        .put_units(&[ward("99001", "Phường Thử Nghiệm", UnitKind::Phuong, "382")])
        .await
        .unwrap();
    store
        .put_units(&[
            ward("3899", "Thị xã Thử Nghiệm", UnitKind::ThiXa, "38"),
            ward("99001", "Phường Thử Nghiệm", UnitKind::Phuong, "3899"),
        ])
        .await
        .unwrap();
    fw
}

async fn export(store: &Store) -> (Vec<u8>, ArchiveSummary) {
    let mut out = Cursor::new(Vec::new());
    let summary = store.export_archive(&mut out).await.unwrap();
    (out.into_inner(), summary)
}

async fn import(store: &Store, archive: &[u8]) -> Result<ArchiveSummary, StorageError> {
    store
        .import_archive(Cursor::new(archive), &|_| {}, &Actor::system("test"))
        .await
}

/// The demo, exported from a SQLite file of its own.
async fn demo_archive() -> Vec<u8> {
    let source = TestDb::sqlite().await;
    load_demo(&source.store).await;
    let (archive, _) = export(&source.store).await;
    source.finish().await;
    archive
}

/// Every entry of a ZIP file as text, by name.
fn entries(archive: &[u8]) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(archive)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            (entry.name().to_string(), text)
        })
        .collect()
}

fn zip_of(entries: &BTreeMap<String, String>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The archive with `edit` applied to the values of line `line` (from 1) of `table`.
fn with_edited_row(
    archive: &[u8],
    table: &str,
    line: usize,
    edit: impl Fn(&mut Vec<Value>),
) -> Vec<u8> {
    let mut entries = entries(archive);
    let path = format!("tables/{table}.jsonl");
    let edited: Vec<String> = entries[&path]
        .lines()
        .enumerate()
        .map(|(i, text)| {
            if i + 1 == line {
                let mut values: Vec<Value> = serde_json::from_str(text).unwrap();
                edit(&mut values);
                serde_json::to_string(&values).unwrap()
            } else {
                text.to_string()
            }
        })
        .collect();
    entries.insert(path, edited.join("\n") + "\n");
    zip_of(&entries)
}

fn with_manifest(archive: &[u8], edit: impl Fn(&mut Value)) -> Vec<u8> {
    let mut entries = entries(archive);
    let mut manifest: Value = serde_json::from_str(&entries["manifest.json"]).unwrap();
    edit(&mut manifest);
    entries.insert("manifest.json".into(), manifest.to_string());
    zip_of(&entries)
}

fn messages(e: StorageError) -> (String, String) {
    match e {
        StorageError::Invalid { vi, en } => (vi, en),
        other => panic!("expected a refusal with a reason, got {other:?}"),
    }
}

/// Nothing of an archive is in the store.
async fn assert_empty(store: &Store) {
    assert!(store.units().await.unwrap().is_empty());
    assert!(store.frameworks().await.unwrap().is_empty());
    assert!(store.credentials("admin").await.unwrap().is_none());
    assert!(store.audit_by_action("", 10).await.unwrap().is_empty());
}

/// Everything a reader sees is the same in both stores.
async fn assert_same_dataset(source: &Store, target: &Store) {
    assert_eq!(
        target.frameworks().await.unwrap(),
        source.frameworks().await.unwrap()
    );
    let fw = source.framework_ref(None, None).await.unwrap();
    let units = source.units().await.unwrap();
    assert_eq!(target.units().await.unwrap(), units);
    for date in DATES.map(day) {
        for unit in &units {
            assert_eq!(
                target.summary(&unit.code, &fw, date).await.unwrap(),
                source.summary(&unit.code, &fw, date).await.unwrap(),
                "summary of {} on {date}",
                unit.code
            );
            assert_eq!(
                target.unit_indicators(&unit.code, &fw, date).await.unwrap(),
                source.unit_indicators(&unit.code, &fw, date).await.unwrap(),
                "indicators of {} on {date}",
                unit.code
            );
        }
    }
    let rules = source.framework(&fw).await.unwrap();
    for unit in &units {
        for indicator in &rules.indicators {
            let code = indicator.code.as_str();
            assert_eq!(
                target.history(&fw, &unit.code, code).await.unwrap(),
                source.history(&fw, &unit.code, code).await.unwrap(),
                "history of {code} at {}",
                unit.code
            );
        }
    }
    let year = source.periods(&fw).await.unwrap().remove(0);
    for ward in [tiendo_demo::BAC_SON_CODE, tiendo_demo::QUANG_TIEN_CODE] {
        assert_eq!(
            target.submission(ward, &year).await.unwrap(),
            source.submission(ward, &year).await.unwrap()
        );
        assert_eq!(
            target.exclusion_requests(ward).await.unwrap(),
            source.exclusion_requests(ward).await.unwrap()
        );
    }
    // Search keys are rebuilt, not carried.
    let on = day(tiendo_demo::MEETING_DAY);
    let found = target
        .search_units("bac son", on, &ReadScope::Everywhere, 5)
        .await
        .unwrap();
    assert_eq!(
        found,
        source
            .search_units("bac son", on, &ReadScope::Everywhere, 5)
            .await
            .unwrap()
    );
    assert!(!found.is_empty());
}

#[tokio::test]
async fn a_sqlite_dataset_moves_to_postgres_and_to_sqlite_unchanged() {
    let source = TestDb::sqlite().await;
    let fw = load_demo(&source.store).await;
    let (archive, exported) = export(&source.store).await;
    let source_entries = entries(&archive);

    let manifest: Value = serde_json::from_str(&source_entries["manifest.json"]).unwrap();
    assert_eq!(manifest["format"], "tiendo-archive");
    assert_eq!(manifest["version"], 1);
    assert_eq!(manifest["source_backend"], "sqlite");
    assert!(exported.schema_version >= 5);
    assert_eq!(manifest["schema_version"], exported.schema_version);
    let listed: Vec<&str> = manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let summarised: Vec<&str> = exported.tables.iter().map(|t| t.name).collect();
    assert_eq!(listed, summarised);
    for left_out in [
        "sessions",
        "api_tokens",
        "login_attempts",
        "unit_ancestors",
        "indicator_status",
    ] {
        assert!(!listed.contains(&left_out), "{left_out} is archived");
    }
    for table in &exported.tables {
        let lines = source_entries[&format!("tables/{}.jsonl", table.name)]
            .lines()
            .count();
        assert_eq!(lines as u64, table.rows, "{}", table.name);
    }
    for table in [
        "units",
        "frameworks",
        "indicators",
        "observations",
        "evidence",
        "users",
        "user_roles",
        "settings",
        "exclusions",
        "exclusion_requests",
        "periods",
        "submissions",
        "submission_returns",
        "unlocks",
        "audit_log",
    ] {
        assert!(
            exported.rows(table).unwrap() > 0,
            "{table} is empty in the demo"
        );
    }
    let units = manifest["tables"][0]["columns"].to_string();
    assert!(
        units.contains(r#"{"name":"parent_id","type":"integer"}"#)
            && !units.contains("search_name"),
        "{units}"
    );
    // Values keep their JSON types: booleans, integers, text, null.
    let observations = &source_entries["tables/observations.jsonl"];
    let rows: Vec<Vec<Value>> = observations
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.iter().any(|r| r[4].is_boolean()) && rows.iter().any(|r| r[5].is_i64()));
    assert!(rows.iter().all(|r| r[0].is_i64() && r[3].is_string()));
    assert!(rows.iter().any(|r| r[4].is_null()));
    assert!(source_entries["tables/users.jsonl"].contains(PASSWORD_HASH));

    let mut targets = vec![TestDb::sqlite().await];
    targets.extend(TestDb::postgres().await);
    for target in &targets {
        let heard = Mutex::new(Vec::<ArchiveProgress>::new());
        let imported = target
            .store
            .import_archive(
                Cursor::new(&archive),
                &|p| heard.lock().unwrap().push(p),
                &Actor::system("test"),
            )
            .await
            .unwrap();
        assert_eq!(imported.tables, exported.tables);
        assert_eq!(imported.source_backend, "sqlite");
        let heard = heard.into_inner().unwrap();
        for table in &exported.tables {
            let last = heard.iter().rfind(|p| p.table == table.name).unwrap();
            assert_eq!(
                (last.rows_done, last.rows_total),
                (table.rows, table.rows),
                "{}",
                table.name
            );
        }
        let rebuilt = heard.last().unwrap();
        assert_eq!(rebuilt.table, "indicator_status");
        assert_eq!(rebuilt.rows_done, rebuilt.rows_total);

        assert_same_dataset(&source.store, &target.store).await;

        // Exported again, every table holds the same rows, and the log one entry more.
        let (again, _) = export(&target.store).await;
        let again = entries(&again);
        for table in &exported.tables {
            let path = format!("tables/{}.jsonl", table.name);
            let mut before: Vec<&str> = source_entries[&path].lines().collect();
            let mut after: Vec<&str> = again[&path].lines().collect();
            if table.name == "audit_log" {
                let entry: Vec<Value> = serde_json::from_str(after.pop().unwrap()).unwrap();
                let last: Vec<Value> = serde_json::from_str(before.last().unwrap()).unwrap();
                assert_eq!(entry[5], "archive.import");
                assert_eq!(entry[0].as_i64(), last[0].as_i64().map(|id| id + 1));
                assert!(entry[10].as_str().unwrap().contains(r#""observations":"#));
            }
            before.sort_unstable();
            after.sort_unstable();
            assert_eq!(
                before,
                after,
                "{} on {}",
                table.name,
                target.store.backend()
            );
        }
    }

    // New rows get fresh ids: the ones the source itself would give.
    let figure = NewObservation {
        unit_code: tiendo_demo::BAC_SON_CODE.into(),
        indicator_code: "NT-02".into(),
        observation: Observation {
            observed_on: day("2022-11-15"),
            figure: Figure::Amount("5".parse().unwrap()),
            planned_by: None,
            note: String::new(),
        },
    };
    let user = NewUser {
        username: "moi".into(),
        display_name: "Người mới".into(),
        organisation: None,
        password_hash: PASSWORD_HASH.into(),
        grants: vec![grant(Role::Officer, Some(tiendo_demo::BAC_SON_CODE))],
    };
    let system = Actor::system("test");
    let figure_id = source
        .store
        .record_observations(&fw, std::slice::from_ref(&figure), &system)
        .await
        .unwrap();
    let user_id = source.store.create_user(&user, &system).await.unwrap().id;
    for target in targets {
        assert_eq!(
            target
                .store
                .record_observations(&fw, std::slice::from_ref(&figure), &system)
                .await
                .unwrap(),
            figure_id,
            "{}",
            target.store.backend()
        );
        assert_eq!(
            target.store.create_user(&user, &system).await.unwrap().id,
            user_id
        );
        target.finish().await;
    }
    source.finish().await;
}

async fn import_refuses_a_database_that_holds_data(store: &Store) {
    let archive = demo_archive().await;
    store
        .put_units(&[Unit {
            code: "38".into(),
            name: "Tỉnh Thanh Hóa".into(),
            kind: UnitKind::Tinh,
            parent_code: None,
            valid_from: None,
            valid_until: None,
        }])
        .await
        .unwrap();
    let actor = Actor::system("test");
    store
        .create_user(
            &NewUser {
                username: "admin".into(),
                display_name: "Quản trị".into(),
                organisation: None,
                password_hash: PASSWORD_HASH.into(),
                grants: vec![grant(Role::Admin, None)],
            },
            &actor,
        )
        .await
        .unwrap();
    let audited = store.audit_by_action("", 100).await.unwrap();
    let (vi, en) = messages(import(store, &archive).await.unwrap_err());
    assert!(
        en.contains("units: 1") && en.contains("users: 1") && en.contains("empty"),
        "{en}"
    );
    assert!(vi.contains("units: 1") && vi.contains("trống"), "{vi}");
    assert_eq!(store.units().await.unwrap().len(), 1);
    assert!(store.frameworks().await.unwrap().is_empty());
    assert_eq!(store.audit_by_action("", 100).await.unwrap(), audited);
}

async fn a_wrongly_typed_row_imports_nothing_and_is_named(store: &Store) {
    let archive = demo_archive().await;
    let rows = entries(&archive)["tables/observations.jsonl"]
        .lines()
        .count();
    let middle = rows / 2;
    // observed_on as a number, not text.
    let broken = with_edited_row(&archive, "observations", middle, |row| {
        row[3] = Value::from(20220630)
    });
    let (vi, en) = messages(import(store, &broken).await.unwrap_err());
    assert!(
        en.contains("table observations")
            && en.contains(&format!("line {middle}:"))
            && en.contains("observed_on"),
        "{en}"
    );
    assert!(
        vi.contains("bảng observations") && vi.contains(&format!("dòng {middle}:")),
        "{vi}"
    );
    assert_empty(store).await;
    // Nothing was half-written: the sound archive still goes in.
    import(store, &archive).await.unwrap();
    assert_eq!(
        store.units().await.unwrap().len(),
        tiendo_demo::units().len() + 2
    );
}

async fn a_row_the_database_refuses_imports_nothing_and_is_named(store: &Store) {
    let archive = demo_archive().await;
    let rows = entries(&archive)["tables/observations.jsonl"]
        .lines()
        .count();
    let middle = rows / 2 + 7;
    // A figure of a unit that does not exist: the foreign key refuses it.
    let broken = with_edited_row(&archive, "observations", middle, |row| {
        row[1] = Value::from(999_999)
    });
    let (vi, en) = messages(import(store, &broken).await.unwrap_err());
    assert!(
        en.contains("table observations")
            && en.contains(&format!("line {middle}:"))
            && en.contains("refused"),
        "{en}"
    );
    assert!(vi.contains(&format!("dòng {middle}:")), "{vi}");
    assert_empty(store).await;
    // A unit naming a parent the archive does not have.
    let orphan = with_edited_row(&archive, "units", 3, |row| row[4] = Value::from(424_242));
    let (_, en) = messages(import(store, &orphan).await.unwrap_err());
    assert!(
        en.contains("table units") && en.contains("line 3:") && en.contains("parent_id"),
        "{en}"
    );
    assert_empty(store).await;
    import(store, &archive).await.unwrap();
}

async fn archives_that_are_not_ours_are_refused_with_reasons(store: &Store) {
    let archive = demo_archive().await;
    let refusal =
        |bytes: Vec<u8>| async move { messages(import(store, &bytes).await.unwrap_err()) };

    let (vi, en) = refusal(b"id,name\n1,x\n".to_vec()).await;
    assert!(
        en.contains("not a tiendo archive") && en.contains("ZIP") && vi.contains("ZIP"),
        "{en}"
    );

    let other = zip_of(&BTreeMap::from([(
        "readme.txt".to_string(),
        "hello".to_string(),
    )]));
    let (_, en) = refusal(other).await;
    assert!(en.contains("manifest.json"), "{en}");

    let (_, en) = refusal(with_manifest(&archive, |m| {
        m["format"] = "other-archive".into()
    }))
    .await;
    assert!(
        en.contains("not a tiendo archive") && en.contains("other-archive"),
        "{en}"
    );

    let (vi, en) = refusal(with_manifest(&archive, |m| m["version"] = 2.into())).await;
    assert!(
        en.contains("newer tiendo") && vi.contains("mới hơn"),
        "{en}"
    );

    let newer =
        |m: &mut Value| m["schema_version"] = (m["schema_version"].as_i64().unwrap() + 1).into();
    let (_, en) = refusal(with_manifest(&archive, newer)).await;
    assert!(
        en.contains("schema version") && en.contains("upgrade tiendo"),
        "{en}"
    );

    let older =
        |m: &mut Value| m["schema_version"] = (m["schema_version"].as_i64().unwrap() - 1).into();
    let (_, en) = refusal(with_manifest(&archive, older)).await;
    assert!(
        en.contains("older schema") && en.contains("export again"),
        "{en}"
    );

    let renamed = |m: &mut Value| m["tables"][8]["columns"][3]["name"] = "observed".into();
    let (_, en) = refusal(with_manifest(&archive, renamed)).await;
    assert!(en.contains("columns of table observations"), "{en}");

    let mut short = entries(&archive);
    let settings = short["tables/settings.jsonl"]
        .lines()
        .skip(1)
        .collect::<Vec<_>>()
        .join("\n");
    short.insert("tables/settings.jsonl".into(), settings);
    let (_, en) = refusal(zip_of(&short)).await;
    assert!(
        en.contains("tables/settings.jsonl has 3 rows but manifest.json says 4"),
        "{en}"
    );

    let mut missing = entries(&archive);
    missing.remove("tables/unlocks.jsonl");
    let (_, en) = refusal(zip_of(&missing)).await;
    assert!(en.contains("lacks tables/unlocks.jsonl"), "{en}");

    assert_empty(store).await;
}

/// The column list matches the schema on both backends, and notices a column it does not list.
#[tokio::test]
async fn the_column_list_matches_the_schema() {
    let mut dbs = vec![TestDb::sqlite().await];
    dbs.extend(TestDb::postgres().await);
    for db in dbs {
        db.store.check_archive_schema().await.unwrap();
        let alter = "ALTER TABLE users ADD COLUMN nickname TEXT";
        match &db.url {
            DatabaseUrl::Sqlite(path) => {
                use sqlx::Connection;
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                    .await
                    .unwrap();
                sqlx::query(alter).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            }
            DatabaseUrl::Postgres(url) => {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query(alter).execute(&mut c).await.unwrap();
                c.close().await.unwrap();
            }
        }
        let err = db
            .store
            .check_archive_schema()
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("users.nickname is neither archived nor listed"),
            "{err}"
        );
        let err = db
            .store
            .export_archive(Cursor::new(Vec::new()))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("users.nickname"), "{err}");
        db.finish().await;
    }
}

/// A command line or a server task can run both on any thread.
#[tokio::test]
async fn archive_work_can_move_between_threads() {
    fn assert_send<T: Send>(_: &T) {}
    let db = TestDb::sqlite().await;
    let actor = Actor::system("test");
    let export = db.store.export_archive(Cursor::new(Vec::new()));
    assert_send(&export);
    drop(export);
    let import = db
        .store
        .import_archive(Cursor::new(Vec::new()), &|_| {}, &actor);
    assert_send(&import);
    drop(import);
    db.finish().await;
}
