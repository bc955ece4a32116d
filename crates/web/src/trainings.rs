//! Trainings over HTTP: a unit's trainings and the form to record one
//! (`/units/{code}/trainings`), a training with its attendees and the figures it wrote
//! (`/trainings/{id}`), and the same under `/api/v1/trainings`.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use tiendo_domain::access::Action;
use tiendo_domain::{Lang, Measure};
use tiendo_storage::{
    NewTraining, NewTrainingAttendee, Training, default_training_indicator,
    training_indicator_choices,
};
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::error::ApiError;
use crate::input::{nfc, parse_day};
use crate::pages::PageError;
use crate::query::ViewParams;
use crate::{AppError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/units/{code}/trainings",
            get(trainings_page).post(record_page),
        )
        .route("/trainings/{id}", get(training_page))
        .route("/api/v1/trainings", post(record_api))
        .route("/api/v1/trainings/{id}", get(show_api))
}

fn lang_q(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "?lang=en",
        Lang::Vi => "",
    }
}

/// Recording a training takes the right on every unit trained.
async fn record(
    state: &AppState,
    viewer: &Viewer,
    framework_code: Option<&str>,
    new: &NewTraining,
) -> Result<i64, AppError> {
    let units: BTreeSet<&str> = new.attendees.iter().map(|a| a.unit_code.as_str()).collect();
    if units.is_empty() {
        return Err(AppError::bad_request(
            "hãy ghi ít nhất một người được tập huấn",
            "list at least one official trained",
        ));
    }
    for code in &units {
        state
            .authorize(viewer, Action::RecordTraining, code)
            .await?;
    }
    let framework = state
        .store
        .framework_ref(framework_code, Some(new.held_on))
        .await?;
    Ok(state
        .store
        .record_training(&framework, new, &viewer.actor())
        .await?)
}

/// Attendees written one per line, `mã đơn vị; họ tên; chức vụ`; a line without a unit code
/// (`họ tên; chức vụ`) is an official of `default_unit`.
fn attendee_lines(text: &str, default_unit: &str) -> Vec<NewTrainingAttendee> {
    text.lines()
        .filter_map(|line| {
            let parts: Vec<String> = line.split(';').map(nfc).collect();
            let (unit, rest) = match parts.first() {
                Some(first) if !first.is_empty() && first.chars().all(|c| c.is_ascii_digit()) => {
                    (first.clone(), &parts[1..])
                }
                _ => (default_unit.to_string(), &parts[..]),
            };
            let name = rest.first().cloned().unwrap_or_default();
            if name.is_empty() {
                return None;
            }
            Some(NewTrainingAttendee {
                unit_code: unit,
                name,
                position: rest.get(1).cloned().unwrap_or_default(),
            })
        })
        .collect()
}

// ---------------------------------------------------------------- pages

struct TrainingRow {
    id: i64,
    held_on: String,
    topic: String,
    organiser: String,
    indicator: String,
    attendees: i64,
}

struct Choice {
    code: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "trainings.html")]
struct TrainingsPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    unit_code: String,
    unit_name: String,
    trainings: Vec<TrainingRow>,
    may_record: bool,
    indicators: Vec<Choice>,
    organisations: Vec<(i64, String)>,
    /// The units whose number of officials the form asks for: code and name.
    units: Vec<(String, String)>,
    conclusion: String,
    today: String,
    lang_q: &'static str,
}

#[derive(Deserialize, Default)]
struct TrainingsQuery {
    lang: Option<String>,
    framework: Option<String>,
    as_of: Option<String>,
    /// The conclusion the training carries out, when the form is opened from a meeting.
    conclusion: Option<String>,
}

