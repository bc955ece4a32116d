//! Progress meetings over HTTP: a city's meetings and the form to record one
//! (`/units/{code}/meetings`), a meeting with its frozen snapshot and conclusions
//! (`/meetings/{id}`), its brief as DOCX or PDF, and the same under `/api/v1/meetings`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use tiendo_domain::access::Action;
use tiendo_domain::report::{GroupGap, lower_first, standing_sentence};
use tiendo_domain::{Date, Lang, Status};
use tiendo_exchange::Format;
use tiendo_storage::{Meeting, NewMeeting};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::error::ApiError;
use crate::input::{nfc, parse_day};
use crate::pages::PageError;
use crate::query::ViewParams;
use crate::{AppError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/units/{code}/meetings",
            get(meetings_page).post(create_page),
        )
        .route("/meetings/{id}", get(meeting_page))
        .route("/meetings/{id}/conclusions", post(add_conclusion_page))
        .route("/conclusions/{id}", post(change_conclusion_page))
        .route("/meetings/{id}/brief", get(brief_page))
        .route("/api/v1/meetings", post(create_api))
        .route("/api/v1/units/{code}/meetings", get(list_api))
        .route("/api/v1/meetings/{id}", get(show_api))
        .route(
            "/api/v1/meetings/{id}/conclusions",
            post(add_conclusion_api),
        )
        .route(
            "/api/v1/conclusions/{id}",
            axum::routing::put(edit_conclusion_api).delete(delete_conclusion_api),
        )
        .route("/api/v1/meetings/{id}/brief", get(brief_api))
}

/// Coordinating a meeting takes the right on its unit and on every unit it reviews.
async fn may_coordinate(
    state: &AppState,
    viewer: &Viewer,
    unit: &str,
    reviewed: &[String],
) -> Result<(), AppError> {
    state.authorize(viewer, Action::Coordinate, unit).await?;
    for code in reviewed {
        state.authorize(viewer, Action::Coordinate, code).await?;
    }
    Ok(())
}

async fn may_change(state: &AppState, viewer: &Viewer, meeting: &Meeting) -> Result<(), AppError> {
    let reviewed: Vec<String> = meeting.reviewed.iter().map(|u| u.code.clone()).collect();
    may_coordinate(state, viewer, &meeting.unit.code, &reviewed).await
}

/// The meeting to record, from the form or the API.
struct MeetingFields {
    unit: String,
    held_on: String,
    title: String,
    chair: String,
    place: String,
    attendees: String,
    units: Vec<String>,
    as_of: String,
    framework: Option<String>,
}

async fn create(state: &AppState, viewer: &Viewer, f: MeetingFields) -> Result<i64, AppError> {
    may_coordinate(state, viewer, &f.unit, &f.units).await?;
    let held_on = parse_day(&f.held_on, "Ngày họp", "The meeting day")?;
    let as_of = match f.as_of.trim() {
        "" => None,
        text => Some(parse_day(text, "Ngày lấy số liệu", "The as-of date")?),
    };
    let framework = state
        .store
        .framework_ref(f.framework.as_deref(), Some(as_of.unwrap_or(held_on)))
        .await?;
    let new = NewMeeting {
        unit_code: f.unit.trim().to_string(),
        held_on,
        title: nfc(&f.title),
        chair: nfc(&f.chair),
        place: nfc(&f.place),
        attendees: nfc(&f.attendees),
        reviewed: f.units,
        as_of,
    };
    Ok(state
        .store
        .create_meeting(&framework, &new, &viewer.actor())
        .await?)
}

// ---------------------------------------------------------------- pages

struct MeetingRow {
    id: i64,
    held_on: String,
    title: String,
    chair: String,
    reviewed: String,
    conclusions: i64,
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct MeetingsPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    unit_code: String,
    unit_name: String,
    meetings: Vec<MeetingRow>,
    may_create: bool,
    candidates: Vec<(String, String)>,
    today: String,
    lang_q: &'static str,
}

