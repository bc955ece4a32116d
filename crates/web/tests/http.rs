//! The real server on 127.0.0.1:0 with the demo loaded, on SQLite and on PostgreSQL: the read
//! API, the OpenAPI document and the pages (parsed as HTML, not string-matched).

use std::net::SocketAddr;

use reqwest::StatusCode;
use scraper::{Html, Selector};
use serde_json::Value;
use tiendo_storage::{Store, storage_tests};

mod common;
use common::{close_dashboard, get, select, start, text};

storage_tests!(
    summaries_give_the_meeting_day_numbers,
    indicators_list_statuses_with_reasons,
    api_errors_are_json_with_a_message,
    city_overview_page_lists_every_unit,
    ward_page_shows_indicators_by_group,
    error_pages_are_pages,
    private_data_needs_sign_in,
);

async fn get_json(addr: SocketAddr, path: &str) -> (StatusCode, Value) {
    let (status, body) = get(addr, path).await;
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}")),
    )
}

fn counts(v: &Value) -> [u64; 6] {
    [
        "applicable",
        "achieved",
        "in_progress",
        "not_achieved",
        "no_data",
        "not_applicable",
    ]
    .map(|k| v[k].as_u64().unwrap_or_else(|| panic!("count {k} in {v}")))
}

async fn summaries_give_the_meeting_day_numbers(store: &Store) {
    let addr = start(store).await;
    let (status, _) = get(addr, "/healthz").await;
    assert_eq!(status, StatusCode::OK);

    let (status, bac_son) = get_json(addr, "/api/v1/units/14833/summary?as_of=2022-10-31").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bac_son["unit"]["name"], "Phường Bắc Sơn");
    assert_eq!(bac_son["unit"]["kind"], "phuong");
    assert_eq!(bac_son["as_of"], "2022-10-31");
    assert_eq!(counts(&bac_son["counts"]), [31, 26, 4, 1, 0, 0]);
    let digital_government = bac_son["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["counts"]["not_achieved"] == 1)
        .unwrap();
    assert_eq!(digital_government["name"], "Chính quyền số");
    assert_eq!(bac_son["children"].as_array().unwrap().len(), 0);

    let (_, quang_tien) = get_json(addr, "/api/v1/units/14842/summary?as_of=2022-10-31").await;
    assert_eq!(counts(&quang_tien["counts"]), [30, 27, 2, 1, 0, 1]);

    // Without as_of the demo opens on its meeting day.
    let (_, city) = get_json(addr, "/api/v1/units/382/summary").await;
    assert_eq!(city["as_of"], "2022-10-31");
    let children = city["children"].as_array().unwrap();
    assert_eq!(children.len(), 11);
    let mut sum = [0u64; 6];
    for child in children {
        for (s, c) in sum.iter_mut().zip(counts(&child["counts"])) {
            *s += c;
        }
    }
    assert_eq!(sum, counts(&city["counts"]), "the city sums its units");

    // Replaying the end of the year: both wards meet every target.
    let (_, year_end) = get_json(addr, "/api/v1/units/14833/summary?as_of=2022-12-31").await;
    assert_eq!(counts(&year_end["counts"])[1], 31);
}

async fn indicators_list_statuses_with_reasons(store: &Store) {
    let addr = start(store).await;
    let (status, body) = get_json(addr, "/api/v1/units/14833/indicators?as_of=2022-10-31").await;
    assert_eq!(status, StatusCode::OK);
    let rows = body["indicators"].as_array().unwrap();
    assert_eq!(rows.len(), 31);
    let not_achieved: Vec<&Value> = rows
        .iter()
        .filter(|r| r["status"] == "not_achieved")
        .collect();
    assert_eq!(not_achieved.len(), 1);
    let unmet = not_achieved[0];
    assert_eq!(unmet["group"], "chinh-quyen");
    assert!(
        unmet["reason"]["vi"]
            .as_str()
            .unwrap()
            .contains("chưa đạt mục tiêu"),
        "{unmet}"
    );
    assert!(
        unmet["reason"]["en"].as_str().unwrap().contains("target"),
        "{unmet}"
    );
    for r in rows {
        assert!(r["target"].as_str().is_some_and(|t| !t.is_empty()), "{r}");
        assert!(
            r["observed_on"].as_str().is_some_and(|d| d <= "2022-10-31"),
            "{r}"
        );
        assert!(r["value"].is_string() && r["figure"].is_object(), "{r}");
    }
}