async fn trainings_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<TrainingsQuery>,
) -> Result<Response, PageError> {
    let params = ViewParams {
        as_of: q.as_of.clone(),
        framework: q.framework.clone(),
        lang: q.lang.clone(),
    };
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    let access = state.access(&viewer, &code).await.map_err(fail)?;
    access.check(Action::ReadData).map_err(fail)?;
    let day = params.as_of(&state).await.map_err(fail)?;
    let store_fail = |e: tiendo_storage::StorageError| PageError(e.into(), lang);
    let framework = state
        .store
        .framework_ref(params.framework.as_deref(), Some(day))
        .await
        .map_err(store_fail)?;
    let rules = state
        .store
        .framework(&framework)
        .await
        .map_err(store_fail)?;
    let trainings = state
        .store
        .trainings_for(&code)
        .await
        .map_err(store_fail)?
        .into_iter()
        .map(|t| TrainingRow {
            id: t.id,
            held_on: t.held_on.dmy(),
            topic: t.topic,
            organiser: t.organiser,
            indicator: t.indicator_code.unwrap_or_default(),
            attendees: t.attendees,
        })
        .collect();
    let may_record = access.allows(Action::RecordTraining);
    let default = default_training_indicator(&rules).map(|i| i.code.clone());
    let indicators = training_indicator_choices(&rules)
        .into_iter()
        .map(|i| Choice {
            selected: Some(&i.code) == default.as_ref(),
            label: format!(
                "{} {} ({})",
                i.code,
                lang.pick(&i.name, &i.name_en),
                match i.measure {
                    Measure::Ratio => lang.pick("tỷ lệ", "ratio"),
                    Measure::Percent => lang.pick("phần trăm", "percent"),
                    _ => lang.pick("số lượng", "count"),
                }
            ),
            code: i.code.clone(),
        })
        .collect();
    let (organisations, units) = if may_record {
        let children = state.store.children(&code, day).await.map_err(store_fail)?;
        let units: Vec<(String, String)> = if children.is_empty() {
            vec![(access.unit.code.clone(), access.unit.name.clone())]
        } else {
            children.into_iter().map(|u| (u.code, u.name)).collect()
        };
        (
            state
                .store
                .organisations_over(&code)
                .await
                .map_err(store_fail)?,
            units,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let page = TrainingsPage {
        lang,
        signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        unit_name: access.unit.name.clone(),
        unit_code: code,
        trainings,
        may_record,
        indicators,
        organisations,
        units,
        conclusion: q
            .conclusion
            .filter(|c| c.trim().parse::<i64>().is_ok())
            .unwrap_or_default(),
        today: day.to_string(),
        lang_q: lang_q(lang),
    };
    crate::pages::render(StatusCode::OK, &page, lang, crate::pages::UNCACHED)
}

fn optional_id(text: &str, what_vi: &str, what_en: &str) -> Result<Option<i64>, AppError> {
    match text.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| {
            AppError::bad_request(
                format!("{what_vi} «{t}» không hợp lệ"),
                format!("{what_en} «{t}» is not valid"),
            )
        }),
    }
}

async fn record_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(params): Query<ViewParams>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    let fields: HashMap<String, String> = fields.into_iter().collect();
    // The right on every unit trained is checked once the attendees are read.
    if viewer.user.is_none() {
        return Err(fail(AppError::SignInRequired));
    }
    viewer
        .check_csrf(&headers, fields.get("csrf").map(String::as_str))
        .map_err(fail)?;
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let officials = fields
        .iter()
        .filter_map(|(k, v)| {
            let unit = k.strip_prefix("officials_")?;
            let n: i64 = v.trim().parse().ok()?;
            Some((unit.to_string(), n))
        })
        .collect();
    let new = NewTraining {
        organiser_organisation_id: optional_id(
            &get("organisation"),
            "Đơn vị tổ chức",
            "The organiser",
        )
        .map_err(fail)?,
        organiser: nfc(&get("organiser")),
        held_on: parse_day(&get("held_on"), "Ngày tập huấn", "The training day").map_err(fail)?,
        topic: nfc(&get("topic")),
        place: nfc(&get("place")),
        indicator_code: Some(get("indicator").trim().to_string()).filter(|c| !c.is_empty()),
        conclusion_id: optional_id(&get("conclusion"), "Kết luận", "The conclusion")
            .map_err(fail)?,
        attendees: attendee_lines(&get("attendees"), &code),
        officials,
    };
    let id = record(&state, &viewer, params.framework.as_deref(), &new)
        .await
        .map_err(fail)?;
    Ok(Redirect::to(&format!("/trainings/{id}{}", lang_q(lang))).into_response())
}