fn lang_q(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "?lang=en",
        Lang::Vi => "",
    }
}

async fn meetings_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(params): Query<ViewParams>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    let access = state.access(&viewer, &code).await.map_err(fail)?;
    access.check(Action::ReadData).map_err(fail)?;
    let day = params.as_of(&state).await.map_err(fail)?;
    let meetings = state
        .store
        .meetings_of(&code)
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .map(|m| MeetingRow {
            id: m.id,
            held_on: m.held_on.dmy(),
            title: m.title,
            chair: m.chair,
            reviewed: m.reviewed.join(", "),
            conclusions: m.conclusions,
        })
        .collect();
    let may_create = access.allows(Action::Coordinate);
    let candidates = if may_create {
        state
            .store
            .children(&code, day)
            .await
            .map_err(|e| fail(e.into()))?
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect()
    } else {
        Vec::new()
    };
    let page = MeetingsPage {
        lang,
        signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        unit_name: access.unit.name.clone(),
        unit_code: code,
        meetings,
        may_create,
        candidates,
        today: day.to_string(),
        lang_q: lang_q(lang),
    };
    crate::pages::render(StatusCode::OK, &page, lang, crate::pages::UNCACHED)
}

/// The posted form's fields, once its CSRF token has been checked (repeated fields kept).
fn checked(
    viewer: &Viewer,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<(), AppError> {
    let token = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    viewer.check_csrf(headers, token)
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn back_to(path: &str, lang: Lang) -> Response {
    Redirect::to(&format!("{path}{}", lang_q(lang))).into_response()
}

async fn create_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(params): Query<ViewParams>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    state
        .authorize(&viewer, Action::Coordinate, &code)
        .await
        .map_err(fail)?;
    checked(&viewer, &headers, &fields).map_err(fail)?;
    let units = fields
        .iter()
        .filter(|(k, _)| k == "units")
        .map(|(_, v)| v.trim().to_string())
        .collect();
    let id = create(
        &state,
        &viewer,
        MeetingFields {
            unit: code,
            held_on: field(&fields, "held_on"),
            title: field(&fields, "title"),
            chair: field(&fields, "chair"),
            place: field(&fields, "place"),
            attendees: field(&fields, "attendees"),
            units,
            as_of: field(&fields, "as_of"),
            framework: params.framework.clone(),
        },
    )
    .await
    .map_err(fail)?;
    Ok(back_to(&format!("/meetings/{id}"), lang))
}

struct IndicatorLine {
    code: String,
    name: String,
    status: Status,
    status_label: &'static str,
    reason: String,
    figure: String,
    target: String,
}

struct UnitStandingView {
    code: String,
    name: String,
    sentence: String,
    achieved: u32,
    in_progress: u32,
    not_achieved: u32,
    no_data: u32,
    applicable: u32,
    gaps: Vec<IndicatorLine>,
}

struct TaskLine {
    id: i64,
    title: String,
    status: String,
    due_on: String,
    assignee: String,
}

struct ConclusionView {
    id: i64,
    position: i64,
    text: String,
    tasks: Vec<TaskLine>,
    trainings: Vec<(i64, String)>,
    deletable: bool,
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    id: i64,
    unit_code: String,
    unit_name: String,
    title: String,
    held_on: String,
    as_of: String,
    chair: String,
    place: String,
    attendees: Vec<String>,
    units: Vec<UnitStandingView>,
    conclusions: Vec<ConclusionView>,
    version: i64,
    may_change: bool,
    lang_q: &'static str,
}

fn task_status(status: &str, lang: Lang) -> &'static str {
    match status {
        "open" => lang.pick("Chưa bắt đầu", "Open"),
        "in_progress" => lang.pick("Đang thực hiện", "In progress"),
        "done" => lang.pick("Hoàn thành", "Done"),
        _ => lang.pick("Đã hủy", "Cancelled"),
    }
}

