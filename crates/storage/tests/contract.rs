//! The storage contract: every test here runs on SQLite and on PostgreSQL.

use tiendo_domain::{
    Applicability, Counts, Date, Decimal, Figure, Observation, Rules, Status, Unit, UnitKind,
};
use tiendo_storage::{Actor, DatedFigure, NewObservation, StorageError, Store, storage_tests};

storage_tests!(
    migrating_twice_changes_nothing,
    units_form_a_tree_and_parents_must_exist,
    framework_loads_once_per_version,
    broken_framework_is_refused_with_positions,
    demo_gives_the_meeting_day_counts,
    a_new_figure_moves_the_status_and_the_past_stays,
    bad_figures_write_nothing,
    exclusion_moves_an_indicator_out_of_the_count,
    roll_ups_equal_the_rules_applied_to_raw_figures,
    counts_follow_every_kind_of_write,
    unit_indicators_list_every_indicator_with_its_figure,
    settings_round_trip,
);

fn day(s: &str) -> Date {
    s.parse().unwrap()
}

async fn load_demo(store: &Store) {
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
                &Actor::system("test"),
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
    assert_eq!(
        store
            .record_observations(&fw, &figures, &Actor::system("test"))
            .await
            .unwrap()
            .len(),
        figures.len()
    );
}

const SMALL_FRAMEWORK: &str = r#"
code = "small"
version = 1
name = "Khung nhỏ"
name_en = "Small framework"
period = { start = 2022-01-01, end = 2022-12-31 }

[[groups]]
code = "g"
name = "Nhóm"
name_en = "Group"

[[indicators]]
code = "A"
group = "g"
name = "Tỷ lệ hồ sơ trực tuyến"
name_en = "Dossiers online"
measure = "ratio"
target = ">= 80%"

[[indicators]]
code = "B"
group = "g"
name = "Có kế hoạch"
name_en = "Plan issued"
measure = "yes_no"
target = "= yes"
"#;

fn unit(code: &str, name: &str, kind: UnitKind, parent: Option<&str>) -> Unit {
    Unit {
        code: code.into(),
        name: name.into(),
        kind,
        parent_code: parent.map(Into::into),
        valid_from: None,
        valid_until: None,
    }
}

fn small_tree() -> Vec<Unit> {
    vec![
        unit("38", "Tỉnh Thanh Hóa", UnitKind::Tinh, None),
        unit("382", "Thành phố Sầm Sơn", UnitKind::ThanhPho, Some("38")),
        unit("14833", "Phường Bắc Sơn", UnitKind::Phuong, Some("382")),
        unit("16513", "Xã Quảng Minh", UnitKind::Xa, Some("382")),
    ]
}

async fn migrating_twice_changes_nothing(store: &Store) {
    store.migrate().await.unwrap();
    store.put_units(&small_tree()).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.units().await.unwrap().len(), 4);
}