struct AttendeeRow {
    unit: String,
    name: String,
    position: String,
}

struct FigureRow {
    unit_code: String,
    unit: String,
    indicator: String,
    figure: String,
}

#[derive(Template)]
#[template(path = "training.html")]
struct TrainingPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    id: i64,
    topic: String,
    held_on: String,
    organiser: String,
    place: String,
    indicator: String,
    meeting: Option<i64>,
    attendees: Vec<AttendeeRow>,
    figures: Vec<FigureRow>,
    lang_q: &'static str,
}

/// Reading a training takes the right to read on every unit it trained.
async fn readable(state: &AppState, viewer: &Viewer, id: i64) -> Result<Training, AppError> {
    let training = state.store.training(id).await?;
    let units: BTreeSet<&str> = training
        .attendees
        .iter()
        .map(|a| a.unit_code.as_str())
        .collect();
    for code in units {
        state.authorize(viewer, Action::ReadData, code).await?;
    }
    Ok(training)
}

async fn training_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(params): Query<ViewParams>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    let training = readable(&state, &viewer, id).await.map_err(fail)?;
    let framework = state
        .store
        .frameworks()
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .find(|f| f.id == training.framework_id);
    let rules = match &framework {
        Some(f) => Some(state.store.framework(f).await.map_err(|e| fail(e.into()))?),
        None => None,
    };
    let indicator = training
        .indicator_code
        .as_deref()
        .and_then(|c| rules.as_ref().and_then(|r| r.indicator(c)).cloned());
    let page = TrainingPage {
        lang,
        signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        id,
        held_on: training.held_on.dmy(),
        organiser: training.organiser.clone(),
        place: training.place.clone(),
        indicator: indicator
            .as_ref()
            .map(|i| format!("{} {}", i.code, lang.pick(&i.name, &i.name_en)))
            .unwrap_or_default(),
        meeting: training.meeting_id,
        attendees: training
            .attendees
            .iter()
            .map(|a| AttendeeRow {
                unit: a.unit_name.clone(),
                name: a.name.clone(),
                position: a.position.clone(),
            })
            .collect(),
        figures: training
            .figures
            .iter()
            .map(|f| FigureRow {
                unit_code: f.unit_code.clone(),
                unit: f.unit_name.clone(),
                indicator: f.indicator_code.clone(),
                figure: match &indicator {
                    Some(i) => {
                        f.observation
                            .figure
                            .describe(i.measure, i.count_unit_in(lang), lang)
                    }
                    None => String::new(),
                },
            })
            .collect(),
        topic: training.topic,
        lang_q: lang_q(lang),
    };
    crate::pages::render(StatusCode::OK, &page, lang, crate::pages::UNCACHED)
}

// ---------------------------------------------------------------- API

#[derive(Deserialize, Serialize, ToSchema)]
pub(crate) struct AttendeeInput {
    /// GSO code of the official's unit.
    unit: String,
    name: String,
    #[serde(default)]
    position: String,
}

