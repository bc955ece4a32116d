//! Recognition: readiness, applications appraised item by item, decisions and quotas, on
//! SQLite and on PostgreSQL.

use tiendo_domain::access::Role;
use tiendo_domain::{Date, Figure, Observation, Unit, UnitKind};
use tiendo_storage::{
    Actor, Appraisal, Decision, FrameworkRef, NewObservation, NewUser, StorageError, Store, grant,
    storage_tests,
};

storage_tests!(
    readiness_flips_when_the_last_blocking_indicator_is_achieved,
    a_recognition_cannot_be_decided_on_an_application_with_a_rejected_indicator,
    the_unit_is_recognised_from_the_decision_date_and_counts_against_the_quota,
    a_score_rule_is_met_only_once_the_exact_score_reaches_the_minimum,
);

const FRAMEWORK: &str = r#"
code = "small"
version = 1
name = "Khung nhỏ"
name_en = "Small framework"
period = { start = 2022-01-01, end = 2025-12-31 }

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

[[indicators]]
code = "C"
group = "g"
name = "Có cổng thông tin"
name_en = "Portal in place"
measure = "yes_no"
target = "= yes"
"#;

/// The small framework scored: A earns 10 × its ratio, B 10 for a yes; 0.9 recognises.
const SCORED: &str = r#"
code = "scored"
version = 1
name = "Khung chấm điểm"
name_en = "Scored framework"
period = { start = 2022-01-01, end = 2025-12-31 }

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
points = 10
scoring = "proportional"

[[indicators]]
code = "B"
group = "g"
name = "Có kế hoạch"
name_en = "Plan issued"
measure = "yes_no"
target = "= yes"
points = 10
scoring = "yes_no"

[recognition]
rule = "score"
min_score = 0.9
"#;

fn day(s: &str) -> Date {
    s.parse().unwrap()
}

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

struct Setup {
    fw: FrameworkRef,
    appraiser: Actor,
    appraiser_id: i64,
    officer_id: i64,
    steering_id: i64,
    other_appraiser_id: i64,
}

async fn setup(store: &Store) -> Setup {
    store
        .put_units(&[
            unit("38", "Tỉnh Thanh Hóa", UnitKind::Tinh, None),
            unit("382", "Thành phố Sầm Sơn", UnitKind::ThanhPho, Some("38")),
            unit("14833", "Phường Bắc Sơn", UnitKind::Phuong, Some("382")),
            unit("14842", "Phường Quảng Tiến", UnitKind::Phuong, Some("382")),
            unit("40", "Tỉnh Nghệ An", UnitKind::Tinh, None),
        ])
        .await
        .unwrap();
    let fw = store.load_framework(FRAMEWORK).await.unwrap();
    let system = Actor::system("test");
    let mut ids = Vec::new();
    let mut appraiser = None;
    for (name, role, unit) in [
        ("tinh", Role::Appraiser, "38"),
        ("bacson", Role::Officer, "14833"),
        ("samson", Role::Steering, "382"),
        ("nghean", Role::Appraiser, "40"),
    ] {
        let user = store
            .create_user(
                &NewUser {
                    username: name.into(),
                    display_name: name.into(),
                    organisation: None,
                    password_hash: "x".into(),
                    grants: vec![grant(role, Some(unit))],
                },
                &system,
            )
            .await
            .unwrap();
        if name == "tinh" {
            appraiser = Some(user.actor(None));
        }
        ids.push(user.id);
    }
    // The excused indicator C is left out of readiness and of the application.
    store
        .set_exclusion(&fw, "14833", "C", Some("Không có cổng riêng"), &system)
        .await
        .unwrap();
    Setup {
        fw,
        appraiser: appraiser.unwrap(),
        appraiser_id: ids[0],
        officer_id: ids[1],
        steering_id: ids[2],
        other_appraiser_id: ids[3],
    }
}

async fn write(store: &Store, fw: &FrameworkRef, unit: &str, code: &str, on: &str, figure: Figure) {
    store
        .record_observations(
            fw,
            &[NewObservation {
                unit_code: unit.into(),
                indicator_code: code.into(),
                observation: Observation {
                    observed_on: day(on),
                    figure,
                    planned_by: None,
                    note: String::new(),
                },
            }],
            &Actor::system("test"),
        )
        .await
        .unwrap();
}

