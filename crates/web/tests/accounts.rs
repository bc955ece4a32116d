//! Signed-in work through the real server on SQLite and PostgreSQL: sign-in, the authorisation
//! matrix, figures over the API and the form, bad input, concurrent edits, the audit trail.

use std::net::SocketAddr;

use reqwest::{Client, StatusCode};
use scraper::{Html, Selector};
use serde_json::{Value, json};
use tiendo_storage::{Store, storage_tests};

mod common;
use common::{client, close_dashboard, select_attr, sign_in, sign_in_page, start};

storage_tests!(
    an_officer_signs_in_and_a_figure_moves_the_count,
    authorization_matrix,
    bad_input_is_refused_and_writes_nothing,
    a_stale_edit_gets_409_and_both_attempts_are_audited,
    repeated_failed_sign_ins_are_rate_limited,
    the_entry_form_saves_all_or_nothing,
    evidence_is_checked_by_content_and_kept_with_the_figure,
    exclusions_are_asked_for_and_decided,
    the_demo_submission_is_resubmitted_accepted_and_unlocked,
    review_through_the_pages,
);

/// Households with fibre (HT-03) is in progress for Bắc Sơn on the meeting day; 1.800 of 2.146
/// households meets the 80% target.
fn fibre(numerator: i64) -> Value {
    json!({"indicator": "HT-03", "observed_on": "2022-10-31", "numerator": numerator, "denominator": 2146, "note": "Số liệu VNPT"})
}

