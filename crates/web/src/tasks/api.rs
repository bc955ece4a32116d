//! `/api/v1/tasks`: list, create, update; `/api/v1/notifications`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tiendo_domain::Date;
use tiendo_domain::access::Action;
use tiendo_domain::tasks::TaskStatus;
use tiendo_storage::{NewTask, Task, TaskFilter};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{TaskRights, refuse_update, task_not_found};
use crate::auth::Viewer;
use crate::error::ApiError;
use crate::input::parse_day;
use crate::{AppError, AppState, today};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tasks", get(list_tasks).post(create_task))
        .route("/api/v1/tasks/{id}", get(show_task).post(update_task))
        .route("/api/v1/notifications", get(list_notifications))
        .route("/api/v1/notifications/read", post(read_notifications))
}

/// The tasks part of the OpenAPI document, merged into the whole.
#[derive(OpenApi)]
#[openapi(
    paths(
        list_tasks,
        create_task,
        show_task,
        update_task,
        list_notifications,
        read_notifications
    ),
    components(schemas(
        TaskInfo,
        TaskNoteInfo,
        TaskInput,
        TaskUpdate,
        NoticeInfo,
        NoticesRead,
        ReadInput
    ))
)]
pub struct TasksApi;

#[derive(Serialize, ToSchema)]
pub(crate) struct TaskNoteInfo {
    at: String,
    by: Option<String>,
    /// The status after this note.
    status: String,
    note: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct TaskInfo {
    id: i64,
    title: String,
    description: String,
    /// The code of the organisation it is assigned to.
    organisation: Option<String>,
    /// The code of the unit it is assigned to (when no organisation is).
    assignee_unit: Option<String>,
    /// `YYYY-MM-DD`.
    due_on: String,
    /// `open`, `in_progress`, `done` or `cancelled`.
    status: String,
    /// Still to be done and due before today.
    overdue: bool,
    /// Codes of the units it serves.
    units: Vec<String>,
    /// Codes of the indicators it serves.
    indicators: Vec<String>,
    conclusion_id: Option<i64>,
    created_by: Option<String>,
    created_on: String,
    /// Send it back with an update; a stale one gets 409.
    version: i64,
    notes: Vec<TaskNoteInfo>,
}

impl TaskInfo {
    pub(crate) fn new(t: Task, today: Date) -> TaskInfo {
        TaskInfo {
            overdue: t.overdue(today),
            id: t.id,
            title: t.title,
            description: t.description,
            organisation: t.organisation.map(|(_, code, ..)| code),
            assignee_unit: t.assignee_unit.map(|u| u.code),
            due_on: t.due_on.to_string(),
            status: t.status.code().into(),
            units: t.units.into_iter().map(|u| u.code).collect(),
            indicators: t.indicators,
            conclusion_id: t.conclusion_id,
            created_by: t.created_by,
            created_on: t.created_on.to_string(),
            version: t.version,
            notes: t
                .notes
                .into_iter()
                .map(|n| TaskNoteInfo {
                    at: n.at,
                    by: n.username,
                    status: n.status.code().into(),
                    note: n.note,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema, Default, Clone)]
pub(crate) struct TaskInput {
    /// A framework code; defaults to the one in force on `created_on`.
    #[serde(default)]
    pub framework: Option<String>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Codes of the units it serves; the creator must coordinate each.
    pub units: Vec<String>,
    #[serde(default)]
    pub indicators: Vec<String>,
    /// The code of the organisation that does it…
    #[serde(default)]
    pub organisation: Option<String>,
    /// …or of the unit that does it.
    #[serde(default)]
    pub assignee_unit: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    #[serde(default)]
    pub conclusion_id: Option<i64>,
    /// The day it is created on (`YYYY-MM-DD`); today by default.
    #[serde(default)]
    pub created_on: Option<String>,
}

/// Creates a task after checking that the viewer coordinates every unit it serves.
pub(crate) async fn create(
    state: &AppState,
    viewer: &Viewer,
    input: TaskInput,
) -> Result<Task, AppError> {
    let units: Vec<String> = input
        .units
        .iter()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
        .collect();
    if units.is_empty() {
        return Err(AppError::bad_request(
            "hãy chọn ít nhất một đơn vị được hỗ trợ",
            "choose at least one unit the task serves",
        ));
    }
    for u in &units {
        state.authorize(viewer, Action::Coordinate, u).await?;
    }
    let due_on = parse_day(&input.due_on, "Hạn hoàn thành", "The due date")?;
    let created_on = match input.created_on.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => parse_day(d, "Ngày giao", "The creation date")?,
        None => today(),
    };
    let framework = state
        .store
        .framework_ref(input.framework.as_deref(), Some(created_on))
        .await?;
    let nfc = super::nfc;
    let new = NewTask {
        framework,
        title: nfc(&input.title),
        description: nfc(&input.description),
        unit_codes: units,
        indicator_codes: input
            .indicators
            .iter()
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty())
            .collect(),
        assignee_organisation: input.organisation.filter(|o| !o.trim().is_empty()),
        assignee_unit: input.assignee_unit.filter(|o| !o.trim().is_empty()),
        due_on,
        conclusion_id: input.conclusion_id,
        created_on,
    };
    Ok(state.store.create_task(&new, &viewer.actor()).await?)
}

/// Records progress after checking [`tiendo_domain::access::may_update_task`].
pub(crate) async fn update(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    input: &TaskUpdate,
) -> Result<Task, AppError> {
    let task = state.store.task(id).await?;
    let mut rights = TaskRights::of(state, viewer).await?;
    if !rights.may_read(state, viewer, &task).await? {
        return Err(if viewer.user.is_none() {
            AppError::SignInRequired
        } else {
            task_not_found(id)
        });
    }
    if !rights.may_update(state, viewer, &task).await? {
        return Err(refuse_update(viewer));
    }
    let status: TaskStatus = input.status.trim().parse().map_err(|_| {
        AppError::bad_request(
            format!(
                "không có trạng thái «{}»: open, in_progress, done, cancelled",
                input.status
            ),
            format!(
                "unknown status «{}»: open, in_progress, done, cancelled",
                input.status
            ),
        )
    })?;
    Ok(state
        .store
        .update_task(
            id,
            input.version,
            status,
            &super::nfc(&input.note),
            &viewer.actor(),
        )
        .await?)
}

#[derive(Deserialize, IntoParams, Default)]
pub(crate) struct TaskQuery {
    /// `open`, `in_progress`, `done` or `cancelled`.
    pub status: Option<String>,
    /// An organisation's code.
    pub organisation: Option<String>,
    /// A unit's code: the tasks serving it or a unit under it.
    pub unit: Option<String>,
    /// An indicator's code.
    pub indicator: Option<String>,
    /// `true`: only tasks overdue today.
    pub overdue: Option<String>,
}

impl TaskQuery {
    pub(crate) fn filter(&self) -> Result<TaskFilter, AppError> {
        let some = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        Ok(TaskFilter {
            status: match some(&self.status) {
                Some(s) => Some(s.parse().map_err(|_| {
                    AppError::bad_request(
                        format!("không có trạng thái «{s}»"),
                        format!("unknown status «{s}»"),
                    )
                })?),
                None => None,
            },
            organisation: some(&self.organisation),
            unit: some(&self.unit),
            indicator: some(&self.indicator),
            overdue_on: matches!(self.overdue.as_deref(), Some("true" | "1" | "on")).then(today),
            ..TaskFilter::default()
        })
    }
}

/// Reads the tasks `filter` names and keeps those the viewer may see.
pub(crate) async fn visible_tasks(
    state: &AppState,
    viewer: &Viewer,
    filter: &TaskFilter,
) -> Result<Vec<Task>, AppError> {
    if viewer.user.is_none() {
        return Err(AppError::SignInRequired);
    }
    let mut rights = TaskRights::of(state, viewer).await?;
    let mut out = Vec::new();
    for t in state.store.tasks(filter).await? {
        if rights.may_read(state, viewer, &t).await? {
            out.push(t);
        }
    }
    Ok(out)
}

/// Support tasks the caller may see, soonest due first.
#[utoipa::path(get, path = "/api/v1/tasks", params(TaskQuery),
    responses((status = 200, description = "The tasks", body = [TaskInfo]),
        (status = 401, description = "Not signed in", body = crate::api::ErrorBody)),
    tag = "tasks")]
