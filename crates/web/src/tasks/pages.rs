//! The task pages: the list with its filters, "my tasks", a new task (prefilled from a unit,
//! an indicator or a meeting conclusion), one task with its notes and update form, and the
//! block on a ward's page: each indicator's tasks, and a one-click proposal where none is open.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tiendo_domain::access::{Action, Role};
use tiendo_domain::tasks::{ProposedAssignee, Supporter, TaskStatus, propose};
use tiendo_domain::{Date, Lang};
use tiendo_storage::{IndicatorRow, Organisation, Task, TaskFilter};

use super::TaskRights;
use super::api::{TaskInput, TaskQuery, TaskUpdate, create, update, visible_tasks};
use crate::auth::Viewer;
use crate::pages::{PageError, UNCACHED};
use crate::{AppError, AppState, today};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(list_page).post(create_submit))
        .route("/tasks/new", get(new_page))
        .route("/tasks/{id}", get(task_page).post(update_submit))
        .route("/my/tasks", get(my_tasks))
        .route(
            "/units/{code}/indicators/{indicator}/propose-task",
            post(propose_submit),
        )
}

fn redirect(path: &str, lang: Lang) -> Response {
    match lang {
        Lang::En => Redirect::to(&format!("{path}?lang=en")).into_response(),
        Lang::Vi => Redirect::to(path).into_response(),
    }
}

fn checked(
    viewer: &Viewer,
    headers: &HeaderMap,
    fields: Vec<(String, String)>,
) -> Result<HashMap<String, Vec<String>>, AppError> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in fields {
        map.entry(k).or_default().push(v);
    }
    let token = map.get("csrf").and_then(|v| v.first()).map(String::as_str);
    viewer.check_csrf(headers, token)?;
    Ok(map)
}

fn one(fields: &HashMap<String, Vec<String>>, key: &str) -> String {
    fields
        .get(key)
        .and_then(|v| v.first())
        .cloned()
        .unwrap_or_default()
}

/// A task as a list row shows it.
pub(crate) struct TaskRow {
    pub id: i64,
    pub href: String,
    pub title: String,
    pub assignee: String,
    pub due: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub overdue: bool,
    pub units: String,
    pub indicators: String,
}

impl TaskRow {
    pub(crate) fn new(t: &Task, lang: Lang, today: Date) -> TaskRow {
        TaskRow {
            id: t.id,
            href: with_lang(&format!("/tasks/{}", t.id), lang),
            title: t.title.clone(),
            assignee: t.assignee_name(lang),
            due: t.due_on.dmy(),
            status: t.status.code(),
            status_label: t.status.label(lang),
            overdue: t.overdue(today),
            units: t
                .units
                .iter()
                .map(|u| u.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            indicators: t.indicators.join(", "),
        }
    }
}

fn with_lang(path: &str, lang: Lang) -> String {
    match lang {
        Lang::En if path.contains('?') => format!("{path}&lang=en"),
        Lang::En => format!("{path}?lang=en"),
        Lang::Vi => path.to_string(),
    }
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct ListPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    heading: String,
    mine: bool,
    rows: Vec<TaskRow>,
    status: String,
    organisation: String,
    unit: String,
    overdue: bool,
    organisations: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(flatten)]
    filter: TaskQuery,
    lang: Option<String>,
}

fn signed_in(viewer: &Viewer) -> Option<String> {
    viewer.user.as_ref().map(|u| u.username.clone())
}

async fn list_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    let filter = q.filter.filter().map_err(|e| PageError(e, lang))?;
    list(&state, &viewer, lang, filter, &q.filter, false)
        .await
        .map_err(|e| PageError(e, lang))
}