async fn api_errors_are_json_with_a_message(store: &Store) {
    let addr = start(store).await;
    let (status, body) = get_json(addr, "/api/v1/units/00000/summary").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"].as_str().unwrap().contains("00000"), "{body}");
    assert!(
        body["error_en"].as_str().unwrap().contains("00000"),
        "{body}"
    );

    let (status, body) = get_json(addr, "/api/v1/units/382/summary?as_of=31/10/2022").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("31/10/2022"),
        "{body}"
    );
    assert!(
        body["error_en"].as_str().unwrap().contains("2022-10-31"),
        "shows the form: {body}"
    );

    let (status, body) = get_json(addr, "/api/v1/units/382/indicators?framework=nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        body["error_en"].as_str().unwrap().contains("nope"),
        "{body}"
    );
}

async fn city_overview_page_lists_every_unit(store: &Store) {
    let addr = start(store).await;
    let (status, _) = get(addr, "/").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the home page opens the city"
    );

    let (status, html) = get(addr, "/units/382").await;
    assert_eq!(status, StatusCode::OK);
    let doc = Html::parse_document(&html);
    assert_eq!(doc.root_element().value().attr("lang"), Some("vi"));
    assert!(text(&select(&doc, "h1")[0]).starts_with("Thành phố Sầm Sơn"));
    let date = select(&doc, "input[name=as_of]");
    assert_eq!(
        date[0].value().attr("value"),
        Some("2022-10-31"),
        "opens on the meeting day"
    );
    assert_eq!(text(&select(&doc, ".as-of-shown")[0]), "31/10/2022");
    let rows = select(&doc, "table.children tbody tr");
    assert_eq!(rows.len(), 11);
    let bac_son = rows
        .iter()
        .find(|r| text(r).contains("Phường Bắc Sơn"))
        .expect("Bắc Sơn is listed");
    let cell = |row: &scraper::ElementRef, key: &str| {
        text(
            &row.select(&Selector::parse(&format!("[data-count={key}]")).unwrap())
                .next()
                .unwrap(),
        )
    };
    assert_eq!(cell(bac_son, "applicable"), "31");
    assert_eq!(cell(bac_son, "achieved"), "26");
    assert_eq!(cell(bac_son, "in_progress"), "4");
    assert_eq!(cell(bac_son, "not_achieved"), "1");
    let link = bac_son
        .select(&Selector::parse("a").unwrap())
        .next()
        .unwrap();
    assert_eq!(
        link.value().attr("href"),
        Some("/units/14833?as_of=2022-10-31")
    );
    assert_eq!(
        select(&doc, "svg.bar").len(),
        1 + 11 + 8 + 31,
        "a bar for the city, each unit, each group and each indicator"
    );
    assert!(
        select(&doc, ".notice").len() == 1,
        "the demo says it is illustrative"
    );
    let scripts = select(&doc, "script");
    assert!(
        scripts.iter().all(|s| s
            .value()
            .attr("src")
            .is_some_and(|src| src.starts_with("/static/")))
            && select(&doc, "link[rel=stylesheet]").iter().all(|l| l
                .value()
                .attr("href")
                .unwrap()
                .starts_with("/static/"))
            && !html.contains("http://")
            && !html.contains("https://"),
        "nothing from elsewhere, no inline script"
    );

    let (status, css) = get(addr, "/static/app.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(css.contains(".chip"));
}

async fn ward_page_shows_indicators_by_group(store: &Store) {
    let addr = start(store).await;
    let (status, html) = get(addr, "/units/14833?as_of=2022-10-31").await;
    assert_eq!(status, StatusCode::OK);
    let doc = Html::parse_document(&html);
    let count = |key: &str| text(&select(&doc, &format!("#unit-counts [data-count={key}]"))[0]);
    assert_eq!(
        [
            count("applicable"),
            count("achieved"),
            count("in_progress"),
            count("not_achieved")
        ],
        ["31", "26", "4", "1"]
    );
    assert_eq!(count("completion"), "83,9%", "Vietnamese decimal comma");
    assert_eq!(select(&doc, "section.indicators").len(), 8);
    let rows = select(&doc, "table.indicators tbody tr");
    assert_eq!(rows.len(), 31);
    let unmet: Vec<_> = rows
        .iter()
        .filter(|r| r.value().attr("data-status") == Some("not_achieved"))
        .collect();
    assert_eq!(unmet.len(), 1);
    let chip = text(
        &unmet[0]
            .select(&Selector::parse(".chip").unwrap())
            .next()
            .unwrap(),
    );
    assert_eq!(
        chip, "✗ Chưa đạt",
        "status carries text and an icon, not colour alone"
    );
    let reason = text(
        &unmet[0]
            .select(&Selector::parse(".reason").unwrap())
            .next()
            .unwrap(),
    );
    assert!(reason.contains("/2022"), "dates as dd/mm/yyyy: {reason}");
    let crumbs: Vec<String> = select(&doc, "nav.crumbs a").iter().map(text).collect();
    assert_eq!(crumbs, ["Việt Nam", "Tỉnh Thanh Hóa", "Thành phố Sầm Sơn"]);

    // The same page in English.
    let (_, html) = get(addr, "/units/14833?as_of=2022-10-31&lang=en").await;
    let doc = Html::parse_document(&html);
    assert_eq!(doc.root_element().value().attr("lang"), Some("en"));
    let count = |key: &str| text(&select(&doc, &format!("#unit-counts [data-count={key}]"))[0]);
    assert_eq!(count("completion"), "83.9%");
    assert!(
        select(&doc, "table.indicators .chip")
            .iter()
            .any(|c| text(c) == "✓ Achieved")
    );
}