pub(crate) async fn list_tasks(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<TaskQuery>,
) -> Result<Json<Vec<TaskInfo>>, ApiError> {
    let tasks = visible_tasks(&state, &viewer, &q.filter()?).await?;
    let day = today();
    Ok(Json(
        tasks.into_iter().map(|t| TaskInfo::new(t, day)).collect(),
    ))
}

/// Creates a support task; the assignee is told. Needs the steering committee over every unit
/// it serves.
#[utoipa::path(post, path = "/api/v1/tasks", request_body = TaskInput,
    responses((status = 201, description = "Created", body = TaskInfo),
        (status = 400, description = "Missing title, units, assignee or a bad date", body = crate::api::ErrorBody),
        (status = 403, description = "Not allowed", body = crate::api::ErrorBody)),
    tag = "tasks")]
pub(crate) async fn create_task(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Json(input): Json<TaskInput>,
) -> Result<(StatusCode, Json<TaskInfo>), ApiError> {
    if viewer.user.is_none() {
        return Err(AppError::SignInRequired.into());
    }
    viewer.check_csrf(&headers, None)?;
    let task = create(&state, &viewer, input).await?;
    Ok((StatusCode::CREATED, Json(TaskInfo::new(task, today()))))
}

/// One task with its progress notes.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", params(("id" = i64, Path, description = "The task")),
    responses((status = 200, description = "The task", body = TaskInfo),
        (status = 404, description = "No such task, or not visible", body = crate::api::ErrorBody)),
    tag = "tasks")]
