//! Every page of the interface, parsed as HTML (not string-matched), through the real server
//! on SQLite and on PostgreSQL: the overview (sorting, filters, ranks, readiness, the year), a
//! ward's page, an indicator across units, the matrix, search, the language switch, the entry
//! form's live saving, static assets and error pages.

use std::net::SocketAddr;

use reqwest::StatusCode;
use scraper::Html;
use serde_json::Value;
use tiendo_storage::{Store, storage_tests};

mod common;
use common::{
    client, close_dashboard, first, get, get_with, select, select_attr, sign_in_page, start, text,
    text_in, with_attr,
};

storage_tests!(
    the_overview_sorts_filters_and_ranks,
    the_overview_replays_the_year,
    a_ward_lists_what_is_missing_first,
    an_indicator_across_the_units_of_the_city,
    a_wards_own_indicator_page_shows_more_to_those_who_may_read,
    the_matrix_has_a_cell_per_unit_and_indicator,
    search_ignores_diacritics_and_access,
    the_language_switch_is_remembered,
    english_pages_have_no_vietnamese_left,
    the_entry_form_saves_in_place,
    the_review_shows_what_changed,
    error_pages_for_every_view,
    assets_are_compressed_and_cached,
    sign_in_and_account_pages_label_every_field,
);

async fn page(addr: SocketAddr, path: &str) -> Html {
    let (status, html) = get(addr, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {html}");
    Html::parse_document(&html)
}

/// The unit names in the rows of the overview's table, in order.
fn unit_names(doc: &Html) -> Vec<String> {
    select(doc, "table.children tbody tr th a")
        .iter()
        .map(text)
        .collect()
}

async fn the_overview_sorts_filters_and_ranks(store: &Store) {
    let addr = start(store).await;
    let doc = page(addr, "/units/382?as_of=2022-10-31").await;
    let rows = select(&doc, "table.children tbody tr");
    assert_eq!(rows.len(), 11);
    let row = |name: &str| {
        *rows
            .iter()
            .find(|r| text_in(r, "th a") == name)
            .unwrap_or_else(|| panic!("{name} is listed"))
    };
    // 27/30 is the best completion, then 26/31.
    assert_eq!(text_in(&row("Phường Quảng Tiến"), "[data-count=rank]"), "1");
    assert_eq!(text_in(&row("Phường Bắc Sơn"), "[data-count=rank]"), "2");
    // Quảng Hùng and Quảng Đại both have 6/31 and share tenth place.
    assert_eq!(text_in(&row("Xã Quảng Hùng"), "[data-count=rank]"), "10");
    assert_eq!(text_in(&row("Xã Quảng Đại"), "[data-count=rank]"), "10");
    assert_eq!(
        select(&doc, "table.children tbody tr svg.spark").len(),
        11,
        "each unit's year"
    );
    assert_eq!(
        select(&doc, "table.children thead th[aria-sort=none]").len(),
        7,
        "by code, no column is sorted"
    );

    // By name, in Vietnamese alphabetical order: "Phường …" before "Xã …", Quảng Châu before
    // Quảng Cư before Quảng Đại (đ after d) — not by bytes.
    let doc = page(addr, "/units/382?as_of=2022-10-31&sort=name").await;
    let names = unit_names(&doc);
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| tiendo_domain::text::collate(a, b));
    assert_eq!(names, sorted);
    assert_eq!(names[0], "Phường Bắc Sơn");
    assert_eq!(
        names.iter().position(|n| n == "Phường Quảng Châu").unwrap() + 1,
        names.iter().position(|n| n == "Phường Quảng Cư").unwrap()
    );
    assert_eq!(
        text(&select(&doc, "table.children thead th[aria-sort=ascending]")[0]),
        "Đơn vị"
    );
    let doc = page(addr, "/units/382?as_of=2022-10-31&sort=name&dir=desc").await;
    assert_eq!(unit_names(&doc)[0], "Xã Quảng Minh");

    // The league table: by rank, best first; a header link turns the order round.
    let doc = page(addr, "/units/382?as_of=2022-10-31&sort=rank").await;
    let ranks: Vec<u32> = select(&doc, "table.children [data-count=rank]")
        .iter()
        .map(|c| text(c).parse().unwrap())
        .collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10]);
    let rank_header = &select(&doc, "table.children thead th[aria-sort=ascending] a")[0];
    assert!(
        rank_header
            .value()
            .attr("href")
            .unwrap()
            .contains("sort=rank&dir=desc"),
        "{}",
        rank_header.html()
    );
    let doc = page(addr, "/units/382?as_of=2022-10-31&sort=not_achieved").await;
    let unmet: Vec<u32> = select(&doc, "table.children [data-count=not_achieved]")
        .iter()
        .map(|c| text(c).parse().unwrap())
        .collect();
    assert!(
        unmet.windows(2).all(|w| w[0] >= w[1]),
        "most first: {unmet:?}"
    );

    // Communes only.
    let doc = page(addr, "/units/382?as_of=2022-10-31&kind=xa").await;
    assert_eq!(
        unit_names(&doc),
        ["Xã Quảng Minh", "Xã Quảng Hùng", "Xã Quảng Đại"]
    );
    assert_eq!(text(&select(&doc, "#children-h small")[0]), "(3/11)");

    // One group: the totals and every unit count that group's indicators only.
    let doc = page(addr, "/units/382?as_of=2022-10-31&group=chinh-quyen").await;
    assert!(text(&select(&doc, "#totals-h")[0]).contains("Chính quyền số"));
    assert_eq!(
        select(&doc, "#totals-h a.all-groups")[0]
            .value()
            .attr("href"),
        Some("/units/382?as_of=2022-10-31"),
        "and the way back to every group"
    );
    assert_eq!(
        text(&select(&doc, "#unit-counts [data-count=applicable]")[0]),
        "88"
    );
    let bac_son = select(&doc, "table.children tbody tr")
        .into_iter()
        .find(|r| text_in(r, "th a") == "Phường Bắc Sơn")
        .unwrap();
    assert_eq!(text_in(&bac_son, "[data-count=applicable]"), "8");
    assert_eq!(text_in(&bac_son, "[data-count=not_achieved]"), "1");
    assert_eq!(
        select(&doc, "table.spread tbody tr").len(),
        8,
        "the group's indicators"
    );
    assert_eq!(
        select_attr(&doc.html(), "#f-group option[selected]", "value").as_deref(),
        Some("chinh-quyen")
    );

    // Which indicators need support: a row per indicator, with its units' statuses.
    let doc = page(addr, "/units/382?as_of=2022-10-31").await;
    let spread = select(&doc, "table.spread tbody tr");
    assert_eq!(spread.len(), 31);
    let fibre = with_attr(&spread, "data-indicator", "HT-03");
    let link = first(&fibre, "a");
    assert_eq!(
        link.value().attr("href"),
        Some("/units/382/indicators/HT-03?as_of=2022-10-31")
    );

    // Ready for recognition: nobody on the meeting day; both wards by the end of the year.
    assert_eq!(
        text(&select(&doc, "#unit-counts [data-count=ready]")[0]),
        "0/11"
    );
    let doc = page(addr, "/units/382?as_of=2022-12-31").await;
    let ready: Vec<String> = select(&doc, "table.children tbody tr[data-ready=true] th a")
        .iter()
        .map(text)
        .collect();
    assert!(
        ready.contains(&"Phường Bắc Sơn".to_string())
            && ready.contains(&"Phường Quảng Tiến".to_string()),
        "{ready:?}"
    );
    let doc = page(addr, "/units/14833?as_of=2022-12-31").await;
    assert_eq!(select(&doc, ".ready-banner .badge.ready").len(), 1);
    // Readiness is about every indicator: one group's view does not claim it.
    let doc = page(addr, "/units/382?as_of=2022-10-31&group=the-che").await;
    assert!(select(&doc, "table.children tbody tr[data-ready]").is_empty());
    assert!(select(&doc, "#unit-counts [data-count=ready]").is_empty());

    for bad in ["sort=colour", "dir=up", "kind=tinh"] {
        let (status, _) = get(addr, &format!("/units/382?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (status, html) = get(addr, "/units/382?group=no-such-group").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text(&select(&Html::parse_document(&html), "p.message")[0]).contains("chinh-quyen"),
        "the message lists the groups there are"
    );
}

async fn the_overview_replays_the_year(store: &Store) {
    let addr = start(store).await;
    let doc = page(addr, "/units/382").await;
    let months = select(&doc, "nav.replay .months a");
    assert_eq!(months.len(), 12, "the months of 2022");
    let current = select(&doc, "nav.replay .months a[aria-current=date]");
    assert_eq!(current.len(), 1);
    assert_eq!(text(&current[0]), "10/2022", "the meeting day's month");
    assert_eq!(
        select(&doc, "nav.replay a[rel=prev]")[0]
            .value()
            .attr("href"),
        Some("/units/382?as_of=2022-09-30")
    );
    assert_eq!(
        select(&doc, "nav.replay a[rel=next]")[0]
            .value()
            .attr("href"),
        Some("/units/382?as_of=2022-11-30")
    );
    // The chart shows only what was known: January to October.
    assert_eq!(select(&doc, "section.chart svg circle").len(), 10);

    // Replaying 30/06: the city and each ward as they stood then.
    let doc = page(addr, "/units/382?as_of=2022-06-30").await;
    assert_eq!(select(&doc, "section.chart svg circle").len(), 6);
    let june = store
        .summary(
            "14833",
            &store.framework_ref(None, None).await.unwrap(),
            "2022-06-30".parse().unwrap(),
        )
        .await
        .unwrap();
    let bac_son = select(&doc, "table.children tbody tr")
        .into_iter()
        .find(|r| text_in(r, "th a") == "Phường Bắc Sơn")
        .unwrap();
    assert_eq!(
        text_in(&bac_son, "[data-count=achieved]"),
        june.counts.achieved.to_string()
    );
    assert!(june.counts.achieved < 26);
    // Filters and sorting survive a change of date.
    let doc = page(addr, "/units/382?as_of=2022-06-30&kind=xa&sort=rank").await;
    let hidden: Vec<(String, String)> = select(&doc, "form.as-of input[type=hidden]")
        .iter()
        .map(|i| {
            (
                i.value().attr("name").unwrap().to_string(),
                i.value().attr("value").unwrap().to_string(),
            )
        })
        .collect();
    assert!(hidden.contains(&("kind".into(), "xa".into())), "{hidden:?}");
    assert!(hidden.contains(&("sort".into(), "rank".into())));
    assert!(
        select(&doc, "nav.replay .months a")[0]
            .value()
            .attr("href")
            .unwrap()
            .contains("kind=xa&sort=rank")
    );
}

async fn a_ward_lists_what_is_missing_first(store: &Store) {
    let addr = start(store).await;
    // Early in the year most indicators have no figure yet.
    let doc = page(addr, "/units/14836?as_of=2022-01-05").await;
    let no_data: usize = text(&select(&doc, "#unit-counts [data-count=no_data]")[0])
        .parse()
        .unwrap();
    assert!(no_data > 0);
    let todo = select(&doc, "ul.todo li");
    assert!(
        todo.len() >= no_data,
        "every indicator with no figure is listed"
    );
    // The list comes before the indicator tables.
    let (_, html) = get(addr, "/units/14836?as_of=2022-01-05").await;
    assert!(
        html.find("<section class=\"todo\"").unwrap()
            < html.find("<table class=\"indicators\"").unwrap()
    );

    // The officer of Bắc Sơn sees the returned indicator first, linked to its row of the form.
    let (officer, _) = sign_in_page(addr, "bacson", "/units/14833").await;
    let (_, html) = get_with(&officer, addr, "/units/14833?as_of=2022-10-31").await;
    let doc = Html::parse_document(&html);
    let returned = &select(&doc, "ul.todo li")[0];
    assert_eq!(returned.value().attr("data-indicator"), Some("CQ-05"));
    assert!(text(returned).contains("Bị trả lại"));
    let href = select_attr(&html, "ul.todo li a", "href").unwrap();
    assert!(
        href.starts_with("/units/14833/entry?") && href.ends_with("#row-CQ-05"),
        "{href}"
    );

    // Each indicator: how its status went over the year (the public may not read past figures),
    // and the latest figure's date.
    let doc = page(addr, "/units/14833?as_of=2022-10-31").await;
    let rows = select(&doc, "table.indicators tbody tr");
    assert_eq!(rows.len(), 31);
    assert_eq!(select(&doc, "table.indicators svg.status-strip").len(), 31);
    let fibre = with_attr(&rows, "data-indicator", "HT-03");
    let strip = first(&fibre, "svg.status-strip");
    let label = strip.value().attr("aria-label").unwrap();
    assert!(label.contains("Đang triển khai từ"), "{label}");
    assert!(
        !label.contains("72%"),
        "no figure in the public's trend: {label}"
    );
    assert_eq!(text_in(&fibre, ".observed-on"), "30/09/2022");
    assert_eq!(
        first(&fibre, "td.code a").value().attr("href"),
        Some("/units/14833/indicators/HT-03?as_of=2022-10-31")
    );
    // Those who may read the figures see their trend line.
    let (_, html) = get_with(&officer, addr, "/units/14833?as_of=2022-10-31").await;
    let officers = Html::parse_document(&html);
    assert!(select(&officers, "table.indicators svg.status-strip").is_empty());
    let spark = &select(&officers, "tr[data-indicator=HT-03] svg.spark")[0];
    let label = spark.value().attr("aria-label").unwrap();
    assert!(
        label.contains("72%") && label.contains("30/09/2022"),
        "{label}"
    );
    // A ward's own year.
    assert_eq!(select(&doc, "section.chart svg circle").len(), 10);
}

async fn an_indicator_across_the_units_of_the_city(store: &Store) {
    let addr = start(store).await;
    let doc = page(addr, "/units/382/indicators/HT-03?as_of=2022-10-31").await;
    assert!(text(&select(&doc, "h1")[0]).starts_with("HT-03"));
    let rows = select(&doc, "table.across tbody tr");
    assert_eq!(rows.len(), 11);
    let counts: u32 = [
        "achieved",
        "in_progress",
        "not_achieved",
        "no_data",
        "not_applicable",
    ]
    .iter()
    .map(|k| {
        text(&select(&doc, &format!("#indicator-counts [data-count={k}]"))[0])
            .parse::<u32>()
            .unwrap()
    })
    .sum();
    assert_eq!(counts, 11, "every unit counted once");
    // Those needing support come first.
    let order = |s: &str| match s {
        "not_achieved" => 0,
        "no_data" => 1,
        "in_progress" => 2,
        "achieved" => 3,
        _ => 4,
    };
    let statuses: Vec<u8> = rows
        .iter()
        .map(|r| order(r.value().attr("data-status").unwrap()))
        .collect();
    assert!(statuses.windows(2).all(|w| w[0] <= w[1]), "{statuses:?}");
    let bac_son = rows
        .iter()
        .find(|r| text_in(r, "th a") == "Phường Bắc Sơn")
        .unwrap();
    assert_eq!(text_in(bac_son, ".chip"), "◐ Đang triển khai");
    assert!(text_in(bac_son, ".value").starts_with("72%"));
    assert_eq!(
        first(bac_son, "th a").value().attr("href"),
        Some("/units/14833/indicators/HT-03?as_of=2022-10-31")
    );
    // The distribution: a shape per unit on one axis, the target marked.
    let strip = &select(&doc, ".strip svg")[0];
    assert!(strip.value().attr("aria-label").unwrap().contains("HT-03"));
    assert_eq!(
        select(&doc, ".strip svg title").len(),
        1 + rows.iter().filter(|r| text_in(r, ".value") != "–").count(),
        "the chart's title and one per unit with a figure"
    );
    assert_eq!(select(&doc, ".strip svg line.target").len(), 1);
    // A city has no figures of its own.
    assert!(select(&doc, "section.standing").is_empty());
    assert!(select(&doc, "table.history").is_empty());
}

async fn a_wards_own_indicator_page_shows_more_to_those_who_may_read(store: &Store) {
    let addr = start(store).await;
    // The public dashboard: where the ward stands and its trend, not the figures' history.
    let doc = page(addr, "/units/14833/indicators/HT-03?as_of=2022-10-31").await;
    assert_eq!(
        text(&select(&doc, "section.standing .chip")[0]),
        "◐ Đang triển khai"
    );
    assert!(text(&select(&doc, "section.standing .reason")[0]).contains("31/12/2022"));
    assert_eq!(select(&doc, "section.standing svg.status-strip").len(), 1);
    let changes = text(&select(&doc, "section.standing p.status-changes")[0]);
    assert!(
        changes.starts_with("Chưa có số liệu từ 01/01/2022")
            && changes.contains("Đang triển khai từ"),
        "the statuses over time in words too: {changes}"
    );
    let statuses: Vec<&str> = changes
        .split(", ")
        .map(|c| c.split(" từ ").next().unwrap())
        .collect();
    assert!(
        statuses.windows(2).all(|w| w[0] != w[1]),
        "each entry is a change of status: {changes}"
    );
    assert!(select(&doc, "table.history").is_empty());
    assert!(select(&doc, "table.audit").is_empty());
    assert!(select(&doc, "table.across").is_empty());

    // Its officer: every figure, the change log and the evidence form with its progress bar.
    let (officer, _) = sign_in_page(addr, "bacson", "/units/14833").await;
    let (status, html) = get_with(&officer, addr, "/units/14833/indicators/HT-03").await;
    assert_eq!(status, StatusCode::OK);
    let doc = Html::parse_document(&html);
    assert!(select(&doc, "table.history tbody tr").len() >= 2);
    assert!(select(&doc, "section.standing svg.status-strip").is_empty());
    assert_eq!(
        select(&doc, "section.standing svg.spark circle").len(),
        select(&doc, "table.history tbody tr").len()
    );
    // Replaying a date shows the figures known on it, and says how many came later.
    let (_, html) = get_with(
        &officer,
        addr,
        "/units/14833/indicators/HT-03?as_of=2022-06-30",
    )
    .await;
    let june = Html::parse_document(&html);
    let dates: Vec<String> = select(&june, "table.history tbody tr td:first-child")
        .iter()
        .map(text)
        .collect();
    assert!(!dates.is_empty());
    let iso = |dmy: &str| format!("{}-{}-{}", &dmy[6..10], &dmy[3..5], &dmy[0..2]);
    assert!(
        dates.iter().all(|d| iso(d).as_str() <= "2022-06-30"),
        "{dates:?}"
    );
    let later = text(&select(&june, "section[aria-labelledby=figures-h] p.hint")[0]);
    assert!(later.contains("sau ngày đang xem"), "{later}");
    assert!(!select(&doc, "table.audit").is_empty());
    assert_eq!(select(&doc, "form.evidence-form progress").len(), 1);
    assert!(select(&doc, "form.evidence-form label[for=ev-file]").len() == 1);

    // Another ward's officer sees what the public sees, not the figures behind it.
    let (other, _) = sign_in_page(addr, "quangtien", "/units/14842").await;
    let (status, html) = get_with(&other, addr, "/units/14833/indicators/HT-03").await;
    assert_eq!(status, StatusCode::OK);
    let doc = Html::parse_document(&html);
    assert_eq!(select(&doc, "section.standing").len(), 1);
    assert!(
        select(&doc, "table.history").is_empty() && select(&doc, "form.evidence-form").is_empty()
    );
    // With the dashboard closed, not even that.
    close_dashboard(store).await;
    let (status, html) = get_with(&other, addr, "/units/14833/indicators/HT-03").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let doc = Html::parse_document(&html);
    assert_eq!(text(&select(&doc, "section.error h1")[0]), "Không có quyền");
    assert!(text(&select(&doc, "p.message")[0]).contains("quangtien"));
}

async fn the_matrix_has_a_cell_per_unit_and_indicator(store: &Store) {
    let addr = start(store).await;
    let doc = page(addr, "/units/382/matrix?as_of=2022-10-31").await;
    let rows = select(&doc, "table.matrix tbody tr");
    assert_eq!(rows.len(), 11);
    let bands = select(&doc, "table.matrix th.band");
    assert_eq!(bands.len(), 8, "a band per group");
    let spans: usize = bands
        .iter()
        .map(|b| b.value().attr("colspan").unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(spans, 31);
    assert_eq!(select(&doc, "table.matrix thead th.ind").len(), 31);
    for row in &rows {
        let cells: Vec<_> = row
            .select(&scraper::Selector::parse("td.cell").unwrap())
            .collect();
        assert_eq!(cells.len(), 31);
        for cell in cells {
            let link = first(&cell, "a");
            // Colour is never alone: an icon and a text alternative.
            assert!(!text(&link).is_empty());
            assert!(link.value().attr("aria-label").unwrap().contains(" — "));
        }
    }
    let bac_son = rows
        .iter()
        .find(|r| text_in(r, "th.unit a") == "Phường Bắc Sơn")
        .unwrap();
    assert_eq!(text_in(bac_son, "td.num"), "26/31");
    let unmet: Vec<_> = bac_son
        .select(&scraper::Selector::parse("td.cell.not_achieved a").unwrap())
        .collect();
    assert_eq!(unmet.len(), 1);
    assert_eq!(
        unmet[0].value().attr("href"),
        Some("/units/14833/indicators/CQ-05?as_of=2022-10-31")
    );
    assert_eq!(text(&unmet[0]), "✗");
    // The province shows the same units; a ward is its own one-row matrix.
    let doc = page(addr, "/units/38/matrix?as_of=2022-10-31").await;
    assert_eq!(select(&doc, "table.matrix tbody tr").len(), 11);
    let doc = page(addr, "/units/14833/matrix?as_of=2022-10-31").await;
    assert_eq!(select(&doc, "table.matrix tbody tr").len(), 1);
    assert!(select(&doc, "nav.pages").is_empty(), "one page");
}

async fn search_ignores_diacritics_and_access(store: &Store) {
    let addr = start(store).await;
    let results =
        |doc: &Html, css: &str| -> Vec<String> { select(doc, css).iter().map(text).collect() };
    let doc = page(addr, "/search?q=quang+tien").await;
    assert_eq!(
        results(&doc, "ul.results.units li a"),
        ["Phường Quảng Tiến"]
    );
    assert_eq!(
        select_attr(&doc.html(), "ul.results.units li a", "href").as_deref(),
        Some("/units/14842?as_of=2022-10-31")
    );
    let doc = page(addr, "/search?q=B%E1%BA%AEC+S%C6%A0N").await;
    assert_eq!(results(&doc, "ul.results.units li a"), ["Phường Bắc Sơn"]);
    let doc = page(addr, "/search?q=14836").await;
    assert_eq!(
        results(&doc, "ul.results.units li a"),
        ["Phường Trường Sơn"]
    );
    // Indicators by name without diacritics, or by code; they open across the city's units.
    let doc = page(addr, "/search?q=cap+quang").await;
    let found = results(&doc, "ul.results.indicators li a strong");
    assert!(
        found.contains(&"HT-02".to_string()) && found.contains(&"HT-03".to_string()),
        "{found:?}"
    );
    assert_eq!(
        select_attr(&doc.html(), "ul.results.indicators li a", "href").as_deref(),
        Some("/units/382/indicators/HT-02?as_of=2022-10-31")
    );
    let doc = page(addr, "/search?q=ocop").await;
    assert_eq!(
        results(&doc, "ul.results.indicators li a strong"),
        ["KT-02"]
    );
    let doc = page(addr, "/search?q=nothing+like+this").await;
    assert_eq!(select(&doc, "p.empty").len(), 2);
    let doc = page(addr, "/search").await;
    assert!(select(&doc, "ul.results").is_empty() && select(&doc, "input#q").len() == 1);
    let (status, _) = get(addr, &format!("/search?q={}", "a".repeat(101))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // With the dashboard closed, units are listed only to those who may read them.
    close_dashboard(store).await;
    let doc = page(addr, "/search?q=quang+tien").await;
    assert!(select(&doc, "ul.results.units li").is_empty(), "anonymous");
    let (officer, _) = sign_in_page(addr, "bacson", "/units/14833").await;
    let (_, html) = get_with(&officer, addr, "/search?q=phuong").await;
    let doc = Html::parse_document(&html);
    assert_eq!(results(&doc, "ul.results.units li a"), ["Phường Bắc Sơn"]);
    // Its indicators open on its own unit.
    let (_, html) = get_with(&officer, addr, "/search?q=cap+quang").await;
    assert!(
        select_attr(&html, "ul.results.indicators li a", "href")
            .unwrap()
            .starts_with("/units/14833/indicators/")
    );
}

async fn the_language_switch_is_remembered(store: &Store) {
    let addr = start(store).await;
    // Not signed in: a cookie remembers it, and the switch returns to the same page.
    let c = client();
    let r = c
        .post(format!("http://{addr}/lang"))
        .header(
            "Referer",
            format!("http://{addr}/units/382?as_of=2022-06-30&lang=vi"),
        )
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/units/382?as_of=2022-06-30");
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("tiendo_lang=en;")
    );
    let (_, html) = get_with(&c, addr, "/units/382").await;
    let doc = Html::parse_document(&html);
    assert_eq!(doc.root_element().value().attr("lang"), Some("en"));
    assert_eq!(text(&select(&doc, "#totals-h")[0]), "Totals");
    // The switch now offers Vietnamese, written in Vietnamese.
    let button = &select(&doc, "form.lang-switch button")[0];
    assert_eq!(
        (button.value().attr("value"), text(button).as_str()),
        (Some("vi"), "Tiếng Việt")
    );
    // Asking on the address still wins.
    let (_, html) = get_with(&c, addr, "/units/382?lang=vi").await;
    assert_eq!(select_attr(&html, "html", "lang").as_deref(), Some("vi"));

    // Signed in: the account remembers it, in any browser.
    let (officer, csrf) = sign_in_page(addr, "bacson", "/units/14833").await;
    let r = officer
        .post(format!("http://{addr}/lang"))
        .form(&[("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "needs the session's CSRF token"
    );
    let r = officer
        .post(format!("http://{addr}/lang"))
        .form(&[("lang", "en"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (elsewhere, _) = sign_in_page(addr, "bacson", "/units/14833").await;
    let (_, html) = get_with(&elsewhere, addr, "/units/14833/entry").await;
    let doc = Html::parse_document(&html);
    assert_eq!(doc.root_element().value().attr("lang"), Some("en"));
    assert_eq!(
        text(&select(&doc, "h1")[0]).split_whitespace().next(),
        Some("Enter")
    );

    let r = c
        .post(format!("http://{addr}/lang"))
        .form(&[("lang", "fr")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

/// In English, the only Vietnamese left on a page is proper names (units) and what people typed.
/// Every other string goes through the translation layer.
async fn english_pages_have_no_vietnamese_left(store: &Store) {
    let addr = start(store).await;
    let mut names: Vec<String> = store
        .units()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    // What people typed (the demo's reasons for excusing a unit) is shown as they wrote it.
    names.extend(tiendo_demo::exclusions().into_iter().map(|e| e.reason));
    // Longest first, so that "Thành phố Sầm Sơn" goes before any shorter name inside it.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let (officer, _) = sign_in_page(addr, "bacson", "/units/14833").await;
    for path in [
        "/units/382?lang=en&as_of=2022-10-31",
        "/units/382?lang=en&as_of=2022-10-31&group=ha-tang&kind=xa",
        "/units/14842?lang=en&as_of=2022-10-31",
        "/units/382/indicators/HT-03?lang=en&as_of=2022-10-31",
        "/units/14833/indicators/KT-01?lang=en&as_of=2022-10-31",
        "/units/382/matrix?lang=en&as_of=2022-10-31",
        "/search?q=quang&lang=en",
        "/search?q=cap+quang&lang=en",
        "/units/14833/entry?lang=en",
        "/units/00000?lang=en",
        "/login?lang=en",
        "/account?lang=en",
    ] {
        let (_, html) = get_with(&officer, addr, path).await;
        let doc = Html::parse_document(&html);
        let mut shown = String::new();
        for node in doc.root_element().descendants() {
            let Some(t) = node.value().as_text() else {
                continue;
            };
            // Text marked as Vietnamese on purpose (the switch back) and what people typed
            // (marked `typed`) are not leftovers.
            let marked_vi = node.ancestors().any(|a| {
                a.value().as_element().is_some_and(|e| {
                    e.attr("lang") == Some("vi") || e.classes().any(|c| c == "typed")
                })
            });
            let in_script = node.ancestors().any(|a| {
                a.value()
                    .as_element()
                    .is_some_and(|e| e.name() == "script" || e.name() == "style")
            });
            if !marked_vi && !in_script {
                shown.push_str(t);
                shown.push('\n');
            }
        }
        for name in &names {
            shown = shown.replace(name.as_str(), "");
        }
        let leftovers: Vec<&str> = shown
            .lines()
            .filter(|l| l.chars().any(|c| c.is_alphabetic() && !c.is_ascii()))
            .collect();
        assert!(
            leftovers.is_empty(),
            "{path} still shows Vietnamese: {leftovers:?}"
        );
    }
}

async fn the_entry_form_saves_in_place(store: &Store) {
    let addr = start(store).await;
    let (officer, csrf) = sign_in_page(addr, "bacson", "/units/14833/entry").await;
    let (_, html) = get_with(&officer, addr, "/units/14833/entry").await;
    let doc = Html::parse_document(&html);
    assert_eq!(
        text(&select(&doc, "#unit-counts [data-count=achieved]")[0]),
        "26"
    );
    // Every field has its label, and the form carries its checks' messages in Vietnamese.
    for input in select(
        &doc,
        "form#entry-form .fields input, form#entry-form .fields select",
    ) {
        let id = input.value().attr("id").unwrap();
        assert_eq!(
            select(&doc, &format!("label[for=\"{id}\"]")).len(),
            1,
            "{id} is labelled"
        );
    }
    assert!(
        select_attr(&html, "form#entry-form", "data-msg-percent")
            .unwrap()
            .contains("từ 0 đến 100")
    );

    // A bad row, asked for as JSON: 422, the row's problem by code, nothing saved.
    let post = |fields: Vec<(&'static str, String)>| {
        let officer = officer.clone();
        async move {
            officer
                .post(format!("http://{addr}/units/14833/entry"))
                .header("Accept", "application/json")
                .form(&fields)
                .send()
                .await
                .unwrap()
        }
    };
    let r = post(vec![
        ("csrf", csrf.clone()),
        ("n.HT-03", "1800".into()),
        ("m.HT-03", "2146".into()),
        ("d.HT-03", "2022-10-31".into()),
        ("v.NT-04", "130".into()),
        ("d.NT-04", "2022-10-31".into()),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["saved"], 0);
    assert!(
        answer["row_errors"]["NT-04"]
            .as_str()
            .unwrap()
            .contains("từ 0 đến 100")
    );
    assert!(answer["row_errors"].get("HT-03").is_none());

    // The good row alone: saved, every row's new standing and the counts in the answer.
    let r = post(vec![
        ("csrf", csrf.clone()),
        ("n.HT-03", "1800".into()),
        ("m.HT-03", "2146".into()),
        ("d.HT-03", "2022-10-31".into()),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["saved"], 1);
    assert_eq!(answer["counts"]["achieved"], 27);
    assert_eq!(answer["counts"]["completion"], "87,1%");
    let rows = answer["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 31);
    let fibre = rows.iter().find(|r| r["code"] == "HT-03").unwrap();
    assert_eq!(fibre["status"], "achieved");
    assert_eq!(fibre["status_label"], "Hoàn thành");
    assert!(fibre["current"].as_str().unwrap().starts_with("83,9%"));
    // The page agrees.
    let (_, html) = get_with(&officer, addr, "/units/14833?as_of=2022-10-31").await;
    assert_eq!(
        text(
            &select(
                &Html::parse_document(&html),
                "#unit-counts [data-count=achieved]"
            )[0]
        ),
        "27"
    );
}

async fn the_review_shows_what_changed(store: &Store) {
    let addr = start(store).await;
    // Bắc Sơn answers the returned indicator with a figure for the end of the period (the
    // submission covers the year) and resubmits.
    let (officer, csrf) = sign_in_page(addr, "bacson", "/units/14833/entry").await;
    let r = officer
        .post(format!("http://{addr}/units/14833/entry"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("n.CQ-05", "950"),
            ("m.CQ-05", "1000"),
            ("d.CQ-05", "2022-12-31"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = get_with(&officer, addr, "/units/14833").await;
    let action = select_attr(&html, "section.submission form[action$=submit]", "action").unwrap();
    let r = officer
        .post(format!("http://{addr}{action}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The city's reviewer sees what changed, before and after, with the status now.
    let (steering, _) = sign_in_page(addr, "samson", "/units/14833").await;
    let (_, html) = get_with(&steering, addr, "/units/14833").await;
    let doc = Html::parse_document(&html);
    let changes = select(&doc, "table.changes tbody tr");
    let cq05 = changes
        .iter()
        .find(|r| r.value().attr("data-indicator") == Some("CQ-05"))
        .unwrap_or_else(|| {
            panic!(
                "CQ-05 changed: {}",
                select(&doc, "section.submission")
                    .first()
                    .map(|s| s.html())
                    .unwrap_or_default()
            )
        });
    let (before, after) = (text_in(cq05, "del"), text_in(cq05, "ins"));
    assert!(after.starts_with("95%"), "{}", cq05.html());
    assert_ne!(before, after);
    // Only what changed: CQ-05, and NL-01, which the November training wrote since.
    let mut changed: Vec<_> = changes
        .iter()
        .filter_map(|r| r.value().attr("data-indicator"))
        .collect();
    changed.sort_unstable();
    assert_eq!(changed, ["CQ-05", "NL-01"], "only what changed");
    assert!(!text_in(cq05, ".chip").is_empty());
    // And the return form names each indicator with its status, a labelled box each.
    let boxes = select(&doc, "details.return input[name^='r.']");
    assert_eq!(boxes.len(), 31);
    assert_eq!(select(&doc, "details.return label .chip").len(), 31);
}

async fn error_pages_for_every_view(store: &Store) {
    let addr = start(store).await;
    for (path, status, title) in [
        ("/units/00000", StatusCode::NOT_FOUND, "Không tìm thấy"),
        (
            "/units/00000/matrix",
            StatusCode::NOT_FOUND,
            "Không tìm thấy",
        ),
        (
            "/units/382/indicators/XX-99",
            StatusCode::NOT_FOUND,
            "Không tìm thấy",
        ),
        (
            "/units/00000/indicators/HT-03",
            StatusCode::NOT_FOUND,
            "Không tìm thấy",
        ),
        (
            "/units/382/matrix?as_of=31-10-2022",
            StatusCode::BAD_REQUEST,
            "Yêu cầu không hợp lệ",
        ),
        (
            "/units/382/matrix?page=0",
            StatusCode::BAD_REQUEST,
            "Yêu cầu không hợp lệ",
        ),
        (
            "/units/382/indicators/HT-03?as_of=2022-13-01",
            StatusCode::BAD_REQUEST,
            "Yêu cầu không hợp lệ",
        ),
        (
            "/search?q=x&as_of=hôm-nay",
            StatusCode::BAD_REQUEST,
            "Yêu cầu không hợp lệ",
        ),
        (
            "/units/382/matrix?as_of=2022-02-30&lang=en",
            StatusCode::BAD_REQUEST,
            "Bad request",
        ),
        ("/no/such/page?lang=en", StatusCode::NOT_FOUND, "Not found"),
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
        assert_eq!(text(&select(&doc, "section.error h1")[0]), title, "{path}");
        assert!(!text(&select(&doc, "p.message")[0]).is_empty(), "{path}");
    }
    // 403: signed in, but not for this unit (with the dashboard closed; open, anyone reads it).
    close_dashboard(store).await;
    let (officer, _) = sign_in_page(addr, "quangtien", "/units/14842").await;
    for path in [
        "/units/14833",
        "/units/382/matrix",
        "/units/14833/indicators/HT-03",
    ] {
        let (status, html) = get_with(&officer, addr, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        let doc = Html::parse_document(&html);
        assert_eq!(
            text(&select(&doc, "section.error h1")[0]),
            "Không có quyền",
            "{path}"
        );
    }
    // 401: the dashboard closed and nobody signed in.
    for path in ["/units/382/matrix", "/units/382/indicators/HT-03"] {
        let (status, html) = get(addr, path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            text(&select(&Html::parse_document(&html), "section.error h1")[0]),
            "Cần đăng nhập"
        );
    }
}

async fn assets_are_compressed_and_cached(store: &Store) {
    let addr = start(store).await;
    let c = reqwest::Client::new();
    for (path, kind) in [
        ("/static/app.css", "text/css"),
        ("/static/app.js", "text/javascript"),
    ] {
        let r = c
            .get(format!(
                "http://{addr}{path}?v={}",
                tiendo_web::ASSET_VERSION
            ))
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
        assert_eq!(r.headers()["content-encoding"], "gzip", "{path}");
        assert!(
            r.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
    }
    // Pages are compressed too, and are never cached stale.
    let r = c
        .get(format!("http://{addr}/units/382"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(
        r.headers()["cache-control"],
        "private, no-cache",
        "revalidated, and never kept by a shared cache"
    );
    let compressed = r.bytes().await.unwrap().len();
    let (_, plain) = get(addr, "/units/382").await;
    assert!(
        compressed * 4 < plain.len(),
        "the overview compresses well: {compressed} of {} bytes",
        plain.len()
    );
    // The page names every asset with the release, so a new one is never served stale.
    let doc = Html::parse_document(&plain);
    let script = select(&doc, "script[src]")[0]
        .value()
        .attr("src")
        .unwrap()
        .to_string();
    assert_eq!(
        script,
        format!("/static/app.js?v={}", tiendo_web::ASSET_VERSION)
    );
}

/// Every field of every form on a page has a label that names it.
fn assert_labelled(doc: &Html, page: &str) {
    for field in select(
        doc,
        "main input:not([type=hidden]), main select, main textarea",
    ) {
        let id = field
            .value()
            .attr("id")
            .unwrap_or_else(|| panic!("{page}: a field without an id: {}", field.html()));
        let labels = select(doc, &format!("label[for=\"{id}\"]"));
        assert_eq!(labels.len(), 1, "{page}: #{id} has one label");
        assert!(
            !text(&labels[0]).is_empty(),
            "{page}: #{id}'s label says something"
        );
    }
}

async fn sign_in_and_account_pages_label_every_field(store: &Store) {
    let addr = start(store).await;
    let doc = page(addr, "/login?next=/units/14833/entry").await;
    assert_labelled(&doc, "/login");
    assert_eq!(
        select_attr(&doc.html(), "input[name=next]", "value").as_deref(),
        Some("/units/14833/entry")
    );
    for path in [
        "/units/382",
        "/units/382/matrix",
        "/units/382/indicators/HT-03",
        "/search?q=son",
    ] {
        assert_labelled(&page(addr, path).await, path);
    }
    let (officer, _) = sign_in_page(addr, "bacson", "/units/14833").await;
    for path in [
        "/account",
        "/units/14833",
        "/units/14833/entry",
        "/units/14833/indicators/HT-03",
    ] {
        let (status, html) = get_with(&officer, addr, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_labelled(&Html::parse_document(&html), path);
    }
    let (_, html) = get_with(&officer, addr, "/account").await;
    let doc = Html::parse_document(&html);
    assert!(text(&select(&doc, "h1")[0]).contains("bacson"));
    let roles: Vec<String> = select(&doc, "section ul li").iter().map(text).collect();
    assert_eq!(roles, ["Cán bộ nhập liệu — 14833"]);
    // The header: a way to skip to the content, the search box and the switch on every page.
    assert_eq!(select(&doc, "a.skip[href='#main']").len(), 1);
    assert_eq!(
        select(&doc, "header form.search label[for=site-q]").len(),
        1
    );
    assert_eq!(select(&doc, "header form.lang-switch button").len(), 1);
}