async fn units_form_a_tree_and_parents_must_exist(store: &Store) {
    store.put_units(&small_tree()).await.unwrap();
    let children = store.children("382", day("2022-10-31")).await.unwrap();
    let codes: Vec<&str> = children.iter().map(|u| u.code.as_str()).collect();
    assert_eq!(codes, ["14833", "16513"]);
    assert_eq!(store.unit("14833").await.unwrap().name, "Phường Bắc Sơn");
    let listed: Vec<String> = store
        .units()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.code)
        .collect();
    assert_eq!(
        listed,
        ["38", "382", "14833", "16513"],
        "parents come first"
    );
    let ancestors: Vec<String> = store
        .ancestors("14833")
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.code)
        .collect();
    assert_eq!(ancestors, ["38", "382"], "root first");
    assert_eq!(store.root_unit().await.unwrap().as_deref(), Some("38"));

    let orphan = unit("99999", "Phường Mồ Côi", UnitKind::Phuong, Some("000"));
    match store.put_units(&[orphan]).await {
        Err(StorageError::Invalid { en, vi }) => {
            assert!(en.contains("«000»"), "{en}");
            assert!(vi.contains("«000»"), "{vi}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(
        store.unit("99999").await,
        Err(StorageError::NotFound { .. })
    ));

    // A unit that has ended is no longer listed among its parent's children.
    let mut ended = unit("16516", "Xã Quảng Hùng", UnitKind::Xa, Some("382"));
    ended.valid_until = Some(day("2025-07-01"));
    store.put_units(&[ended]).await.unwrap();
    assert_eq!(
        store
            .children("382", day("2022-10-31"))
            .await
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        store
            .children("382", day("2025-07-01"))
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn framework_loads_once_per_version(store: &Store) {
    store.put_units(&small_tree()).await.unwrap();
    let first = store.load_framework(SMALL_FRAMEWORK).await.unwrap();
    let again = store.load_framework(SMALL_FRAMEWORK).await.unwrap();
    assert_eq!(first, again, "the same text loads once");
    assert_eq!(store.frameworks().await.unwrap().len(), 1);

    let changed = SMALL_FRAMEWORK.replace(">= 80%", ">= 90%");
    match store.load_framework(&changed).await {
        Err(StorageError::Invalid { en, .. }) => assert!(en.contains("raise `version`"), "{en}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let v2 = store
        .load_framework(&changed.replace("version = 1", "version = 2"))
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    let picked = store.framework_ref(Some("small"), None).await.unwrap();
    assert_eq!(picked.version, 2, "a code picks its latest version");

    // A freshly loaded framework has every applicable indicator at no data.
    let s = store.summary("382", &v2, day("2022-06-30")).await.unwrap();
    assert_eq!(s.counts.applicable, 4);
    assert_eq!(s.counts.no_data, 4);
}

async fn broken_framework_is_refused_with_positions(store: &Store) {
    let broken = SMALL_FRAMEWORK.replace(">= 80%", ">= abc%");
    match store.load_framework(&broken).await {
        Err(StorageError::Invalid { en, vi }) => {
            assert!(en.contains("abc"), "{en}");
            let line = broken.lines().position(|l| l.contains("abc")).unwrap() + 1;
            assert!(en.contains(&format!("{line}:")), "names the line: {en}");
            assert!(vi.contains("không phải là số"), "{vi}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(
        store.frameworks().await.unwrap().is_empty(),
        "nothing was written"
    );
}

async fn demo_gives_the_meeting_day_counts(store: &Store) {
    load_demo(store).await;
    let fw = store
        .framework_ref(None, Some(day("2022-10-31")))
        .await
        .unwrap();
    let meeting = day("2022-10-31");

    let bac_son = store.summary("14833", &fw, meeting).await.unwrap();
    let c = bac_son.counts;
    assert_eq!(
        (
            c.applicable,
            c.achieved,
            c.in_progress,
            c.not_achieved,
            c.no_data,
            c.not_applicable
        ),
        (31, 26, 4, 1, 0, 0)
    );
    let unmet: Vec<&str> = bac_son
        .groups
        .iter()
        .filter(|g| g.counts.not_achieved > 0)
        .map(|g| g.group.code.as_str())
        .collect();
    assert_eq!(
        unmet,
        ["chinh-quyen"],
        "the unmet one is in digital government"
    );
    assert_eq!(bac_son.groups.len(), 8);
    assert!(bac_son.children.is_empty());

    let quang_tien = store.summary("14842", &fw, meeting).await.unwrap();
    let c = quang_tien.counts;
    assert_eq!(
        (
            c.applicable,
            c.achieved,
            c.in_progress,
            c.not_achieved,
            c.not_applicable
        ),
        (30, 27, 2, 1, 1)
    );

    let city = store.summary("382", &fw, meeting).await.unwrap();
    assert_eq!(city.children.len(), 11);
    let mut sum = Counts::default();
    for child in &city.children {
        sum.merge(&child.counts);
    }
    assert_eq!(sum, city.counts, "the city sums its units");
    let province = store.summary("38", &fw, meeting).await.unwrap();
    assert_eq!(province.counts, city.counts);
    assert_eq!(province.children.len(), 1);
}

async fn a_new_figure_moves_the_status_and_the_past_stays(store: &Store) {
    load_demo(store).await;
    let fw = store.framework_ref(None, None).await.unwrap();
    let meeting = day("2022-10-31");
    let rows = store.unit_indicators("14833", &fw, meeting).await.unwrap();
    let in_progress = rows
        .iter()
        .find(|r| {
            r.status == Status::InProgress && r.indicator.measure != tiendo_domain::Measure::YesNo
        })
        .expect("Bắc Sơn has an in-progress numeric indicator");
    let code = in_progress.indicator.code.clone();
    let figure = match in_progress.indicator.measure {
        tiendo_domain::Measure::Ratio => Figure::Ratio {
            numerator: 100,
            denominator: 100,
        },
        _ => Figure::Amount(Decimal::from_int(100)),
    };
    store
        .record_observations(
            &fw,
            &[NewObservation {
                unit_code: "14833".into(),
                indicator_code: code.clone(),
                observation: Observation {
                    observed_on: meeting,
                    figure,
                    planned_by: None,
                    note: "Cập nhật tại hội nghị".into(),
                },
            }],
            &Actor::system("test"),
        )
        .await
        .unwrap();
    let now = store.summary("14833", &fw, meeting).await.unwrap().counts;
    assert_eq!((now.achieved, now.in_progress), (27, 3));
    let before = store
        .summary("14833", &fw, day("2022-10-30"))
        .await
        .unwrap()
        .counts;
    assert_eq!(
        (before.achieved, before.in_progress),
        (26, 4),
        "the day before is unchanged"
    );
    let row = store
        .unit_indicators("14833", &fw, meeting)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.indicator.code == code)
        .unwrap();
    assert_eq!(row.status, Status::Achieved);
    assert!(row.reason.vi.contains("đạt mục tiêu"), "{}", row.reason.vi);
    assert_eq!(row.latest.unwrap().note, "Cập nhật tại hội nghị");
}

async fn bad_figures_write_nothing(store: &Store) {
    store.put_units(&small_tree()).await.unwrap();
    let fw = store.load_framework(SMALL_FRAMEWORK).await.unwrap();
    let obs = |figure| Observation {
        observed_on: day("2022-05-01"),
        figure,
        planned_by: None,
        note: String::new(),
    };
    let items = vec![
        NewObservation {
            unit_code: "14833".into(),
            indicator_code: "A".into(),
            observation: obs(Figure::Ratio {
                numerator: 40,
                denominator: 50,
            }),
        },
        NewObservation {
            unit_code: "14833".into(),
            indicator_code: "A".into(),
            observation: obs(Figure::Ratio {
                numerator: 60,
                denominator: 50,
            }),
        },
        NewObservation {
            unit_code: "00000".into(),
            indicator_code: "B".into(),
            observation: obs(Figure::YesNo(true)),
        },
        NewObservation {
            unit_code: "14833".into(),
            indicator_code: "Z".into(),
            observation: obs(Figure::YesNo(true)),
        },
        NewObservation {
            unit_code: "14833".into(),
            indicator_code: "B".into(),
            observation: obs(Figure::Amount(Decimal::from_int(1))),
        },
    ];
    match store
        .record_observations(&fw, &items, &Actor::system("test"))
        .await
    {
        Err(StorageError::Invalid { en, vi }) => {
            for n in 2..=5 {
                assert!(
                    en.contains(&format!("item {n}:")),
                    "item {n} reported: {en}"
                );
                assert!(vi.contains(&format!("mục {n}:")), "mục {n} reported: {vi}");
            }
            assert!(!en.contains("item 1:"), "item 1 is fine: {en}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(
        store.history(&fw, "14833", "A").await.unwrap().is_empty(),
        "nothing was written"
    );
    let s = store
        .summary("14833", &fw, day("2022-12-31"))
        .await
        .unwrap();
    assert_eq!(s.counts.no_data, 2);
}

async fn exclusion_moves_an_indicator_out_of_the_count(store: &Store) {
    store.put_units(&small_tree()).await.unwrap();
    let fw = store.load_framework(SMALL_FRAMEWORK).await.unwrap();
    let d = day("2022-06-30");
    store
        .set_exclusion(
            &fw,
            "16513",
            "B",
            Some("Xã đã sáp nhập kế hoạch vào huyện"),
            &Actor::system("test"),
        )
        .await
        .unwrap();
    let c = store.summary("16513", &fw, d).await.unwrap().counts;
    assert_eq!((c.applicable, c.not_applicable), (1, 1));
    let row = store
        .unit_indicators("16513", &fw, d)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.indicator.code == "B")
        .unwrap();
    assert_eq!(row.status, Status::NotApplicable);
    assert!(
        row.reason.vi.contains("Xã đã sáp nhập"),
        "{}",
        row.reason.vi
    );
    assert!(matches!(
        store
            .set_exclusion(&fw, "16513", "B", Some("  "), &Actor::system("test"))
            .await,
        Err(StorageError::Invalid { .. })
    ));
    store
        .set_exclusion(&fw, "16513", "B", None, &Actor::system("test"))
        .await
        .unwrap();
    let c = store.summary("16513", &fw, d).await.unwrap().counts;
    assert_eq!((c.applicable, c.not_applicable), (2, 0));
}

async fn roll_ups_equal_the_rules_applied_to_raw_figures(store: &Store) {
    load_demo(store).await;
    let fw = store.framework_ref(None, None).await.unwrap();
    let framework = tiendo_demo::framework();
    let figures = tiendo_demo::figures();
    let exclusions = tiendo_demo::exclusions();
    let units = tiendo_demo::units();
    for as_of in [
        "2021-12-31",
        "2022-01-15",
        "2022-03-31",
        "2022-06-30",
        "2022-10-31",
        "2022-12-31",
        "2023-01-01",
    ] {
        let as_of = day(as_of);
        let summary = store.summary("382", &fw, as_of).await.unwrap();
        for child in &summary.children {
            let unit = units.iter().find(|u| u.code == child.unit.code).unwrap();
            let mut expected = Counts::default();
            for indicator in &framework.indicators {
                let exclusion = exclusions
                    .iter()
                    .find(|e| e.unit_code == unit.code && e.indicator_code == indicator.code)
                    .map(|e| e.reason.as_str());
                let applicability: Applicability = indicator.applicability(unit.kind, exclusion);
                let mut history: Vec<Observation> = figures
                    .iter()
                    .filter(|f| f.unit_code == unit.code && f.indicator_code == indicator.code)
                    .map(|f| f.observation.clone())
                    .collect();
                history.sort_by_key(|o| o.observed_on);
                let rules = Rules {
                    indicator,
                    applicability: &applicability,
                    period_start: framework.period_start,
                };
                expected.add(rules.assess(&history, as_of).status, 1);
            }
            assert_eq!(child.counts, expected, "{} on {as_of}", unit.code);
        }
    }
}

/// The roll-ups of the city, the province and the nation, read from the derived counts, against
/// each ward's statuses read from its spans, on dates around every change.
async fn assert_counts_match_spans(store: &Store, when: &str) {
    let fw = store.framework_ref(None, None).await.unwrap();
    for as_of in [
        "2021-12-31",
        "2022-01-01",
        "2022-03-31",
        "2022-06-30",
        "2022-09-15",
        "2022-10-31",
        "2022-12-31",
        "2023-06-30",
    ] {
        let as_of = day(as_of);
        let mut total = Counts::default();
        let mut by_indicator: std::collections::HashMap<String, Counts> = Default::default();
        let mut by_group: std::collections::HashMap<String, Counts> = Default::default();
        let city = store.summary("382", &fw, as_of).await.unwrap();
        for child in &city.children {
            let mut expected = Counts::default();
            for row in store
                .unit_indicators(&child.unit.code, &fw, as_of)
                .await
                .unwrap()
            {
                expected.add(row.status, 1);
                by_indicator
                    .entry(row.indicator.code.clone())
                    .or_default()
                    .add(row.status, 1);
                by_group
                    .entry(row.group.code.clone())
                    .or_default()
                    .add(row.status, 1);
            }
            assert_eq!(
                child.counts, expected,
                "{} on {as_of}, {when}",
                child.unit.code
            );
            total.merge(&expected);
        }
        assert_eq!(city.counts, total, "the city on {as_of}, {when}");
        for group in &city.groups {
            assert_eq!(
                group.counts,
                by_group.get(&group.group.code).copied().unwrap_or_default(),
                "group {} on {as_of}, {when}",
                group.group.code
            );
        }
        let counted = store.indicator_counts("382", &fw, as_of).await.unwrap();
        for (code, expected) in &by_indicator {
            assert_eq!(
                counted.get(code).copied().unwrap_or_default(),
                *expected,
                "indicator {code} on {as_of}, {when}"
            );
        }
        for up in ["38", "VN"] {
            let summary = store.summary(up, &fw, as_of).await.unwrap();
            assert_eq!(summary.counts, total, "{up} on {as_of}, {when}");
        }
        let series = store
            .count_series("382", &fw, &[as_of], None)
            .await
            .unwrap();
        assert_eq!(series.total[0], total, "the series on {as_of}, {when}");
    }
}

async fn counts_follow_every_kind_of_write(store: &Store) {
    load_demo(store).await;
    assert_counts_match_spans(store, "after the demo").await;
    let fw = store.framework_ref(None, None).await.unwrap();
    let actor = Actor::system("test");

    // A correction that moves a status back in time, and a new figure late in the year.
    let history = store.history(&fw, "14842", "HT-01").await.unwrap();
    let first = history.first().unwrap();
    let mut corrected = first.observation.clone();
    corrected.figure = match corrected.figure {
        Figure::YesNo(b) => Figure::YesNo(!b),
        Figure::Amount(_) => Figure::Amount(Decimal::from_thousandths(0)),
        Figure::Ratio { denominator, .. } => Figure::Ratio {
            numerator: 0,
            denominator,
        },
    };
    store
        .update_observation(
            &fw,
            "14842",
            "HT-01",
            first.id,
            first.version,
            &corrected,
            &actor,
        )
        .await
        .unwrap();
    assert_counts_match_spans(store, "after a correction").await;

    let framework = tiendo_demo::framework();
    let late: Vec<NewObservation> = framework
        .indicators
        .iter()
        .filter(|i| i.measure == tiendo_domain::Measure::YesNo)
        .map(|i| NewObservation {
            unit_code: "14833".into(),
            indicator_code: i.code.clone(),
            observation: Observation {
                observed_on: day("2022-09-15"),
                figure: Figure::YesNo(true),
                planned_by: None,
                note: String::new(),
            },
        })
        .collect();
    assert!(!late.is_empty());
    store.record_observations(&fw, &late, &actor).await.unwrap();
    assert_counts_match_spans(store, "after new figures").await;

    // An exclusion set and withdrawn.
    let indicator = &framework.indicators[0].code;
    store
        .set_exclusion(&fw, "14833", indicator, Some("không có"), &actor)
        .await
        .unwrap();
    assert_counts_match_spans(store, "after an exclusion").await;
    store
        .set_exclusion(&fw, "14833", indicator, None, &actor)
        .await
        .unwrap();
    assert_counts_match_spans(store, "after the exclusion is withdrawn").await;

    // A ward that ceases to exist mid-year counts only until then, everywhere above it.
    let mut units = tiendo_demo::units();
    let ward = units.iter_mut().find(|u| u.code == "14842").unwrap();
    ward.valid_until = Some(day("2022-07-01"));
    store.put_units(&units).await.unwrap();
    assert_counts_match_spans(store, "after a ward's end").await;
    let city = store.summary("382", &fw, day("2022-10-31")).await.unwrap();
    assert!(city.children.iter().all(|c| c.unit.code != "14842"));
}

async fn unit_indicators_list_every_indicator_with_its_figure(store: &Store) {
    load_demo(store).await;
    let fw = store.framework_ref(None, None).await.unwrap();
    let rows = store
        .unit_indicators("14842", &fw, day("2022-10-31"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 31);
    let framework = tiendo_demo::framework();
    let order: Vec<&str> = rows.iter().map(|r| r.indicator.code.as_str()).collect();
    let mut expected: Vec<&str> = Vec::new();
    for g in &framework.groups {
        expected.extend(
            framework
                .indicators
                .iter()
                .filter(|i| i.group == g.code)
                .map(|i| i.code.as_str()),
        );
    }
    assert_eq!(order, expected, "framework order, group by group");
    for r in &rows {
        assert!(!r.reason.vi.is_empty() && !r.reason.en.is_empty());
        match r.status {
            Status::NoData | Status::NotApplicable => assert!(r.latest.is_none()),
            _ => assert!(r.latest.as_ref().unwrap().observed_on <= day("2022-10-31")),
        }
    }
    // The city itself is not assessed by a commune framework.
    assert!(
        store
            .unit_indicators("382", &fw, day("2022-10-31"))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn settings_round_trip(store: &Store) {
    assert_eq!(store.setting("public_dashboard").await.unwrap(), None);
    store
        .set_setting(
            "public_dashboard",
            "true",
            &tiendo_storage::Actor::system("test"),
        )
        .await
        .unwrap();
    store
        .set_setting(
            "public_dashboard",
            "false",
            &tiendo_storage::Actor::system("test"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.setting("public_dashboard").await.unwrap().as_deref(),
        Some("false")
    );
    let changes = store.audit_by_action("setting.", 10).await.unwrap();
    assert_eq!(
        changes.len(),
        2,
        "opening or closing the dashboard is audited"
    );
    assert_eq!(
        changes[0].old_value.as_deref(),
        Some("public_dashboard=true")
    );
}

#[test]
fn both_backends_have_the_same_migrations() {
    let names = |dir: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

mod accounts {
    use super::*;
    use tiendo_domain::access::Role;
    use tiendo_storage::{NewUser, grant};

    storage_tests!(
        users_sessions_and_tokens,
        a_stale_edit_is_refused_and_both_attempts_are_audited,
        the_audit_log_cannot_be_changed,
    );

    async fn users_sessions_and_tokens(store: &Store) {
        store.put_units(&small_tree()).await.unwrap();
        let actor = Actor::system("test");
        let new = NewUser {
            username: "bacson".into(),
            display_name: "Cán bộ Bắc Sơn".into(),
            organisation: None,
            password_hash: "$argon2id$fake".into(),
            grants: vec![grant(Role::Officer, Some("14833"))],
        };
        let user = store.create_user(&new, &actor).await.unwrap();
        assert_eq!(user.grants, vec![grant(Role::Officer, Some("14833"))]);
        assert!(
            matches!(
                store.create_user(&new, &actor).await,
                Err(StorageError::Invalid { .. })
            ),
            "taken"
        );
        let mut nowhere = new.clone();
        nowhere.username = "ghost".into();
        nowhere.grants = vec![grant(Role::Officer, Some("00000"))];
        assert!(matches!(
            store.create_user(&nowhere, &actor).await,
            Err(StorageError::NotFound { .. })
        ));
        assert!(
            store.credentials("ghost").await.unwrap().is_none(),
            "nothing half-written"
        );
        let mut unscoped = new.clone();
        unscoped.username = "steer".into();
        unscoped.grants = vec![grant(Role::Steering, None)];
        assert!(matches!(
            store.create_user(&unscoped, &actor).await,
            Err(StorageError::Invalid { .. })
        ));

        let (found, hash) = store.credentials("bacson").await.unwrap().unwrap();
        assert_eq!((found.id, hash.as_str()), (user.id, "$argon2id$fake"));

        store
            .create_session(&user, "h1", "csrf1", 3600, Some("127.0.0.1"))
            .await
            .unwrap();
        let (who, csrf) = store.session("h1").await.unwrap().unwrap();
        assert_eq!((who.username.as_str(), csrf.as_str()), ("bacson", "csrf1"));
        store
            .create_session(&user, "h2", "csrf2", -1, None)
            .await
            .unwrap();
        assert!(store.session("h2").await.unwrap().is_none(), "expired");
        store.end_session("h1", &user.actor(None)).await.unwrap();
        assert!(store.session("h1").await.unwrap().is_none());

        store
            .create_api_token("bacson", "laptop", "t1", &actor)
            .await
            .unwrap();
        assert_eq!(
            store.api_token_user("t1").await.unwrap().unwrap().id,
            user.id
        );
        assert!(store.api_token_user("nope").await.unwrap().is_none());

        store
            .note_login_attempt("bacson", "10.0.0.1", false)
            .await
            .unwrap();
        store
            .note_login_attempt("bacson", "10.0.0.2", false)
            .await
            .unwrap();
        store
            .note_login_attempt("bacson", "10.0.0.1", true)
            .await
            .unwrap();
        assert_eq!(
            store
                .recent_failures("bacson", "10.0.0.1", 900)
                .await
                .unwrap(),
            (2, 1)
        );

        store
            .create_session(&user, "h3", "c3", 3600, None)
            .await
            .unwrap();
        store
            .set_password_hash("bacson", "$argon2id$new", &actor)
            .await
            .unwrap();
        assert!(
            store.session("h3").await.unwrap().is_none(),
            "a new password ends sessions"
        );
        let actions: Vec<String> = store
            .audit_by_action("", 50)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        for expected in [
            "user.create",
            "session.sign_in",
            "session.sign_out",
            "session.sign_in_failed",
            "token.create",
            "user.password",
        ] {
            assert!(
                actions.iter().any(|a| a == expected),
                "{expected} audited: {actions:?}"
            );
        }
    }

    async fn a_stale_edit_is_refused_and_both_attempts_are_audited(store: &Store) {
        store.put_units(&small_tree()).await.unwrap();
        let fw = store.load_framework(SMALL_FRAMEWORK).await.unwrap();
        let first = Actor {
            user_id: None,
            username: "first".into(),
            address: Some("10.0.0.1".into()),
        };
        let second = Actor {
            user_id: None,
            username: "second".into(),
            address: Some("10.0.0.2".into()),
        };
        let obs = |n| Observation {
            observed_on: day("2022-06-30"),
            figure: Figure::Ratio {
                numerator: n,
                denominator: 100,
            },
            planned_by: None,
            note: String::new(),
        };
        store
            .record_observations(
                &fw,
                &[NewObservation {
                    unit_code: "14833".into(),
                    indicator_code: "A".into(),
                    observation: obs(50),
                }],
                &first,
            )
            .await
            .unwrap();
        let recorded = store.history(&fw, "14833", "A").await.unwrap().remove(0);
        assert_eq!(recorded.version, 1);
        // Both editors opened version 1; the first saves 85, the second then tries 60.
        let v = store
            .update_observation(&fw, "14833", "A", recorded.id, 1, &obs(85), &first)
            .await
            .unwrap();
        assert_eq!(v, 2);
        match store
            .update_observation(&fw, "14833", "A", recorded.id, 1, &obs(60), &second)
            .await
        {
            Err(StorageError::Conflict { vi, en }) => {
                assert!(
                    en.contains("85%") && en.contains("60%"),
                    "both values shown: {en}"
                );
                assert!(vi.contains("85%") && vi.contains("60%"), "{vi}");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        let now = store.history(&fw, "14833", "A").await.unwrap().remove(0);
        assert_eq!(
            now.observation.figure,
            Figure::Ratio {
                numerator: 85,
                denominator: 100
            }
        );
        assert_eq!(now.version, 2);
        let row = store
            .unit_indicators("14833", &fw, day("2022-07-01"))
            .await
            .unwrap()
            .remove(0);
        assert_eq!(
            row.status,
            Status::Achieved,
            "the saved edit recomputed the status"
        );
        let trail = store.audit_trail("14833", Some("A"), 10).await.unwrap();
        let seen: Vec<(&str, &str)> = trail
            .iter()
            .map(|e| (e.action.as_str(), e.username.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("observation.update_refused", "second"),
                ("observation.update", "first"),
                ("observation.create", "first")
            ]
        );
        assert!(
            trail[0]
                .new_value
                .as_deref()
                .unwrap()
                .contains("\"numerator\":60")
        );
        assert_eq!(trail[0].address.as_deref(), Some("10.0.0.2"));
    }

    async fn the_audit_log_cannot_be_changed(store: &Store) {
        store.put_units(&small_tree()).await.unwrap();
        store
            .set_setting("x", "y", &tiendo_storage::Actor::system("test"))
            .await
            .unwrap();
        let fw = store.load_framework(SMALL_FRAMEWORK).await.unwrap();
        store
            .set_exclusion(&fw, "14833", "B", Some("lý do"), &Actor::system("test"))
            .await
            .unwrap();
        assert!(
            !store
                .audit_trail("14833", None, 10)
                .await
                .unwrap()
                .is_empty()
        );
        store.clear().await.unwrap();
        store.put_units(&small_tree()).await.unwrap();
        assert_eq!(
            store.audit_trail("14833", None, 10).await.unwrap().len(),
            1,
            "clearing the data keeps the log"
        );
    }
}

mod review {
    use super::*;
    use tiendo_storage::Period;

    storage_tests!(
        exclusions_count_only_once_approved,
        submissions_are_reviewed_and_accepted_figures_locked,
        concurrent_writers_of_one_unit_queue,
        concurrent_good_and_refused_writes_each_get_their_own_answer,
        abandoned_writes_leave_the_store_usable,
    );

    fn officer() -> Actor {
        Actor {
            user_id: None,
            username: "officer".into(),
            address: None,
        }
    }

    async fn exclusions_count_only_once_approved(store: &Store) {
        store.put_units(&small_tree()).await.unwrap();
        let fw = store.load_framework(SMALL_FRAMEWORK).await.unwrap();
        let d = day("2022-06-30");
        assert!(matches!(
            store
                .request_exclusion(&fw, "14833", "B", " ", &officer())
                .await,
            Err(StorageError::Invalid { .. })
        ));
        let id = store
            .request_exclusion(&fw, "14833", "B", "Phường đã sáp nhập kế hoạch", &officer())
            .await
            .unwrap();
        assert!(
            matches!(
                store
                    .request_exclusion(&fw, "14833", "B", "lần nữa", &officer())
                    .await,
                Err(StorageError::Invalid { .. })
            ),
            "one waiting request at a time"
        );
        assert_eq!(
            store
                .summary("14833", &fw, d)
                .await
                .unwrap()
                .counts
                .not_applicable,
            0,
            "pending changes nothing"
        );
        let listed = store.exclusion_requests("382").await.unwrap();
        assert_eq!((listed.len(), listed[0].state.as_str()), (1, "pending"));
        let refused = store
            .decide_exclusion(id, false, "Chưa đủ căn cứ", &Actor::system("steering"))
            .await
            .unwrap();
        assert_eq!(refused.state, "refused");
        assert_eq!(
            store
                .summary("14833", &fw, d)
                .await
                .unwrap()
                .counts
                .not_applicable,
            0
        );
        assert!(
            matches!(
                store
                    .decide_exclusion(id, true, "", &Actor::system("steering"))
                    .await,
                Err(StorageError::Conflict { .. })
            ),
            "a decided request stays decided"
        );
        let again = store
            .request_exclusion(&fw, "14833", "B", "Bổ sung căn cứ", &officer())
            .await
            .unwrap();
        store
            .decide_exclusion(again, true, "Đồng ý", &Actor::system("steering"))
            .await
            .unwrap();
        let c = store.summary("14833", &fw, d).await.unwrap().counts;
        assert_eq!((c.applicable, c.not_applicable), (1, 1));
    }

    async fn submissions_are_reviewed_and_accepted_figures_locked(store: &Store) {
        store.put_units(&small_tree()).await.unwrap();
        let fw = store.load_framework(SMALL_FRAMEWORK).await.unwrap();
        let periods = store.periods(&fw).await.unwrap();
        assert_eq!(periods.len(), 1, "a framework comes with one period");
        let period = store
            .put_period(
                &fw,
                &Period {
                    deadline: day("2022-10-25"),
                    ..periods[0].clone()
                },
                &Actor::system("admin"),
            )
            .await
            .unwrap();
        let steering = Actor::system("steering");
        let figure = |n: i64, on: &str| NewObservation {
            unit_code: "14833".into(),
            indicator_code: "A".into(),
            observation: Observation {
                observed_on: day(on),
                figure: Figure::Ratio {
                    numerator: n,
                    denominator: 100,
                },
                planned_by: None,
                note: String::new(),
            },
        };
        store
            .record_observations(&fw, &[figure(60, "2022-09-30")], &officer())
            .await
            .unwrap();
        assert_eq!(
            store.submission("14833", &period).await.unwrap().state,
            "draft"
        );
        assert!(matches!(
            store.accept_submission("14833", &period, &steering).await,
            Err(StorageError::Conflict { .. })
        ));
        let city = NewObservation {
            unit_code: "382".into(),
            ..figure(50, "2022-09-30")
        };
        match store.record_observations(&fw, &[city], &officer()).await {
            Err(StorageError::Invalid { en, .. }) => {
                assert!(en.contains("does not apply to a unit of kind City"), "{en}")
            }
            other => panic!("a city is not assessed on a ward framework, got {other:?}"),
        }

        let s = store
            .submit(&fw, "14833", &period, day("2022-10-24"), &officer())
            .await
            .unwrap();
        assert_eq!((s.state.as_str(), s.late), ("submitted", false));
        match store
            .record_observations(&fw, &[figure(70, "2022-10-25")], &officer())
            .await
        {
            Err(StorageError::Invalid { en, .. }) => {
                assert!(en.contains("waiting for review"), "{en}")
            }
            other => panic!("a submitted period is held, got {other:?}"),
        }
        assert!(matches!(
            store
                .submit(&fw, "14833", &period, day("2022-10-24"), &officer())
                .await,
            Err(StorageError::Conflict { .. })
        ));
        assert!(matches!(
            store
                .return_submission("14833", &period, &[], &steering)
                .await,
            Err(StorageError::Invalid { .. })
        ));
        let s = store
            .return_submission(
                "14833",
                &period,
                &[("A".into(), "Cần số liệu cụ thể theo tháng".into())],
                &steering,
            )
            .await
            .unwrap();
        assert_eq!(s.state, "returned");
        assert_eq!(s.returns["A"], "Cần số liệu cụ thể theo tháng");

        store
            .record_observations(&fw, &[figure(85, "2022-10-28")], &officer())
            .await
            .unwrap();
        let s = store
            .submit(&fw, "14833", &period, day("2022-10-28"), &officer())
            .await
            .unwrap();
        assert!(s.late, "after the deadline");
        assert!(s.returns.is_empty(), "a new submission clears the returns");
        assert_eq!(s.changes.len(), 1);
        assert_eq!(s.changes[0].indicator_code, "A");
        assert!(s.changes[0].before.as_deref().unwrap().contains("60%"));
        assert!(s.changes[0].after.as_deref().unwrap().contains("85%"));

        let s = store
            .accept_submission("14833", &period, &steering)
            .await
            .unwrap();
        assert_eq!(s.state, "accepted");
        match store
            .record_observations(&fw, &[figure(90, "2022-11-15")], &officer())
            .await
        {
            Err(StorageError::Invalid { vi, en }) => {
                assert!(en.contains("locked") && vi.contains("khóa"), "{en}");
            }
            other => panic!("accepted figures are locked, got {other:?}"),
        }
        assert!(matches!(
            store
                .unlock_indicator("14833", &period, "A", " ", &steering)
                .await,
            Err(StorageError::Invalid { .. })
        ));
        let s = store
            .unlock_indicator(
                "14833",
                &period,
                "A",
                "Sửa số liệu theo kiểm tra",
                &steering,
            )
            .await
            .unwrap();
        assert_eq!(s.unlocked["A"], "Sửa số liệu theo kiểm tra");
        store
            .record_observations(&fw, &[figure(90, "2022-11-15")], &officer())
            .await
            .unwrap();
        // The correction goes back to the reviewer, and acceptance locks it again.
        let s = store
            .submit(&fw, "14833", &period, day("2022-11-16"), &officer())
            .await
            .unwrap();
        assert_eq!(s.state, "submitted");
        assert!(s.unlocked.is_empty());
        assert!(
            s.changes
                .iter()
                .any(|c| c.after.as_deref().is_some_and(|a| a.contains("90%")))
        );
        store
            .accept_submission("14833", &period, &steering)
            .await
            .unwrap();
        assert!(
            store
                .record_observations(&fw, &[figure(95, "2022-11-20")], &officer())
                .await
                .is_err(),
            "locked again"
        );
        let actions: Vec<String> = store
            .audit_trail("14833", None, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        for a in [
            "submission.submit",
            "submission.return",
            "submission.return_indicator",
            "submission.accept",
            "submission.unlock",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} audited");
        }
        assert_eq!(
            store.submissions_under("382", &period).await.unwrap()["14833"],
            "accepted"
        );
    }
}

async fn concurrent_writers_of_one_unit_queue(store: &Store) {
    use std::sync::Arc;
    store.put_units(&small_tree()).await.unwrap();
    let fw = store.load_framework(SMALL_FRAMEWORK).await.unwrap();
    let store = Arc::new(store.clone());
    let mut tasks = Vec::new();
    for n in 0..6i64 {
        let (store, fw) = (store.clone(), fw.clone());
        tasks.push(tokio::spawn(async move {
            let item = NewObservation {
                unit_code: "14833".into(),
                indicator_code: "A".into(),
                observation: Observation {
                    observed_on: day("2022-06-30"),
                    figure: Figure::Ratio {
                        numerator: 50 + n,
                        denominator: 100,
                    },
                    planned_by: None,
                    note: String::new(),
                },
            };
            store
                .record_observations(&fw, &[item], &Actor::system("test"))
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("every writer gets its turn");
    }
    assert_eq!(store.history(&fw, "14833", "A").await.unwrap().len(), 6);
    let rows = store
        .unit_indicators("14833", &fw, day("2022-07-01"))
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        2,
        "one status per indicator, whatever the interleaving"
    );

    let period = store.periods(&fw).await.unwrap().remove(0);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (store, fw, period) = (store.clone(), fw.clone(), period.clone());
        tasks.push(tokio::spawn(async move {
            store
                .submit(
                    &fw,
                    "14833",
                    &period,
                    day("2022-10-24"),
                    &Actor::system("test"),
                )
                .await
        }));
    }
    let mut submitted = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => submitted += 1,
            Err(StorageError::Conflict { .. }) => {}
            Err(other) => panic!("a second submission is a conflict, not {other:?}"),
        }
    }
    assert_eq!(submitted, 1);
}

/// Writers of many wards at once, good and refused mixed: each gets its own answer, a refused
/// one writes nothing and leaves the others, and the counts still agree with the spans.
/// Writes abandoned at every point of their way (as when a phone loses its connection mid-request)
/// leave nothing half-written and the store open to the next writer: none keeps a transaction,
/// or the write lock, behind it.
async fn abandoned_writes_leave_the_store_usable(store: &Store) {
    load_demo(store).await;
    let fw = store.framework_ref(None, None).await.unwrap();
    let rules = store.framework(&fw).await.unwrap();
    let indicator = &rules
        .indicators
        .iter()
        .find(|i| i.measure == tiendo_domain::Measure::YesNo)
        .expect("the demo has a yes/no indicator")
        .code;
    let city = store.summary("382", &fw, day("2022-12-31")).await.unwrap();
    let ward = &city.children[0].unit.code;
    let history = store.history(&fw, ward, indicator).await.unwrap().len();
    let item = |n: u32| NewObservation {
        unit_code: ward.clone(),
        indicator_code: indicator.clone(),
        observation: Observation {
            observed_on: day("2022-11-20"),
            figure: Figure::YesNo(n.is_multiple_of(2)),
            planned_by: None,
            note: format!("abandoned {n}"),
        },
    };
    let mut finished = 0;
    for n in 0..200u32 {
        // Given up after 0 to about 2 ms: before the turn, in the begin, between statements, in
        // the commit.
        let patience = std::time::Duration::from_micros(u64::from(n % 40) * 50);
        let (items, actor) = ([item(n)], Actor::system("test"));
        let write = store.record_observations(&fw, &items, &actor);
        if let Ok(answer) = tokio::time::timeout(patience, write).await {
            answer.expect("a write that finished succeeded");
            finished += 1;
        }
    }
    let (items, actor) = ([item(1000)], Actor::system("test"));
    let ids = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        store.record_observations(&fw, &items, &actor),
    )
    .await
    .expect("the next write is not kept waiting by an abandoned one")
    .expect("the next write succeeds");
    assert_eq!(ids.len(), 1);
    let after = store.history(&fw, ward, indicator).await.unwrap();
    let abandoned = after.len() - history - 1;
    assert!(
        abandoned >= finished && abandoned <= 200,
        "{abandoned} written, {finished} finished"
    );
    assert_counts_match_spans(store, "after abandoned writes").await;
}

async fn concurrent_good_and_refused_writes_each_get_their_own_answer(store: &Store) {
    use std::sync::Arc;
    load_demo(store).await;
    let fw = store.framework_ref(None, None).await.unwrap();
    let rules = store.framework(&fw).await.unwrap();
    let yes_no = rules
        .indicators
        .iter()
        .find(|i| i.measure == tiendo_domain::Measure::YesNo)
        .expect("the demo has a yes/no indicator")
        .code
        .clone();
    let wards: Vec<String> = store
        .summary("382", &fw, day("2022-12-31"))
        .await
        .unwrap()
        .children
        .into_iter()
        .map(|c| c.unit.code)
        .collect();
    let before: Vec<usize> = {
        let mut n = Vec::new();
        for ward in &wards {
            n.push(store.history(&fw, ward, &yes_no).await.unwrap().len());
        }
        n
    };
    let store = Arc::new(store.clone());
    let mut tasks = Vec::new();
    // Three writes a ward: a good one, one with a figure that does not fit a yes/no indicator,
    // one for a unit that does not exist; all queued at once.
    for (n, ward) in wards.iter().enumerate() {
        for (unit, figure) in [
            (ward.clone(), Figure::YesNo(n % 2 == 0)),
            (
                ward.clone(),
                Figure::Ratio {
                    numerator: 1,
                    denominator: 2,
                },
            ),
            (format!("9999{n}"), Figure::YesNo(true)),
        ] {
            let (store, fw, indicator) = (store.clone(), fw.clone(), yes_no.clone());
            tasks.push(tokio::spawn(async move {
                let item = NewObservation {
                    unit_code: unit,
                    indicator_code: indicator,
                    observation: Observation {
                        observed_on: day("2022-11-15"),
                        figure,
                        planned_by: None,
                        note: "together".into(),
                    },
                };
                store
                    .record_observations(&fw, &[item], &Actor::system("test"))
                    .await
            }));
        }
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    for (n, triple) in answers.chunks(3).enumerate() {
        let ids = triple[0].as_ref().expect("a good figure is written");
        assert_eq!(ids.len(), 1, "ward {}", wards[n]);
        for refused in &triple[1..] {
            assert!(
                matches!(refused, Err(StorageError::Invalid { .. })),
                "ward {}: {refused:?}",
                wards[n]
            );
        }
    }
    for (ward, before) in wards.iter().zip(before) {
        let history = store.history(&fw, ward, &yes_no).await.unwrap();
        assert_eq!(history.len(), before + 1, "{ward}: only the good figure");
        assert_eq!(
            history
                .iter()
                .filter(|r| r.observation.note == "together")
                .count(),
            1,
            "{ward}"
        );
    }
    assert_counts_match_spans(&store, "after concurrent writes").await;
}

/// The reads behind the overview, matrix, indicator and search pages agree with the per-unit
/// reads they summarise.
mod views {
    use std::collections::HashMap;

    use super::*;

    storage_tests!(
        search_ignores_diacritics_and_case,
        indicator_across_units_matches_each_unit,
        the_matrix_matches_each_unit_and_pages,
        count_series_equal_the_summaries_of_each_day,
        a_group_summary_counts_that_group_only,
        unit_figures_are_the_histories_up_to_the_date,
        status_history_is_the_spans_up_to_the_date,
        indicator_inputs_hold_the_figures_asked_for_only,
    );

    async fn search_ignores_diacritics_and_case(store: &Store) {
        store.put_units(&small_tree()).await.unwrap();
        let on = day("2022-10-31");
        let everywhere = tiendo_domain::access::ReadScope::Everywhere;
        let search = |q: &'static str| async move {
            store
                .search_units(q, on, &tiendo_domain::access::ReadScope::Everywhere, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|f| f.unit.name)
                .collect::<Vec<String>>()
        };
        assert_eq!(search("quang minh").await, ["Xã Quảng Minh"]);
        assert_eq!(search("  BAC   son ").await, ["Phường Bắc Sơn"]);
        assert_eq!(
            search("Sơn").await,
            ["Thành phố Sầm Sơn", "Phường Bắc Sơn"],
            "higher tiers first"
        );
        let by_code = store
            .search_units("14833", on, &everywhere, 50)
            .await
            .unwrap();
        assert_eq!(by_code.len(), 1);
        assert_eq!(by_code[0].lineage, ["38", "382", "14833"]);
        assert_eq!(by_code[0].parent_name.as_deref(), Some("Thành phố Sầm Sơn"));
        for nothing in ["", "   ", "%", "_", "quang thọ", "\\"] {
            assert!(
                search(nothing).await.is_empty(),
                "«{nothing}» finds nothing"
            );
        }
        // At most the limit; only within the scope.
        assert_eq!(
            store
                .search_units("a", on, &everywhere, 2)
                .await
                .unwrap()
                .len(),
            2
        );
        let within = |subtrees: &[&str], units: &[&str]| tiendo_domain::access::ReadScope::Within {
            subtrees: subtrees.iter().map(|c| c.to_string()).collect(),
            units: units.iter().map(|c| c.to_string()).collect(),
        };
        let mine = store
            .search_units("son", on, &within(&[], &["14833"]), 50)
            .await
            .unwrap();
        assert_eq!(mine.len(), 1, "an officer's own ward only");
        assert_eq!(mine[0].unit.code, "14833");
        let city = store
            .search_units("s", on, &within(&["382"], &[]), 50)
            .await
            .unwrap();
        assert!(!city.is_empty());
        assert!(city.iter().all(|f| f.lineage.contains(&"382".to_string())));
        // A unit alone is not what is under it.
        let just_the_city = store
            .search_units("s", on, &within(&[], &["382"]), 50)
            .await
            .unwrap();
        assert_eq!(just_the_city.len(), 1);
        assert!(
            store
                .search_units("son", on, &within(&[], &[]), 50)
                .await
                .unwrap()
                .is_empty()
        );
        // A renamed unit is found by its new name only; a dissolved one not after it ended.
        let mut renamed = small_tree();
        renamed[3].name = "Xã Quảng Hùng".into();
        renamed[2].valid_until = Some(day("2025-07-01"));
        store.put_units(&renamed).await.unwrap();
        assert!(search("minh").await.is_empty());
        assert_eq!(search("quang hung").await, ["Xã Quảng Hùng"]);
        assert!(
            store
                .search_units("bac son", day("2025-07-01"), &everywhere, 50)
                .await
                .unwrap()
                .is_empty()
        );
    }

    async fn indicator_across_units_matches_each_unit(store: &Store) {
        load_demo(store).await;
        let on = day("2022-10-31");
        let fw = store.framework_ref(None, Some(on)).await.unwrap();
        for indicator in ["HT-03", "KT-02", "CQ-05"] {
            let across = store
                .indicator_across("382", &fw, indicator, on)
                .await
                .unwrap();
            assert_eq!(across.len(), 11, "{indicator}");
            for row in &across {
                assert_eq!(row.parent_name.as_deref(), Some("Thành phố Sầm Sơn"));
                let own = store
                    .unit_indicators(&row.unit.code, &fw, on)
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|r| r.indicator.code == indicator)
                    .unwrap();
                assert_eq!(
                    (row.status, &row.reason, &row.latest),
                    (own.status, &own.reason, &own.latest),
                    "{indicator} for {}",
                    row.unit.code
                );
            }
        }
        let quang_tien = store
            .indicator_across("14842", &fw, "KT-02", on)
            .await
            .unwrap();
        assert_eq!(quang_tien.len(), 1, "an assessed unit is its own row");
        assert_eq!(quang_tien[0].status, Status::NotApplicable);
        assert!(matches!(
            store.indicator_across("382", &fw, "XX-99", on).await,
            Err(StorageError::NotFound { .. })
        ));
    }

    async fn the_matrix_matches_each_unit_and_pages(store: &Store) {
        load_demo(store).await;
        let on = day("2022-10-31");
        let fw = store.framework_ref(None, Some(on)).await.unwrap();
        let whole = store.status_matrix("382", &fw, on, 0, 100).await.unwrap();
        assert_eq!((whole.total_units, whole.units.len()), (11, 11));
        assert_eq!(
            whole.cells.values().map(HashMap::len).sum::<usize>(),
            11 * 31
        );
        for (unit, parent) in &whole.units {
            assert_eq!(parent.as_deref(), Some("Thành phố Sầm Sơn"));
            for row in store.unit_indicators(&unit.code, &fw, on).await.unwrap() {
                assert_eq!(whole.cells[&unit.code][&row.indicator.code], row.status);
            }
        }
        // Per indicator, the counts over the units are the matrix's columns.
        let per_indicator = store.indicator_counts("382", &fw, on).await.unwrap();
        assert_eq!(per_indicator.len(), 31);
        for (indicator, counts) in &per_indicator {
            let column: Counts = whole
                .cells
                .values()
                .filter_map(|row| row.get(indicator).copied())
                .collect();
            assert_eq!(*counts, column, "{indicator}");
        }
        let page = store.status_matrix("382", &fw, on, 5, 4).await.unwrap();
        assert_eq!(page.total_units, 11);
        assert_eq!(page.units, whole.units[5..9]);
        assert_eq!(page.cells.values().map(HashMap::len).sum::<usize>(), 4 * 31);
        let past_the_end = store.status_matrix("382", &fw, on, 20, 4).await.unwrap();
        assert!(past_the_end.units.is_empty() && past_the_end.cells.is_empty());
        // The province holds the same units, one level further down.
        let province = store.status_matrix("38", &fw, on, 0, 100).await.unwrap();
        assert_eq!(province.units, whole.units);
        // The rows alone, as a league table reads them.
        assert_eq!(
            store.assessed_units("38", &fw, on).await.unwrap(),
            whole.units
        );
    }

    async fn indicator_inputs_hold_the_figures_asked_for_only(store: &Store) {
        load_demo(store).await;
        let on = day("2022-10-31");
        let fw = store.framework_ref(None, Some(on)).await.unwrap();
        let asked = ["HT-03", "KT-02"];
        let inputs = store
            .indicator_inputs_under("382", &fw, on, None, &asked)
            .await
            .unwrap();
        assert_eq!(inputs.len(), 11);
        let mut figures = 0;
        for (code, unit) in &inputs {
            let own = store.unit_indicators(code, &fw, on).await.unwrap();
            assert_eq!(unit.indicators.len(), own.len(), "{code}");
            for row in own {
                let input = unit.indicators[&row.indicator.code];
                assert_eq!(input.status, row.status, "{code} {}", row.indicator.code);
                let expected = if asked.contains(&row.indicator.code.as_str()) {
                    row.latest.map(|o| o.figure)
                } else {
                    None
                };
                figures += usize::from(expected.is_some());
                assert_eq!(input.figure, expected, "{code} {}", row.indicator.code);
            }
        }
        assert!(figures > 0, "some asked-for figures were read");
        let none = store
            .indicator_inputs_under("382", &fw, on, Some(1), &[])
            .await
            .unwrap();
        assert_eq!(none.len(), 11);
        assert!(
            none.values()
                .all(|u| u.indicators.values().all(|i| i.figure.is_none()))
        );
    }

    async fn count_series_equal_the_summaries_of_each_day(store: &Store) {
        load_demo(store).await;
        let days = [
            day("2021-12-31"),
            day("2022-03-31"),
            day("2022-10-31"),
            day("2022-12-31"),
        ];
        let fw = store.framework_ref(None, Some(days[2])).await.unwrap();
        let series = store.count_series("382", &fw, &days, None).await.unwrap();
        assert_eq!(series.days, days);
        assert_eq!(series.children.len(), 11);
        for (i, on) in days.iter().enumerate() {
            let summary = store.summary("382", &fw, *on).await.unwrap();
            assert_eq!(series.total[i], summary.counts, "{on}");
            for child in &summary.children {
                assert_eq!(
                    series.children[&child.unit.code][i], child.counts,
                    "{} on {on}",
                    child.unit.code
                );
            }
        }
        assert_eq!(series.children["14833"][2].achieved, 26);
        assert!(
            store
                .count_series("382", &fw, &[], None)
                .await
                .unwrap()
                .total
                .is_empty()
        );
        // A ward that ends during the year (merged away) counts only while it exists.
        let mut units = tiendo_demo::units();
        let ward = units.iter_mut().find(|u| u.code == "14836").unwrap();
        ward.valid_until = Some(day("2022-06-15"));
        store.put_units(&units).await.unwrap();
        let days_around = [
            day("2022-03-31"),
            day("2022-06-14"),
            day("2022-06-15"),
            day("2022-10-31"),
        ];
        let series = store
            .count_series("382", &fw, &days_around, None)
            .await
            .unwrap();
        for (i, on) in days_around.iter().enumerate() {
            let summary = store.summary("382", &fw, *on).await.unwrap();
            assert_eq!(series.total[i], summary.counts, "{on}");
        }
        assert_eq!(series.children["14836"][1].applicable, 31);
        assert_eq!(
            series.children["14836"][2],
            Counts::default(),
            "gone on 15/06"
        );
        // One group's series counts that group only.
        let digital_government = store
            .count_series("382", &fw, &days, Some("chinh-quyen"))
            .await
            .unwrap();
        for (i, on) in days.iter().enumerate() {
            let summary = store
                .summary_in_group("382", &fw, *on, Some("chinh-quyen"))
                .await
                .unwrap();
            assert_eq!(digital_government.total[i], summary.counts, "{on}");
        }
    }

    async fn a_group_summary_counts_that_group_only(store: &Store) {
        load_demo(store).await;
        let on = day("2022-10-31");
        let fw = store.framework_ref(None, Some(on)).await.unwrap();
        let all = store.summary("382", &fw, on).await.unwrap();
        let mut sum = Counts::default();
        for g in &all.groups {
            let only = store
                .summary_in_group("382", &fw, on, Some(&g.group.code))
                .await
                .unwrap();
            assert_eq!(only.counts, g.counts, "{}", g.group.code);
            let mut children = Counts::default();
            for c in &only.children {
                children.merge(&c.counts);
            }
            assert_eq!(children, g.counts, "the units sum to the group");
            sum.merge(&only.counts);
        }
        assert_eq!(sum, all.counts);
        let bac_son = store
            .summary_in_group("14833", &fw, on, Some("chinh-quyen"))
            .await
            .unwrap();
        assert_eq!(
            (bac_son.counts.applicable, bac_son.counts.not_achieved),
            (8, 1)
        );
        assert!(matches!(
            store
                .summary_in_group("382", &fw, on, Some("no-such-group"))
                .await,
            Err(StorageError::NotFound { .. })
        ));
    }

    async fn unit_figures_are_the_histories_up_to_the_date(store: &Store) {
        load_demo(store).await;
        let on = day("2022-10-31");
        let fw = store.framework_ref(None, Some(on)).await.unwrap();
        let figures = store.unit_figures("14833", &fw, on).await.unwrap();
        let rules = store.framework(&fw).await.unwrap();
        for indicator in &rules.indicators {
            let history: Vec<DatedFigure> = store
                .history(&fw, "14833", &indicator.code)
                .await
                .unwrap()
                .iter()
                .map(|r| DatedFigure::from(&r.observation))
                .filter(|o| o.observed_on <= on)
                .collect();
            assert_eq!(
                figures.get(&indicator.code).cloned().unwrap_or_default(),
                history,
                "{}",
                indicator.code
            );
        }
        assert!(figures.values().flatten().all(|o| o.observed_on <= on));
    }

    async fn status_history_is_the_spans_up_to_the_date(store: &Store) {
        load_demo(store).await;
        let on = day("2022-10-31");
        let fw = store.framework_ref(None, Some(on)).await.unwrap();
        let history = store.unit_status_history("14833", &fw, on).await.unwrap();
        assert_eq!(history.len(), 31);
        for row in store.unit_indicators("14833", &fw, on).await.unwrap() {
            let spans = &history[&row.indicator.code];
            // Contiguous from the beginning of time, and what is in force on the date agrees.
            assert_eq!(spans[0].from, tiendo_domain::Date::MIN);
            assert!(spans.windows(2).all(|w| w[0].until == w[1].from));
            assert!(spans.iter().all(|s| s.from <= on));
            let current = spans.iter().find(|s| s.from <= on && on < s.until).unwrap();
            assert_eq!(current.status, row.status, "{}", row.indicator.code);
        }
    }
}
