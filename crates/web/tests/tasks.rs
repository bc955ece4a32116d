//! Organisations, support tasks, one-click proposals and notices through the real server on
//! SQLite and PostgreSQL.

use std::net::SocketAddr;

use reqwest::{Client, StatusCode};
use scraper::Html;
use serde_json::{Value, json};
use tiendo_domain::Date;
use tiendo_storage::{Actor, NewOrganisation, Store, storage_tests};

mod common;
use common::{client, select, sign_in, sign_in_page, start_with_figures_only as start};

storage_tests!(
    a_task_is_created_updated_and_guarded_against_stale_edits,
    who_may_create_and_update_tasks,
    bac_son_gets_a_proposal_for_each_unmet_indicator,
    decisions_on_submissions_notify_the_officer,
    overdue_tasks_are_flagged_and_noticed_once,
    the_pages_show_tasks_organisations_and_notices,
    notices_are_emailed_through_smtp,
);

/// The city's telecom operators (infrastructure) and its culture department (awareness), with
/// the demo's member accounts.
async fn organisations(store: &Store) {
    let actor = Actor::system("test");
    for (code, name, kind, supports, member) in [
        (
            "VNPT",
            "VinaPhone (VNPT Thanh Hóa)",
            "operator",
            vec!["ha-tang"],
            "vinaphone",
        ),
        (
            "VTL",
            "Viettel Thanh Hóa",
            "operator",
            vec!["ha-tang"],
            "viettel",
        ),
        (
            "VHTT",
            "Phòng Văn hóa - Thông tin",
            "department",
            vec!["nhan-thuc", "xa-hoi"],
            "vhtt",
        ),
    ] {
        store
            .create_organisation(
                &NewOrganisation {
                    code: code.into(),
                    name: name.into(),
                    name_en: name.replace(
                        "Phòng Văn hóa - Thông tin",
                        "Culture and Information Office",
                    ),
                    kind: kind.into(),
                    unit_code: "382".into(),
                    supports: supports.into_iter().map(String::from).collect(),
                },
                &actor,
            )
            .await
            .unwrap();
        store
            .add_organisation_member(code, member, &actor)
            .await
            .unwrap();
    }
}