async fn list(
    state: &AppState,
    viewer: &Viewer,
    lang: Lang,
    filter: TaskFilter,
    q: &TaskQuery,
    mine: bool,
) -> Result<Response, AppError> {
    let tasks = visible_tasks(state, viewer, &filter).await?;
    let day = today();
    let organisations = state
        .store
        .organisations_serving(None)
        .await?
        .into_iter()
        .map(|o| (o.code.clone(), o.name_in(lang).to_string()))
        .collect();
    let page = ListPage {
        lang,
        signed_in: signed_in(viewer),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        heading: if mine {
            lang.pick("Nhiệm vụ của tôi", "My tasks").into()
        } else {
            lang.pick("Nhiệm vụ hỗ trợ", "Support tasks").into()
        },
        mine,
        rows: tasks.iter().map(|t| TaskRow::new(t, lang, day)).collect(),
        status: q.status.clone().unwrap_or_default(),
        organisation: q.organisation.clone().unwrap_or_default(),
        unit: q.unit.clone().unwrap_or_default(),
        overdue: filter.overdue_on.is_some(),
        organisations,
        statuses: TaskStatus::ALL
            .iter()
            .map(|s| (s.code(), s.label(lang)))
            .collect(),
    };
    crate::pages::render(StatusCode::OK, &page, lang, UNCACHED).map_err(|e| e.0)
}

/// The tasks of the viewer's organisations, and those assigned to the unit an officer enters
/// figures for.
async fn my_tasks(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    let run = async {
        let Some(user) = &viewer.user else {
            return Err(AppError::SignInRequired);
        };
        let mut filter = q.filter.filter()?;
        let orgs = state.store.member_organisations(user.id).await?;
        let units = user
            .grants
            .iter()
            .filter(|g| g.role == Role::Officer)
            .filter_map(|g| g.unit_code.clone())
            .collect();
        filter.mine = Some((orgs, units));
        list(&state, &viewer, lang, filter, &q.filter, true).await
    };
    run.await.map_err(|e| PageError(e, lang))
}

#[derive(Template)]
#[template(path = "task_new.html")]
struct NewPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    title: String,
    description: String,
    units: String,
    indicators: String,
    organisation: String,
    assignee_unit: String,
    due_on: String,
    created_on: String,
    conclusion: String,
    organisations: Vec<(String, String)>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct NewQuery {
    unit: Option<String>,
    indicator: Option<String>,
    conclusion: Option<String>,
    as_of: Option<String>,
    lang: Option<String>,
}

async fn new_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    let run = async {
        if viewer.user.is_none() {
            return Err(AppError::SignInRequired);
        }
        let unit = q.unit.clone().unwrap_or_default();
        if !unit.is_empty() {
            state.authorize(&viewer, Action::Coordinate, &unit).await?;
        }
        let as_of = match q.as_of.as_deref().and_then(|d| d.parse::<Date>().ok()) {
            Some(d) => d,
            None => state.default_as_of().await?,
        };
        let organisations = state
            .store
            .organisations_serving((!unit.is_empty()).then_some(unit.as_str()))
            .await?;
        let mut title = String::new();
        let mut organisation = String::new();
        let mut due_on = as_of.add_days(tiendo_domain::tasks::DEFAULT_TASK_DAYS);
        if let (false, Some(ind)) = (unit.is_empty(), q.indicator.as_deref()) {
            // Prefilled like the one-click proposal, whatever the indicator's status.
            let u = state.store.unit(&unit).await?;
            let fw = state.store.framework_ref(None, Some(as_of)).await?;
            let rules = state.store.framework(&fw).await?;
            if let Some(i) = rules.indicators.iter().find(|i| i.code == ind) {
                let p = propose(
                    &u.name,
                    i,
                    tiendo_domain::Status::NotAchieved,
                    false,
                    &supporters(&organisations),
                    as_of,
                );
                if let Some(p) = p {
                    title = p.title;
                    due_on = p.due_on;
                    if let ProposedAssignee::Organisation(id) = p.assignee {
                        organisation = organisations
                            .iter()
                            .find(|o| o.id == id)
                            .map(|o| o.code.clone())
                            .unwrap_or_default();
                    }
                }
            }
        }
        let page = NewPage {
            lang,
            signed_in: signed_in(&viewer),
            csrf: viewer.csrf.clone().unwrap_or_default(),
            title,
            description: String::new(),
            assignee_unit: if organisation.is_empty() {
                unit.clone()
            } else {
                String::new()
            },
            units: unit,
            indicators: q.indicator.clone().unwrap_or_default(),
            organisation,
            due_on: due_on.to_string(),
            created_on: as_of.to_string(),
            conclusion: q.conclusion.clone().unwrap_or_default(),
            organisations: organisations
                .iter()
                .map(|o| (o.code.clone(), o.name_in(lang).to_string()))
                .collect(),
            error: None,
        };
        crate::pages::render(StatusCode::OK, &page, lang, UNCACHED).map_err(|e| e.0)
    };
    run.await.map_err(|e| PageError(e, lang))
}