async fn error_pages_are_pages(store: &Store) {
    let addr = start(store).await;
    for (path, status, needle) in [
        ("/units/00000", StatusCode::NOT_FOUND, "00000"),
        ("/no/such/page", StatusCode::NOT_FOUND, "không tồn tại"),
        (
            "/units/382?as_of=2022-02-30",
            StatusCode::BAD_REQUEST,
            "2022-02-30",
        ),
        (
            "/units/382?as_of=hôm-qua&lang=en",
            StatusCode::BAD_REQUEST,
            "year-month-day",
        ),
    ] {
        let (got, html) = get(addr, path).await;
        assert_eq!(got, status, "{path}");
        let doc = Html::parse_document(&html);
        let section = &select(&doc, "section.error")[0];
        assert_eq!(
            section.value().attr("data-status"),
            Some(status.as_str()),
            "{path}"
        );
        assert!(
            text(&select(&doc, "p.message")[0]).contains(needle),
            "{path}: {html}"
        );
    }
}

async fn private_data_needs_sign_in(store: &Store) {
    let addr = start(store).await;
    close_dashboard(store).await;
    let (status, body) = get_json(addr, "/api/v1/units/382/summary").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"].as_str().unwrap().contains("đăng nhập"));
    let (status, _) = get(addr, "/units/382").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = get(addr, "/healthz").await;
    assert_eq!(status, StatusCode::OK, "health stays open");
}

/// The OpenAPI document is part of the contract: `docs/openapi.json` holds the published one,
/// and this test fails when the code drifts from it. Regenerate with
/// `TIENDO_UPDATE_OPENAPI=1 cargo test -p tiendo-web openapi`.
#[tokio::test]
async fn openapi_document_is_served_and_matches_the_published_one() {
    let db = tiendo_storage::testing::TestDb::sqlite().await;
    let addr = start(&db.store).await;
    let (status, served) = get_json(addr, "/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/api/v1/units/{code}/summary",
        "/api/v1/units/{code}/indicators",
    ] {
        assert!(
            served["paths"][path]["get"].is_object(),
            "{path} documented"
        );
    }
    let published_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let generated = tiendo_web::openapi_json() + "\n";
    if std::env::var_os("TIENDO_UPDATE_OPENAPI").is_some() {
        std::fs::write(published_path, &generated).unwrap();
    }
    let published = std::fs::read_to_string(published_path).unwrap_or_default();
    assert!(
        published == generated,
        "docs/openapi.json is out of date: run TIENDO_UPDATE_OPENAPI=1 cargo test -p tiendo-web openapi"
    );
    db.finish().await;
}

/// `tiendo demo` empties its database: it refuses one holding data that is not the demo's.
#[tokio::test]
async fn the_demo_never_empties_a_real_database() {
    let db = tiendo_storage::testing::TestDb::sqlite().await;
    let real = tiendo_domain::Unit {
        code: "38".into(),
        name: "Tỉnh Thanh Hóa".into(),
        kind: tiendo_domain::UnitKind::Tinh,
        parent_code: None,
        valid_from: None,
        valid_until: None,
    };
    db.store.put_units(&[real]).await.unwrap();
    let refused = tiendo_web::demo::load(&db.store).await;
    assert!(
        matches!(refused, Err(tiendo_storage::StorageError::Invalid { .. })),
        "{refused:?}"
    );
    assert_eq!(
        db.store.units().await.unwrap().len(),
        1,
        "nothing was removed"
    );
    // A demo database can be re-created as often as one likes.
    let fresh = tiendo_storage::testing::TestDb::sqlite().await;
    tiendo_web::demo::load(&fresh.store).await.unwrap();
    tiendo_web::demo::load(&fresh.store).await.unwrap();
    db.finish().await;
    fresh.finish().await;
}