fn standing_views(meeting: &Meeting, lang: Lang) -> Vec<UnitStandingView> {
    meeting
        .snapshot
        .units
        .iter()
        .map(|u| {
            let gaps: Vec<GroupGap> = u
                .groups
                .iter()
                .map(|g| GroupGap {
                    group_name: lower_first(lang.pick(&g.name, &g.name_en)),
                    not_achieved: g.counts.not_achieved,
                })
                .collect();
            let mut lines = Vec::new();
            for status in [Status::NotAchieved, Status::InProgress, Status::NoData] {
                for i in u.indicators.iter().filter(|i| i.status == status) {
                    let figure = match lang {
                        Lang::Vi => i.figure_vi.clone(),
                        Lang::En => i.figure_en.clone(),
                    };
                    lines.push(IndicatorLine {
                        code: i.code.clone(),
                        name: lang.pick(&i.name, &i.name_en).to_string(),
                        status,
                        status_label: status.label(lang),
                        reason: lang.pick(&i.reason_vi, &i.reason_en).to_string(),
                        figure: match (figure, i.figure_on) {
                            (Some(f), Some(on)) => format!("{f} ({})", on.dmy()),
                            _ => "–".into(),
                        },
                        target: lang.pick(&i.target_vi, &i.target_en).to_string(),
                    });
                }
            }
            UnitStandingView {
                code: u.code.clone(),
                name: u.name.clone(),
                sentence: standing_sentence(&u.name, &u.counts, &gaps, lang),
                achieved: u.counts.achieved,
                in_progress: u.counts.in_progress,
                not_achieved: u.counts.not_achieved,
                no_data: u.counts.no_data,
                applicable: u.counts.applicable,
                gaps: lines,
            }
        })
        .collect()
}

async fn meeting_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(params): Query<ViewParams>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    let meeting = state.store.meeting(id).await.map_err(|e| fail(e.into()))?;
    state
        .authorize(&viewer, Action::ReadData, &meeting.unit.code)
        .await
        .map_err(fail)?;
    let may_change = may_change(&state, &viewer, &meeting).await.is_ok();
    let page = MeetingPage {
        lang,
        signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        id,
        unit_code: meeting.unit.code.clone(),
        unit_name: meeting.unit.name.clone(),
        title: meeting.title.clone(),
        held_on: meeting.held_on.dmy(),
        as_of: meeting.as_of.dmy(),
        chair: meeting.chair.clone(),
        place: meeting.place.clone(),
        attendees: meeting
            .attendee_lines()
            .into_iter()
            .map(str::to_string)
            .collect(),
        units: standing_views(&meeting, lang),
        conclusions: meeting
            .conclusions
            .iter()
            .map(|k| ConclusionView {
                id: k.id,
                position: k.position,
                text: k.text.clone(),
                tasks: k
                    .tasks
                    .iter()
                    .map(|t| TaskLine {
                        id: t.id,
                        title: t.title.clone(),
                        status: task_status(&t.status, lang).to_string(),
                        due_on: t
                            .due_on
                            .parse::<Date>()
                            .map_or(t.due_on.clone(), |d| d.dmy()),
                        assignee: t.assignee.clone().unwrap_or_default(),
                    })
                    .collect(),
                trainings: k.trainings.clone(),
                deletable: k.tasks.is_empty() && k.trainings.is_empty(),
            })
            .collect(),
        version: meeting.version,
        may_change,
        lang_q: lang_q(lang),
    };
    crate::pages::render(StatusCode::OK, &page, lang, crate::pages::UNCACHED)
}

fn version_field(fields: &[(String, String)]) -> Result<i64, AppError> {
    field(fields, "version").trim().parse().map_err(|_| {
        AppError::bad_request(
            "thiếu phiên bản của hội nghị: hãy tải lại trang",
            "the meeting's version is missing: reload the page",
        )
    })
}