pub(crate) async fn show_task(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Json<TaskInfo>, ApiError> {
    if viewer.user.is_none() {
        return Err(AppError::SignInRequired.into());
    }
    let task = state.store.task(id).await?;
    let mut rights = TaskRights::of(&state, &viewer).await?;
    if !rights.may_read(&state, &viewer, &task).await? {
        return Err(task_not_found(id).into());
    }
    Ok(Json(TaskInfo::new(task, today())))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct TaskUpdate {
    /// The version read; a task changed since gets 409.
    pub version: i64,
    /// The status after this update.
    pub status: String,
    #[serde(default)]
    pub note: String,
}

/// Records progress: the new status and a note. Members update only their organisation's
/// tasks; the steering committee any task serving its units.
#[utoipa::path(post, path = "/api/v1/tasks/{id}", request_body = TaskUpdate,
    params(("id" = i64, Path, description = "The task")),
    responses((status = 200, description = "Updated", body = TaskInfo),
        (status = 403, description = "Not allowed", body = crate::api::ErrorBody),
        (status = 409, description = "Someone else updated it first", body = crate::api::ErrorBody)),
    tag = "tasks")]
pub(crate) async fn update_task(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<TaskUpdate>,
) -> Result<Json<TaskInfo>, ApiError> {
    if viewer.user.is_none() {
        return Err(AppError::SignInRequired.into());
    }
    viewer.check_csrf(&headers, None)?;
    let task = update(&state, &viewer, id, &input).await?;
    Ok(Json(TaskInfo::new(task, today())))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct NoticeInfo {
    id: i64,
    at: String,
    /// e.g. `submission.returned`, `task.assigned`, `task.overdue`.
    kind: String,
    /// In the caller's language.
    title: String,
    body: String,
    link: String,
    read: bool,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct NoticesRead {
    /// How many were marked read.
    marked: u64,
    unread: i64,
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct LangQuery {
    lang: Option<String>,
}

/// The caller's notices, newest first (the latest 100).
#[utoipa::path(get, path = "/api/v1/notifications", params(LangQuery),
    responses((status = 200, description = "The notices", body = [NoticeInfo]),
        (status = 401, description = "Not signed in", body = crate::api::ErrorBody)),
    tag = "notifications")]
pub(crate) async fn list_notifications(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<LangQuery>,
) -> Result<Json<Vec<NoticeInfo>>, ApiError> {
    let Some(user) = &viewer.user else {
        return Err(AppError::SignInRequired.into());
    };
    let lang = viewer.lang(q.lang.as_deref());
    let notices = state.store.notifications(user.id, 100).await?;
    Ok(Json(
        notices
            .into_iter()
            .map(|n| NoticeInfo {
                title: n.title_in(lang).to_string(),
                body: n.body_in(lang).to_string(),
                id: n.id,
                at: n.at,
                kind: n.kind,
                link: n.link,
                read: n.read,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct ReadInput {
    /// The notices to mark read; none: all of them.
    #[serde(default)]
    ids: Vec<i64>,
}

/// Marks the caller's notices read (the ones named, or all).
#[utoipa::path(post, path = "/api/v1/notifications/read", request_body = ReadInput,
    responses((status = 200, description = "Marked", body = NoticesRead),
        (status = 401, description = "Not signed in", body = crate::api::ErrorBody)),
    tag = "notifications")]
pub(crate) async fn read_notifications(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Json(input): Json<ReadInput>,
) -> Result<Json<NoticesRead>, ApiError> {
    let Some(user) = &viewer.user else {
        return Err(AppError::SignInRequired.into());
    };
    viewer.check_csrf(&headers, None)?;
    let marked = state
        .store
        .mark_notifications_read(user.id, &input.ids)
        .await?;
    Ok(Json(NoticesRead {
        marked,
        unread: state.store.unread_notifications(user.id).await?,
    }))
}
