//! The JSON read API under `/api/v1`, and its OpenAPI document. The types here are the API's
//! own, kept apart from storage rows so the contract changes only on purpose.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tiendo_domain::{Counts, Figure, Lang, Unit};
use tiendo_storage::{FrameworkRef, IndicatorRow, Summary};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::query::ViewParams;
use tiendo_domain::access::Action;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi_document))
        .route("/api/v1/units/{code}/summary", get(summary))
        .route("/api/v1/units/{code}/indicators", get(indicators))
        .merge(crate::entry_api::routes())
}

/// Documents the two ways to authenticate: the session cookie from `/api/v1/login` (with the
/// `X-CSRF-Token` header on writes) and personal API tokens as `Authorization: Bearer …`.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tiendo API",
        description = "Indicator programmes across administrative units: units, computed statuses and summaries for any as-of date. Dates are ISO `YYYY-MM-DD`. Error bodies are `{\"error\": \"<Vietnamese>\", \"error_en\": \"<English>\"}`."
    ),
    paths(
        summary,
        indicators,
        crate::entry_api::login,
        crate::entry_api::logout,
        crate::entry_api::create_observation,
        crate::entry_api::update_observation,
        crate::entry_api::list_observations,
        crate::evidence::upload,
        crate::evidence::download,
        crate::evidence::add_to_figure,
        crate::review_api::request_exclusion,
        crate::review_api::list_exclusions,
        crate::review_api::decide_exclusion,
        crate::review_api::show_submission,
        crate::review_api::act_on_submission,
        crate::documents::report_api,
        crate::documents::export_api,
        crate::documents::template_api,
        crate::documents::import_api,
        crate::meetings::create_api,
        crate::meetings::list_api,
        crate::meetings::show_api,
        crate::meetings::add_conclusion_api,
        crate::meetings::edit_conclusion_api,
        crate::meetings::delete_conclusion_api,
        crate::meetings::brief_api,
        crate::trainings::record_api,
        crate::trainings::show_api
    ),
    components(schemas(
        SummaryResponse,
        IndicatorsResponse,
        UnitInfo,
        FrameworkInfo,
        CountsInfo,
        GroupCounts,
        ChildCounts,
        IndicatorStatus,
        FigureInfo,
        ReasonInfo,
        ErrorBody,
        crate::evidence::EvidenceInput,
        crate::evidence::UploadedFile,
        crate::review_api::SubmissionAction,
        crate::review_api::SubmissionInfo,
        crate::documents::ImportResult,
        crate::documents::ImportChangeInfo,
        crate::documents::ImportProblemInfo
    )),
    modifiers(&Security)
)]
struct ApiDoc;

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn openapi_json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.merge(<crate::tasks::TasksApi as OpenApi>::openapi());
    doc.merge(<crate::recognition::RecognitionApi as OpenApi>::openapi());
    doc.merge(<crate::scores::ScoresApi as OpenApi>::openapi());
    doc.to_pretty_json()
        .expect("the OpenAPI document serialises")
}

async fn openapi_document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json())
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    /// What went wrong and what to do, in Vietnamese.
    error: String,
    /// The same in English.
    error_en: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct UnitInfo {
    /// Official GSO code, e.g. `14833`.
    code: String,
    /// Full official name, e.g. `Phường Bắc Sơn`.
    name: String,
    /// `nation`, `tinh`, `thanh_pho`, `phuong`, `xa`, …
    kind: String,
}

