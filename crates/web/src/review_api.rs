//! Review over the API: exclusion requests and their decisions, submissions per reporting
//! period (submit, accept, return with reasons, unlock).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tiendo_domain::access::Action;
use tiendo_storage::{ExclusionRequest, FrameworkRef, Period, Submission};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::error::ApiError;
use crate::{AppError, AppState, today};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/units/{code}/exclusions",
            get(list_exclusions).post(request_exclusion),
        )
        .route("/api/v1/exclusions/{id}/decision", post(decide_exclusion))
        .route(
            "/api/v1/units/{code}/submissions/{period}",
            get(show_submission),
        )
        .route(
            "/api/v1/units/{code}/submissions/{period}/{action}",
            post(act_on_submission),
        )
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct FrameworkQuery {
    /// A framework code; defaults to the framework in force today (else the latest).
    framework: Option<String>,
}

async fn framework(state: &AppState, code: Option<&str>) -> Result<FrameworkRef, AppError> {
    Ok(state.store.framework_ref(code, Some(today())).await?)
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ExclusionInfo {
    id: i64,
    unit: String,
    unit_name: String,
    indicator: String,
    reason: String,
    /// `pending`, `approved` or `refused`.
    state: String,
    requested_by: Option<String>,
    requested_at: String,
    decided_by: Option<String>,
    decided_at: Option<String>,
    decision_note: Option<String>,
}

impl From<ExclusionRequest> for ExclusionInfo {
    fn from(r: ExclusionRequest) -> Self {
        ExclusionInfo {
            id: r.id,
            unit: r.unit_code,
            unit_name: r.unit_name,
            indicator: r.indicator_code,
            reason: r.reason,
            state: r.state,
            requested_by: r.requested_by,
            requested_at: r.requested_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decision_note: r.decision_note,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct ExclusionInput {
    indicator: String,
    /// Why the indicator does not apply to the unit.
    reason: String,
}

/// Asks for an indicator to be marked not applicable to the unit; counts change only when a
/// reviewer approves.
#[utoipa::path(post, path = "/api/v1/units/{code}/exclusions", request_body = ExclusionInput,
    params(("code" = String, Path, description = "GSO code of the unit"), FrameworkQuery),
    responses((status = 201, description = "Filed, waiting for a decision", body = ExclusionInfo),
        (status = 400, description = "No reason, already excused, or a request already waiting", body = crate::api::ErrorBody),
        (status = 403, description = "Not allowed", body = crate::api::ErrorBody)),
    tag = "review")]
pub(crate) async fn request_exclusion(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<FrameworkQuery>,
    Json(input): Json<ExclusionInput>,
) -> Result<(StatusCode, Json<ExclusionInfo>), ApiError> {
    state.authorize(&viewer, Action::EnterData, &code).await?;
    viewer.check_csrf(&headers, None)?;
    let fw = framework(&state, q.framework.as_deref()).await?;
    let id = state
        .store
        .request_exclusion(
            &fw,
            &code,
            input.indicator.trim(),
            &input.reason,
            &viewer.actor(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.exclusion_request(id).await?.into()),
    ))
}

/// Exclusion requests of the unit and every unit under it, newest first.
#[utoipa::path(get, path = "/api/v1/units/{code}/exclusions",
    params(("code" = String, Path, description = "GSO code of the unit")),
    responses((status = 200, description = "The requests", body = Vec<ExclusionInfo>)),
    tag = "review")]
