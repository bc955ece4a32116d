//! Organisations, support tasks and their notices in storage, on SQLite and PostgreSQL.

use tiendo_domain::access::Role;
use tiendo_domain::tasks::{ProposedAssignee, Supporter, TaskStatus, propose};
use tiendo_domain::{Date, Status};
use tiendo_storage::{
    Actor, NewObservation, NewOrganisation, NewTask, NewUser, StorageError, Store, TaskFilter,
    grant, storage_tests,
};

storage_tests!(
    organisations_are_created_staffed_and_found_by_unit,
    a_task_lives_through_its_statuses_with_optimistic_updates,
    the_overdue_sweep_notices_each_task_once,
    bac_son_proposals_on_the_meeting_day,
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
    store
        .record_observations(&fw, &figures, &Actor::system("test"))
        .await
        .unwrap();
}

async fn user(store: &Store, name: &str, role: Role, unit: &str) -> i64 {
    store
        .create_user(
            &NewUser {
                username: name.into(),
                display_name: String::new(),
                organisation: None,
                password_hash: "x".into(),
                grants: vec![grant(role, Some(unit))],
            },
            &Actor::system("test"),
        )
        .await
        .unwrap()
        .id
}

fn org(code: &str, kind: &str, supports: &[&str]) -> NewOrganisation {
    NewOrganisation {
        code: code.into(),
        name: format!("Tổ chức {code}"),
        name_en: format!("Organisation {code}"),
        kind: kind.into(),
        unit_code: "382".into(),
        supports: supports.iter().map(|s| s.to_string()).collect(),
    }
}

async fn organisations_are_created_staffed_and_found_by_unit(store: &Store) {
    load_demo(store).await;
    let actor = Actor::system("test");
    let member = user(store, "viettel", Role::Member, "382").await;
    let vtl = store
        .create_organisation(&org("VTL", "operator", &["ha-tang"]), &actor)
        .await
        .unwrap();
    assert_eq!(vtl.unit_code, "382");
    assert!(matches!(
        store
            .create_organisation(&org("VTL", "operator", &[]), &actor)
            .await,
        Err(StorageError::Conflict { .. })
    ));
    assert!(matches!(
        store
            .create_organisation(&org("X", "bank", &[]), &actor)
            .await,
        Err(StorageError::Invalid { .. })
    ));
    store
        .add_organisation_member("VTL", "viettel", &actor)
        .await
        .unwrap();
    store
        .add_organisation_member("VTL", "viettel", &actor)
        .await
        .unwrap();
    assert_eq!(
        store.member_organisations(member).await.unwrap(),
        vec![vtl.id]
    );
    // A ward is served by its city's organisations; the city's page lists them; another
    // province's units are not.
    let serving = store.organisations_serving(Some("14833")).await.unwrap();
    assert_eq!(
        serving.iter().map(|o| o.code.as_str()).collect::<Vec<_>>(),
        ["VTL"]
    );
    assert_eq!(serving[0].members, ["viettel"]);
    assert_eq!(store.organisations_under("38").await.unwrap().len(), 1);
    assert!(store.organisations_under("14833").await.unwrap().is_empty());
    let mut edit = org("VTL", "operator", &["ha-tang", "an-toan"]);
    edit.name = "Viettel Thanh Hóa".into();
    let edited = store
        .update_organisation("VTL", &edit, &actor)
        .await
        .unwrap();
    assert_eq!(
        (edited.name.as_str(), edited.supports.len()),
        ("Viettel Thanh Hóa", 2)
    );
    store
        .remove_organisation_member("VTL", "viettel", &actor)
        .await
        .unwrap();
    assert!(store.member_organisations(member).await.unwrap().is_empty());
    assert!(
        store
            .set_user_email(member, Some("no address"), &actor)
            .await
            .is_err()
    );
    store
        .set_user_email(member, Some("v@example.vn"), &actor)
        .await
        .unwrap();
    assert_eq!(
        store.user_email(member).await.unwrap().as_deref(),
        Some("v@example.vn")
    );
    store
        .set_user_email(member, Some(" "), &actor)
        .await
        .unwrap();
    assert_eq!(store.user_email(member).await.unwrap(), None);
}

