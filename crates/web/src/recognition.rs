//! Recognition (công nhận) on the web: a unit's readiness and applications, the appraisal of an
//! application indicator by indicator with its decision or refusal, and a province's recognised
//! units per year against its quota; pages (plain forms) and JSON under `/api/v1`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use tiendo_domain::access::Action;
use tiendo_domain::scoring::IndicatorInput;
use tiendo_domain::{Date, Lang, Readiness};
use tiendo_storage::{Application, Appraisal, Decision, FrameworkRef, IndicatorRow, Recognition};
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::auth::Viewer;
use crate::error::ApiError;
use crate::input::{checked_form, nfc, parse_day};
use crate::pages::{PageError, UNCACHED, ViewContext, crumbs, render};
use crate::query::ViewParams;
use crate::{AppError, AppState, today};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{code}/recognition", get(unit_page))
        .route("/units/{code}/recognition/apply", post(apply_form))
        .route("/applications/{id}", get(application_page))
        .route("/applications/{id}/items/{indicator}", post(appraise_form))
        .route("/applications/{id}/decision", post(decide_form))
        .route("/applications/{id}/refusal", post(refuse_form))
        .route("/applications/{id}/withdrawal", post(withdraw_form))
        .route("/units/{code}/recognitions", get(province_page))
        .route("/units/{code}/recognitions/quota", post(quota_form))
        .route("/api/v1/units/{code}/readiness", get(readiness_api))
        .route(
            "/api/v1/units/{code}/applications",
            get(list_applications_api).post(apply_api),
        )
        .route("/api/v1/applications/{id}", get(application_api))
        .route(
            "/api/v1/applications/{id}/items/{indicator}",
            post(appraise_api),
        )
        .route("/api/v1/applications/{id}/decision", post(decide_api))
        .route("/api/v1/applications/{id}/refusal", post(refuse_api))
        .route("/api/v1/applications/{id}/withdrawal", post(withdraw_api))
        .route("/api/v1/units/{code}/recognitions", get(recognitions_api))
        .route(
            "/api/v1/units/{code}/quotas/{year}",
            axum::routing::put(quota_api),
        )
}

/// The recognition part of the API, merged into the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        readiness_api,
        apply_api,
        list_applications_api,
        application_api,
        appraise_api,
        decide_api,
        refuse_api,
        withdraw_api,
        recognitions_api,
        quota_api
    ),
    components(schemas(
        ReadinessInfo,
        ApplyInput,
        ApplicationInfo,
        ItemInfo,
        RecognitionInfo,
        AppraiseInput,
        DecideInput,
        RefuseInput,
        WithdrawInput,
        YearInfo,
        QuotaInput
    ))
)]
pub(crate) struct RecognitionApi;

fn parse_version(text: Option<&String>) -> Result<i64, AppError> {
    text.and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
        AppError::bad_request(
            "thiếu phiên bản của hồ sơ; hãy tải lại trang",
            "the application's version is missing; reload the page",
        )
    })
}

