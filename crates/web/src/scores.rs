//! Units ranked by score: every assessed unit under a unit, scored by the framework's rules on
//! the as-of date (`tiendo_domain::scoring`), with places that ties share and the rule stated;
//! as a page and as `GET /api/v1/units/{code}/scores`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tiendo_domain::access::Action;
use tiendo_domain::scoring::{self, UnitScore};
use tiendo_domain::{Date, Decimal, Framework, Lang, Ratio, Unit};
use tiendo_storage::FrameworkRef;
use utoipa::{OpenApi, ToSchema};

use crate::api::{ErrorBody, FrameworkInfo, UnitInfo};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::pages::{Crumb, FRESH, PageError, TimeNav, ViewContext, crumbs, render};
use crate::query::ViewParams;
use crate::{AppError, AppState};

/// The most units one ranking reads: a province's communes fit.
const MAX_UNITS: usize = 2_000;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{code}/scores", get(scores_page))
        .route("/api/v1/units/{code}/scores", get(scores_api))
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

/// The assessed units under `code`, each with its parent's name and its score, in ranked order
/// with the place ties share: every unit is ranked, the first [`MAX_UNITS`] are kept. Two reads
/// of derived data.
async fn ranking(
    state: &AppState,
    code: &str,
    framework: &FrameworkRef,
    rules: &Framework,
    as_of: Date,
) -> Result<Vec<(Option<u32>, (Unit, Option<String>, UnitScore))>, AppError> {
    let store = &state.store;
    let units = store.assessed_units(code, framework, as_of).await?;
    let inputs = store
        .indicator_inputs_under(
            code,
            framework,
            as_of,
            None,
            &scoring::indicators_scored_on_figures(rules),
        )
        .await?;
    let none = HashMap::new();
    let scored: Vec<_> = units
        .into_iter()
        .map(|(unit, parent)| {
            let given = inputs.get(&unit.code).map_or(&none, |i| &i.indicators);
            let score = scoring::unit_score(rules, unit.kind, given);
            (unit, parent, score)
        })
        .collect();
    let mut ranked =
        scoring::rank_by_score(scored, |(_, _, s)| s.value, |(u, _, _)| u.name.as_str());
    ranked.truncate(MAX_UNITS);
    Ok(ranked)
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
    let rules = &view.rules;
    let ranked = ranking(state, code, &view.framework, rules, view.as_of).await?;
    let one_parent = ranked.windows(2).all(|w| (w[0].1).1 == (w[1].1).1);
    let rows = ranked
        .into_iter()
        .map(|(place, (unit, parent, score))| Row {
            place: place.map(|p| p.to_string()).unwrap_or_default(),
            href: view.link(&format!("/units/{}", unit.code), &[]),
            name: unit.name.clone(),
            parent: if one_parent {
                String::new()
            } else {
                parent.unwrap_or_default()
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

/// The scores part of the API, merged into the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(scores_api),
    components(schemas(ScoresResponse, RankedUnit, GroupScoreInfo))
)]
pub(crate) struct ScoresApi;

#[derive(Serialize, ToSchema)]
struct ScoresResponse {
    unit: UnitInfo,
    framework: FrameworkInfo,
    as_of: String,
    /// How the score is computed, in Vietnamese and in English.
    rule: String,
    rule_en: String,
    /// The assessed units under the unit, best first; units without a score come last.
    units: Vec<RankedUnit>,
}

#[derive(Serialize, ToSchema)]
struct RankedUnit {
    /// 1, 2, 2, 4…: tied units share a place; none for a unit without a score.
    place: Option<u32>,
    code: String,
    name: String,
    parent: Option<String>,
    /// From 0 to 1, rounded to three decimals; none when nothing applicable earns points.
    score: Option<f64>,
    /// The points earned and possible, rounded to three decimals.
    earned: f64,
    possible: f64,
    groups: Vec<GroupScoreInfo>,
}

#[derive(Serialize, ToSchema)]
struct GroupScoreInfo {
    code: String,
    weight: Option<f64>,
    score: Option<f64>,
}

fn number(r: Ratio) -> f64 {
    decimal_number(r.round_to(3))
}

fn decimal_number(d: Decimal) -> f64 {
    d.thousandths() as f64 / 1000.0
}

/// The assessed units under a unit ranked by score on a date, with the rule that scores them.
#[utoipa::path(
    get,
    path = "/api/v1/units/{code}/scores",
    params(
        ("code" = String, Path, description = "GSO code of the unit, e.g. 382"),
        ("as_of" = Option<String>, Query, description = "The date (`YYYY-MM-DD`); defaults to the dataset's own date"),
        ("framework" = Option<String>, Query, description = "A framework code; defaults to the one in force on `as_of`")
    ),
    responses(
        (status = 200, description = "The ranking", body = ScoresResponse),
        (status = 400, description = "A malformed date", body = ErrorBody),
        (status = 401, description = "The data is not public and no one is signed in", body = ErrorBody),
        (status = 403, description = "The signed-in account may not read this unit", body = ErrorBody),
        (status = 404, description = "No such unit or framework", body = ErrorBody),
    ),
    tag = "read"
)]
async fn scores_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(params): Query<ViewParams>,
) -> Result<Json<ScoresResponse>, ApiError> {
    state.authorize(&viewer, Action::ReadSummary, &code).await?;
    let as_of = params.as_of(&state).await?;
    let framework = state
        .store
        .framework_ref(params.framework.as_deref(), Some(as_of))
        .await?;
    let rules = state.store.framework(&framework).await?;
    let unit = state.store.unit(&code).await?;
    let ranked = ranking(&state, &code, &framework, &rules, as_of).await?;
    Ok(Json(ScoresResponse {
        unit: (&unit).into(),
        framework: (&framework).into(),
        as_of: as_of.to_string(),
        rule: scoring::describe(&rules, Lang::Vi),
        rule_en: scoring::describe(&rules, Lang::En),
        units: ranked
            .into_iter()
            .map(|(place, (unit, parent, score))| RankedUnit {
                place,
                code: unit.code,
                name: unit.name,
                parent,
                score: score.value.map(number),
                earned: number(score.earned),
                possible: number(score.possible),
                groups: score
                    .groups
                    .into_iter()
                    .map(|g| GroupScoreInfo {
                        code: g.code,
                        weight: g.weight.map(decimal_number),
                        score: g.value.map(number),
                    })
                    .collect(),
            })
            .collect(),
    }))
}