async fn new_task(store: &Store, org: Option<&str>, due: &str) -> NewTask {
    NewTask {
        framework: store
            .framework_ref(None, Some(day("2022-10-31")))
            .await
            .unwrap(),
        title: "Kéo cáp quang".into(),
        description: String::new(),
        unit_codes: vec!["14833".into()],
        indicator_codes: vec!["HT-03".into()],
        assignee_organisation: org.map(String::from),
        assignee_unit: if org.is_none() {
            Some("14833".into())
        } else {
            None
        },
        due_on: day(due),
        conclusion_id: None,
        created_on: day("2022-10-31"),
    }
}

async fn a_task_lives_through_its_statuses_with_optimistic_updates(store: &Store) {
    load_demo(store).await;
    let actor = Actor::system("test");
    let member = user(store, "vinaphone", Role::Member, "382").await;
    let officer = user(store, "bacson", Role::Officer, "14833").await;
    store
        .create_organisation(&org("VNPT", "operator", &["ha-tang"]), &actor)
        .await
        .unwrap();
    store
        .add_organisation_member("VNPT", "vinaphone", &actor)
        .await
        .unwrap();

    let task = store
        .create_task(&new_task(store, Some("VNPT"), "2022-11-30").await, &actor)
        .await
        .unwrap();
    assert_eq!((task.status, task.version), (TaskStatus::Open, 1));
    assert_eq!(task.indicators, ["HT-03"]);
    assert_eq!(task.units[0].name, "Phường Bắc Sơn");
    assert_eq!(task.notes.len(), 1);
    assert_eq!(
        store.unread_notifications(member).await.unwrap(),
        1,
        "the member is told"
    );
    assert_eq!(store.unread_notifications(officer).await.unwrap(), 0);

    let t = store
        .update_task(task.id, 1, TaskStatus::InProgress, "Khảo sát", &actor)
        .await
        .unwrap();
    assert_eq!(
        (t.status, t.version, t.notes.len()),
        (TaskStatus::InProgress, 2, 2)
    );
    assert_eq!(t.notes[1].note, "Khảo sát");
    let stale = store
        .update_task(task.id, 1, TaskStatus::Done, "", &actor)
        .await;
    assert!(
        matches!(stale, Err(StorageError::Conflict { .. })),
        "{stale:?}"
    );
    assert_eq!(
        store.task(task.id).await.unwrap().notes.len(),
        2,
        "a stale update writes nothing"
    );
    store
        .update_task(task.id, 2, TaskStatus::Done, "Xong", &actor)
        .await
        .unwrap();

    // Assigned to the ward itself: its officer hears of it.
    let own = store
        .create_task(&new_task(store, None, "2099-01-01").await, &actor)
        .await
        .unwrap();
    assert_eq!(own.assignee_unit.as_ref().unwrap().code, "14833");
    assert_eq!(store.unread_notifications(officer).await.unwrap(), 1);

    let filter = |status| TaskFilter {
        status: Some(status),
        ..TaskFilter::default()
    };
    assert_eq!(
        store.tasks(&filter(TaskStatus::Done)).await.unwrap().len(),
        1
    );
    assert_eq!(
        store.tasks(&filter(TaskStatus::Open)).await.unwrap().len(),
        1
    );
    let city = TaskFilter {
        unit: Some("382".into()),
        ..TaskFilter::default()
    };
    assert_eq!(
        store.tasks(&city).await.unwrap().len(),
        2,
        "a city's filter takes its wards' tasks"
    );
    let other = TaskFilter {
        unit: Some("14842".into()),
        ..TaskFilter::default()
    };
    assert!(store.tasks(&other).await.unwrap().is_empty());
    let mine = TaskFilter {
        mine: Some((vec![], vec!["14833".into()])),
        ..TaskFilter::default()
    };
    assert_eq!(store.tasks(&mine).await.unwrap()[0].id, own.id);

    let mut bad = new_task(store, None, "2099-01-01").await;
    bad.assignee_unit = None;
    assert!(matches!(
        store.create_task(&bad, &actor).await,
        Err(StorageError::Invalid { .. })
    ));
    bad.assignee_unit = Some("14833".into());
    bad.conclusion_id = Some(999);
    assert!(matches!(
        store.create_task(&bad, &actor).await,
        Err(StorageError::NotFound { .. })
    ));
    bad.conclusion_id = None;
    bad.indicator_codes = vec!["XX-99".into()];
    assert!(matches!(
        store.create_task(&bad, &actor).await,
        Err(StorageError::NotFound { .. })
    ));
    assert_eq!(
        store.tasks(&TaskFilter::default()).await.unwrap().len(),
        2,
        "nothing half-written"
    );
}