/// Redirects to `path`, keeping English when that is the language in use.
fn back_to(path: &str, lang: Lang) -> Response {
    match lang {
        Lang::En => Redirect::to(&format!("{path}?lang=en")).into_response(),
        Lang::Vi => Redirect::to(path).into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// What the unit page shows (one include block).

/// The recognition block of a unit page: the rule, readiness and any recognition.
pub(crate) struct RecognitionBlock {
    pub rule: String,
    pub ready: bool,
    pub sentence: String,
    pub blocking: Vec<String>,
    pub candidates: Vec<String>,
    /// "Đã được công nhận từ dd/mm/yyyy (QĐ số …)", once recognised.
    pub recognised: Option<String>,
    pub href: String,
}

pub(crate) fn recognised_text(r: &Recognition, lang: Lang) -> String {
    match lang {
        Lang::Vi => format!(
            "Đã được công nhận từ {} (QĐ số {})",
            r.recognised_from.dmy(),
            r.decision_number
        ),
        Lang::En => format!(
            "Recognised from {} (decision no. {})",
            r.recognised_from.dmy(),
            r.decision_number
        ),
    }
}

impl RecognitionBlock {
    pub(crate) fn new(
        view: &ViewContext,
        unit_code: &str,
        readiness: &Readiness,
        recognition: Option<&Recognition>,
    ) -> RecognitionBlock {
        let lang = view.lang;
        RecognitionBlock {
            rule: view.rules.recognition.describe(lang),
            ready: readiness.ready,
            sentence: readiness.sentence.get(lang).to_string(),
            blocking: readiness.blocking.clone(),
            candidates: readiness.candidates.clone(),
            recognised: recognition.map(|r| recognised_text(r, lang)),
            href: view.link(&format!("/units/{unit_code}/recognition"), &[]),
        }
    }
}

/// Readiness of the unit a page shows and of its direct sub-units, and the recognitions under
/// it: two queries, for the unit page and its overview of sub-units.
pub(crate) struct UnderView {
    readiness: HashMap<String, Readiness>,
    recognitions: HashMap<String, Recognition>,
}

impl UnderView {
    pub(crate) async fn read(
        state: &AppState,
        view: &ViewContext,
        code: &str,
    ) -> Result<UnderView, AppError> {
        Ok(UnderView {
            readiness: state
                .store
                // The page shows the unit and its direct sub-units, not the whole tree.
                .readiness_under(code, &view.framework, view.as_of, Some(1))
                .await?,
            // A view on a date shows only what had been decided by then.
            recognitions: state
                .store
                .recognitions_under(code, &view.framework)
                .await?
                .into_iter()
                .filter(|(_, r)| r.recognised_from <= view.as_of)
                .collect(),
        })
    }

    /// [`UnderView::read`] for a unit with no sub-units, from the indicator rows its page has
    /// read already (each status with the figure it rests on): only its recognition is read.
    pub(crate) async fn of_unit(
        state: &AppState,
        view: &ViewContext,
        unit: &tiendo_domain::Unit,
        rows: &[IndicatorRow],
    ) -> Result<UnderView, AppError> {
        let mut readiness = HashMap::new();
        // As `read`: a unit is assessed on a day it exists, when it has statuses.
        if !rows.is_empty() && unit.exists_on(view.as_of) {
            let inputs: HashMap<String, IndicatorInput> = rows
                .iter()
                .map(|r| {
                    let input = IndicatorInput {
                        status: r.status,
                        figure: r.latest.as_ref().map(|o| o.figure),
                    };
                    (r.indicator.code.clone(), input)
                })
                .collect();
            let ready = tiendo_domain::unit_readiness(&view.rules, unit.kind, &inputs);
            readiness.insert(unit.code.clone(), ready);
        }
        let recognitions = state
            .store
            .recognition(&unit.code, &view.framework)
            .await?
            .filter(|r| r.recognised_from <= view.as_of)
            .map(|r| (unit.code.clone(), r))
            .into_iter()
            .collect();
        Ok(UnderView {
            readiness,
            recognitions,
        })
    }

    /// Whether an assessed unit meets the rule; `None` for a unit that is not assessed (a
    /// district, whose readiness is that of its units).
    pub(crate) fn ready(&self, code: &str) -> Option<bool> {
        self.readiness.get(code).map(|r| r.ready)
    }

    /// "Recognised from …" for a recognised unit, in `lang`.
    pub(crate) fn recognised(&self, code: &str, lang: Lang) -> Option<String> {
        self.recognitions
            .get(code)
            .map(|r| recognised_text(r, lang))
    }

    /// The block of an assessed unit's page.
    pub(crate) fn block(&self, view: &ViewContext, code: &str) -> Option<RecognitionBlock> {
        let readiness = self.readiness.get(code)?;
        Some(RecognitionBlock::new(
            view,
            code,
            readiness,
            self.recognitions.get(code),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Pages.

struct ApplicationRow {
    href: String,
    applied_on: String,
    state: String,
    tally: String,
}

fn state_label(state: &str, lang: Lang) -> String {
    match state {
        "submitted" => lang.pick("Đang thẩm định", "In appraisal"),
        "recognised" => lang.pick("Đã công nhận", "Recognised"),
        "refused" => lang.pick("Không được chấp thuận", "Refused"),
        "withdrawn" => lang.pick("Đã rút", "Withdrawn"),
        other => other,
    }
    .to_string()
}

fn tally_text(a: &Application, lang: Lang) -> String {
    let (accepted, rejected, pending) = a.tally();
    match lang {
        Lang::Vi => {
            format!("{accepted} chấp nhận · {rejected} không chấp nhận · {pending} chờ xét")
        }
        Lang::En => format!("{accepted} accepted · {rejected} rejected · {pending} pending"),
    }
}

#[derive(Template)]
#[template(path = "recognition.html")]
struct UnitRecognitionPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    unit_name: String,
    unit_code: String,
    crumbs: Vec<crate::pages::Crumb>,
    framework_name: String,
    as_of: String,
    block: RecognitionBlock,
    can_read: bool,
    applications: Vec<ApplicationRow>,
    can_apply: bool,
    apply_action: String,
    today: String,
}

async fn unit_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(params): Query<ViewParams>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let page = async {
        let access = state.access(&viewer, &code).await?;
        access.check(Action::ReadSummary)?;
        let view = ViewContext::read(&state, &params, lang).await?;
        let store = &state.store;
        let readiness = store.readiness(&code, &view.framework, view.as_of).await?;
        let recognition = store.recognition(&code, &view.framework).await?;
        let can_read = access.allows(Action::ReadData);
        let applications = if can_read {
            store
                .applications(&code, &view.framework)
                .await?
                .iter()
                .map(|a| ApplicationRow {
                    href: view.link(&format!("/applications/{}", a.id), &[]),
                    applied_on: a.applied_on.dmy(),
                    state: state_label(&a.state, lang),
                    tally: tally_text(a, lang),
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok::<_, AppError>(UnitRecognitionPage {
            lang,
            signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
            csrf: viewer.csrf.clone().unwrap_or_default(),
            unit_name: access.unit.name.clone(),
            unit_code: code.clone(),
            crumbs: crumbs(&view, &access.ancestors),
            framework_name: view.framework_name(),
            as_of: view.as_of.dmy(),
            block: RecognitionBlock::new(
                &view,
                &code,
                &readiness,
                recognition
                    .as_ref()
                    .filter(|r| r.recognised_from <= view.as_of),
            ),
            can_read,
            applications,
            can_apply: access.allows(Action::Apply) && recognition.is_none(),
            apply_action: view.link(&format!("/units/{code}/recognition/apply"), &[]),
            today: today().to_string(),
        })
    }
    .await
    .map_err(|e| PageError(e, lang))?;
    render(StatusCode::OK, &page, lang, UNCACHED)
}

async fn apply_form(
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
        .authorize(&viewer, Action::Apply, &code)
        .await
        .map_err(fail)?;
    let fields = checked_form(&viewer, &headers, fields).map_err(fail)?;
    let view = ViewContext::read(&state, &params, lang)
        .await
        .map_err(fail)?;
    let applied_on = match fields.get("applied_on").map(|s| s.trim()) {
        None | Some("") => today(),
        Some(d) => parse_day(d, "Ngày nộp", "The date of application").map_err(fail)?,
    };
    let note = nfc(fields.get("note").map(String::as_str).unwrap_or(""));
    let app = state
        .store
        .apply(&view.framework, &code, applied_on, &note, &viewer.actor())
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(back_to(&format!("/applications/{}", app.id), lang))
}

struct ItemView {
    code: String,
    name: String,
    applied_status: &'static str,
    figure: String,
    decision: String,
    decision_label: String,
    reason: String,
    decided_by: String,
    action: String,
}

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    id: i64,
    unit_name: String,
    unit_href: String,
    applied_on: String,
    applied_by: String,
    note: String,
    state: String,
    state_label: String,
    version: i64,
    tally: String,
    items: Vec<ItemView>,
    can_appraise: bool,
    all_accepted: bool,
    any_rejected: bool,
    recognised: Option<String>,
    decision_action: String,
    refusal_action: String,
    /// The applicant's side may withdraw an application still in appraisal.
    can_withdraw: bool,
    withdrawal_action: String,
    today: String,
}

fn lang_query(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "?lang=en",
        Lang::Vi => "",
    }
}

async fn application_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(params): Query<ViewParams>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let page = async {
        let app = state.store.application(id).await?;
        let access = state.access(&viewer, &app.unit_code).await?;
        access.check(Action::ReadData)?;
        let can_appraise = access.allows(Action::Appraise) && app.state == "submitted";
        let can_withdraw = access.allows(Action::Apply) && app.state == "submitted";
        let (accepted, rejected, _) = app.tally();
        let q = lang_query(lang);
        Ok::<_, AppError>(ApplicationPage {
            lang,
            signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
            csrf: viewer.csrf.clone().unwrap_or_default(),
            id,
            unit_href: format!("/units/{}/recognition{q}", app.unit_code),
            unit_name: app.unit_name.clone(),
            applied_on: app.applied_on.dmy(),
            applied_by: app.applied_by.clone().unwrap_or_default(),
            note: app.note.clone(),
            state: app.state.clone(),
            state_label: state_label(&app.state, lang),
            version: app.version,
            tally: tally_text(&app, lang),
            items: app
                .items
                .iter()
                .map(|i| ItemView {
                    code: i.indicator_code.clone(),
                    name: lang
                        .pick(&i.indicator_name, &i.indicator_name_en)
                        .to_string(),
                    applied_status: i.applied_status.label(lang),
                    figure: i.applied_figure.clone(),
                    decision: i.decision.clone(),
                    decision_label: match i.decision.as_str() {
                        "accepted" => lang.pick("Chấp nhận", "Accepted"),
                        "rejected" => lang.pick("Không chấp nhận", "Rejected"),
                        _ => lang.pick("Chờ xét", "Pending"),
                    }
                    .to_string(),
                    reason: i.reason.clone(),
                    decided_by: i.decided_by.clone().unwrap_or_default(),
                    action: format!("/applications/{id}/items/{}{q}", i.indicator_code),
                })
                .collect(),
            can_appraise,
            all_accepted: accepted == app.items.len() && !app.items.is_empty(),
            any_rejected: rejected > 0,
            recognised: app.recognition.as_ref().map(|r| recognised_text(r, lang)),
            decision_action: format!("/applications/{id}/decision{q}"),
            refusal_action: format!("/applications/{id}/refusal{q}"),
            can_withdraw,
            withdrawal_action: format!("/applications/{id}/withdrawal{q}"),
            today: today().to_string(),
        })
    }
    .await
    .map_err(|e| PageError(e, lang))?;
    render(StatusCode::OK, &page, lang, UNCACHED)
}

/// Loads the application and checks that the viewer appraises its unit.
async fn appraiser_of(state: &AppState, viewer: &Viewer, id: i64) -> Result<Application, AppError> {
    let app = state.store.application(id).await?;
    state
        .authorize(viewer, Action::Appraise, &app.unit_code)
        .await?;
    Ok(app)
}

async fn appraise_form(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((id, indicator)): Path<(i64, String)>,
    Query(params): Query<ViewParams>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    appraiser_of(&state, &viewer, id).await.map_err(fail)?;
    let fields = checked_form(&viewer, &headers, fields).map_err(fail)?;
    let version = parse_version(fields.get("version")).map_err(fail)?;
    let appraisal = match fields.get("decision").map(String::as_str) {
        Some("accept") => Appraisal::Accept,
        _ => Appraisal::Reject(nfc(fields.get("reason").map(String::as_str).unwrap_or(""))),
    };
    state
        .store
        .appraise_item(id, &indicator, &appraisal, version, &viewer.actor())
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(back_to(&format!("/applications/{id}"), lang))
}

async fn decide_form(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(params): Query<ViewParams>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    appraiser_of(&state, &viewer, id).await.map_err(fail)?;
    let fields = checked_form(&viewer, &headers, fields).map_err(fail)?;
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let decision = Decision {
        number: nfc(get("number")),
        decided_on: parse_day(get("decided_on"), "Ngày quyết định", "The decision date")
            .map_err(fail)?,
        signer: nfc(get("signer")),
        recognised_from: parse_day(
            get("recognised_from"),
            "Ngày công nhận",
            "The recognition date",
        )
        .map_err(fail)?,
    };
    let version = parse_version(fields.get("version")).map_err(fail)?;
    state
        .store
        .decide_application(id, &decision, version, &viewer.actor())
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(back_to(&format!("/applications/{id}"), lang))
}

async fn refuse_form(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(params): Query<ViewParams>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    appraiser_of(&state, &viewer, id).await.map_err(fail)?;
    let fields = checked_form(&viewer, &headers, fields).map_err(fail)?;
    let version = parse_version(fields.get("version")).map_err(fail)?;
    state
        .store
        .refuse_application(
            id,
            &nfc(fields.get("reason").map(String::as_str).unwrap_or("")),
            version,
            &viewer.actor(),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(back_to(&format!("/applications/{id}"), lang))
}

/// Loads the application and checks that the viewer may apply for its unit (its officer, or
/// the steering committee above it).
async fn applicant_of(state: &AppState, viewer: &Viewer, id: i64) -> Result<Application, AppError> {
    let app = state.store.application(id).await?;
    state
        .authorize(viewer, Action::Apply, &app.unit_code)
        .await?;
    Ok(app)
}

async fn withdraw_form(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(params): Query<ViewParams>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    applicant_of(&state, &viewer, id).await.map_err(fail)?;
    let fields = checked_form(&viewer, &headers, fields).map_err(fail)?;
    let version = parse_version(fields.get("version")).map_err(fail)?;
    state
        .store
        .withdraw_application(
            id,
            &nfc(fields.get("reason").map(String::as_str).unwrap_or("")),
            version,
            &viewer.actor(),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(back_to(&format!("/applications/{id}"), lang))
}

struct RecognisedView {
    name: String,
    href: String,
    from: String,
    number: String,
}

struct YearView {
    year: i32,
    quota: String,
    count: usize,
    /// Recognised against the quota, e.g. "1/94".
    share: String,
    units: Vec<RecognisedView>,
}

#[derive(Template)]
#[template(path = "recognitions.html")]
struct ProvincePage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    unit_name: String,
    unit_code: String,
    crumbs: Vec<crate::pages::Crumb>,
    framework_name: String,
    years: Vec<YearView>,
    can_set_quota: bool,
    quota_action: String,
}

async fn province_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(params): Query<ViewParams>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let page = async {
        let access = state.access(&viewer, &code).await?;
        access.check(Action::ReadSummary)?;
        let view = ViewContext::read(&state, &params, lang).await?;
        let years = state
            .store
            .recognitions_by_year(&code, &view.framework)
            .await?;
        Ok::<_, AppError>(ProvincePage {
            lang,
            signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
            csrf: viewer.csrf.clone().unwrap_or_default(),
            unit_name: access.unit.name.clone(),
            unit_code: code.clone(),
            crumbs: crumbs(&view, &access.ancestors),
            framework_name: view.framework_name(),
            years: years
                .into_iter()
                .map(|y| YearView {
                    year: y.year,
                    quota: y.quota.map(|q| q.to_string()).unwrap_or_else(|| "—".into()),
                    count: y.recognised.len(),
                    share: match y.quota {
                        Some(q) => format!("{}/{q}", y.recognised.len()),
                        None => y.recognised.len().to_string(),
                    },
                    units: y
                        .recognised
                        .iter()
                        .map(|r| RecognisedView {
                            name: r.unit_name.clone(),
                            href: view.link(&format!("/units/{}", r.unit_code), &[]),
                            from: r.recognised_from.dmy(),
                            number: r.decision_number.clone(),
                        })
                        .collect(),
                })
                .collect(),
            can_set_quota: access.allows(Action::Appraise),
            quota_action: view.link(&format!("/units/{code}/recognitions/quota"), &[]),
        })
    }
    .await
    .map_err(|e| PageError(e, lang))?;
    render(StatusCode::OK, &page, lang, UNCACHED)
}

fn parse_quota(year: &str, quota: &str) -> Result<(i32, i64), AppError> {
    match (year.trim().parse(), quota.trim().parse()) {
        (Ok(y), Ok(q)) => Ok((y, q)),
        _ => Err(AppError::bad_request(
            "năm và chỉ tiêu công nhận phải là số nguyên",
            "the year and the quota must be whole numbers",
        )),
    }
}

async fn quota_form(
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
        .authorize(&viewer, Action::Appraise, &code)
        .await
        .map_err(fail)?;
    let fields = checked_form(&viewer, &headers, fields).map_err(fail)?;
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let (year, quota) = parse_quota(get("year"), get("quota")).map_err(fail)?;
    state
        .store
        .set_quota(&code, year, quota, &viewer.actor())
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(back_to(&format!("/units/{code}/recognitions"), lang))
}

// ---------------------------------------------------------------------------------------------
// JSON.

#[derive(Deserialize, IntoParams)]
pub(crate) struct ReadinessQuery {
    /// A framework code; defaults to the framework in force on the date (else the latest).
    framework: Option<String>,
    /// The date (`YYYY-MM-DD`); defaults to today.
    as_of: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ReadinessInfo {
    unit: String,
    framework: String,
    as_of: String,
    /// The framework's rule, in Vietnamese and English.
    rule: String,
    rule_en: String,
    ready: bool,
    /// Indicators that must still be achieved.
    blocking: Vec<String>,
    /// For a rule on optional indicators: how many more are needed, and which could count.
    optional_needed: u32,
    candidates: Vec<String>,
    /// For a score rule: the score and the gap to the minimum, as decimal text.
    score: Option<String>,
    gap: Option<String>,
    sentence: String,
    sentence_en: String,
    /// Recognised from this date (`YYYY-MM-DD`), if the unit was recognised.
    recognised_from: Option<String>,
    decision_number: Option<String>,
}

async fn framework_for(
    state: &AppState,
    code: Option<&str>,
    as_of: Date,
) -> Result<FrameworkRef, AppError> {
    Ok(state.store.framework_ref(code, Some(as_of)).await?)
}

/// Whether the unit meets its framework's recognition rule on a date, what still blocks it,
/// and whether it was recognised.
#[utoipa::path(get, path = "/api/v1/units/{code}/readiness",
    params(("code" = String, Path, description = "GSO code of the unit"), ReadinessQuery),
    responses((status = 200, description = "The unit's readiness", body = ReadinessInfo),
        (status = 401, description = "Not public: sign in", body = crate::api::ErrorBody)),
    tag = "recognition")]
pub(crate) async fn readiness_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<ReadinessQuery>,
) -> Result<Json<ReadinessInfo>, ApiError> {
    state.authorize(&viewer, Action::ReadSummary, &code).await?;
    let as_of = match q.as_of.as_deref() {
        None | Some("") => today(),
        Some(d) => parse_day(d, "Ngày", "The date")?,
    };
    let fw = framework_for(&state, q.framework.as_deref(), as_of).await?;
    let rules = state.store.framework(&fw).await?;
    let r = state.store.readiness(&code, &fw, as_of).await?;
    let recognition = state.store.recognition(&code, &fw).await?;
    Ok(Json(ReadinessInfo {
        unit: code,
        framework: fw.code,
        as_of: as_of.to_string(),
        rule: rules.recognition.describe(Lang::Vi),
        rule_en: rules.recognition.describe(Lang::En),
        ready: r.ready,
        blocking: r.blocking,
        optional_needed: r.optional_needed,
        candidates: r.candidates,
        score: r.score.map(|s| s.format(Lang::En)),
        gap: r.gap.map(|s| s.format(Lang::En)),
        sentence: r.sentence.vi,
        sentence_en: r.sentence.en,
        recognised_from: recognition.as_ref().map(|r| r.recognised_from.to_string()),
        decision_number: recognition.map(|r| r.decision_number),
    }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ItemInfo {
    indicator: String,
    /// The status the unit applied with.
    applied_status: String,
    applied_figure: String,
    /// `pending`, `accepted` or `rejected`.
    decision: String,
    reason: String,
    decided_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct RecognitionInfo {
    unit: String,
    unit_name: String,
    decision_number: String,
    decided_on: String,
    signer: String,
    recognised_from: String,
}

impl From<Recognition> for RecognitionInfo {
    fn from(r: Recognition) -> Self {
        RecognitionInfo {
            unit: r.unit_code,
            unit_name: r.unit_name,
            decision_number: r.decision_number,
            decided_on: r.decided_on.to_string(),
            signer: r.signer,
            recognised_from: r.recognised_from.to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ApplicationInfo {
    id: i64,
    unit: String,
    framework: String,
    applied_on: String,
    applied_by: Option<String>,
    /// `submitted` (in appraisal), `recognised`, `refused` or `withdrawn`.
    state: String,
    note: String,
    /// Send it back as `version` to appraise, decide or refuse.
    version: i64,
    items: Vec<ItemInfo>,
    recognition: Option<RecognitionInfo>,
}

impl From<Application> for ApplicationInfo {
    fn from(a: Application) -> Self {
        ApplicationInfo {
            id: a.id,
            unit: a.unit_code,
            framework: a.framework_code,
            applied_on: a.applied_on.to_string(),
            applied_by: a.applied_by,
            state: a.state,
            note: a.note,
            version: a.version,
            items: a
                .items
                .into_iter()
                .map(|i| ItemInfo {
                    indicator: i.indicator_code,
                    applied_status: i.applied_status.code().to_string(),
                    applied_figure: i.applied_figure,
                    decision: i.decision,
                    reason: i.reason,
                    decided_by: i.decided_by,
                })
                .collect(),
            recognition: a.recognition.map(Into::into),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct ApplyInput {
    /// A framework code; defaults to the framework in force on the date.
    framework: Option<String>,
    /// `YYYY-MM-DD`; defaults to today.
    applied_on: Option<String>,
    #[serde(default)]
    note: String,
}

/// Applies for recognition (the unit's officer or the steering committee above it); refused
/// with the blocking indicators when the unit is not ready on the date.
#[utoipa::path(post, path = "/api/v1/units/{code}/applications", request_body = ApplyInput,
    params(("code" = String, Path, description = "GSO code of the unit")),
    responses((status = 201, description = "Filed, pending appraisal", body = ApplicationInfo),
        (status = 400, description = "Not ready, or already applied or recognised", body = crate::api::ErrorBody),
        (status = 403, description = "Not allowed", body = crate::api::ErrorBody)),
    tag = "recognition")]
pub(crate) async fn apply_api(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(input): Json<ApplyInput>,
) -> Result<(StatusCode, Json<ApplicationInfo>), ApiError> {
    state.authorize(&viewer, Action::Apply, &code).await?;
    viewer.check_csrf(&headers, None)?;
    let applied_on = match input.applied_on.as_deref() {
        None | Some("") => today(),
        Some(d) => parse_day(d, "Ngày nộp", "The date of application")?,
    };
    let fw = framework_for(&state, input.framework.as_deref(), applied_on).await?;
    let app = state
        .store
        .apply(&fw, &code, applied_on, &nfc(&input.note), &viewer.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(app.into())))
}

/// The unit's applications under the framework, newest first.
#[utoipa::path(get, path = "/api/v1/units/{code}/applications",
    params(("code" = String, Path, description = "GSO code of the unit"), ReadinessQuery),
    responses((status = 200, description = "The applications", body = Vec<ApplicationInfo>)),
    tag = "recognition")]
pub(crate) async fn list_applications_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<ReadinessQuery>,
) -> Result<Json<Vec<ApplicationInfo>>, ApiError> {
    state.authorize(&viewer, Action::ReadData, &code).await?;
    let fw = framework_for(&state, q.framework.as_deref(), today()).await?;
    Ok(Json(
        state
            .store
            .applications(&code, &fw)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// One application with its items.
#[utoipa::path(get, path = "/api/v1/applications/{id}",
    params(("id" = i64, Path, description = "The application")),
    responses((status = 200, description = "The application", body = ApplicationInfo)),
    tag = "recognition")]
pub(crate) async fn application_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationInfo>, ApiError> {
    let app = state.store.application(id).await?;
    state
        .authorize(&viewer, Action::ReadData, &app.unit_code)
        .await?;
    Ok(Json(app.into()))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct AppraiseInput {
    /// `accept` or `reject`.
    decision: String,
    /// Why, when rejecting (required then).
    #[serde(default)]
    reason: String,
    /// The application's version as last read.
    version: i64,
}

/// Accepts or rejects one indicator of an application (the province's appraisers only).
#[utoipa::path(post, path = "/api/v1/applications/{id}/items/{indicator}", request_body = AppraiseInput,
    params(("id" = i64, Path, description = "The application"), ("indicator" = String, Path, description = "Indicator code")),
    responses((status = 200, description = "Appraised", body = ApplicationInfo),
        (status = 403, description = "Not an appraiser of the unit's province", body = crate::api::ErrorBody),
        (status = 409, description = "Changed by someone else, or no longer in appraisal", body = crate::api::ErrorBody)),
    tag = "recognition")]
pub(crate) async fn appraise_api(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((id, indicator)): Path<(i64, String)>,
    Json(input): Json<AppraiseInput>,
) -> Result<Json<ApplicationInfo>, ApiError> {
    appraiser_of(&state, &viewer, id).await?;
    viewer.check_csrf(&headers, None)?;
    let appraisal = match input.decision.as_str() {
        "accept" => Appraisal::Accept,
        "reject" => Appraisal::Reject(nfc(&input.reason)),
        other => {
            return Err(AppError::bad_request(
                format!("quyết định «{other}» không hợp lệ: dùng accept hoặc reject"),
                format!("decision «{other}» is not valid: use accept or reject"),
            )
            .into());
        }
    };
    Ok(Json(
        state
            .store
            .appraise_item(id, &indicator, &appraisal, input.version, &viewer.actor())
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct DecideInput {
    /// The decision's number, e.g. `4567/QĐ-UBND`.
    number: String,
    #[schema(example = "2022-11-20")]
    decided_on: String,
    signer: String,
    #[schema(example = "2022-11-20")]
    recognised_from: String,
    version: i64,
}

/// Records the recognition decision; refused while any indicator is rejected or pending.
#[utoipa::path(post, path = "/api/v1/applications/{id}/decision", request_body = DecideInput,
    params(("id" = i64, Path, description = "The application")),
    responses((status = 200, description = "Recognised", body = ApplicationInfo),
        (status = 400, description = "An indicator is rejected or pending", body = crate::api::ErrorBody),
        (status = 403, description = "Not an appraiser of the unit's province", body = crate::api::ErrorBody),
        (status = 409, description = "Changed by someone else", body = crate::api::ErrorBody)),
    tag = "recognition")]
pub(crate) async fn decide_api(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<DecideInput>,
) -> Result<Json<ApplicationInfo>, ApiError> {
    appraiser_of(&state, &viewer, id).await?;
    viewer.check_csrf(&headers, None)?;
    let decision = Decision {
        number: nfc(&input.number),
        decided_on: parse_day(&input.decided_on, "Ngày quyết định", "The decision date")?,
        signer: nfc(&input.signer),
        recognised_from: parse_day(
            &input.recognised_from,
            "Ngày công nhận",
            "The recognition date",
        )?,
    };
    Ok(Json(
        state
            .store
            .decide_application(id, &decision, input.version, &viewer.actor())
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct RefuseInput {
    reason: String,
    version: i64,
}

/// Refuses an application that has a rejected indicator, with a reason.
#[utoipa::path(post, path = "/api/v1/applications/{id}/refusal", request_body = RefuseInput,
    params(("id" = i64, Path, description = "The application")),
    responses((status = 200, description = "Refused", body = ApplicationInfo),
        (status = 400, description = "No reason, or no rejected indicator", body = crate::api::ErrorBody),
        (status = 403, description = "Not an appraiser of the unit's province", body = crate::api::ErrorBody)),
    tag = "recognition")]
pub(crate) async fn refuse_api(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<RefuseInput>,
) -> Result<Json<ApplicationInfo>, ApiError> {
    appraiser_of(&state, &viewer, id).await?;
    viewer.check_csrf(&headers, None)?;
    Ok(Json(
        state
            .store
            .refuse_application(id, &nfc(&input.reason), input.version, &viewer.actor())
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct WithdrawInput {
    /// Why the application is withdrawn.
    reason: String,
    /// The application's version, as last read.
    version: i64,
}

/// Withdraws an application still in appraisal (the unit's officer or the steering committee
/// above it); the unit may apply again.
#[utoipa::path(post, path = "/api/v1/applications/{id}/withdrawal", request_body = WithdrawInput,
    params(("id" = i64, Path, description = "The application")),
    responses(
        (status = 200, description = "The application, withdrawn", body = ApplicationInfo),
        (status = 400, description = "No reason given", body = crate::api::ErrorBody),
        (status = 403, description = "The account may not apply for this unit", body = crate::api::ErrorBody),
        (status = 409, description = "Changed meanwhile, or no longer in appraisal", body = crate::api::ErrorBody),
    ),
    tag = "recognition")]
pub(crate) async fn withdraw_api(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<WithdrawInput>,
) -> Result<Json<ApplicationInfo>, ApiError> {
    applicant_of(&state, &viewer, id).await?;
    viewer.check_csrf(&headers, None)?;
    Ok(Json(
        state
            .store
            .withdraw_application(id, &nfc(&input.reason), input.version, &viewer.actor())
            .await?
            .into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct YearInfo {
    year: i32,
    quota: Option<i64>,
    recognised: Vec<RecognitionInfo>,
}

/// Per year, the province's quota and the units under it recognised from a date in that year.
#[utoipa::path(get, path = "/api/v1/units/{code}/recognitions",
    params(("code" = String, Path, description = "GSO code of the province"), ReadinessQuery),
    responses((status = 200, description = "Years, oldest first", body = Vec<YearInfo>)),
    tag = "recognition")]
pub(crate) async fn recognitions_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<ReadinessQuery>,
) -> Result<Json<Vec<YearInfo>>, ApiError> {
    state.authorize(&viewer, Action::ReadSummary, &code).await?;
    let fw = framework_for(&state, q.framework.as_deref(), today()).await?;
    Ok(Json(
        state
            .store
            .recognitions_by_year(&code, &fw)
            .await?
            .into_iter()
            .map(|y| YearInfo {
                year: y.year,
                quota: y.quota,
                recognised: y.recognised.into_iter().map(Into::into).collect(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub(crate) struct QuotaInput {
    quota: i64,
}

/// Sets how many units the province plans to recognise in a year (its appraisers only).
#[utoipa::path(put, path = "/api/v1/units/{code}/quotas/{year}", request_body = QuotaInput,
    params(("code" = String, Path, description = "GSO code of the province"), ("year" = i32, Path, description = "The year")),
    responses((status = 204, description = "Set"),
        (status = 403, description = "Not an appraiser of the province", body = crate::api::ErrorBody)),
    tag = "recognition")]
pub(crate) async fn quota_api(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((code, year)): Path<(String, i32)>,
    Json(input): Json<QuotaInput>,
) -> Result<StatusCode, ApiError> {
    state.authorize(&viewer, Action::Appraise, &code).await?;
    viewer.check_csrf(&headers, None)?;
    state
        .store
        .set_quota(&code, year, input.quota, &viewer.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_and_versions_are_whole_numbers() {
        assert_eq!(parse_quota("2022", " 94 ").unwrap(), (2022, 94));
        assert!(parse_quota("năm", "94").is_err());
        assert!(parse_version(Some(&"x".to_string())).is_err());
        assert_eq!(parse_version(Some(&"3".to_string())).unwrap(), 3);
    }
}