/// A training to record.
#[derive(Deserialize, ToSchema)]
pub(crate) struct TrainingInput {
    /// The organiser as written.
    organiser: String,
    /// The organising organisation, when it is one of those recorded.
    organisation_id: Option<i64>,
    /// `YYYY-MM-DD`.
    held_on: String,
    topic: String,
    #[serde(default)]
    place: String,
    /// The indicator it feeds; the framework's officials-trained indicator when absent.
    indicator: Option<String>,
    /// The meeting conclusion it carries out.
    conclusion_id: Option<i64>,
    attendees: Vec<AttendeeInput>,
    /// Each unit's number of officials (by GSO code), needed for a ratio or percent when the
    /// unit has no figure with a denominator yet.
    #[serde(default)]
    officials: HashMap<String, i64>,
    /// A framework code; the one in force on the training day when absent.
    framework: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct TrainingFigureInfo {
    unit: String,
    indicator: String,
    observation_id: i64,
    observed_on: String,
    numerator: Option<i64>,
    denominator: Option<i64>,
    /// A count or a percentage, as text.
    amount: Option<String>,
}

/// A recorded training.
#[derive(Serialize, ToSchema)]
pub(crate) struct TrainingInfo {
    id: i64,
    organiser: String,
    organisation_id: Option<i64>,
    held_on: String,
    topic: String,
    place: String,
    indicator: Option<String>,
    conclusion_id: Option<i64>,
    attendees: Vec<AttendeeInput>,
    /// The figures it wrote, one per unit trained.
    figures: Vec<TrainingFigureInfo>,
}

impl From<Training> for TrainingInfo {
    fn from(t: Training) -> Self {
        TrainingInfo {
            id: t.id,
            organiser: t.organiser,
            organisation_id: t.organiser_organisation_id,
            held_on: t.held_on.to_string(),
            topic: t.topic,
            place: t.place,
            indicator: t.indicator_code,
            conclusion_id: t.conclusion_id,
            attendees: t
                .attendees
                .into_iter()
                .map(|a| AttendeeInput {
                    unit: a.unit_code,
                    name: a.name,
                    position: a.position,
                })
                .collect(),
            figures: t
                .figures
                .into_iter()
                .map(|f| {
                    let (numerator, denominator, amount) = match f.observation.figure {
                        tiendo_domain::Figure::Ratio {
                            numerator,
                            denominator,
                        } => (Some(numerator), Some(denominator), None),
                        tiendo_domain::Figure::Amount(v) => (None, None, Some(v.to_string())),
                        tiendo_domain::Figure::YesNo(_) => (None, None, None),
                    };
                    TrainingFigureInfo {
                        unit: f.unit_code,
                        indicator: f.indicator_code,
                        observation_id: f.observation_id,
                        observed_on: f.observation.observed_on.to_string(),
                        numerator,
                        denominator,
                        amount,
                    }
                })
                .collect(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/trainings", request_body = TrainingInput,
    responses((status = 201, description = "Recorded, with a figure written for every unit trained", body = TrainingInfo),
        (status = 400, description = "A field is missing, or a unit has no number of officials", body = crate::api::ErrorBody),
        (status = 403, description = "Not allowed to record trainings for a unit trained", body = crate::api::ErrorBody),
        (status = 409, description = "A unit's period is submitted", body = crate::api::ErrorBody)),
    tag = "trainings")]
pub(crate) async fn record_api(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Json(input): Json<TrainingInput>,
) -> Result<(StatusCode, Json<TrainingInfo>), ApiError> {
    if viewer.user.is_none() {
        return Err(AppError::SignInRequired.into());
    }
    viewer.check_csrf(&headers, None)?;
    let new = NewTraining {
        organiser_organisation_id: input.organisation_id,
        organiser: nfc(&input.organiser),
        held_on: parse_day(&input.held_on, "Ngày tập huấn", "The training day")?,
        topic: nfc(&input.topic),
        place: nfc(&input.place),
        indicator_code: input.indicator.map(|c| c.trim().to_string()),
        conclusion_id: input.conclusion_id,
        attendees: input
            .attendees
            .into_iter()
            .map(|a| NewTrainingAttendee {
                unit_code: a.unit.trim().to_string(),
                name: nfc(&a.name),
                position: nfc(&a.position),
            })
            .collect(),
        officials: input.officials,
    };
    let id = record(&state, &viewer, input.framework.as_deref(), &new).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.training(id).await?.into()),
    ))
}

#[utoipa::path(get, path = "/api/v1/trainings/{id}",
    params(("id" = i64, Path, description = "The training")),
    responses((status = 200, description = "The training", body = TrainingInfo),
        (status = 404, description = "No such training", body = crate::api::ErrorBody)),
    tag = "trainings")]
pub(crate) async fn show_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Json<TrainingInfo>, ApiError> {
    Ok(Json(readable(&state, &viewer, id).await?.into()))
}
