//! Meetings, their brief and trainings through the real server, on SQLite and PostgreSQL.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tiendo_storage::{Store, storage_tests};

mod common;
use common::documents::{docx_to_pdf, have, pdf_text};
use common::{client, sign_in, start};

storage_tests!(
    a_training_moves_the_status_and_the_meeting_stays_frozen,
    only_coordinators_and_the_units_own_people_may_write,
);

async fn nl01_status(store: &Store) -> String {
    let fw = store
        .framework_ref(None, Some("2022-10-31".parse().unwrap()))
        .await
        .unwrap();
    let rows = store
        .unit_indicators("14833", &fw, "2022-10-31".parse().unwrap())
        .await
        .unwrap();
    rows.iter()
        .find(|r| r.indicator.code == "NL-01")
        .unwrap()
        .status
        .code()
        .to_string()
}

async fn a_training_moves_the_status_and_the_meeting_stays_frozen(store: &Store) {
    let addr = start(store).await;
    let (c, csrf) = sign_in(addr, "samson").await;
    let r = c
        .post(format!("http://{addr}/api/v1/meetings"))
        .header("x-csrf-token", &csrf)
        .json(&json!({
            "unit": "382", "held_on": "2022-10-31",
            "title": "Hội nghị nghe báo cáo tiến độ thực hiện chỉ tiêu chuyển đổi số năm 2022 của phường Bắc Sơn và phường Quảng Tiến",
            "chair": "Phó Chủ tịch UBND thành phố", "place": "Hội trường UBND thành phố",
            "attendees": ["Phòng Văn hóa - Thông tin", "UBND phường Bắc Sơn"],
            "units": ["14833", "14842"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let meeting: Value = r.json().await.unwrap();
    let id = meeting["id"].as_i64().unwrap();
    let counts = &meeting["snapshot"]["units"][0]["counts"];
    assert_eq!(
        (
            counts["achieved"].as_u64(),
            counts["in_progress"].as_u64(),
            counts["not_achieved"].as_u64()
        ),
        (Some(26), Some(4), Some(1))
    );
    let r = c
        .post(format!("http://{addr}/api/v1/meetings/{id}/conclusions"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"text": "Phòng Văn hóa - Thông tin mở lớp tập huấn chuyên sâu trong tháng 11.", "version": meeting["version"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let meeting: Value = r.json().await.unwrap();
    let conclusion = meeting["conclusions"][0]["id"].as_i64().unwrap();

    // A training of all 22 of Bắc Sơn's officials, before the as-of date: NL-01 is achieved.
    assert_eq!(nl01_status(store).await, "in_progress");
    let attendees: Vec<Value> = (1..=22)
        .map(|n| json!({"unit": "14833", "name": format!("Cán bộ {n}"), "position": "Công chức"}))
        .collect();
    let r = c
        .post(format!("http://{addr}/api/v1/trainings"))
        .header("x-csrf-token", &csrf)
        .json(
            &json!({"organiser": "Phòng Văn hóa - Thông tin", "held_on": "2022-10-28",
            "topic": "Kỹ năng số cho cán bộ", "conclusion_id": conclusion, "attendees": attendees}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    let training: Value = r.json().await.unwrap();
    assert_eq!(training["indicator"], "NL-01");
    assert_eq!(training["figures"][0]["numerator"], 22);
    assert_eq!(training["figures"][0]["denominator"], 22);
    assert_eq!(nl01_status(store).await, "achieved");

    // The meeting still shows what it saw.
    let r = c
        .get(format!("http://{addr}/api/v1/meetings/{id}"))
        .send()
        .await
        .unwrap();
    let again: Value = r.json().await.unwrap();
    assert_eq!(again["snapshot"]["units"][0]["counts"]["achieved"], 26);
    let html = c
        .get(format!("http://{addr}/meetings/{id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Phường Bắc Sơn: 26/31 chỉ tiêu hoàn thành"),
        "{html}"
    );
    assert!(html.contains(&format!("/tasks/new?conclusion={conclusion}&amp;unit=382")));
    // A conclusion a training carries out cannot be deleted.
    let r = c
        .delete(format!(
            "http://{addr}/api/v1/conclusions/{conclusion}?version={}",
            again["version"]
        ))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // The brief, read back by pdftotext, and its DOCX opened by LibreOffice.
    let r = c
        .get(format!("http://{addr}/meetings/{id}/brief?format=pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let pdf = r.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF"));
    let r = c
        .get(format!(
            "http://{addr}/api/v1/meetings/{id}/brief?format=docx"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let docx = r.bytes().await.unwrap().to_vec();
    assert!(docx.starts_with(b"PK"), "a DOCX is a zip");
    if !have("pdftotext") {
        return;
    }
    let mut texts = vec![("pdf", pdf_text(&pdf))];
    if have("soffice") {
        texts.push(("docx", pdf_text(&docx_to_pdf(&docx))));
    }
    for (format, text) in texts {
        for expected in [
            "THÔNG BÁO",
            "Phường Bắc Sơn: 26/31 chỉ tiêu hoàn thành",
            "1. Phòng Văn hóa - Thông tin mở lớp tập huấn chuyên sâu",
        ] {
            assert!(
                text.contains(expected),
                "{format} lacks «{expected}»: {text}"
            );
        }
    }
}

async fn only_coordinators_and_the_units_own_people_may_write(store: &Store) {
    let addr = start(store).await;
    let meeting = json!({"unit": "382", "held_on": "2022-10-31", "title": "Hội nghị", "chair": "Chủ tịch", "units": ["14833"]});
    let (officer, csrf) = sign_in(addr, "bacson").await;
    let r = officer
        .post(format!("http://{addr}/api/v1/meetings"))
        .header("x-csrf-token", &csrf)
        .json(&meeting)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "an officer cannot hold a meeting"
    );
    // Without the CSRF token, even the steering committee is refused.
    let (samson, csrf) = sign_in(addr, "samson").await;
    let r = samson
        .post(format!("http://{addr}/api/v1/meetings"))
        .json(&meeting)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = samson
        .post(format!("http://{addr}/units/382/meetings"))
        .form(&[
            ("held_on", "2022-10-31"),
            ("title", "Hội nghị"),
            ("chair", "Chủ tịch"),
            ("units", "14833"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = samson
        .post(format!("http://{addr}/units/382/meetings"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("held_on", "2022-10-31"),
            ("title", "Hội nghị"),
            ("chair", "Chủ tịch"),
            ("units", "14833"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A member of another city's organisation cannot record a training for Sầm Sơn's wards.
    let mut other = tiendo_demo::units()
        .into_iter()
        .find(|u| u.code == "382")
        .unwrap();
    other.code = "380".into();
    other.name = "Thành phố Thanh Hóa".into();
    store.put_units(&[other]).await.unwrap();
    store
        .create_user(
            &tiendo_storage::NewUser {
                username: "vnpt380".into(),
                display_name: "VNPT".into(),
                organisation: None,
                password_hash: tiendo_web::auth::hash_password("demo"),
                grants: vec![tiendo_storage::grant(
                    tiendo_domain::access::Role::Member,
                    Some("380"),
                )],
            },
            &tiendo_storage::Actor::system("test"),
        )
        .await
        .unwrap();
    let training = json!({"organiser": "VNPT", "held_on": "2022-10-28", "topic": "Kỹ năng số",
        "attendees": [{"unit": "14833", "name": "Nguyễn Văn A"}]});
    let (stranger, csrf) = sign_in(addr, "vnpt380").await;
    let r = stranger
        .post(format!("http://{addr}/api/v1/trainings"))
        .header("x-csrf-token", &csrf)
        .json(&training)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = client()
        .post(format!("http://{addr}/api/v1/trainings"))
        .json(&training)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Sầm Sơn's own member may.
    let (member, csrf) = sign_in(addr, "vhtt").await;
    let r = member
        .post(format!("http://{addr}/api/v1/trainings"))
        .header("x-csrf-token", &csrf)
        .json(&training)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
}