impl From<&Unit> for UnitInfo {
    fn from(u: &Unit) -> Self {
        UnitInfo {
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.code().to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct FrameworkInfo {
    code: String,
    name: String,
    name_en: String,
    version: i64,
}

impl From<&FrameworkRef> for FrameworkInfo {
    fn from(f: &FrameworkRef) -> Self {
        FrameworkInfo {
            code: f.code.clone(),
            name: f.name.clone(),
            name_en: f.name_en.clone(),
            version: f.version,
        }
    }
}

/// How many indicators stand at each status. `applicable` counts all but `not_applicable`.
#[derive(Serialize, ToSchema)]
pub(crate) struct CountsInfo {
    applicable: u32,
    achieved: u32,
    in_progress: u32,
    not_achieved: u32,
    no_data: u32,
    not_applicable: u32,
}

impl From<Counts> for CountsInfo {
    fn from(c: Counts) -> Self {
        CountsInfo {
            applicable: c.applicable,
            achieved: c.achieved,
            in_progress: c.in_progress,
            not_achieved: c.not_achieved,
            no_data: c.no_data,
            not_applicable: c.not_applicable,
        }
    }
}

#[derive(Serialize, ToSchema)]
struct GroupCounts {
    code: String,
    name: String,
    name_en: String,
    counts: CountsInfo,
}

#[derive(Serialize, ToSchema)]
struct ChildCounts {
    unit: UnitInfo,
    /// The sub-unit's counts, summed over the units below it.
    counts: CountsInfo,
}

#[derive(Serialize, ToSchema)]
struct SummaryResponse {
    unit: UnitInfo,
    framework: FrameworkInfo,
    /// The date the statuses are computed for.
    #[schema(example = "2022-10-31")]
    as_of: String,
    /// The unit's own counts, or the sum over the units below it.
    counts: CountsInfo,
    groups: Vec<GroupCounts>,
    /// Direct sub-units (e.g. a city's wards and communes); empty for a commune-level unit.
    children: Vec<ChildCounts>,
}

impl From<Summary> for SummaryResponse {
    fn from(s: Summary) -> Self {
        SummaryResponse {
            unit: (&s.unit).into(),
            framework: (&s.framework).into(),
            as_of: s.as_of.to_string(),
            counts: s.counts.into(),
            groups: s
                .groups
                .into_iter()
                .map(|g| GroupCounts {
                    code: g.group.code,
                    name: g.group.name,
                    name_en: g.group.name_en,
                    counts: g.counts.into(),
                })
                .collect(),
            children: s
                .children
                .into_iter()
                .map(|c| ChildCounts {
                    unit: (&c.unit).into(),
                    counts: c.counts.into(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
struct ReasonInfo {
    vi: String,
    en: String,
}

/// The figure as entered: exactly one of `yes_no`, `amount`, or `numerator` with `denominator`.
#[derive(Serialize, ToSchema)]
pub(crate) struct FigureInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    yes_no: Option<bool>,
    /// A count, or a percentage given directly, as a decimal string (`"72.5"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    numerator: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    denominator: Option<i64>,
}

impl From<Figure> for FigureInfo {
    fn from(f: Figure) -> Self {
        let mut info = FigureInfo {
            yes_no: None,
            amount: None,
            numerator: None,
            denominator: None,
        };
        match f {
            Figure::YesNo(b) => info.yes_no = Some(b),
            Figure::Amount(v) => info.amount = Some(v.to_string()),
            Figure::Ratio {
                numerator,
                denominator,
            } => {
                info.numerator = Some(numerator);
                info.denominator = Some(denominator);
            }
        }
        info
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct IndicatorStatus {
    code: String,
    name: String,
    name_en: String,
    group: String,
    group_name: String,
    /// `yes_no`, `count`, `percent` or `ratio`.
    measure: String,
    /// The target as people read it, e.g. `≥ 80%`.
    target: String,
    /// The target rule as written in the framework file, e.g. `>= 80%`.
    target_rule: String,
    #[schema(example = "2022-12-31")]
    deadline: String,
    mandatory: bool,
    /// `achieved`, `in_progress`, `not_achieved`, `no_data` or `not_applicable`.
    status: String,
    reason: ReasonInfo,
    /// The latest figure in force, as people read it (`82,4% (412/500)`), if any.
    value: Option<String>,
    figure: Option<FigureInfo>,
    /// The date of that figure.
    observed_on: Option<String>,
    /// Pieces of evidence attached to that figure.
    evidence_count: i64,
    /// The framework asks for evidence and the figure has none.
    evidence_needed: bool,
}

impl IndicatorStatus {
    pub(crate) fn new(r: IndicatorRow) -> Self {
        let i = &r.indicator;
        let evidence_count = r.evidence;
        IndicatorStatus {
            evidence_needed: !i.evidence.is_empty() && r.latest.is_some() && evidence_count == 0,
            evidence_count,
            value: r.latest.as_ref().map(|o| {
                o.figure
                    .describe(i.measure, i.count_unit_in(Lang::Vi), Lang::Vi)
            }),
            figure: r.latest.as_ref().map(|o| o.figure.into()),
            observed_on: r.latest.as_ref().map(|o| o.observed_on.to_string()),
            code: i.code.clone(),
            name: i.name.clone(),
            name_en: i.name_en.clone(),
            group: r.group.code.clone(),
            group_name: r.group.name.clone(),
            measure: i.measure.code().into(),
            target: i.target.describe(i.measure, Lang::Vi),
            target_rule: i.target.rule_text(i.measure),
            deadline: i.deadline.to_string(),
            mandatory: i.mandatory,
            status: r.status.code().into(),
            reason: ReasonInfo {
                vi: r.reason.vi,
                en: r.reason.en,
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
struct IndicatorsResponse {
    unit: UnitInfo,
    framework: FrameworkInfo,
    as_of: String,
    indicators: Vec<IndicatorStatus>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documents the query string; handlers read it through ViewParams
struct ViewQuery {
    /// The date to compute statuses for (`YYYY-MM-DD`); defaults to the dataset's own date
    /// (the demo's meeting day, 2022-10-31), else today.
    as_of: Option<String>,
    /// A framework code; defaults to the framework whose period contains `as_of`.
    framework: Option<String>,
}

/// A unit's standing: counts by status, by group, and for each direct sub-unit.
#[utoipa::path(
    get,
    path = "/api/v1/units/{code}/summary",
    params(("code" = String, Path, description = "GSO code of the unit, e.g. 14833"), ViewQuery),
    responses(
        (status = 200, description = "The summary", body = SummaryResponse),
        (status = 400, description = "A malformed date", body = ErrorBody),
        (status = 401, description = "The data is not public and no one is signed in", body = ErrorBody),
        (status = 403, description = "The signed-in account may not read this unit", body = ErrorBody),
        (status = 404, description = "No such unit or framework", body = ErrorBody),
    ),
    tag = "read"
)]
async fn summary(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(params): Query<ViewParams>,
) -> Result<Json<SummaryResponse>, ApiError> {
    state.authorize(&viewer, Action::ReadSummary, &code).await?;
    let as_of = params.as_of(&state).await?;
    let framework = state
        .store
        .framework_ref(params.framework.as_deref(), Some(as_of))
        .await?;
    let summary = state.store.summary(&code, &framework, as_of).await?;
    Ok(Json(summary.into()))
}

/// Every indicator for a unit: group, target, latest figure and its date, status and reason.
#[utoipa::path(
    get,
    path = "/api/v1/units/{code}/indicators",
    params(("code" = String, Path, description = "GSO code of the unit, e.g. 14833"), ViewQuery),
    responses(
        (status = 200, description = "The indicators, in framework order", body = IndicatorsResponse),
        (status = 400, description = "A malformed date", body = ErrorBody),
        (status = 401, description = "The data is not public and no one is signed in", body = ErrorBody),
        (status = 403, description = "The signed-in account may not read this unit", body = ErrorBody),
        (status = 404, description = "No such unit or framework", body = ErrorBody),
    ),
    tag = "read"
)]
async fn indicators(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(params): Query<ViewParams>,
) -> Result<Json<IndicatorsResponse>, ApiError> {
    state.authorize(&viewer, Action::ReadSummary, &code).await?;
    let as_of = params.as_of(&state).await?;
    let framework = state
        .store
        .framework_ref(params.framework.as_deref(), Some(as_of))
        .await?;
    let unit = state.store.unit(&code).await?;
    let rows = state
        .store
        .unit_indicators(&code, &framework, as_of)
        .await?;
    Ok(Json(IndicatorsResponse {
        unit: (&unit).into(),
        framework: (&framework).into(),
        as_of: as_of.to_string(),
        indicators: rows.into_iter().map(IndicatorStatus::new).collect(),
    }))
}
