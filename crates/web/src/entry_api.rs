//! The writing half of the API: sign-in and sign-out, and figures (record, list, correct).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tiendo_domain::access::Action;
use tiendo_domain::{Date, Decimal, Figure, Indicator, Lang, Measure, Observation};
use tiendo_storage::{FrameworkRef, NewObservation};
use unicode_normalization::UnicodeNormalization;
use utoipa::{IntoParams, ToSchema};

use crate::api::{CountsInfo, FigureInfo, IndicatorStatus};
use crate::auth::{Viewer, secure_cookies, session_cookie};
use crate::error::ApiError;
use crate::{AppError, AppState, today};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/login", post(login))
        .route("/api/v1/logout", post(logout))
        .route(
            "/api/v1/units/{code}/observations",
            get(list_observations).post(create_observation),
        )
        .route(
            "/api/v1/units/{code}/observations/{id}",
            put(update_observation),
        )
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct LoginInput {
    username: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct LoginOutput {
    username: String,
    display_name: String,
    /// Send this back as the `X-CSRF-Token` header on every state-changing request made with
    /// the session cookie.
    csrf_token: String,
    /// `role` or `role@unit`.
    roles: Vec<String>,
}

/// Signs in: sets the session cookie and returns the session's CSRF token.
#[utoipa::path(post, path = "/api/v1/login", request_body = LoginInput,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = LoginOutput),
        (status = 401, description = "Wrong username or password", body = crate::api::ErrorBody),
        (status = 429, description = "Too many failed sign-ins for this account or address", body = crate::api::ErrorBody),
    ), tag = "session")]
pub(crate) async fn login(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Json(input): Json<LoginInput>,
) -> Result<Response, ApiError> {
    crate::auth::check_same_origin(&headers)?;
    let (user, token, csrf) = state
        .sign_in(&input.username, &input.password, &viewer.address)
        .await?;
    let body = LoginOutput {
        roles: user
            .grants
            .iter()
            .map(|g| match &g.unit_code {
                Some(u) => format!("{}@{u}", g.role),
                None => g.role.to_string(),
            })
            .collect(),
        username: user.username,
        display_name: user.display_name,
        csrf_token: csrf,
    };
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(Some(&token), secure_cookies(&headers)),
    );
    Ok(response)
}

/// Ends the session.
#[utoipa::path(post, path = "/api/v1/logout",
    responses((status = 204, description = "Signed out"), (status = 403, description = "Missing CSRF token", body = crate::api::ErrorBody)),
    tag = "session")]
pub(crate) async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    viewer.check_csrf(&headers, None)?;
    if let Some(token) = &viewer.session {
        state
            .store
            .end_session(&crate::auth::secret_hash(token), &viewer.actor())
            .await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(None, secure_cookies(&headers)),
    );
    Ok(response)
}