async fn add_conclusion_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(params): Query<ViewParams>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    let meeting = state.store.meeting(id).await.map_err(|e| fail(e.into()))?;
    may_change(&state, &viewer, &meeting).await.map_err(fail)?;
    checked(&viewer, &headers, &fields).map_err(fail)?;
    state
        .store
        .add_conclusion(
            id,
            version_field(&fields).map_err(fail)?,
            &nfc(&field(&fields, "text")),
            &viewer.actor(),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(back_to(&format!("/meetings/{id}"), lang))
}

/// Edits a conclusion, or deletes it when the form says `action=delete`.
async fn change_conclusion_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(conclusion): Path<i64>,
    Query(params): Query<ViewParams>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    let id = state
        .store
        .conclusion_meeting(conclusion)
        .await
        .map_err(|e| fail(e.into()))?;
    let meeting = state.store.meeting(id).await.map_err(|e| fail(e.into()))?;
    may_change(&state, &viewer, &meeting).await.map_err(fail)?;
    checked(&viewer, &headers, &fields).map_err(fail)?;
    let version = version_field(&fields).map_err(fail)?;
    let done = if field(&fields, "action") == "delete" {
        state
            .store
            .delete_conclusion(conclusion, version, &viewer.actor())
            .await
    } else {
        state
            .store
            .edit_conclusion(
                conclusion,
                version,
                &nfc(&field(&fields, "text")),
                &viewer.actor(),
            )
            .await
    };
    done.map_err(|e| fail(e.into()))?;
    Ok(back_to(&format!("/meetings/{id}"), lang))
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct BriefQuery {
    /// `docx` (the default) or `pdf`.
    format: Option<String>,
    /// `vi` (the default) or `en`.
    lang: Option<String>,
    /// The date of issue, `YYYY-MM-DD`; the meeting day when absent.
    date: Option<String>,
}

async fn brief(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    q: &BriefQuery,
) -> Result<Response, AppError> {
    let meeting = state.store.meeting(id).await?;
    state
        .authorize(viewer, Action::ReadData, &meeting.unit.code)
        .await?;
    let lang = viewer.lang(q.lang.as_deref());
    let format: Format = q.format.as_deref().unwrap_or("docx").parse()?;
    let issued_on = match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(text) => Some(parse_day(text, "Ngày ban hành", "The date of issue")?),
        None => None,
    };
    let (bytes, name) =
        tiendo_exchange::brief::brief_file(&state.store, id, lang, issued_on, format).await?;
    Ok(crate::documents::attachment(
        bytes,
        &name,
        format.media_type(),
    ))
}

async fn brief_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<BriefQuery>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    brief(&state, &viewer, id, &q)
        .await
        .map_err(|e| PageError(e, lang))
}

// ---------------------------------------------------------------- API

/// A meeting to record.
#[derive(Deserialize, ToSchema)]
pub(crate) struct MeetingInput {
    /// The unit holding it (GSO code), e.g. the city.
    unit: String,
    /// `YYYY-MM-DD`.
    held_on: String,
    title: String,
    chair: String,
    #[serde(default)]
    place: String,
    /// Who attended, one per item.
    #[serde(default)]
    attendees: Vec<String>,
    /// The units reviewed (GSO codes), in order.
    units: Vec<String>,
    /// The day the standing is taken on (`YYYY-MM-DD`); the meeting day when absent.
    as_of: Option<String>,
    /// A framework code; the one in force on the as-of date when absent.
    framework: Option<String>,
}