/// Figures that make 14833 ready on 2022-06-01.
async fn make_ready(store: &Store, fw: &FrameworkRef, unit: &str) {
    let ratio = Figure::Ratio {
        numerator: 90,
        denominator: 100,
    };
    write(store, fw, unit, "A", "2022-05-01", ratio).await;
    write(store, fw, unit, "B", "2022-06-01", Figure::YesNo(true)).await;
}

fn message(e: &StorageError) -> (String, String) {
    match e {
        StorageError::Invalid { vi, en }
        | StorageError::Conflict { vi, en }
        | StorageError::NotFound { vi, en } => (vi.clone(), en.clone()),
        other => panic!("unexpected error {other:?}"),
    }
}

async fn readiness_flips_when_the_last_blocking_indicator_is_achieved(store: &Store) {
    let s = setup(store).await;
    let r = store
        .readiness("14833", &s.fw, day("2022-04-01"))
        .await
        .unwrap();
    assert!(!r.ready);
    assert_eq!(r.blocking, ["A", "B"], "C is excused and does not block");
    write(
        store,
        &s.fw,
        "14833",
        "A",
        "2022-05-01",
        Figure::Ratio {
            numerator: 90,
            denominator: 100,
        },
    )
    .await;
    let r = store
        .readiness("14833", &s.fw, day("2022-05-15"))
        .await
        .unwrap();
    assert_eq!(r.blocking, ["B"]);
    // Applying now is refused, naming the indicator that blocks it.
    let refused = store
        .apply(&s.fw, "14833", day("2022-05-15"), "", &s.appraiser)
        .await
        .unwrap_err();
    let (vi, en) = message(&refused);
    assert!(vi.contains("chưa đủ điều kiện") && vi.contains('B'), "{vi}");
    assert!(en.contains("not ready") && en.contains("(B)"), "{en}");
    write(
        store,
        &s.fw,
        "14833",
        "B",
        "2022-06-01",
        Figure::YesNo(true),
    )
    .await;
    let r = store
        .readiness("14833", &s.fw, day("2022-06-01"))
        .await
        .unwrap();
    assert!(r.ready, "{}", r.sentence.en);
    assert!(r.blocking.is_empty());
    // The day before the last figure, it was not ready yet.
    let before = store
        .readiness("14833", &s.fw, day("2022-05-31"))
        .await
        .unwrap();
    assert!(!before.ready);
    // The batched read agrees, for every assessed unit under the city.
    let all = store
        .readiness_under("382", &s.fw, day("2022-06-01"), None)
        .await
        .unwrap();
    assert!(all["14833"].ready);
    assert_eq!(all["14842"].blocking, ["A", "B", "C"]);
}