pub(crate) async fn list_exclusions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Result<Json<Vec<ExclusionInfo>>, ApiError> {
    state.authorize(&viewer, Action::ReadData, &code).await?;
    Ok(Json(
        state
            .store
            .exclusion_requests(&code)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct DecisionInput {
    approve: bool,
    #[serde(default)]
    note: String,
}

/// Approves or refuses a waiting exclusion request (reviewers of the request's unit).
#[utoipa::path(post, path = "/api/v1/exclusions/{id}/decision", request_body = DecisionInput,
    params(("id" = i64, Path, description = "The request")),
    responses((status = 200, description = "Decided", body = ExclusionInfo),
        (status = 403, description = "Not a reviewer of the unit", body = crate::api::ErrorBody),
        (status = 409, description = "Already decided", body = crate::api::ErrorBody)),
    tag = "review")]
pub(crate) async fn decide_exclusion(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<DecisionInput>,
) -> Result<Json<ExclusionInfo>, ApiError> {
    let request = state.store.exclusion_request(id).await?;
    state
        .authorize(&viewer, Action::Review, &request.unit_code)
        .await?;
    viewer.check_csrf(&headers, None)?;
    let decided = state
        .store
        .decide_exclusion(id, input.approve, &input.note, &viewer.actor())
        .await?;
    Ok(Json(decided.into()))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ChangeInfo {
    indicator: String,
    before: Option<String>,
    after: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SubmissionInfo {
    unit: String,
    period: String,
    period_name: String,
    #[schema(example = "2022-10-25")]
    deadline: String,
    /// `draft`, `submitted`, `returned` or `accepted`.
    state: String,
    submitted_on: Option<String>,
    submitted_by: Option<String>,
    /// Submitted after the deadline.
    late: bool,
    decided_by: Option<String>,
    /// Indicator code → why it was returned.
    returns: std::collections::BTreeMap<String, String>,
    /// Indicator code → why it was unlocked after acceptance.
    unlocked: std::collections::BTreeMap<String, String>,
    /// What changed since the previous submission.
    changes: Vec<ChangeInfo>,
}

impl From<Submission> for SubmissionInfo {
    fn from(s: Submission) -> Self {
        SubmissionInfo {
            unit: s.unit_code,
            period: s.period.code,
            period_name: s.period.name,
            deadline: s.period.deadline.to_string(),
            state: s.state,
            submitted_on: s.submitted_on.map(|d| d.to_string()),
            submitted_by: s.submitted_by,
            late: s.late,
            decided_by: s.decided_by,
            returns: s.returns,
            unlocked: s.unlocked,
            changes: s
                .changes
                .into_iter()
                .map(|c| ChangeInfo {
                    indicator: c.indicator_code,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
        }
    }
}

async fn period(state: &AppState, fw: &FrameworkRef, code: &str) -> Result<Period, AppError> {
    Ok(state.store.period(fw, code).await?)
}

/// The unit's submission for a reporting period, with what changed since the last one.
#[utoipa::path(get, path = "/api/v1/units/{code}/submissions/{period}",
    params(("code" = String, Path, description = "GSO code of the unit"), ("period" = String, Path, description = "Reporting period code, e.g. 2022"), FrameworkQuery),
    responses((status = 200, description = "The submission", body = SubmissionInfo)),
    tag = "review")]
pub(crate) async fn show_submission(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((code, period_code)): Path<(String, String)>,
    Query(q): Query<FrameworkQuery>,
) -> Result<Json<SubmissionInfo>, ApiError> {
    state.authorize(&viewer, Action::ReadData, &code).await?;
    let fw = framework(&state, q.framework.as_deref()).await?;
    let p = period(&state, &fw, &period_code).await?;
    Ok(Json(state.store.submission(&code, &p).await?.into()))
}

/// A return's reason for one indicator.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ReturnReason {
    indicator: String,
    reason: String,
}

/// The body of a submission action: `returns` for `return`, `indicator` and `reason` for
/// `unlock`; nothing for `submit` and `accept`.
#[derive(Deserialize, ToSchema, Default)]
pub(crate) struct SubmissionAction {
    #[serde(default)]
    returns: Vec<ReturnReason>,
    indicator: Option<String>,
    reason: Option<String>,
}

/// Acts on a submission: `submit` (the unit's officer), `accept`, `return` or `unlock`
/// (reviewers of the unit).
#[utoipa::path(post, path = "/api/v1/units/{code}/submissions/{period}/{action}", request_body = SubmissionAction,
    params(("code" = String, Path, description = "GSO code of the unit"), ("period" = String, Path, description = "Reporting period code"),
        ("action" = String, Path, description = "submit, accept, return or unlock"), FrameworkQuery),
    responses((status = 200, description = "Done", body = SubmissionInfo),
        (status = 400, description = "A return without reasons, an unlock without a reason…", body = crate::api::ErrorBody),
        (status = 403, description = "Not allowed", body = crate::api::ErrorBody),
        (status = 409, description = "Not in a state that allows it", body = crate::api::ErrorBody)),
    tag = "review")]
pub(crate) async fn act_on_submission(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((code, period_code, action)): Path<(String, String, String)>,
    Query(q): Query<FrameworkQuery>,
    body: Option<Json<SubmissionAction>>,
) -> Result<Json<SubmissionInfo>, ApiError> {
    let needed = match action.as_str() {
        "submit" => Action::EnterData,
        "accept" | "return" | "unlock" => Action::Review,
        other => {
            return Err(AppError::NotFound {
                vi: format!("không có thao tác «{other}» (submit, accept, return, unlock)"),
                en: format!("no action «{other}» (submit, accept, return, unlock)"),
            }
            .into());
        }
    };
    state.authorize(&viewer, needed, &code).await?;
    viewer.check_csrf(&headers, None)?;
    let fw = framework(&state, q.framework.as_deref()).await?;
    let p = period(&state, &fw, &period_code).await?;
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let actor = viewer.actor();
    let store = &state.store;
    let done = match action.as_str() {
        "submit" => store.submit(&fw, &code, &p, today(), &actor).await?,
        "accept" => store.accept_submission(&code, &p, &actor).await?,
        "return" => {
            let reasons: Vec<(String, String)> = body
                .returns
                .into_iter()
                .map(|r| (r.indicator.trim().to_string(), r.reason))
                .collect();
            let rules = store.framework(&fw).await?;
            if let Some((unknown, _)) = reasons.iter().find(|(i, _)| rules.indicator(i).is_none()) {
                return Err(AppError::bad_request(
                    format!("khung {} không có chỉ tiêu «{unknown}»", fw.code),
                    format!("framework {} has no indicator «{unknown}»", fw.code),
                )
                .into());
            }
            store.return_submission(&code, &p, &reasons, &actor).await?
        }
        _ => {
            let indicator = body.indicator.unwrap_or_default();
            store
                .unlock_indicator(
                    &code,
                    &p,
                    indicator.trim(),
                    body.reason.as_deref().unwrap_or(""),
                    &actor,
                )
                .await?
        }
    };
    Ok(Json(done.into()))
}
