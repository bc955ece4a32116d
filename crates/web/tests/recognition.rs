//! Recognition through the real server on SQLite and PostgreSQL: readiness flips with the last
//! figure, applying, appraisal by the province's appraisers only (with CSRF), decisions, the
//! unit shown as recognised, and yearly quotas.

use std::net::SocketAddr;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tiendo_domain::access::Role;
use tiendo_storage::{Actor, NewUser, Store, grant, storage_tests};

mod common;
use common::{client, get, get_with, sign_in, start_with_figures_only as start};

storage_tests!(recognition_end_to_end);

async fn send(
    c: &Client,
    method: reqwest::Method,
    url: String,
    csrf: Option<&str>,
    body: &Value,
) -> (StatusCode, Value) {
    let mut req = c.request(method, url).json(body);
    if let Some(t) = csrf {
        req = req.header("X-CSRF-Token", t);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn readiness(addr: SocketAddr) -> Value {
    let (status, body) = get(
        addr,
        "/api/v1/units/14833/readiness?as_of=2022-10-31&framework=cds-xa-phuong-2022",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn recognition_end_to_end(store: &Store) {
    let addr = start(store).await;
    // Bắc Sơn is not ready on the meeting day; leave only fibre (HT-03) blocking.
    let before = readiness(addr).await;
    assert_eq!(before["ready"], false);
    let blocking: Vec<String> = before["blocking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(blocking.contains(&"HT-03".to_string()), "{blocking:?}");
    let fw = store
        .framework_ref(Some("cds-xa-phuong-2022"), None)
        .await
        .unwrap();
    for code in blocking.iter().filter(|c| *c != "HT-03") {
        store
            .set_exclusion(
                &fw,
                "14833",
                code,
                Some("Miễn để thử"),
                &Actor::system("test"),
            )
            .await
            .unwrap();
    }
    assert_eq!(readiness(addr).await["blocking"], json!(["HT-03"]));

    let (bacson, bacson_csrf) = sign_in(addr, "bacson").await;
    let base = format!("http://{addr}/api/v1");
    // Applying while not ready names the blocking indicator.
    let apply =
        json!({"framework": "cds-xa-phuong-2022", "applied_on": "2022-10-31", "note": "Đề nghị"});
    let (status, body) = send(
        &bacson,
        reqwest::Method::POST,
        format!("{base}/units/14833/applications"),
        Some(&bacson_csrf),
        &apply,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error_en"].as_str().unwrap().contains("HT-03"),
        "{body}"
    );
    // The last figure: readiness flips.
    let (status, body) = send(
        &bacson,
        reqwest::Method::POST,
        format!("{base}/units/14833/observations"),
        Some(&bacson_csrf),
        &json!({"indicator": "HT-03", "observed_on": "2022-10-31", "numerator": 1800, "denominator": 2146, "note": "Số liệu VNPT"}),
    )
    .await;
    assert!(status.is_success(), "{status} {body}");
    let after = readiness(addr).await;
    assert_eq!(after["ready"], true, "{after}");
    assert_eq!(after["blocking"], json!([]));

    // The officer applies; without the CSRF token the request is refused.
    let url = format!("{base}/units/14833/applications");
    let (status, _) = send(&bacson, reqwest::Method::POST, url.clone(), None, &apply).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Another ward's officer may not apply for Bắc Sơn.
    let (quangtien, qt_csrf) = sign_in(addr, "quangtien").await;
    let (status, _) = send(
        &quangtien,
        reqwest::Method::POST,
        url.clone(),
        Some(&qt_csrf),
        &apply,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, first) = send(
        &bacson,
        reqwest::Method::POST,
        url.clone(),
        Some(&bacson_csrf),
        &apply,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    // The applicant's side may withdraw it while in appraisal (with a reason); another ward's
    // officer may not. The unit may then apply again.
    let first_id = first["id"].as_i64().unwrap();
    let withdrawal = format!("{base}/applications/{first_id}/withdrawal");
    let withdraw = json!({"reason": "Bổ sung minh chứng", "version": first["version"]});
    let (status, _) = send(
        &quangtien,
        reqwest::Method::POST,
        withdrawal.clone(),
        Some(&qt_csrf),
        &withdraw,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = send(
        &bacson,
        reqwest::Method::POST,
        withdrawal.clone(),
        Some(&bacson_csrf),
        &json!({"reason": "  ", "version": first["version"]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, withdrawn) = send(
        &bacson,
        reqwest::Method::POST,
        withdrawal.clone(),
        Some(&bacson_csrf),
        &withdraw,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    assert_eq!(withdrawn["state"], "withdrawn");
    let (status, _) = send(
        &bacson,
        reqwest::Method::POST,
        withdrawal,
        Some(&bacson_csrf),
        &json!({"reason": "Lần nữa", "version": withdrawn["version"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "no longer in appraisal");
    let (status, app) = send(
        &bacson,
        reqwest::Method::POST,
        url,
        Some(&bacson_csrf),
        &apply,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    let id = app["id"].as_i64().unwrap();
    assert_ne!(id, first_id);
    let items = app["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["decision"] == "pending"));
    let first = items[0]["indicator"].as_str().unwrap().to_string();

    // An appraiser of another province.
    store
        .put_units(&[tiendo_domain::Unit {
            code: "40".into(),
            name: "Tỉnh Nghệ An".into(),
            kind: tiendo_domain::UnitKind::Tinh,
            parent_code: None,
            valid_from: None,
            valid_until: None,
        }])
        .await
        .unwrap();
    store
        .create_user(
            &NewUser {
                username: "nghean".into(),
                display_name: "Thẩm định Nghệ An".into(),
                organisation: None,
                password_hash: tiendo_web::auth::hash_password("demo"),
                grants: vec![grant(Role::Appraiser, Some("40"))],
            },
            &Actor::system("test"),
        )
        .await
        .unwrap();
    let reject =
        json!({"decision": "reject", "reason": "Thiếu minh chứng", "version": app["version"]});
    let item_url = format!("{base}/applications/{id}/items/{first}");
    for who in ["samson", "bacson", "vhtt", "admin", "nghean"] {
        let (c, csrf) = sign_in(addr, who).await;
        let (status, _) = send(
            &c,
            reqwest::Method::POST,
            item_url.clone(),
            Some(&csrf),
            &reject,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who} may not appraise");
        let (status, _) = send(
            &c,
            reqwest::Method::PUT,
            format!("{base}/units/38/quotas/2022"),
            Some(&csrf),
            &json!({"quota": 1}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who} may not set quotas");
    }
    let (tinh, tinh_csrf) = sign_in(addr, "tinh").await;
    let (status, _) = send(
        &tinh,
        reqwest::Method::POST,
        item_url.clone(),
        None,
        &reject,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "CSRF required");
    let (status, app) = send(
        &tinh,
        reqwest::Method::POST,
        item_url.clone(),
        Some(&tinh_csrf),
        &reject,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{app}");
    // Accept every other item.
    let mut app = app;
    let codes: Vec<String> = app["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["indicator"].as_str().unwrap().to_string())
        .collect();
    for code in codes.iter().skip(1) {
        let (status, next) = send(
            &tinh,
            reqwest::Method::POST,
            format!("{base}/applications/{id}/items/{code}"),
            Some(&tinh_csrf),
            &json!({"decision": "accept", "version": app["version"]}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{next}");
        app = next;
    }
    let decision = |version: &Value| {
        json!({"number": "4567/QĐ-UBND", "decided_on": "2022-11-20", "signer": "Chủ tịch UBND tỉnh",
               "recognised_from": "2022-11-20", "version": version})
    };
    let decide_url = format!("{base}/applications/{id}/decision");
    let (status, body) = send(
        &tinh,
        reqwest::Method::POST,
        decide_url.clone(),
        Some(&tinh_csrf),
        &decision(&app["version"]),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "rejected item: {body}");
    assert!(
        body["error_en"]
            .as_str()
            .unwrap()
            .contains("cannot be decided")
    );
    // A stale version is a conflict.
    let (status, _) = send(
        &tinh,
        reqwest::Method::POST,
        item_url.clone(),
        Some(&tinh_csrf),
        &json!({"decision": "accept", "version": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, app) = send(
        &tinh,
        reqwest::Method::POST,
        item_url,
        Some(&tinh_csrf),
        &json!({"decision": "accept", "version": app["version"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Nobody but the province's appraiser decides.
    let (status, _) = send(
        &bacson,
        reqwest::Method::POST,
        decide_url.clone(),
        Some(&bacson_csrf),
        &decision(&app["version"]),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, app) = send(
        &tinh,
        reqwest::Method::POST,
        decide_url,
        Some(&tinh_csrf),
        &decision(&app["version"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{app}");
    assert_eq!(app["state"], "recognised");
    assert_eq!(readiness(addr).await["recognised_from"], "2022-11-20");

    // The unit page and the city's overview show it recognised from the decision's date.
    let (_, page) = get(addr, "/units/14833?as_of=2022-11-30").await;
    assert!(
        page.contains("Đã được công nhận từ 20/11/2022 (QĐ số 4567/QĐ-UBND)"),
        "unit page"
    );
    let (_, page) = get(addr, "/units/382?as_of=2022-11-30&lang=en").await;
    assert!(page.contains("Recognised from 20/11/2022"), "city overview");
    let (status, _) = get(addr, &format!("/applications/{id}")).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the appraisal is not public"
    );
    let (status, page) = get_with(&bacson, addr, &format!("/applications/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-decision=\"accepted\""));

    // Quotas per year.
    for (year, quota) in [(2022, 94), (2023, 132), (2024, 133), (2025, 118)] {
        let (status, _) = send(
            &tinh,
            reqwest::Method::PUT,
            format!("{base}/units/38/quotas/{year}"),
            Some(&tinh_csrf),
            &json!({"quota": quota}),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let years: Value = client()
        .get(format!(
            "{base}/units/38/recognitions?framework=cds-xa-phuong-2022"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let summary: Vec<(i64, i64, usize)> = years
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                y["year"].as_i64().unwrap(),
                y["quota"].as_i64().unwrap(),
                y["recognised"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (2022, 94, 1),
            (2023, 132, 0),
            (2024, 133, 0),
            (2025, 118, 0)
        ]
    );
    let (status, page) = get(addr, "/units/38/recognitions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("1/94"), "the year's count against its quota");
    assert!(page.contains("Phường Bắc Sơn"));
    let (status, page) = get(addr, "/units/14833/recognition?as_of=2022-11-30").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Đã được công nhận từ 20/11/2022"));
}