/// A task made from a conclusion.
#[derive(Serialize, ToSchema)]
pub(crate) struct ConclusionTaskInfo {
    id: i64,
    title: String,
    /// `open`, `in_progress`, `done` or `cancelled`.
    status: String,
    due_on: String,
    assignee: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ConclusionInfo {
    id: i64,
    position: i64,
    text: String,
    tasks: Vec<ConclusionTaskInfo>,
    /// Trainings that carry it out (ids).
    trainings: Vec<i64>,
}

/// A meeting, with the standing of every unit reviewed as it was frozen when it was recorded.
#[derive(Serialize, ToSchema)]
pub(crate) struct MeetingInfo {
    id: i64,
    unit: String,
    held_on: String,
    title: String,
    chair: String,
    place: String,
    attendees: Vec<String>,
    as_of: String,
    /// For optimistic concurrency: send it back when adding or changing a conclusion.
    version: i64,
    /// Per unit reviewed: counts in all and per group, and each applicable indicator's status,
    /// reason, figure and target.
    #[schema(value_type = Object)]
    snapshot: serde_json::Value,
    conclusions: Vec<ConclusionInfo>,
}

impl From<Meeting> for MeetingInfo {
    fn from(m: Meeting) -> Self {
        MeetingInfo {
            attendees: m.attendee_lines().into_iter().map(str::to_string).collect(),
            snapshot: serde_json::to_value(&m.snapshot).unwrap_or_default(),
            id: m.id,
            unit: m.unit.code,
            held_on: m.held_on.to_string(),
            title: m.title,
            chair: m.chair,
            place: m.place,
            as_of: m.as_of.to_string(),
            version: m.version,
            conclusions: m
                .conclusions
                .into_iter()
                .map(|k| ConclusionInfo {
                    id: k.id,
                    position: k.position,
                    text: k.text,
                    tasks: k
                        .tasks
                        .into_iter()
                        .map(|t| ConclusionTaskInfo {
                            id: t.id,
                            title: t.title,
                            status: t.status,
                            due_on: t.due_on,
                            assignee: t.assignee,
                        })
                        .collect(),
                    trainings: k.trainings.into_iter().map(|(id, _)| id).collect(),
                })
                .collect(),
        }
    }
}

/// A meeting as listed.
#[derive(Serialize, ToSchema)]
pub(crate) struct MeetingListItem {
    id: i64,
    held_on: String,
    title: String,
    chair: String,
    /// The names of the units reviewed.
    units: Vec<String>,
    conclusions: i64,
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct ConclusionInput {
    text: String,
    /// The meeting's version as last read.
    version: i64,
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct VersionQuery {
    /// The meeting's version as last read.
    version: i64,
}

#[utoipa::path(post, path = "/api/v1/meetings", request_body = MeetingInput,
    responses((status = 201, description = "Recorded, with its frozen snapshot", body = MeetingInfo),
        (status = 400, description = "A field is missing or a unit is not under the meeting's unit", body = crate::api::ErrorBody),
        (status = 403, description = "Not a coordinator of the unit and of every unit reviewed", body = crate::api::ErrorBody)),
    tag = "meetings")]
pub(crate) async fn create_api(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Json(input): Json<MeetingInput>,
) -> Result<(StatusCode, Json<MeetingInfo>), ApiError> {
    state
        .authorize(&viewer, Action::Coordinate, &input.unit)
        .await?;
    viewer.check_csrf(&headers, None)?;
    let id = create(
        &state,
        &viewer,
        MeetingFields {
            unit: input.unit,
            held_on: input.held_on,
            title: input.title,
            chair: input.chair,
            place: input.place,
            attendees: input.attendees.join("\n"),
            units: input.units,
            as_of: input.as_of.unwrap_or_default(),
            framework: input.framework,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.meeting(id).await?.into()),
    ))
}

#[utoipa::path(get, path = "/api/v1/units/{code}/meetings",
    params(("code" = String, Path, description = "GSO code of the unit that held them")),
    responses((status = 200, description = "Its meetings, newest first", body = Vec<MeetingListItem>)),
    tag = "meetings")]