async fn post_figure(
    c: &Client,
    addr: SocketAddr,
    unit: &str,
    csrf: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    let mut req = c
        .post(format!("http://{addr}/api/v1/units/{unit}/observations"))
        .json(body);
    if let Some(csrf) = csrf {
        req = req.header("X-CSRF-Token", csrf);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn history_len(store: &Store, unit: &str, indicator: &str) -> usize {
    let fw = store.framework_ref(None, None).await.unwrap();
    store.history(&fw, unit, indicator).await.unwrap().len()
}

/// One of a unit's counts on the meeting day, read through the public summary.
async fn count(addr: SocketAddr, unit: &str, status: &str) -> u64 {
    let body: Value = client()
        .get(format!(
            "http://{addr}/api/v1/units/{unit}/summary?as_of=2022-10-31"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["counts"][status].as_u64().unwrap()
}

async fn achieved(addr: SocketAddr, unit: &str) -> u64 {
    count(addr, unit, "achieved").await
}

async fn an_officer_signs_in_and_a_figure_moves_the_count(store: &Store) {
    let addr = start(store).await;
    assert_eq!(achieved(addr, "14833").await, 26);
    let (c, csrf) = sign_in(addr, "bacson").await;

    // The cookie alone is not enough to write: the CSRF token must come with it.
    let before = history_len(store, "14833", "HT-03").await;
    let (status, body) = post_figure(&c, addr, "14833", None, &fibre(1800)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"].as_str().unwrap().contains("CSRF"));
    assert_eq!(history_len(store, "14833", "HT-03").await, before);

    let (status, body) = post_figure(&c, addr, "14833", Some(&csrf), &fibre(1800)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["indicator"]["status"], "achieved");
    assert!(
        body["indicator"]["reason"]["vi"]
            .as_str()
            .unwrap()
            .contains("đạt mục tiêu ≥ 80%"),
        "{body}"
    );
    assert_eq!(body["counts"]["achieved"], 27);
    assert_eq!(achieved(addr, "14833").await, 27);

    let history: Value = c
        .get(format!(
            "http://{addr}/api/v1/units/14833/observations?indicator=HT-03"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Later demo figures (November, December) sort after it; find ours by its author.
    let mine: Vec<&Value> = history["observations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["recorded_by"] == "bacson")
        .collect();
    assert_eq!(mine.len(), 1);
    let last = mine[0];
    assert_eq!(last["observed_on"], "2022-10-31");
    assert_eq!(last["figure"]["numerator"], 1800);
    assert_eq!(last["version"], 1);

    // Signing out ends the session.
    let r = c
        .post(format!("http://{addr}/api/v1/logout"))
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) = post_figure(&c, addr, "14833", Some(&csrf), &fibre(1900)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn authorization_matrix(store: &Store) {
    let addr = start(store).await;
    // (account, reads 382's summary, reads 14833's figures, writes 14833, writes 14842)
    let expected = [
        ("admin", true, true, true, true),
        ("samson", true, true, false, false),
        ("bacson", false, true, true, false),
        ("quangtien", false, false, false, true),
        ("vhtt", true, true, false, false),
        ("vinaphone", true, true, false, false),
        ("viettel", true, true, false, false),
        ("tinh", true, true, false, false),
    ];
    close_dashboard(store).await;
    let anonymous = client();
    let r = anonymous
        .get(format!("http://{addr}/api/v1/units/382/summary"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "anonymous, dashboard closed"
    );
    let r = anonymous
        .get(format!("http://{addr}/units/382"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = anonymous
        .get(format!(
            "http://{addr}/api/v1/units/14833/observations?indicator=HT-03"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = post_figure(&anonymous, addr, "14833", None, &fibre(1000)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    for (account, read_city, read_ward, write_bac_son, write_quang_tien) in expected {
        let (c, csrf) = sign_in(addr, account).await;
        let code = |allowed: bool| {
            if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            }
        };
        let r = c
            .get(format!("http://{addr}/api/v1/units/382/summary"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            code(read_city),
            "{account} reads the city summary"
        );
        let r = c
            .get(format!("http://{addr}/units/382"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), code(read_city), "{account} opens the city page");
        let r = c
            .get(format!(
                "http://{addr}/api/v1/units/14833/observations?indicator=HT-03"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            code(read_ward),
            "{account} reads Bắc Sơn's figures"
        );
        let r = c
            .get(format!(
                "http://{addr}/units/14833/indicators/HT-03/audit.csv"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            code(read_ward),
            "{account} reads Bắc Sơn's audit trail"
        );
        for (unit, allowed) in [("14833", write_bac_son), ("14842", write_quang_tien)] {
            let before = history_len(store, unit, "HT-03").await;
            // Dated after the 2022 period, which Quảng Tiến's pending submission holds.
            let body = json!({"indicator": "HT-03", "observed_on": "2023-01-05", "numerator": 1, "denominator": 2});
            let (status, answer) = post_figure(&c, addr, unit, Some(&csrf), &body).await;
            let want = if allowed {
                StatusCode::CREATED
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, want, "{account} writes to {unit}: {answer}");
            let after = history_len(store, unit, "HT-03").await;
            assert_eq!(
                after,
                before + usize::from(allowed),
                "{account} on {unit}: written only if allowed"
            );
            let r = c
                .get(format!("http://{addr}/units/{unit}/entry"))
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                if allowed {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                },
                "{account} opens {unit}'s form"
            );
        }
    }
}

async fn bad_input_is_refused_and_writes_nothing(store: &Store) {
    let addr = start(store).await;
    let (c, csrf) = sign_in(addr, "bacson").await;
    let cases = [
        (
            json!({"indicator": "NT-04", "observed_on": "2022-10-31", "value": 120}),
            "0 đến 100",
        ),
        (
            json!({"indicator": "HT-03", "observed_on": "2022-10-31", "numerator": 3000, "denominator": 2146}),
            "không được lớn hơn mẫu số",
        ),
        (
            json!({"indicator": "NT-04", "observed_on": "2022-10-31", "value": "nhiều"}),
            "không phải là số",
        ),
        (
            json!({"indicator": "NT-01", "observed_on": "2022-10-31", "value": 1}),
            "true hoặc false",
        ),
        (
            json!({"indicator": "HT-03", "observed_on": "2099-01-01", "numerator": 1, "denominator": 2}),
            "tương lai",
        ),
        (
            json!({"indicator": "HT-03", "observed_on": "31/10/2022", "numerator": 1, "denominator": 2}),
            "năm-tháng-ngày",
        ),
        (
            json!({"indicator": "XX-99", "observed_on": "2022-10-31", "value": 1}),
            "XX-99",
        ),
        (
            json!({"indicator": "HT-03", "observed_on": "2022-10-31", "numerator": 5}),
            "mẫu số",
        ),
    ];
    let total_before = store
        .audit_trail("14833", None, 100_000)
        .await
        .unwrap()
        .len();
    for (body, needle) in cases {
        let (status, answer) = post_figure(&c, addr, "14833", Some(&csrf), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        let message = answer["error"].as_str().unwrap();
        assert!(
            message.contains(needle),
            "{body}: «{message}» should mention «{needle}»"
        );
        assert!(!answer["error_en"].as_str().unwrap().is_empty());
    }
    let r = c
        .post(format!("http://{addr}/api/v1/units/14833/observations"))
        .header("X-CSRF-Token", &csrf)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    assert_eq!(
        store
            .audit_trail("14833", None, 100_000)
            .await
            .unwrap()
            .len(),
        total_before,
        "nothing written"
    );
    assert_eq!(achieved(addr, "14833").await, 26);
}

async fn a_stale_edit_gets_409_and_both_attempts_are_audited(store: &Store) {
    let addr = start(store).await;
    let (first, csrf1) = sign_in(addr, "bacson").await;
    let (second, csrf2) = sign_in(addr, "bacson").await;
    let (_, created) = post_figure(&first, addr, "14833", Some(&csrf1), &fibre(1500)).await;
    let id = created["id"].as_i64().unwrap();
    let put = |c: &Client, csrf: &str, numerator: i64| {
        let mut body = fibre(numerator);
        body["version"] = json!(1);
        c.put(format!(
            "http://{addr}/api/v1/units/14833/observations/{id}"
        ))
        .header("X-CSRF-Token", csrf)
        .json(&body)
        .send()
    };
    let r = put(&first, &csrf1, 1800).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = put(&second, &csrf2, 1600).await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body: Value = r.json().await.unwrap();
    let message = body["error"].as_str().unwrap();
    assert!(
        message.contains("1.800") && message.contains("1.600"),
        "both values: {message}"
    );
    let fw = store.framework_ref(None, None).await.unwrap();
    let saved = store
        .history(&fw, "14833", "HT-03")
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    assert_eq!(
        saved.observation.figure,
        tiendo_domain::Figure::Ratio {
            numerator: 1800,
            denominator: 2146
        }
    );
    let actions: Vec<String> = store
        .audit_trail("14833", Some("HT-03"), 3)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "observation.update_refused",
            "observation.update",
            "observation.create"
        ]
    );
}

async fn repeated_failed_sign_ins_are_rate_limited(store: &Store) {
    let addr = start(store).await;
    let c = client();
    for _ in 0..5 {
        let r = c
            .post(format!("http://{addr}/api/v1/login"))
            .json(&json!({"username": "bacson", "password": "wrong"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = c
        .post(format!("http://{addr}/api/v1/login"))
        .json(&json!({"username": "bacson", "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("15 phút"));
    // Another account from the same address is not locked out by these five.
    let r = c
        .post(format!("http://{addr}/api/v1/login"))
        .json(&json!({"username": "quangtien", "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

async fn the_entry_form_saves_all_or_nothing(store: &Store) {
    let addr = start(store).await;
    let c = client();
    // Not signed in: the form sends you to sign in first.
    let r = c
        .get(format!("http://{addr}/units/14833/entry"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c
        .post(format!("http://{addr}/login"))
        .form(&[
            ("username", "bacson"),
            ("password", "demo"),
            ("next", "/units/14833/entry"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/units/14833/entry");
    let page = c
        .get(format!("http://{addr}/units/14833/entry"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = select_attr(&page, "input[name=csrf]", "value").unwrap();
    assert_eq!(
        select_attr(&page, "#d-HT-03", "value").as_deref(),
        Some("2022-10-31"),
        "dated on the dataset's day"
    );
    assert_eq!(
        select_attr(&page, "#row-HT-03", "data-status").as_deref(),
        Some("in_progress")
    );

    // One group at a time, for a phone.
    let one = c
        .get(format!("http://{addr}/units/14833/entry?group=ha-tang"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = Html::parse_document(&one);
    let codes: Vec<String> = doc
        .select(&Selector::parse("div.indicator").unwrap())
        .map(|e| e.value().attr("data-indicator").unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 7, "{codes:?}");
    assert!(codes.iter().all(|c| c.starts_with("HT-")));

    // One good row and one bad row: nothing is saved, the bad row says why, what was typed stays.
    let r = c
        .post(format!("http://{addr}/units/14833/entry"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("n.HT-03", "1800"),
            ("m.HT-03", "2146"),
            ("d.HT-03", "2022-10-31"),
            ("v.NT-04", "130"),
            ("d.NT-04", "2022-10-31"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    let doc = Html::parse_document(&page);
    let error = doc
        .select(&Selector::parse("#err-NT-04").unwrap())
        .next()
        .unwrap()
        .text()
        .collect::<String>();
    assert!(error.contains("từ 0 đến 100"), "{error}");
    assert_eq!(
        select_attr(&page, "#n-HT-03", "value").as_deref(),
        Some("1800"),
        "typed values stay"
    );
    assert_eq!(achieved(addr, "14833").await, 26, "nothing was saved");

    // Without the CSRF token the form is refused.
    let r = c
        .post(format!("http://{addr}/units/14833/entry"))
        .form(&[
            ("n.HT-03", "1800"),
            ("m.HT-03", "2146"),
            ("d.HT-03", "2022-10-31"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = c
        .post(format!("http://{addr}/units/14833/entry"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("n.HT-03", "1.800"),
            ("m.HT-03", "2146"),
            ("d.HT-03", "2022-10-31"),
            ("note.HT-03", "Theo báo cáo VNPT"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let page = c
        .get(format!("http://{addr}{location}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        select_attr(&page, "#row-HT-03", "data-status").as_deref(),
        Some("achieved")
    );
    assert!(page.contains("Đã lưu 1 số liệu"));
    assert_eq!(achieved(addr, "14833").await, 27);

    // The indicator's page shows the figure and who entered it; its log downloads as CSV.
    let page = c
        .get(format!("http://{addr}/units/14833/indicators/HT-03"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Theo báo cáo VNPT") && page.contains("bacson"));
    let csv = c
        .get(format!(
            "http://{addr}/units/14833/indicators/HT-03/audit.csv"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let last = rows.last().unwrap();
    assert_eq!(
        (&last[1], &last[3], &last[5]),
        ("bacson", "observation.create", "HT-03")
    );
    assert!(last[7].contains("\"numerator\":1800") && last[7].contains("Theo báo cáo VNPT"));

    // Sign out: the form sends you to sign in again.
    let r = c
        .post(format!("http://{addr}/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c
        .get(format!("http://{addr}/units/14833/entry"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn upload(
    c: &Client,
    addr: SocketAddr,
    unit: &str,
    csrf: &str,
    name: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let r = c
        .post(format!(
            "http://{addr}/api/v1/units/{unit}/files?name={name}"
        ))
        .header("X-CSRF-Token", csrf)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn evidence_is_checked_by_content_and_kept_with_the_figure(store: &Store) {
    let addr = start(store).await;
    let (c, csrf) = sign_in(addr, "bacson").await;
    let pdf =
        b"%PDF-1.7\n% Bien ban kiem tra\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();

    // An executable named .pdf, an empty file, and a file over the limit are refused.
    let exe = [b"MZ\x90\x00\x03\x00\x00\x00".as_slice(), &[0u8; 64]].concat();
    let (status, body) = upload(&c, addr, "14833", &csrf, "bien-ban.pdf", exe).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("không được nhận"),
        "{body}"
    );
    let (status, _) = upload(&c, addr, "14833", &csrf, "rong.pdf", Vec::new()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = upload(
        &c,
        addr,
        "14833",
        &csrf,
        "lon.pdf",
        vec![b'%'; 21 * 1024 * 1024],
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Another ward's officer cannot upload for Bắc Sơn.
    let (other, other_csrf) = sign_in(addr, "quangtien").await;
    let (status, _) = upload(&other, addr, "14833", &other_csrf, "x.pdf", pdf.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, file) = upload(&c, addr, "14833", &csrf, "bien-ban.pdf", pdf.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(file["media_type"], "application/pdf");
    let hash = file["file"].as_str().unwrap().to_string();

    // A figure with three pieces of evidence; a bad one among them would write nothing.
    let mut figure = fibre(1800);
    figure["evidence"] = json!([
        {"kind": "file", "file": "0".repeat(64), "name": "nope.pdf"},
    ]);
    let before = history_len(store, "14833", "HT-03").await;
    let (status, body) = post_figure(&c, addr, "14833", Some(&csrf), &figure).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        history_len(store, "14833", "HT-03").await,
        before,
        "nothing written"
    );
    figure["evidence"] = json!([
        {"kind": "file", "file": hash, "name": "bien-ban.pdf", "title": "Biên bản kiểm tra"},
        {"kind": "link", "url": "https://samson.thanhhoa.gov.vn/bao-cao", "title": "Báo cáo trên cổng"},
        {"kind": "document", "number": "45/BC-UBND", "date": "2022-10-28", "issuer": "UBND phường Bắc Sơn"},
    ]);
    let (status, body) = post_figure(&c, addr, "14833", Some(&csrf), &figure).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["indicator"]["evidence_count"], 3);
    assert_eq!(body["indicator"]["evidence_needed"], false);

    // More evidence for the same figure, over the API.
    let id = body["id"].as_i64().unwrap();
    let (status, added) = post_json(
        &c,
        addr,
        &format!("/api/v1/units/14833/observations/{id}/evidence"),
        &csrf,
        json!({"indicator": "HT-03", "evidence": [{"kind": "link", "url": "https://vnpt.vn/bao-cao"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["evidence_count"], 4);

    // The file comes back to readers of the unit, and not through another unit.
    let r = c
        .get(format!("http://{addr}/api/v1/units/14833/files/{hash}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    let (steering, _) = sign_in(addr, "samson").await;
    let r = steering
        .get(format!("http://{addr}/api/v1/units/14842/files/{hash}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = other
        .get(format!("http://{addr}/api/v1/units/14833/files/{hash}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // The indicator's page lists the evidence; the form there adds more.
    let page = c
        .get(format!("http://{addr}/units/14833/indicators/HT-03"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Biên bản kiểm tra") && page.contains("45/BC-UBND"),
        "evidence listed"
    );
    let observation = select_attr(&page, "input[name=observation]", "value").unwrap();
    let page_csrf = select_attr(&page, "input[name=csrf]", "value").unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", page_csrf)
        .text("observation", observation)
        .text("kind", "link")
        .text("title", "Ảnh chụp hiện trường")
        .text("url", "https://example.org/anh");
    let r = c
        .post(format!(
            "http://{addr}/units/14833/indicators/HT-03/evidence"
        ))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let fw = store.framework_ref(None, None).await.unwrap();
    let mine: Vec<_> = store
        .audit_trail("14833", Some("HT-03"), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "evidence.add" && e.username == "bacson")
        .collect();
    assert_eq!(mine.len(), 5, "each piece audited with its author");
    let all = store.evidence(&fw, "14833", "HT-03").await.unwrap();
    assert!(all.iter().any(|e| e.item.title() == "Ảnh chụp hiện trường"));
}

async fn post_json(
    c: &Client,
    addr: SocketAddr,
    path: &str,
    csrf: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = c
        .post(format!("http://{addr}{path}"))
        .header("X-CSRF-Token", csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn not_applicable(addr: SocketAddr, unit: &str) -> u64 {
    count(addr, unit, "not_applicable").await
}

async fn exclusions_are_asked_for_and_decided(store: &Store) {
    let addr = start(store).await;
    let (officer, csrf) = sign_in(addr, "quangtien").await;
    let (status, request) = post_json(&officer, addr, "/api/v1/units/14842/exclusions", &csrf,
        json!({"indicator": "HT-07", "reason": "Phường đã có Wi-Fi do tỉnh lắp, không thuộc phường quản lý"})).await;
    assert_eq!(status, StatusCode::CREATED, "{request}");
    assert_eq!(request["state"], "pending");
    assert_eq!(
        not_applicable(addr, "14842").await,
        1,
        "only OCOP, until approved"
    );
    let path = format!("/api/v1/exclusions/{}/decision", request["id"]);
    let (status, _) = post_json(&officer, addr, &path, &csrf, json!({"approve": true})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an officer does not decide");
    let (other, other_csrf) = sign_in(addr, "bacson").await;
    let (status, _) = post_json(
        &other,
        addr,
        "/api/v1/units/14842/exclusions",
        &other_csrf,
        json!({"indicator": "HT-01", "reason": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nor asks for another ward");
    let (steering, steering_csrf) = sign_in(addr, "samson").await;
    let (status, decided) = post_json(
        &steering,
        addr,
        &path,
        &steering_csrf,
        json!({"approve": true, "note": "Đồng ý"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(
        (decided["state"].as_str(), decided["decided_by"].as_str()),
        (Some("approved"), Some("samson"))
    );
    assert_eq!(not_applicable(addr, "14842").await, 2);
    let (status, _) = post_json(
        &steering,
        addr,
        &path,
        &steering_csrf,
        json!({"approve": false}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let listed: Value = steering
        .get(format!("http://{addr}/api/v1/units/382/exclusions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

async fn the_demo_submission_is_resubmitted_accepted_and_unlocked(store: &Store) {
    let addr = start(store).await;
    let (officer, csrf) = sign_in(addr, "bacson").await;
    let shown: Value = officer
        .get(format!("http://{addr}/api/v1/units/14833/submissions/2022"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        shown["state"], "returned",
        "the demo's story: returned before the meeting"
    );
    assert!(
        shown["returns"]["CQ-05"]
            .as_str()
            .unwrap()
            .contains("cụ thể")
    );
    assert_eq!(shown["submitted_on"], "2022-10-24");
    assert_eq!(shown["late"], false);

    let (status, _) = post_json(
        &officer,
        addr,
        "/api/v1/units/14833/submissions/2022/accept",
        &csrf,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an officer does not accept");
    let (status, resubmitted) = post_json(
        &officer,
        addr,
        "/api/v1/units/14833/submissions/2022/submit",
        &csrf,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{resubmitted}");
    assert_eq!(
        (resubmitted["state"].as_str(), resubmitted["late"].as_bool()),
        (Some("submitted"), Some(true))
    );

    let (member, member_csrf) = sign_in(addr, "vhtt").await;
    let (status, _) = post_json(
        &member,
        addr,
        "/api/v1/units/14833/submissions/2022/return",
        &member_csrf,
        json!({"returns": [{"indicator": "CQ-05", "reason": "x"}]}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a department does not review"
    );
    let (steering, steering_csrf) = sign_in(addr, "samson").await;
    let (status, body) = post_json(
        &steering,
        addr,
        "/api/v1/units/14833/submissions/2022/return",
        &steering_csrf,
        json!({"returns": [{"indicator": "ZZ-1", "reason": "x"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, accepted) = post_json(
        &steering,
        addr,
        "/api/v1/units/14833/submissions/2022/accept",
        &steering_csrf,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["state"], "accepted");

    let before = history_len(store, "14833", "HT-03").await;
    let (status, body) = post_figure(&officer, addr, "14833", Some(&csrf), &fibre(1800)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].as_str().unwrap().contains("khóa"), "{body}");
    assert_eq!(history_len(store, "14833", "HT-03").await, before);
    let (status, _) = post_json(
        &steering,
        addr,
        "/api/v1/units/14833/submissions/2022/unlock",
        &steering_csrf,
        json!({"indicator": "HT-03", "reason": "VNPT cập nhật số hộ có cáp quang"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = post_figure(&officer, addr, "14833", Some(&csrf), &fibre(1800)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn review_through_the_pages(store: &Store) {
    let addr = start(store).await;
    // The officer sees the returned indicator on the ward's page, and resubmits.
    let (officer, csrf) = sign_in_page(addr, "bacson", "/units/14833").await;
    let html = officer
        .get(format!("http://{addr}/units/14833"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        select_attr(&html, "section.submission", "data-state").as_deref(),
        Some("returned")
    );
    let doc = Html::parse_document(&html);
    let returned = doc
        .select(&Selector::parse("tr[data-indicator=CQ-05] .reason .flag").unwrap())
        .next()
        .expect("the returned indicator is marked in its row")
        .text()
        .collect::<String>();
    assert!(returned.contains("cụ thể"), "{returned}");
    let r = officer
        .post(format!("http://{addr}/units/14833/submission/2022/submit"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The city returns two indicators with reasons; an empty reason is ignored.
    let (steering, csrf) = sign_in_page(addr, "samson", "/units/14833").await;
    let html = steering
        .get(format!("http://{addr}/units/14833"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        select_attr(&html, "section.submission", "data-state").as_deref(),
        Some("submitted")
    );
    let r = steering
        .post(format!("http://{addr}/units/14833/submission/2022/return"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("r.CQ-05", "Bổ sung số liệu từng tháng"),
            ("r.HT-03", "Ghi rõ nguồn số liệu"),
            ("r.NT-01", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let fw = store.framework_ref(None, None).await.unwrap();
    let period = store.period(&fw, "2022").await.unwrap();
    let s = store.submission("14833", &period).await.unwrap();
    assert_eq!(s.state, "returned");
    assert_eq!(s.returns.keys().collect::<Vec<_>>(), ["CQ-05", "HT-03"]);

    // An officer's exclusion request shows on the city page for the steering committee to decide.
    let (officer, csrf) = sign_in_page(addr, "quangtien", "/units/14842").await;
    let r = officer
        .post(format!("http://{addr}/units/14842/exclusions"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("indicator", "HT-07"),
            ("reason", "Điểm Wi-Fi do tỉnh quản lý"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = steering
        .get(format!("http://{addr}/units/382"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = Html::parse_document(&html);
    let request = doc
        .select(&Selector::parse("ul.requests li").unwrap())
        .next()
        .expect("listed for the city");
    assert!(
        request
            .text()
            .collect::<String>()
            .contains("Điểm Wi-Fi do tỉnh quản lý")
    );
    let id = request.value().attr("data-request").unwrap().to_string();
    let csrf = select_attr(&html, "header form input[name=csrf]", "value").unwrap();
    let r = steering
        .post(format!("http://{addr}/exclusions/{id}/decision"))
        .form(&[("csrf", csrf.as_str()), ("approve", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(not_applicable(addr, "14842").await, 2);
}