fn split_codes(text: &str) -> Vec<String> {
    text.split([',', ' ', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

async fn create_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(None);
    let run = async {
        if viewer.user.is_none() {
            return Err(AppError::SignInRequired);
        }
        let f = checked(&viewer, &headers, fields)?;
        let input = TaskInput {
            framework: None,
            title: one(&f, "title"),
            description: one(&f, "description"),
            units: split_codes(&one(&f, "units")),
            indicators: split_codes(&one(&f, "indicators")),
            organisation: Some(one(&f, "organisation")),
            assignee_unit: Some(one(&f, "assignee_unit")),
            due_on: one(&f, "due_on"),
            conclusion_id: one(&f, "conclusion").trim().parse().ok(),
            created_on: Some(one(&f, "created_on")),
        };
        let task = create(&state, &viewer, input).await?;
        Ok(redirect(&format!("/tasks/{}", task.id), lang))
    };
    run.await.map_err(|e| PageError(e, lang))
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    row: TaskRow,
    description: String,
    created_by: String,
    created_on: String,
    conclusion_id: Option<i64>,
    units: Vec<(String, String)>,
    indicators: Vec<(String, String)>,
    notes: Vec<(String, String, &'static str, String)>,
    can_update: bool,
    version: i64,
    status: &'static str,
    statuses: Vec<(&'static str, &'static str)>,
}

#[derive(Deserialize, Default)]
struct LangOnly {
    lang: Option<String>,
}

async fn task_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<LangOnly>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    let run = async {
        if viewer.user.is_none() {
            return Err(AppError::SignInRequired);
        }
        let task = state.store.task(id).await?;
        let mut rights = TaskRights::of(&state, &viewer).await?;
        if !rights.may_read(&state, &viewer, &task).await? {
            return Err(super::task_not_found(id));
        }
        let can_update = rights.may_update(&state, &viewer, &task).await?;
        let day = today();
        let page = TaskPage {
            lang,
            signed_in: signed_in(&viewer),
            csrf: viewer.csrf.clone().unwrap_or_default(),
            row: TaskRow::new(&task, lang, day),
            description: task.description.clone(),
            created_by: task.created_by.clone().unwrap_or_default(),
            created_on: task.created_on.dmy(),
            conclusion_id: task.conclusion_id,
            units: task
                .units
                .iter()
                .map(|u| {
                    (
                        with_lang(&format!("/units/{}", u.code), lang),
                        u.name.clone(),
                    )
                })
                .collect(),
            indicators: task
                .indicators
                .iter()
                .flat_map(|i| {
                    task.units.iter().map(move |u| {
                        (
                            with_lang(&format!("/units/{}/indicators/{i}", u.code), lang),
                            format!("{i} · {}", u.name),
                        )
                    })
                })
                .collect(),
            notes: task
                .notes
                .iter()
                .map(|n| {
                    (
                        n.at.replace('T', " ").trim_end_matches('Z').to_string(),
                        n.username.clone().unwrap_or_default(),
                        n.status.label(lang),
                        n.note.clone(),
                    )
                })
                .collect(),
            can_update,
            version: task.version,
            status: task.status.code(),
            statuses: TaskStatus::ALL
                .iter()
                .map(|s| (s.code(), s.label(lang)))
                .collect(),
        };
        crate::pages::render(StatusCode::OK, &page, lang, UNCACHED).map_err(|e| e.0)
    };
    run.await.map_err(|e| PageError(e, lang))
}

async fn update_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(None);
    let run = async {
        if viewer.user.is_none() {
            return Err(AppError::SignInRequired);
        }
        let f = checked(&viewer, &headers, fields)?;
        let input = TaskUpdate {
            version: one(&f, "version").trim().parse().unwrap_or(0),
            status: one(&f, "status"),
            note: one(&f, "note"),
        };
        update(&state, &viewer, id, &input).await?;
        Ok(redirect(&format!("/tasks/{id}"), lang))
    };
    run.await.map_err(|e| PageError(e, lang))
}

fn supporters(orgs: &[Organisation]) -> Vec<Supporter> {
    orgs.iter()
        .map(|o| Supporter {
            id: o.id,
            name: o.name.clone(),
            name_en: o.name_en.clone(),
            supports: o.supports.clone(),
        })
        .collect()
}

/// One indicator's line in the ward page's block.
pub(crate) struct IndicatorTasks {
    pub code: String,
    pub name: String,
    pub tasks: Vec<TaskRow>,
    /// The proposal's title and assignee, when one is offered (and the viewer may create it).
    pub proposal: Option<(String, String, String)>,
}

/// The ward page's block: each indicator with tasks, or with a proposal.
pub(crate) struct UnitTasks {
    pub csrf: String,
    pub as_of: String,
    pub unit_code: String,
    pub can_coordinate: bool,
    pub indicators: Vec<IndicatorTasks>,
    pub new_href: String,
}

/// What the ward page shows of tasks, read in one batch for the unit: its tasks (three
/// statements), the organisations serving it (two), and the proposals computed in memory.
pub(crate) async fn unit_tasks(
    state: &AppState,
    viewer: &Viewer,
    unit: &tiendo_domain::Unit,
    can_coordinate: bool,
    rows: &[IndicatorRow],
    as_of: Date,
    lang: Lang,
) -> Result<UnitTasks, AppError> {
    let tasks = state
        .store
        .tasks(&TaskFilter {
            unit: Some(unit.code.clone()),
            ..TaskFilter::default()
        })
        .await?;
    let organisations = if can_coordinate {
        state.store.organisations_serving(Some(&unit.code)).await?
    } else {
        Vec::new()
    };
    let supporters = supporters(&organisations);
    let day = today();
    let mut indicators = Vec::new();
    for r in rows {
        let code = &r.indicator.code;
        let serving: Vec<&Task> = tasks
            .iter()
            .filter(|t| t.indicators.iter().any(|i| i == code))
            .collect();
        let has_open = serving.iter().any(|t| t.status.is_active());
        let proposal = if can_coordinate {
            propose(
                &unit.name,
                &r.indicator,
                r.status,
                has_open,
                &supporters,
                as_of,
            )
            .map(|p| {
                let assignee = match p.assignee {
                    ProposedAssignee::Organisation(id) => organisations
                        .iter()
                        .find(|o| o.id == id)
                        .map(|o| o.name_in(lang).to_string())
                        .unwrap_or_default(),
                    ProposedAssignee::Unit => unit.name.clone(),
                };
                (
                    lang.pick(&p.title, &p.title_en).to_string(),
                    assignee,
                    p.due_on.dmy(),
                )
            })
        } else {
            None
        };
        if serving.is_empty() && proposal.is_none() {
            continue;
        }
        indicators.push(IndicatorTasks {
            code: code.clone(),
            name: lang
                .pick(&r.indicator.name, &r.indicator.name_en)
                .to_string(),
            tasks: serving.iter().map(|t| TaskRow::new(t, lang, day)).collect(),
            proposal,
        });
    }
    Ok(UnitTasks {
        csrf: viewer.csrf.clone().unwrap_or_default(),
        as_of: as_of.to_string(),
        unit_code: unit.code.clone(),
        can_coordinate,
        indicators,
        new_href: with_lang(&format!("/tasks/new?unit={}", unit.code), lang),
    })
}

/// Creates the proposed task for one indicator of a ward in one click.
async fn propose_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((code, indicator)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(None);
    let run = async {
        let f = checked(&viewer, &headers, fields)?;
        let access = state.access(&viewer, &code).await?;
        access.check(Action::Coordinate)?;
        let as_of = match one(&f, "as_of").parse::<Date>() {
            Ok(d) => d,
            Err(_) => state.default_as_of().await?,
        };
        let fw = state.store.framework_ref(None, Some(as_of)).await?;
        let rows = state.store.unit_indicators(&code, &fw, as_of).await?;
        let Some(row) = rows.iter().find(|r| r.indicator.code == indicator) else {
            return Err(AppError::NotFound {
                vi: format!("đơn vị không có chỉ tiêu «{indicator}»"),
                en: format!("the unit has no indicator «{indicator}»"),
            });
        };
        let open = state
            .store
            .tasks(&TaskFilter {
                unit: Some(code.clone()),
                indicator: Some(indicator.clone()),
                ..TaskFilter::default()
            })
            .await?
            .iter()
            .any(|t| t.status.is_active());
        let orgs = state.store.organisations_serving(Some(&code)).await?;
        let Some(p) = propose(
            &access.unit.name,
            &row.indicator,
            row.status,
            open,
            &supporters(&orgs),
            as_of,
        ) else {
            return Err(AppError::Conflict {
                vi: format!(
                    "chỉ tiêu {indicator} đã đạt hoặc đã có nhiệm vụ đang mở; không cần đề xuất thêm"
                ),
                en: format!(
                    "indicator {indicator} is achieved or already has an open task; nothing to propose"
                ),
            });
        };
        let organisation = match p.assignee {
            ProposedAssignee::Organisation(id) => {
                orgs.iter().find(|o| o.id == id).map(|o| o.code.clone())
            }
            ProposedAssignee::Unit => None,
        };
        let input = TaskInput {
            framework: Some(fw.code.clone()),
            title: p.title,
            description: p.description,
            units: vec![code.clone()],
            indicators: vec![indicator.clone()],
            assignee_unit: organisation.is_none().then(|| code.clone()),
            organisation,
            due_on: p.due_on.to_string(),
            conclusion_id: None,
            created_on: Some(as_of.to_string()),
        };
        let task = create(&state, &viewer, input).await?;
        Ok(redirect(&format!("/tasks/{}", task.id), lang))
    };
    run.await.map_err(|e| PageError(e, lang))
}

/// One task on a ward's indicator page, with the figure known when it was created and the
/// latest one: did the indicator move since?
pub(crate) struct IndicatorTask {
    pub row: TaskRow,
    pub created_on: String,
    pub figure_then: String,
    pub figure_now: String,
}

/// The indicator page's block: the tasks serving this indicator of this ward.
pub(crate) struct IndicatorTaskBlock {
    pub tasks: Vec<IndicatorTask>,
    pub new_href: Option<String>,
}

/// Reads the tasks serving `indicator` of the ward `unit_code` (three statements) and sets
/// each beside the figures in `figures` (the ward's, any order) on its creation date and on
/// `as_of`.
pub(crate) async fn indicator_tasks(
    state: &AppState,
    unit_code: &str,
    indicator: &tiendo_domain::Indicator,
    figures: &[tiendo_domain::Observation],
    can_coordinate: bool,
    as_of: Date,
    lang: Lang,
) -> Result<IndicatorTaskBlock, AppError> {
    let tasks = state
        .store
        .tasks(&TaskFilter {
            unit: Some(unit_code.to_string()),
            indicator: Some(indicator.code.clone()),
            ..TaskFilter::default()
        })
        .await?;
    let on = |day: Date| {
        figures
            .iter()
            .filter(|o| o.observed_on <= day)
            .max_by_key(|o| o.observed_on)
            .map(|o| {
                format!(
                    "{} ({})",
                    o.figure
                        .describe(indicator.measure, indicator.count_unit_in(lang), lang),
                    o.observed_on.dmy()
                )
            })
            .unwrap_or_else(|| "—".to_string())
    };
    let day = today();
    Ok(IndicatorTaskBlock {
        tasks: tasks
            .iter()
            .map(|t| IndicatorTask {
                row: TaskRow::new(t, lang, day),
                created_on: t.created_on.dmy(),
                figure_then: on(t.created_on),
                figure_now: on(as_of),
            })
            .collect(),
        new_href: can_coordinate.then(|| {
            with_lang(
                &format!(
                    "/tasks/new?unit={unit_code}&indicator={}&as_of={as_of}",
                    indicator.code
                ),
                lang,
            )
        }),
    })
}