async fn a_recognition_cannot_be_decided_on_an_application_with_a_rejected_indicator(
    store: &Store,
) {
    let s = setup(store).await;
    make_ready(store, &s.fw, "14833").await;
    let officer = Actor {
        user_id: Some(s.officer_id),
        username: "bacson".into(),
        address: None,
    };
    let app = store
        .apply(
            &s.fw,
            "14833",
            day("2022-06-10"),
            "Đề nghị công nhận",
            &officer,
        )
        .await
        .unwrap();
    assert_eq!(app.state, "submitted");
    let codes: Vec<&str> = app
        .items
        .iter()
        .map(|i| i.indicator_code.as_str())
        .collect();
    assert_eq!(codes, ["A", "B"], "one item per applicable indicator");
    assert!(app.items.iter().all(|i| i.decision == "pending"));
    assert!(
        app.items[0].applied_figure.contains("90%"),
        "{}",
        app.items[0].applied_figure
    );
    // The province's appraiser is told; the other province's is not.
    let notices = store.notifications(s.appraiser_id, 10).await.unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].link, format!("/applications/{}", app.id));
    assert!(
        store
            .notifications(s.other_appraiser_id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A second application while one is in appraisal is refused.
    let twice = store
        .apply(&s.fw, "14833", day("2022-06-11"), "", &officer)
        .await
        .unwrap_err();
    assert!(message(&twice).1.contains("already has application"));

    let app = store
        .appraise_item(app.id, "A", &Appraisal::Accept, app.version, &s.appraiser)
        .await
        .unwrap();
    // A stale version is refused and changes nothing.
    let stale = store
        .appraise_item(
            app.id,
            "B",
            &Appraisal::Accept,
            app.version - 1,
            &s.appraiser,
        )
        .await
        .unwrap_err();
    assert!(matches!(stale, StorageError::Conflict { .. }));
    let blank = store
        .appraise_item(
            app.id,
            "B",
            &Appraisal::Reject("  ".into()),
            app.version,
            &s.appraiser,
        )
        .await
        .unwrap_err();
    assert!(message(&blank).1.contains("needs a reason"));
    // Still pending: no decision yet.
    let decision = Decision {
        number: "123/QĐ-UBND".into(),
        decided_on: day("2022-07-01"),
        signer: "Chủ tịch UBND tỉnh".into(),
        recognised_from: day("2022-07-01"),
    };
    let early = store
        .decide_application(app.id, &decision, app.version, &s.appraiser)
        .await
        .unwrap_err();
    assert!(
        message(&early).1.contains("still pending"),
        "{:?}",
        message(&early)
    );
    let app = store
        .appraise_item(
            app.id,
            "B",
            &Appraisal::Reject("Kế hoạch chưa có chữ ký".into()),
            app.version,
            &s.appraiser,
        )
        .await
        .unwrap();
    assert_eq!(app.tally(), (1, 1, 0));
    assert_eq!(app.items[1].reason, "Kế hoạch chưa có chữ ký");
    let refused = store
        .decide_application(app.id, &decision, app.version, &s.appraiser)
        .await
        .unwrap_err();
    let (vi, en) = message(&refused);
    assert!(en.contains("cannot be decided") && en.contains('B'), "{en}");
    assert!(vi.contains("không thể quyết định công nhận"), "{vi}");
    assert!(store.recognition("14833", &s.fw).await.unwrap().is_none());
    // Refusing needs a reason, then closes it; the unit and the city are told.
    let app = store
        .refuse_application(app.id, "Chỉ tiêu B chưa đạt", app.version, &s.appraiser)
        .await
        .unwrap();
    assert_eq!(app.state, "refused");
    for id in [s.officer_id, s.steering_id] {
        let n = store.notifications(id, 10).await.unwrap();
        assert_eq!(n[0].kind, "appraisal.decided");
    }
    // A closed application takes no more appraisal.
    let closed = store
        .appraise_item(app.id, "B", &Appraisal::Accept, app.version, &s.appraiser)
        .await
        .unwrap_err();
    assert!(message(&closed).1.contains("no longer in appraisal"));
    // The unit may apply again.
    let again = store
        .apply(&s.fw, "14833", day("2022-08-01"), "", &officer)
        .await
        .unwrap();
    assert_eq!(
        store.applications("14833", &s.fw).await.unwrap()[0].id,
        again.id
    );
    let trail = store.audit_by_action("recognition.", 20).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "recognition.refuse"));
    assert!(trail.iter().any(|e| e.action == "recognition.appraise"));
}