pub(crate) async fn list_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> Result<Json<Vec<MeetingListItem>>, ApiError> {
    state.authorize(&viewer, Action::ReadData, &code).await?;
    Ok(Json(
        state
            .store
            .meetings_of(&code)
            .await?
            .into_iter()
            .map(|m| MeetingListItem {
                id: m.id,
                held_on: m.held_on.to_string(),
                title: m.title,
                chair: m.chair,
                units: m.reviewed,
                conclusions: m.conclusions,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}",
    params(("id" = i64, Path, description = "The meeting")),
    responses((status = 200, description = "The meeting", body = MeetingInfo),
        (status = 404, description = "No such meeting", body = crate::api::ErrorBody)),
    tag = "meetings")]
pub(crate) async fn show_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Json<MeetingInfo>, ApiError> {
    let meeting = state.store.meeting(id).await?;
    state
        .authorize(&viewer, Action::ReadData, &meeting.unit.code)
        .await?;
    Ok(Json(meeting.into()))
}

#[utoipa::path(post, path = "/api/v1/meetings/{id}/conclusions", request_body = ConclusionInput,
    params(("id" = i64, Path, description = "The meeting")),
    responses((status = 201, description = "Added at the end", body = MeetingInfo),
        (status = 403, description = "Not a coordinator", body = crate::api::ErrorBody),
        (status = 409, description = "The meeting changed since it was read", body = crate::api::ErrorBody)),
    tag = "meetings")]
pub(crate) async fn add_conclusion_api(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<ConclusionInput>,
) -> Result<(StatusCode, Json<MeetingInfo>), ApiError> {
    let meeting = state.store.meeting(id).await?;
    may_change(&state, &viewer, &meeting).await?;
    viewer.check_csrf(&headers, None)?;
    state
        .store
        .add_conclusion(id, input.version, &nfc(&input.text), &viewer.actor())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.meeting(id).await?.into()),
    ))
}

#[utoipa::path(put, path = "/api/v1/conclusions/{id}", request_body = ConclusionInput,
    params(("id" = i64, Path, description = "The conclusion")),
    responses((status = 200, description = "Changed", body = MeetingInfo),
        (status = 403, description = "Not a coordinator", body = crate::api::ErrorBody),
        (status = 409, description = "The meeting changed since it was read", body = crate::api::ErrorBody)),
    tag = "meetings")]
pub(crate) async fn edit_conclusion_api(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(conclusion): Path<i64>,
    Json(input): Json<ConclusionInput>,
) -> Result<Json<MeetingInfo>, ApiError> {
    let id = state.store.conclusion_meeting(conclusion).await?;
    let meeting = state.store.meeting(id).await?;
    may_change(&state, &viewer, &meeting).await?;
    viewer.check_csrf(&headers, None)?;
    state
        .store
        .edit_conclusion(
            conclusion,
            input.version,
            &nfc(&input.text),
            &viewer.actor(),
        )
        .await?;
    Ok(Json(state.store.meeting(id).await?.into()))
}

#[utoipa::path(delete, path = "/api/v1/conclusions/{id}",
    params(("id" = i64, Path, description = "The conclusion"), VersionQuery),
    responses((status = 200, description = "Deleted; the later conclusions move up", body = MeetingInfo),
        (status = 400, description = "A task or training carries it out", body = crate::api::ErrorBody),
        (status = 409, description = "The meeting changed since it was read", body = crate::api::ErrorBody)),
    tag = "meetings")]
pub(crate) async fn delete_conclusion_api(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(conclusion): Path<i64>,
    Query(q): Query<VersionQuery>,
) -> Result<Json<MeetingInfo>, ApiError> {
    let id = state.store.conclusion_meeting(conclusion).await?;
    let meeting = state.store.meeting(id).await?;
    may_change(&state, &viewer, &meeting).await?;
    viewer.check_csrf(&headers, None)?;
    state
        .store
        .delete_conclusion(conclusion, q.version, &viewer.actor())
        .await?;
    Ok(Json(state.store.meeting(id).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}/brief",
    params(("id" = i64, Path, description = "The meeting"), BriefQuery),
    responses((status = 200, description = "The notice of the chair's conclusions (DOCX or PDF)",
        content_type = "application/octet-stream", body = Vec<u8>)),
    tag = "meetings")]
pub(crate) async fn brief_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<BriefQuery>,
) -> Result<Response, ApiError> {
    Ok(brief(&state, &viewer, id, &q).await?)
}
