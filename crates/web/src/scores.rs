//! Units ranked by score: every assessed unit under a unit, scored by the framework's rules on
//! the as-of date (`tiendo_domain::scoring`), with places that ties share and the rule stated.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use tiendo_domain::access::Action;
use tiendo_domain::scoring::{self, IndicatorInput};
use tiendo_domain::{Lang, Status};

use crate::auth::Viewer;
use crate::pages::{Crumb, FRESH, PageError, TimeNav, ViewContext, crumbs, render};
use crate::query::ViewParams;
use crate::{AppError, AppState};

/// The most units one ranking reads: a province's communes fit.
const MAX_UNITS: usize = 2_000;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/units/{code}/scores", get(scores_page))
}

struct Row {
    place: String,
    href: String,
    name: String,
    parent: String,
    score: String,
    groups: Vec<String>,
}

#[derive(Template)]
#[template(path = "scores.html")]
struct ScoresPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    unit_name: String,
    unit_href: String,
    crumbs: Vec<Crumb>,
    framework_name: String,
    time: TimeNav,
    rule: String,
    groups: Vec<String>,
    rows: Vec<Row>,
}

async fn scores_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(query): Query<ViewParams>,
) -> Result<Response, PageError> {
    let lang = query.lang(&viewer);
    let page = build(&state, &viewer, &code, &query, lang)
        .await
        .map_err(|e| PageError(e, lang))?;
    render(StatusCode::OK, &page, lang, FRESH)
}

async fn build(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    query: &ViewParams,
    lang: Lang,
) -> Result<ScoresPage, AppError> {
    let access = state.access(viewer, code).await?;
    access.check(Action::ReadSummary)?;
    let view = ViewContext::read(state, query, lang).await?;
    let store = &state.store;
    // Statuses of every assessed unit under this one, and their figures, in two reads.
    let matrix = store
        .status_matrix(code, &view.framework, view.as_of, 0, MAX_UNITS)
        .await?;
    let codes: Vec<&str> = matrix.units.iter().map(|(u, _)| u.code.as_str()).collect();
    let figures = store
        .units_figures(&codes, &view.framework, view.as_of)
        .await?;
    let rules = &view.rules;
    let scored: Vec<_> = matrix
        .units
        .iter()
        .map(|(unit, parent)| {
            let statuses = matrix.cells.get(&unit.code);
            let history = figures.get(&unit.code);
            let inputs: HashMap<String, IndicatorInput> = rules
                .indicators
                .iter()
                .map(|i| {
                    let status = statuses
                        .and_then(|s| s.get(&i.code))
                        .copied()
                        .unwrap_or(Status::NotApplicable);
                    let figure = history
                        .and_then(|h| h.get(&i.code))
                        .and_then(|obs| obs.last())
                        .map(|o| o.figure);
                    (i.code.clone(), IndicatorInput { status, figure })
                })
                .collect();
            let score = scoring::unit_score(rules, unit.kind, &inputs);
            (unit, parent, score)
        })
        .collect();
    let one_parent = matrix.units.windows(2).all(|w| w[0].1 == w[1].1);
    let ranked = scoring::rank_by_score(scored, |(_, _, s)| s.value, |(u, _, _)| u.name.as_str());
    let rows = ranked
        .into_iter()
        .map(|(place, (unit, parent, score))| Row {
            place: place.map(|p| p.to_string()).unwrap_or_default(),
            href: view.link(&format!("/units/{}", unit.code), &[]),
            name: unit.name.clone(),
            parent: if one_parent {
                String::new()
            } else {
                parent.clone().unwrap_or_default()
            },
            score: scoring::score_text(score.value, lang),
            groups: score
                .groups
                .iter()
                .map(|g| scoring::score_text(g.value, lang))
                .collect(),
        })
        .collect();
    let path = format!("/units/{code}/scores");
    Ok(ScoresPage {
        lang,
        signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        unit_href: view.link(&format!("/units/{code}"), &[]),
        unit_name: access.unit.name.clone(),
        crumbs: crumbs(&view, &access.ancestors),
        framework_name: view.framework_name(),
        time: TimeNav::new(&view, &path, &[]),
        rule: scoring::describe(rules, lang),
        groups: rules
            .groups
            .iter()
            .map(|g| lang.pick(&g.name, &g.name_en).to_string())
            .collect(),
        rows,
    })
}