async fn the_unit_is_recognised_from_the_decision_date_and_counts_against_the_quota(store: &Store) {
    let s = setup(store).await;
    make_ready(store, &s.fw, "14833").await;
    let app = store
        .apply(&s.fw, "14833", day("2022-06-10"), "", &s.appraiser)
        .await
        .unwrap();
    let mut app = app;
    for code in ["A", "B"] {
        app = store
            .appraise_item(app.id, code, &Appraisal::Accept, app.version, &s.appraiser)
            .await
            .unwrap();
    }
    let app = store
        .decide_application(
            app.id,
            &Decision {
                number: "4567/QĐ-UBND".into(),
                decided_on: day("2022-11-20"),
                signer: "Chủ tịch UBND tỉnh Thanh Hóa".into(),
                recognised_from: day("2022-11-20"),
            },
            app.version,
            &s.appraiser,
        )
        .await
        .unwrap();
    assert_eq!(app.state, "recognised");
    let r = store.recognition("14833", &s.fw).await.unwrap().unwrap();
    assert_eq!(r.recognised_from, day("2022-11-20"));
    assert_eq!(r.decision_number, "4567/QĐ-UBND");
    assert!(store.recognition("14842", &s.fw).await.unwrap().is_none());
    // Once recognised, no new application.
    let again = store
        .apply(&s.fw, "14833", day("2023-01-10"), "", &s.appraiser)
        .await
        .unwrap_err();
    assert!(message(&again).1.contains("recognised"));

    for (year, quota) in [(2022, 94), (2023, 132), (2024, 133), (2025, 118)] {
        store
            .set_quota("38", year, quota, &s.appraiser)
            .await
            .unwrap();
    }
    store.set_quota("38", 2022, 94, &s.appraiser).await.unwrap();
    assert!(store.set_quota("38", 2023, -1, &s.appraiser).await.is_err());
    let years = store.recognitions_by_year("38", &s.fw).await.unwrap();
    let quotas: Vec<(i32, Option<i64>, usize)> = years
        .iter()
        .map(|y| (y.year, y.quota, y.recognised.len()))
        .collect();
    assert_eq!(
        quotas,
        [
            (2022, Some(94), 1),
            (2023, Some(132), 0),
            (2024, Some(133), 0),
            (2025, Some(118), 0)
        ]
    );
    assert_eq!(years[0].recognised[0].unit_name, "Phường Bắc Sơn");
    // Another province has no quota and no recognised unit.
    assert!(
        store
            .recognitions_by_year("40", &s.fw)
            .await
            .unwrap()
            .is_empty()
    );
    let under = store.recognitions_under("382", &s.fw).await.unwrap();
    assert_eq!(under.len(), 1);
}

async fn a_score_rule_is_met_only_once_the_exact_score_reaches_the_minimum(store: &Store) {
    let s = setup(store).await;
    let fw = store.load_framework(SCORED).await.unwrap();
    let ratio = |numerator, denominator| Figure::Ratio {
        numerator,
        denominator,
    };
    write(store, &fw, "14833", "B", "2022-03-01", Figure::YesNo(true)).await;
    write(store, &fw, "14833", "A", "2022-03-01", ratio(70, 100)).await;
    let r = store
        .readiness("14833", &fw, day("2022-03-01"))
        .await
        .unwrap();
    assert!(!r.ready, "{}", r.sentence.en);
    assert_eq!(r.score, Some("0.85".parse().unwrap()), "(7 + 10) / 20");
    assert_eq!(r.gap, Some("0.05".parse().unwrap()));
    assert_eq!(r.blocking, ["A"], "A does not earn its full points");
    // 79.975% earns 7.9975 points: a score of 0.899875, which rounds to 0.9 but does not reach it.
    write(
        store,
        &fw,
        "14833",
        "A",
        "2022-04-01",
        ratio(31_990, 40_000),
    )
    .await;
    let r = store
        .readiness("14833", &fw, day("2022-04-01"))
        .await
        .unwrap();
    assert!(!r.ready, "{}", r.sentence.en);
    assert_eq!(r.score, Some("0.899".parse().unwrap()));
    assert!(r.sentence.vi.contains("0,899"), "{}", r.sentence.vi);
    let refused = store
        .apply(&fw, "14833", day("2022-04-01"), "", &s.appraiser)
        .await
        .unwrap_err();
    assert!(message(&refused).1.contains("short of 0.9"), "{refused:?}");
    // Exactly 80% makes 18 of 20 points: 0.9, the minimum.
    write(store, &fw, "14833", "A", "2022-05-01", ratio(80, 100)).await;
    let r = store
        .readiness("14833", &fw, day("2022-05-01"))
        .await
        .unwrap();
    assert!(r.ready, "{}", r.sentence.en);
    assert_eq!(r.gap, Some("0".parse().unwrap()));
    // The batched read scores every unit from the figures its statuses rest on.
    let all = store
        .readiness_under("382", &fw, day("2022-05-01"), None)
        .await
        .unwrap();
    assert!(all["14833"].ready);
    assert!(!all["14842"].ready, "no figures: a score of 0");
    assert_eq!(all["14842"].score, Some("0".parse().unwrap()));
    let before = store
        .readiness_under("382", &fw, day("2022-04-30"), None)
        .await
        .unwrap();
    assert!(!before["14833"].ready);
    assert_eq!(before["14833"].score, Some("0.899".parse().unwrap()));
}