/// A figure as sent to the API. Exactly one shape, following the indicator's measure:
/// `value` (true/false for yes/no; a number or decimal string such as `"72,5"` for counts and
/// percentages) or `numerator` with `denominator`.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ObservationInput {
    /// The indicator code, e.g. `CQ-05`.
    indicator: String,
    #[schema(example = "2022-10-31")]
    observed_on: String,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    value: Option<serde_json::Value>,
    numerator: Option<i64>,
    denominator: Option<i64>,
    /// For an unmet yes/no indicator: the date its implementation plan finishes it.
    planned_by: Option<String>,
    #[serde(default)]
    note: String,
    /// A framework code; defaults to the framework in force on `observed_on`.
    framework: Option<String>,
    /// The version being corrected (required by PUT, ignored by POST).
    version: Option<i64>,
    /// Evidence for the figure (POST only): files uploaded first, links, cited documents.
    #[serde(default)]
    evidence: Vec<crate::evidence::EvidenceInput>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ObservationSaved {
    id: Option<i64>,
    version: i64,
    /// The indicator's status for the unit, recomputed, as of the figure's date.
    indicator: IndicatorStatus,
    /// The unit's counts on the same date.
    counts: CountsInfo,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct RecordedFigure {
    id: i64,
    version: i64,
    observed_on: String,
    figure: FigureInfo,
    /// The figure as people read it.
    value: String,
    planned_by: Option<String>,
    note: String,
    recorded_at: String,
    recorded_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ObservationHistory {
    unit: crate::api::UnitInfo,
    indicator: String,
    observations: Vec<RecordedFigure>,
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct HistoryQuery {
    /// The indicator code.
    indicator: String,
    framework: Option<String>,
}

fn bad(vi: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::bad_request(vi, en)
}

/// Reads a date field; figures cannot be dated in the future.
fn parse_day(field: &str, text: &str, not_after_today: bool) -> Result<Date, AppError> {
    let day: Date = text.trim().parse().map_err(|_| {
        bad(
            format!("`{field}`: «{text}» không phải ngày dạng năm-tháng-ngày, ví dụ 2022-10-31"),
            format!(
                "`{field}`: «{text}» is not a date in the form year-month-day, e.g. 2022-10-31"
            ),
        )
    })?;
    if not_after_today && day > today() {
        return Err(bad(
            format!(
                "`{field}`: ngày {} ở tương lai; chỉ nhập số liệu đã có",
                day.dmy()
            ),
            format!(
                "`{field}`: {} is in the future; enter only figures that exist",
                day.dmy()
            ),
        ));
    }
    Ok(day)
}

/// The figure in the shape the indicator's measure asks for, range-checked.
pub(crate) fn figure_from_input(
    indicator: &Indicator,
    value: Option<&serde_json::Value>,
    numerator: Option<i64>,
    denominator: Option<i64>,
) -> Result<Figure, AppError> {
    let code = &indicator.code;
    let figure = match indicator.measure {
        Measure::YesNo => match value {
            Some(serde_json::Value::Bool(b)) => Figure::YesNo(*b),
            Some(serde_json::Value::String(s)) => match tiendo_domain::parse_yes_no(s) {
                Some(answer) => Figure::YesNo(answer),
                None => {
                    return Err(bad(
                        format!("{code}: «{s}» không phải có/không"),
                        format!("{code}: «{s}» is not yes or no"),
                    ));
                }
            },
            _ => {
                return Err(bad(
                    format!("{code}: chỉ tiêu có/không cần `value` là true hoặc false"),
                    format!("{code}: a yes/no indicator needs `value` true or false"),
                ));
            }
        },
        Measure::Count | Measure::Percent => {
            let text = match value {
                Some(serde_json::Value::Number(n)) => n.to_string(),
                Some(serde_json::Value::String(s)) => {
                    s.trim().trim_end_matches('%').trim().to_string()
                }
                _ => {
                    return Err(bad(
                        format!("{code}: cần `value` là một số"),
                        format!("{code}: needs `value`, a number"),
                    ));
                }
            };
            let amount: Decimal = text.parse().map_err(|_| {
                bad(
                    format!("{code}: «{text}» không phải là số (ví dụ 72 hoặc 72,5)"),
                    format!("{code}: «{text}» is not a number (e.g. 72 or 72.5)"),
                )
            })?;
            Figure::Amount(amount)
        }
        Measure::Ratio => match (numerator, denominator) {
            (Some(numerator), Some(denominator)) => Figure::Ratio {
                numerator,
                denominator,
            },
            _ => {
                return Err(bad(
                    format!(
                        "{code}: chỉ tiêu tỷ lệ cần `numerator` (tử số) và `denominator` (mẫu số)"
                    ),
                    format!("{code}: a ratio indicator needs `numerator` and `denominator`"),
                ));
            }
        },
    };
    figure.check(indicator.measure).map_err(|e| {
        bad(
            format!("{code}: {}", e.message_vi()),
            format!("{code}: {e}"),
        )
    })?;
    Ok(figure)
}

struct Checked {
    framework: FrameworkRef,
    observation: Observation,
}

async fn check_input(state: &AppState, input: &ObservationInput) -> Result<Checked, AppError> {
    let observed_on = parse_day("observed_on", &input.observed_on, true)?;
    let framework = state
        .store
        .framework_ref(input.framework.as_deref(), Some(observed_on))
        .await?;
    let rules = state.store.framework(&framework).await?;
    let indicator = rules.indicator(input.indicator.trim()).ok_or_else(|| {
        bad(
            format!(
                "khung {} không có chỉ tiêu «{}»",
                framework.code, input.indicator
            ),
            format!(
                "framework {} has no indicator «{}»",
                framework.code, input.indicator
            ),
        )
    })?;
    let figure = figure_from_input(
        indicator,
        input.value.as_ref(),
        input.numerator,
        input.denominator,
    )?;
    let planned_by = input
        .planned_by
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(|p| parse_day("planned_by", p, false))
        .transpose()?;
    Ok(Checked {
        observation: Observation {
            observed_on,
            figure,
            planned_by,
            note: input.note.trim().nfc().collect(),
        },
        framework,
    })
}

async fn saved(
    state: &AppState,
    code: &str,
    framework: &FrameworkRef,
    indicator: &str,
    day: Date,
    id: Option<i64>,
    version: i64,
) -> Result<ObservationSaved, AppError> {
    let summary = state.store.summary(code, framework, day).await?;
    let row = state
        .store
        .unit_indicator(code, framework, day, indicator)
        .await?
        .ok_or_else(|| AppError::Internal(format!("indicator {indicator} vanished")))?;
    Ok(ObservationSaved {
        id,
        version,
        indicator: IndicatorStatus::new(row),
        counts: summary.counts.into(),
    })
}

/// Records a figure for a unit; the status is recomputed at once and returned.
#[utoipa::path(post, path = "/api/v1/units/{code}/observations", request_body = ObservationInput,
    params(("code" = String, Path, description = "GSO code of the unit")),
    responses(
        (status = 201, description = "Recorded", body = ObservationSaved),
        (status = 400, description = "A figure that does not fit the indicator, an unknown indicator, a future date…", body = crate::api::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::api::ErrorBody),
        (status = 403, description = "Not allowed for this unit, or missing CSRF token", body = crate::api::ErrorBody),
    ), tag = "figures")]
pub(crate) async fn create_observation(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(input): Json<ObservationInput>,
) -> Result<(StatusCode, Json<ObservationSaved>), ApiError> {
    state.authorize(&viewer, Action::EnterData, &code).await?;
    viewer.check_csrf(&headers, None)?;
    let checked = check_input(&state, &input).await?;
    let indicator = input.indicator.trim().to_string();
    let evidence = crate::evidence::evidence_items(&state, &input.evidence).await?;
    let ids = state
        .store
        .record_observations_with_evidence(
            &checked.framework,
            &[NewObservation {
                unit_code: code.clone(),
                indicator_code: indicator.clone(),
                observation: checked.observation.clone(),
            }],
            &[evidence],
            &viewer.actor(),
        )
        .await?;
    let id = ids.first().copied();
    let out = saved(
        &state,
        &code,
        &checked.framework,
        &indicator,
        checked.observation.observed_on,
        id,
        1,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// Corrects a recorded figure. `version` must be the version read; if someone saved in between,
/// the answer is 409 with both values and nothing is overwritten.
#[utoipa::path(put, path = "/api/v1/units/{code}/observations/{id}", request_body = ObservationInput,
    params(("code" = String, Path, description = "GSO code of the unit"), ("id" = i64, Path, description = "The figure's id")),
    responses(
        (status = 200, description = "Corrected", body = ObservationSaved),
        (status = 400, description = "A figure that does not fit, or no `version`", body = crate::api::ErrorBody),
        (status = 403, description = "Not allowed", body = crate::api::ErrorBody),
        (status = 409, description = "Someone else saved first", body = crate::api::ErrorBody),
    ), tag = "figures")]
pub(crate) async fn update_observation(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((code, id)): Path<(String, i64)>,
    Json(input): Json<ObservationInput>,
) -> Result<Json<ObservationSaved>, ApiError> {
    state.authorize(&viewer, Action::EnterData, &code).await?;
    viewer.check_csrf(&headers, None)?;
    let version = input.version.ok_or_else(|| {
        bad(
            "cần `version`: phiên bản số liệu bạn đã đọc",
            "`version` is required: the version of the figure you read",
        )
    })?;
    let checked = check_input(&state, &input).await?;
    let indicator = input.indicator.trim();
    let new_version = state
        .store
        .update_observation(
            &checked.framework,
            &code,
            indicator,
            id,
            version,
            &checked.observation,
            &viewer.actor(),
        )
        .await?;
    Ok(Json(
        saved(
            &state,
            &code,
            &checked.framework,
            indicator,
            checked.observation.observed_on,
            Some(id),
            new_version,
        )
        .await?,
    ))
}

/// A unit's figures for one indicator, oldest first, with who recorded each and when.
#[utoipa::path(get, path = "/api/v1/units/{code}/observations",
    params(("code" = String, Path, description = "GSO code of the unit"), HistoryQuery),
    responses(
        (status = 200, description = "The history", body = ObservationHistory),
        (status = 401, description = "Not signed in", body = crate::api::ErrorBody),
        (status = 403, description = "Not allowed for this unit", body = crate::api::ErrorBody),
        (status = 404, description = "No such unit or indicator", body = crate::api::ErrorBody),
    ), tag = "figures")]