async fn the_overdue_sweep_notices_each_task_once(store: &Store) {
    load_demo(store).await;
    let actor = Actor::system("test");
    let member = user(store, "viettel", Role::Member, "382").await;
    store
        .create_organisation(&org("VTL", "operator", &["ha-tang"]), &actor)
        .await
        .unwrap();
    store
        .add_organisation_member("VTL", "viettel", &actor)
        .await
        .unwrap();
    let late = store
        .create_task(&new_task(store, Some("VTL"), "2022-11-30").await, &actor)
        .await
        .unwrap();
    let done = store
        .create_task(&new_task(store, Some("VTL"), "2022-11-15").await, &actor)
        .await
        .unwrap();
    store
        .update_task(done.id, 1, TaskStatus::Done, "", &actor)
        .await
        .unwrap();
    store
        .create_task(&new_task(store, Some("VTL"), "2022-12-31").await, &actor)
        .await
        .unwrap();

    assert_eq!(
        store.sweep_overdue_tasks(day("2022-11-30")).await.unwrap(),
        0,
        "due today is not late"
    );
    assert!(!late.overdue(day("2022-11-30")) && late.overdue(day("2022-12-01")));
    assert_eq!(
        store.sweep_overdue_tasks(day("2022-12-01")).await.unwrap(),
        1
    );
    assert_eq!(
        store.sweep_overdue_tasks(day("2022-12-01")).await.unwrap(),
        0
    );
    let overdue: Vec<_> = store
        .notifications(member, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == "task.overdue")
        .collect();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].link, format!("/tasks/{}", late.id));
    let flagged = TaskFilter {
        overdue_on: Some(day("2022-12-01")),
        ..TaskFilter::default()
    };
    assert_eq!(
        store
            .tasks(&flagged)
            .await
            .unwrap()
            .iter()
            .map(|t| t.id)
            .collect::<Vec<_>>(),
        [late.id]
    );
    assert_eq!(
        store.sweep_overdue_tasks(day("2023-01-01")).await.unwrap(),
        1,
        "the next one, once"
    );
}

async fn bac_son_proposals_on_the_meeting_day(store: &Store) {
    load_demo(store).await;
    let as_of = day("2022-10-31");
    let fw = store.framework_ref(None, Some(as_of)).await.unwrap();
    let rows = store.unit_indicators("14833", &fw, as_of).await.unwrap();
    let operators = vec![
        Supporter {
            id: 1,
            name: "VinaPhone".into(),
            name_en: "VinaPhone".into(),
            supports: vec!["ha-tang".into()],
        },
        Supporter {
            id: 2,
            name: "Viettel".into(),
            name_en: "Viettel".into(),
            supports: vec!["ha-tang".into()],
        },
        Supporter {
            id: 3,
            name: "Phòng Văn hóa - Thông tin".into(),
            name_en: "Culture office".into(),
            supports: vec!["nhan-thuc".into()],
        },
    ];
    let mut proposed = 0;
    for r in &rows {
        let p = propose(
            "Phường Bắc Sơn",
            &r.indicator,
            r.status,
            false,
            &operators,
            as_of,
        );
        let unmet = matches!(r.status, Status::NotAchieved | Status::InProgress);
        assert_eq!(p.is_some(), unmet, "{} is {:?}", r.indicator.code, r.status);
        let Some(p) = p else { continue };
        proposed += 1;
        assert!(p.title.starts_with(&format!(
            "Hỗ trợ Phường Bắc Sơn hoàn thành chỉ tiêu {}",
            r.indicator.code
        )));
        let expected = match r.indicator.group.as_str() {
            "ha-tang" => ProposedAssignee::Organisation(1),
            "nhan-thuc" => ProposedAssignee::Organisation(3),
            _ => ProposedAssignee::Unit,
        };
        assert_eq!(p.assignee, expected, "{}", r.indicator.code);
        let due = if r.indicator.deadline > as_of {
            r.indicator.deadline
        } else {
            as_of.add_days(30)
        };
        assert_eq!(p.due_on, due);
        assert!(
            propose(
                "Phường Bắc Sơn",
                &r.indicator,
                r.status,
                true,
                &operators,
                as_of
            )
            .is_none(),
            "an open task already serves it"
        );
    }
    assert!(
        proposed >= 2,
        "the demo's Bắc Sơn has unmet indicators on the meeting day"
    );
    assert!(rows.iter().any(|r| r.indicator.group == "ha-tang"
        && matches!(r.status, Status::NotAchieved | Status::InProgress)));
}
