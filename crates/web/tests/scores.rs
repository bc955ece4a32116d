//! The ranking by score, through the real server on the demo.

mod common;

use reqwest::StatusCode;
use scraper::Html;
use serde_json::Value;
use tiendo_storage::{Store, storage_tests};

use common::{get, select, start, text, text_in};

storage_tests!(
    the_city_ranks_its_wards_by_score_with_shared_places,
    the_api_gives_the_same_ranking_as_the_page
);

async fn the_city_ranks_its_wards_by_score_with_shared_places(store: &Store) {
    let addr = start(store).await;
    for (as_of, lang) in [("2022-10-31", "vi"), ("2022-12-31", "en")] {
        let (status, html) = get(
            addr,
            &format!("/units/382/scores?as_of={as_of}&lang={lang}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let doc = Html::parse_document(&html);
        let rows = select(&doc, "table.scores tbody tr");
        assert_eq!(rows.len(), 11, "every ward and commune of Sầm Sơn");
        let mut previous: Option<(String, String)> = None;
        for (n, row) in rows.iter().enumerate() {
            let place = text_in(row, "td.place");
            let score = text_in(row, "td.score");
            let mark = if lang == "vi" { ',' } else { '.' };
            assert!(
                score.contains(mark) && score.len() == 5,
                "a score 0–1 with three decimals: {score}"
            );
            if let Some((prev_place, prev_score)) = &previous {
                if *prev_score == score {
                    assert_eq!(*prev_place, place, "equal scores share a place");
                } else {
                    assert!(
                        *prev_score > score,
                        "ranked best first: {prev_score} then {score}"
                    );
                    assert_eq!(place, (n + 1).to_string(), "after a tie the places skip");
                }
            } else {
                assert_eq!(place, "1");
            }
            previous = Some((place, score));
        }
        assert!(
            !text(&select(&doc, "p.rule")[0]).is_empty(),
            "the rule is stated"
        );
    }
    // The overview links to it, and it is read like the overview (a public dashboard here).
    let (_, html) = get(addr, "/units/382?as_of=2022-10-31").await;
    assert!(html.contains("/units/382/scores"));
    let (status, _) = get(addr, "/units/99999/scores").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn the_api_gives_the_same_ranking_as_the_page(store: &Store) {
    let addr = start(store).await;
    let (status, html) = get(addr, "/units/382/scores?as_of=2022-10-31&lang=en").await;
    assert_eq!(status, StatusCode::OK);
    let doc = Html::parse_document(&html);
    let page: Vec<(String, String, String)> = select(&doc, "table.scores tbody tr")
        .iter()
        .map(|row| {
            (
                text_in(row, "td.place"),
                text_in(row, "th a"),
                text_in(row, "td.score"),
            )
        })
        .collect();
    let (status, body) = get(addr, "/api/v1/units/382/scores?as_of=2022-10-31").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["as_of"], "2022-10-31");
    assert!(json["rule"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(json["rule_en"].as_str().is_some_and(|r| !r.is_empty()));
    let units = json["units"].as_array().unwrap();
    assert_eq!(units.len(), page.len());
    for (unit, (place, name, score)) in units.iter().zip(&page) {
        assert_eq!(unit["name"].as_str().unwrap(), name);
        assert_eq!(unit["place"].as_u64().unwrap().to_string(), *place);
        let value = unit["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&value));
        assert_eq!(format!("{value:.3}"), *score, "{name}");
        assert!(unit["earned"].as_f64().unwrap() <= unit["possible"].as_f64().unwrap());
        assert!(!unit["groups"].as_array().unwrap().is_empty());
    }
    let (status, _) = get(addr, "/api/v1/units/99999/scores").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(addr, "/api/v1/units/382/scores?as_of=31-10-2022").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