pub(crate) async fn list_observations(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<ObservationHistory>, ApiError> {
    state.authorize(&viewer, Action::ReadData, &code).await?;
    let framework = state
        .store
        .framework_ref(q.framework.as_deref(), Some(today()))
        .await?;
    let rules = state.store.framework(&framework).await?;
    let indicator = rules
        .indicator(&q.indicator)
        .ok_or_else(|| AppError::NotFound {
            vi: format!(
                "khung {} không có chỉ tiêu «{}»",
                framework.code, q.indicator
            ),
            en: format!(
                "framework {} has no indicator «{}»",
                framework.code, q.indicator
            ),
        })?;
    let unit = state.store.unit(&code).await?;
    let history = state.store.history(&framework, &code, &q.indicator).await?;
    Ok(Json(ObservationHistory {
        unit: (&unit).into(),
        indicator: q.indicator.clone(),
        observations: history
            .into_iter()
            .map(|r| RecordedFigure {
                id: r.id,
                version: r.version,
                observed_on: r.observation.observed_on.to_string(),
                figure: r.observation.figure.into(),
                value: r.observation.figure.describe(
                    indicator.measure,
                    indicator.count_unit_in(Lang::Vi),
                    Lang::Vi,
                ),
                planned_by: r.observation.planned_by.map(|d| d.to_string()),
                note: r.observation.note,
                recorded_at: r.recorded_at,
                recorded_by: r.recorded_by,
            })
            .collect(),
    }))
}
