//! Search across units and indicators, ignoring case and diacritics: "quang tien" finds
//! "Phường Quảng Tiến", "cap quang" finds the fibre indicators. Only units the viewer may read
//! are listed.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use tiendo_domain::access::Action;
use tiendo_domain::{Lang, text};
use unicode_normalization::UnicodeNormalization;

use crate::auth::Viewer;
use crate::pages::{FRESH, PageError, ViewContext, home_unit, render};
use crate::query::ViewParams;
use crate::{AppError, AppState};

/// Longer queries are refused: nobody types a unit's name in more.
const MAX_QUERY_CHARS: usize = 100;
/// Units listed at most; more means the query should be more specific.
const UNITS_SHOWN: usize = 50;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search_page))
}

struct UnitHit {
    href: String,
    name: String,
    kind: &'static str,
    code: String,
    parent: String,
}

struct IndicatorHit {
    href: Option<String>,
    code: String,
    name: String,
    group: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    query: String,
    units: Vec<UnitHit>,
    indicators: Vec<IndicatorHit>,
    /// More units matched than are listed.
    more_units: bool,
}

#[derive(Debug, Default, Deserialize)]
struct SearchQuery {
    #[serde(flatten)]
    view: ViewParams,
    q: Option<String>,
}

async fn search_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let lang = query.view.lang(&viewer);
    let page = build(&state, &viewer, &query, lang)
        .await
        .map_err(|e| PageError(e, lang))?;
    render(StatusCode::OK, &page, lang, FRESH)
}

async fn build(
    state: &AppState,
    viewer: &Viewer,
    query: &SearchQuery,
    lang: Lang,
) -> Result<SearchPage, AppError> {
    let q: String = query.q.as_deref().unwrap_or("").trim().nfc().collect();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::bad_request(
            format!("từ khóa dài quá {MAX_QUERY_CHARS} ký tự; hãy gõ ngắn hơn"),
            format!("the search is longer than {MAX_QUERY_CHARS} characters; type less"),
        ));
    }
    let mut page = SearchPage {
        lang,
        signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        query: q.clone(),
        units: Vec::new(),
        indicators: Vec::new(),
        more_units: false,
    };
    if q.is_empty() {
        return Ok(page);
    }
    let store = &state.store;
    let public = state.public_dashboard().await?;
    let grants = viewer
        .user
        .as_ref()
        .map(|u| u.grants.as_slice())
        .unwrap_or_default();
    let view = ViewContext::read(state, &query.view, lang).await?;
    // Only units the viewer may read are searched.
    let scope = state.read_scope(viewer, public);
    let found = store
        .search_units(&q, view.as_of, &scope, UNITS_SHOWN + 1)
        .await?;
    let readable: Vec<_> = found
        .into_iter()
        .filter(|f| {
            state
                .access_to(viewer, &f.unit.name, f.lineage.clone(), public)
                .allows(Action::ReadSummary)
        })
        .collect();
    page.more_units = readable.len() > UNITS_SHOWN;
    page.units = readable
        .into_iter()
        .take(UNITS_SHOWN)
        .map(|f| UnitHit {
            href: view.link(&format!("/units/{}", f.unit.code), &[]),
            kind: f.unit.kind.label(lang),
            name: f.unit.name,
            code: f.unit.code,
            parent: f.parent_name.unwrap_or_default(),
        })
        .collect();

    // An indicator opens across the home unit's units when the viewer may read them, else on
    // the viewer's own unit (which its grant lets it read).
    let home = home_unit(state).await?;
    let scope = if state
        .access(viewer, &home)
        .await?
        .allows(Action::ReadSummary)
    {
        Some(home)
    } else {
        grants.iter().find_map(|g| g.unit_code.clone())
    };
    page.indicators = view
        .rules
        .indicators
        .iter()
        .filter(|i| text::matches(&format!("{} {} {}", i.code, i.name, i.name_en), &q))
        .map(|i| IndicatorHit {
            href: scope
                .as_ref()
                .map(|unit| view.link(&format!("/units/{unit}/indicators/{}", i.code), &[])),
            code: i.code.clone(),
            name: lang.pick(&i.name, &i.name_en).to_string(),
            group: view
                .rules
                .group(&i.group)
                .map(|g| lang.pick(&g.name, &g.name_en).to_string())
                .unwrap_or_default(),
        })
        .collect();
    Ok(page)
}