async fn post_json(
    c: &Client,
    addr: SocketAddr,
    path: &str,
    csrf: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    let mut req = c.post(format!("http://{addr}{path}")).json(body);
    if let Some(t) = csrf {
        req = req.header("x-csrf-token", t);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get_json(c: &Client, addr: SocketAddr, path: &str) -> (StatusCode, Value) {
    let r = c.get(format!("http://{addr}{path}")).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn fibre_task(org: &str) -> Value {
    json!({
        "title": "Kéo cáp quang cho các hộ còn lại ở Bắc Sơn",
        "description": "Theo kết luận hội nghị",
        "units": ["14833"],
        "indicators": ["HT-03"],
        "organisation": org,
        "due_on": "2022-11-30",
        "created_on": "2022-10-31"
    })
}

async fn unread(c: &Client, addr: SocketAddr) -> usize {
    let (status, notices) = get_json(c, addr, "/api/v1/notifications").await;
    assert_eq!(status, StatusCode::OK);
    notices
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["read"] == false)
        .count()
}

async fn a_task_is_created_updated_and_guarded_against_stale_edits(store: &Store) {
    let addr = start(store).await;
    organisations(store).await;
    let (steering, s_csrf) = sign_in(addr, "samson").await;
    let (viettel, v_csrf) = sign_in(addr, "viettel").await;
    assert_eq!(unread(&viettel, addr).await, 0);

    let (status, task) = post_json(
        &steering,
        addr,
        "/api/v1/tasks",
        Some(&s_csrf),
        &fibre_task("VTL"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(
        (
            task["status"].as_str(),
            task["version"].as_i64(),
            task["organisation"].as_str()
        ),
        (Some("open"), Some(1), Some("VTL"))
    );
    let id = task["id"].as_i64().unwrap();
    let (_, notices) = get_json(&viettel, addr, "/api/v1/notifications").await;
    assert_eq!(notices[0]["kind"], "task.assigned", "{notices}");
    assert_eq!(notices[0]["link"], format!("/tasks/{id}"));
    assert_eq!(
        unread(&viettel, addr).await,
        1,
        "the assignee's member is told"
    );

    let path = format!("/api/v1/tasks/{id}");
    let (status, updated) = post_json(
        &viettel,
        addr,
        &path,
        Some(&v_csrf),
        &json!({"version": 1, "status": "in_progress", "note": "Đã khảo sát tuyến cáp"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["status"], "in_progress");
    let notes = updated["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2, "the assignment and the update");
    assert_eq!(notes[1]["status"], "in_progress");
    assert_eq!(notes[1]["note"], "Đã khảo sát tuyến cáp");

    // Someone who read version 1 cannot overwrite the update.
    let (status, body) = post_json(
        &steering,
        addr,
        &path,
        Some(&s_csrf),
        &json!({"version": 1, "status": "cancelled", "note": ""}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error_en"].as_str().unwrap().contains("reload"),
        "{body}"
    );
    let (_, now) = get_json(&steering, addr, &path).await;
    assert_eq!(
        (now["status"].as_str(), now["version"].as_i64()),
        (Some("in_progress"), Some(2))
    );

    let (status, done) = post_json(
        &steering,
        addr,
        &path,
        Some(&s_csrf),
        &json!({"version": 2, "status": "done", "note": "Nghiệm thu"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "done");

    let trail = store.audit_trail("14833", Some("HT-03"), 20).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "task.update").count(),
        2,
        "only the two accepted updates are written: {actions:?}"
    );
    assert!(actions.contains(&"task.create"));

    let (_, listed) = get_json(&steering, addr, "/api/v1/tasks?status=done").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let (_, listed) = get_json(&steering, addr, "/api/v1/tasks?status=open").await;
    assert!(listed.as_array().unwrap().is_empty());
    let (_, listed) = get_json(&steering, addr, "/api/v1/tasks?organisation=VNPT").await;
    assert!(listed.as_array().unwrap().is_empty());
}

async fn who_may_create_and_update_tasks(store: &Store) {
    let addr = start(store).await;
    organisations(store).await;
    let (steering, s_csrf) = sign_in(addr, "samson").await;
    let (officer, o_csrf) = sign_in(addr, "bacson").await;
    let (vinaphone, vn_csrf) = sign_in(addr, "vinaphone").await;
    let (viettel, vt_csrf) = sign_in(addr, "viettel").await;

    let (status, _) = post_json(
        &officer,
        addr,
        "/api/v1/tasks",
        Some(&o_csrf),
        &fibre_task("VTL"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an officer does not create tasks"
    );
    let (status, _) = post_json(
        &vinaphone,
        addr,
        "/api/v1/tasks",
        Some(&vn_csrf),
        &fibre_task("VTL"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nor does a member");
    let (status, _) = post_json(&steering, addr, "/api/v1/tasks", None, &fibre_task("VTL")).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a session without its CSRF token"
    );
    let (status, _) = post_json(&client(), addr, "/api/v1/tasks", None, &fibre_task("VTL")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        store.tasks(&Default::default()).await.unwrap().is_empty(),
        "nothing written"
    );

    let (status, task) = post_json(
        &steering,
        addr,
        "/api/v1/tasks",
        Some(&s_csrf),
        &fibre_task("VTL"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the steering committee creates tasks"
    );
    let path = format!("/api/v1/tasks/{}", task["id"]);
    let update = json!({"version": 1, "status": "in_progress", "note": "x"});

    let (status, _) = post_json(&vinaphone, addr, &path, Some(&vn_csrf), &update).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "VinaPhone may not update Viettel's task"
    );
    let (status, _) = post_json(&officer, addr, &path, Some(&o_csrf), &update).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "nor the ward's officer: it is Viettel's"
    );
    let (status, _) = post_json(&viettel, addr, &path, None, &update).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "CSRF is required for updates too"
    );
    let (status, _) = post_json(&viettel, addr, &path, Some(&vt_csrf), &update).await;
    assert_eq!(status, StatusCode::OK, "Viettel updates its own task");

    // A task assigned to the ward itself: its officer updates it, another ward's does not.
    let officer_before = unread(&officer, addr).await;
    let mut for_ward = fibre_task("");
    for_ward["assignee_unit"] = json!("14833");
    let (status, task) =
        post_json(&steering, addr, "/api/v1/tasks", Some(&s_csrf), &for_ward).await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(task["assignee_unit"], "14833");
    assert_eq!(
        unread(&officer, addr).await,
        officer_before + 1,
        "the ward's officer is told"
    );
    let path = format!("/api/v1/tasks/{}", task["id"]);
    let (other, other_csrf) = sign_in(addr, "quangtien").await;
    let (status, _) = post_json(&other, addr, &path, Some(&other_csrf), &update).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another ward's officer does not even see it"
    );
    let (status, _) = post_json(&officer, addr, &path, Some(&o_csrf), &update).await;
    assert_eq!(status, StatusCode::OK);
}

async fn bac_son_gets_a_proposal_for_each_unmet_indicator(store: &Store) {
    let addr = start(store).await;
    organisations(store).await;
    let (steering, csrf) = sign_in_page(addr, "samson", "/units/14833?as_of=2022-10-31").await;
    let (_, indicators) = get_json(
        &steering,
        addr,
        "/api/v1/units/14833/indicators?as_of=2022-10-31",
    )
    .await;
    let indicators = indicators["indicators"].as_array().unwrap().clone();
    let unmet: Vec<&Value> = indicators
        .iter()
        .filter(|i| i["status"] == "not_achieved" || i["status"] == "in_progress")
        .collect();
    assert!(!unmet.is_empty());

    let html = steering
        .get(format!("http://{addr}/units/14833?as_of=2022-10-31"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = Html::parse_document(&html);
    let forms = select(&doc, "section.unit-tasks form.propose");
    let mut proposed: Vec<String> = forms
        .iter()
        .map(|f| {
            let action = f.value().attr("action").unwrap();
            action.split('/').nth(4).unwrap().to_string()
        })
        .collect();
    proposed.sort();
    let mut expected: Vec<String> = unmet
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect();
    expected.sort();
    assert_eq!(
        proposed, expected,
        "one proposal per indicator not achieved or in progress"
    );

    // Infrastructure goes to the first telecom operator; a group nobody supports to the ward.
    for i in &unmet {
        let code = i["code"].as_str().unwrap();
        let line = select(&doc, &format!("li#tasks-{code} form.propose small"));
        let who = common::text(&line[0]);
        if i["group"] == "ha-tang" {
            assert!(who.starts_with("VinaPhone"), "{code}: {who}");
        } else if ["nhan-thuc", "xa-hoi"].contains(&i["group"].as_str().unwrap()) {
            assert!(who.starts_with("Phòng Văn hóa"), "{code}: {who}");
        } else {
            assert!(who.starts_with("Phường Bắc Sơn"), "{code}: {who}");
        }
        let deadline: Date = i["deadline"].as_str().unwrap().parse().unwrap();
        let as_of: Date = "2022-10-31".parse().unwrap();
        let due = if deadline > as_of {
            deadline
        } else {
            as_of.add_days(30)
        };
        assert!(who.ends_with(&due.dmy()), "{code}: {who} due {}", due.dmy());
    }

    // One click creates the task; its indicator is then offered no other.
    let first = unmet[0]["code"].as_str().unwrap();
    let r = steering
        .post(format!(
            "http://{addr}/units/14833/indicators/{first}/propose-task"
        ))
        .form(&[("csrf", csrf.as_str()), ("as_of", "2022-10-31")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let tasks = store.tasks(&Default::default()).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert!(
        tasks[0]
            .title
            .starts_with("Hỗ trợ Phường Bắc Sơn hoàn thành chỉ tiêu"),
        "{}",
        tasks[0].title
    );
    assert_eq!(tasks[0].indicators, vec![first.to_string()]);
    let again = steering
        .post(format!(
            "http://{addr}/units/14833/indicators/{first}/propose-task"
        ))
        .form(&[("csrf", csrf.as_str()), ("as_of", "2022-10-31")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "an open task already serves it"
    );
    let html = steering
        .get(format!("http://{addr}/units/14833?as_of=2022-10-31"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = Html::parse_document(&html);
    assert!(select(&doc, &format!("li#tasks-{first} form.propose")).is_empty());
    assert_eq!(
        select(&doc, &format!("li#tasks-{first} ul li")).len(),
        1,
        "the task is listed"
    );

    // The officer sees the tasks but no proposal buttons.
    let (officer, _) = sign_in_page(addr, "bacson", "/units/14833?as_of=2022-10-31").await;
    let html = officer
        .get(format!("http://{addr}/units/14833?as_of=2022-10-31"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = Html::parse_document(&html);
    assert!(select(&doc, "form.propose").is_empty());
    assert_eq!(select(&doc, &format!("li#tasks-{first} ul li")).len(), 1);
}

async fn decisions_on_submissions_notify_the_officer(store: &Store) {
    let addr = start(store).await;
    let (officer, o_csrf) = sign_in(addr, "bacson").await;
    let (steering, s_csrf) = sign_in(addr, "samson").await;
    let before = unread(&officer, addr).await;
    let (status, _) = post_json(
        &officer,
        addr,
        "/api/v1/units/14833/submissions/2022/submit",
        Some(&o_csrf),
        &json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = post_json(
        &steering,
        addr,
        "/api/v1/units/14833/submissions/2022/return",
        Some(&s_csrf),
        &json!({"returns": [{"indicator": "CQ-05", "reason": "Thiếu quyết định"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(unread(&officer, addr).await, before + 1);
    let (_, notices) = get_json(&officer, addr, "/api/v1/notifications?lang=en").await;
    assert_eq!(notices[0]["kind"], "submission.returned");
    assert!(
        notices[0]["title"].as_str().unwrap().contains("returned"),
        "{notices}"
    );
    assert!(
        notices[0]["body"]
            .as_str()
            .unwrap()
            .contains("CQ-05: Thiếu quyết định")
    );

    post_json(
        &officer,
        addr,
        "/api/v1/units/14833/submissions/2022/submit",
        Some(&o_csrf),
        &json!({}),
    )
    .await;
    let (status, _) = post_json(
        &steering,
        addr,
        "/api/v1/units/14833/submissions/2022/accept",
        Some(&s_csrf),
        &json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, notices) = get_json(&officer, addr, "/api/v1/notifications").await;
    assert_eq!(notices[0]["kind"], "submission.accepted");
    assert_eq!(unread(&officer, addr).await, before + 2);

    // Mark one read, then all; nobody else's notices change.
    let id = notices[0]["id"].as_i64().unwrap();
    let (status, r) = post_json(
        &officer,
        addr,
        "/api/v1/notifications/read",
        Some(&o_csrf),
        &json!({"ids": [id]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r["marked"], 1);
    assert_eq!(r["unread"].as_i64().unwrap() as usize, before + 1);
    let (_, r) = post_json(
        &steering,
        addr,
        "/api/v1/notifications/read",
        Some(&s_csrf),
        &json!({"ids": [id]}),
    )
    .await;
    assert_eq!(r["marked"], 0, "another user's notice is not touched");
    let (_, r) = post_json(
        &officer,
        addr,
        "/api/v1/notifications/read",
        Some(&o_csrf),
        &json!({}),
    )
    .await;
    assert_eq!(r["unread"], 0);
}

async fn overdue_tasks_are_flagged_and_noticed_once(store: &Store) {
    let addr = start(store).await;
    organisations(store).await;
    let (steering, s_csrf) = sign_in(addr, "samson").await;
    let (vinaphone, _) = sign_in(addr, "vinaphone").await;
    let (status, task) = post_json(
        &steering,
        addr,
        "/api/v1/tasks",
        Some(&s_csrf),
        &fibre_task("VNPT"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(task["overdue"], true, "due on 30/11/2022, long past");
    let mut later = fibre_task("VNPT");
    later["due_on"] = json!("2099-12-31");
    post_json(&steering, addr, "/api/v1/tasks", Some(&s_csrf), &later).await;

    // The server swept on startup, before these tasks existed; sweep again as the hour does.
    let today = tiendo_web::today();
    assert_eq!(store.sweep_overdue_tasks(today).await.unwrap(), 1);
    assert_eq!(
        store.sweep_overdue_tasks(today).await.unwrap(),
        0,
        "once per task"
    );
    let (_, notices) = get_json(&vinaphone, addr, "/api/v1/notifications").await;
    let overdue: Vec<&Value> = notices
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "task.overdue")
        .collect();
    assert_eq!(overdue.len(), 1, "{notices}");
    assert_eq!(overdue[0]["link"], format!("/tasks/{}", task["id"]));

    let (_, listed) = get_json(&steering, addr, "/api/v1/tasks?overdue=true").await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], task["id"]);
    let html = steering
        .get(format!("http://{addr}/tasks"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = Html::parse_document(&html);
    assert_eq!(
        select(&doc, "table.tasks tr.overdue").len(),
        1,
        "flagged in the list"
    );
    assert_eq!(select(&doc, "table.tasks tbody tr").len(), 2);
}

async fn the_pages_show_tasks_organisations_and_notices(store: &Store) {
    let addr = start(store).await;
    organisations(store).await;
    let (steering, csrf) = sign_in_page(addr, "samson", "/units/382/organisations").await;
    let page = |c: &Client, path: &str| {
        let c = c.clone();
        let url = format!("http://{addr}{path}");
        async move {
            let r = c.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, html) = page(&steering, "/units/382/organisations").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Viettel Thanh Hóa") && html.contains("vinaphone"));

    // A new organisation through the form, then a member.
    let r = steering
        .post(format!("http://{addr}/units/382/organisations"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "MOBI"),
            ("name", "MobiFone Thanh Hóa"),
            ("name_en", "MobiFone Thanh Hoa"),
            ("kind", "operator"),
            ("supports", "ha-tang"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = steering
        .post(format!("http://{addr}/organisations/MOBI/members"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "vhtt"),
            ("action", "add"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mobi = store.organisation("MOBI").await.unwrap();
    assert_eq!(mobi.members, vec!["vhtt".to_string()]);
    assert_eq!(mobi.supports, vec!["ha-tang".to_string()]);
    let vhtt_user = store.credentials("vhtt").await.unwrap().unwrap().0;
    assert_eq!(
        store
            .member_organisations(vhtt_user.id)
            .await
            .unwrap()
            .len(),
        2
    );

    // A member may read the page but not manage it; the form refuses without CSRF.
    let (vhtt, vhtt_csrf) = sign_in_page(addr, "vhtt", "/units/382/organisations").await;
    let r = vhtt
        .post(format!("http://{addr}/units/382/organisations"))
        .form(&[
            ("csrf", vhtt_csrf.as_str()),
            ("code", "X"),
            ("name", "X"),
            ("kind", "other"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = steering
        .post(format!("http://{addr}/units/382/organisations"))
        .form(&[("code", "Y"), ("name", "Y"), ("kind", "other")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF token");
    assert!(store.organisation("X").await.is_err() && store.organisation("Y").await.is_err());

    // A task through the form, prefilled from the ward and indicator.
    let (status, html) = page(
        &steering,
        "/tasks/new?unit=14833&indicator=HT-03&as_of=2022-10-31",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let title = common::select_attr(&html, "input[name=title]", "value").unwrap();
    assert!(
        title.starts_with("Hỗ trợ Phường Bắc Sơn hoàn thành chỉ tiêu HT-03"),
        "{title}"
    );
    let org =
        common::select_attr(&html, "select[name=organisation] option[selected]", "value").unwrap();
    assert_eq!(org, "VNPT");
    let r = steering
        .post(format!("http://{addr}/tasks"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", title.as_str()),
            ("description", ""),
            ("units", "14833"),
            ("indicators", "HT-03"),
            ("organisation", "VNPT"),
            ("assignee_unit", ""),
            ("due_on", "2099-01-31"),
            ("created_on", "2022-10-31"),
            ("conclusion", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (status, html) = page(&steering, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("31/01/2099") && html.contains("VinaPhone"));

    // The indicator's page lists the task with the figure on its creation date and the latest.
    let (status, html) = page(&steering, "/units/14833/indicators/HT-03?as_of=2022-10-31").await;
    assert_eq!(status, StatusCode::OK);
    let doc = Html::parse_document(&html);
    let rows = select(&doc, "section.indicator-tasks tbody tr");
    assert_eq!(rows.len(), 1, "{html}");
    let then = common::text_in(&rows[0], "td.then");
    assert!(
        then.contains("2022"),
        "a figure dated before 31/10/2022: {then}"
    );
    assert_eq!(
        then,
        common::text_in(&rows[0], "td.now"),
        "nothing entered since"
    );

    // The member updates it through the form; "my tasks" lists it; the badge counts.
    let (vn, vn_csrf) = sign_in_page(addr, "vinaphone", &location).await;
    let (_, mine) = page(&vn, "/my/tasks").await;
    assert_eq!(
        select(&Html::parse_document(&mine), "table.tasks tbody tr").len(),
        1
    );
    let (_, badge) = page(&vn, "/notifications/badge.svg").await;
    assert!(badge.contains(">1<"), "{badge}");
    let (_, notices) = page(&vn, "/notifications?lang=en").await;
    assert!(notices.contains("New task"), "{notices}");
    let r = vn
        .post(format!("http://{addr}{location}"))
        .form(&[
            ("csrf", vn_csrf.as_str()),
            ("version", "1"),
            ("status", "in_progress"),
            ("note", "Đang thi công"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = vn
        .post(format!("http://{addr}{location}"))
        .form(&[
            ("csrf", vn_csrf.as_str()),
            ("version", "1"),
            ("status", "done"),
            ("note", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "the form carries the version it read"
    );
    let r = vn
        .post(format!("http://{addr}/notifications/read"))
        .form(&[("csrf", vn_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, badge) = page(&vn, "/notifications/badge.svg").await;
    assert!(!badge.contains("<text"), "{badge}");
    let (_, mine) = page(&client(), "/my/tasks").await;
    assert!(!mine.contains("table"), "not signed in");
}

/// A one-connection SMTP sink on 127.0.0.1:0: answers a real SMTP conversation and hands
/// back every message's data.
async fn smtp_sink() -> (SocketAddr, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.to_ascii_uppercase();
                    if verb.starts_with("DATA") {
                        write.write_all(b"354 go ahead\r\n").await.unwrap();
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        tx.send(data).unwrap();
                        write.write_all(b"250 queued\r\n").await.unwrap();
                    } else if verb.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        write.write_all(b"250 ok\r\n").await.unwrap();
                    }
                }
            });
        }
    });
    (addr, rx)
}

async fn notices_are_emailed_through_smtp(store: &Store) {
    let addr = start(store).await;
    organisations(store).await;
    let (viettel, csrf) = sign_in_page(addr, "viettel", "/account").await;
    let r = viettel
        .post(format!("http://{addr}/account/email"))
        .form(&[("csrf", csrf.as_str()), ("email", "viettel@example.vn")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let user = store.credentials("viettel").await.unwrap().unwrap().0;
    assert_eq!(
        store.user_email(user.id).await.unwrap().as_deref(),
        Some("viettel@example.vn")
    );
    store
        .set_user_lang(user.id, tiendo_domain::Lang::En)
        .await
        .unwrap();
    let r = viettel
        .post(format!("http://{addr}/account/email"))
        .form(&[("csrf", csrf.as_str()), ("email", "not an address")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let (steering, s_csrf) = sign_in(addr, "samson").await;
    let mut task = fibre_task("VTL");
    task["title"] = json!("Fibre for Bac Son");
    let (status, _) = post_json(&steering, addr, "/api/v1/tasks", Some(&s_csrf), &task).await;
    assert_eq!(status, StatusCode::CREATED);

    // A server that is down: nothing is marked sent, so the notice waits for the next round.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let down = tiendo_web::Mailer::new(
        &format!("smtp://tiendo:s3cret@{closed}"),
        "tiendo <tiendo@example.vn>",
    )
    .unwrap();
    let err = tiendo_web::send_pending_emails(store, &down)
        .await
        .unwrap_err();
    assert!(!err.contains("s3cret"), "{err}");
    assert_eq!(store.pending_emails(10).await.unwrap().len(), 1);

    let (smtp, mut received) = smtp_sink().await;
    assert!(
        tiendo_web::Mailer::new(&format!("smtp://{smtp}"), "tiendo <tiendo@example.vn>")
            .unwrap()
            .with_public_url("cds.samson")
            .is_err()
    );
    let mailer = tiendo_web::Mailer::new(&format!("smtp://{smtp}"), "tiendo <tiendo@example.vn>")
        .unwrap()
        .with_public_url("https://cds.samson.gov.vn/")
        .unwrap();
    assert_eq!(
        tiendo_web::send_pending_emails(store, &mailer)
            .await
            .unwrap(),
        1
    );
    let message = received.recv().await.unwrap();
    assert!(
        message.contains("Subject: New task: Fibre for Bac Son"),
        "{message}"
    );
    assert!(message.contains("viettel@example.vn"), "{message}");
    assert!(
        message.contains("https://cds.samson.gov.vn/tasks/"),
        "the link opens from a mail reader: {message}"
    );
    assert_eq!(
        tiendo_web::send_pending_emails(store, &mailer)
            .await
            .unwrap(),
        0,
        "sent once"
    );
    assert!(store.pending_emails(10).await.unwrap().is_empty());
}
