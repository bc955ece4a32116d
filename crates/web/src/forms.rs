//! Pages for signed-in work: sign-in and sign-out, the data-entry form, and an indicator's
//! figures with its change log (also as CSV).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use tiendo_domain::access::Action;
use tiendo_domain::{Date, Figure, Lang, Measure, Status};
use tiendo_storage::{EvidenceItem, NewObservation};

use crate::auth::{Viewer, secret_hash, secure_cookies, session_cookie};
use crate::entry_api::figure_from_input;
use crate::input::checked_form;
use crate::pages::PageError;
use crate::query::ViewParams;
use crate::{AppError, AppState, today};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", axum::routing::post(logout_submit))
        .route("/lang", axum::routing::post(switch_language))
        .route("/units/{code}/entry", get(entry_page).post(entry_submit))
        .route("/account", get(account_page))
        .route("/account/tokens", axum::routing::post(create_token))
        .route(
            "/units/{code}/submission/{period}/{action}",
            axum::routing::post(submission_action),
        )
        .route(
            "/units/{code}/exclusions",
            axum::routing::post(exclusion_request),
        )
        .route(
            "/exclusions/{id}/decision",
            axum::routing::post(exclusion_decision),
        )
        .route(
            "/units/{code}/indicators/{indicator}/evidence",
            axum::routing::post(add_evidence).layer(axum::extract::DefaultBodyLimit::max(
                crate::evidence::MAX_FILE_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/units/{code}/indicators/{indicator}/audit.csv",
            get(audit_csv),
        )
}

/// Redirects to a page of this site, keeping English when that is the language in use.
fn back_to(path: &str, lang: Lang) -> Response {
    match lang {
        Lang::En => Redirect::to(&format!("{path}?lang=en")).into_response(),
        Lang::Vi => Redirect::to(path).into_response(),
    }
}

fn html<T: Template>(status: StatusCode, page: &T, lang: Lang) -> Result<Response, PageError> {
    crate::pages::render(status, page, lang, crate::pages::UNCACHED)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    error: Option<String>,
    next: String,
    username: String,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
}

/// Only paths on this site: never an open redirect.
fn safe_next(next: Option<&str>) -> String {
    match next {
        // A path on this site only: no scheme or host, and nothing a browser would strip
        // (tabs, newlines) to turn it into one.
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

async fn login_page(Query(q): Query<LoginQuery>, viewer: Viewer) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    let page = LoginPage {
        lang,
        signed_in: viewer.user.map(|u| u.username),
        csrf: viewer.csrf.unwrap_or_default(),
        error: None,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
    };
    html(StatusCode::OK, &page, lang)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
    lang: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(form.lang.as_deref());
    crate::auth::check_same_origin(&headers).map_err(|e| PageError(e, lang))?;
    match state
        .sign_in(&form.username, &form.password, &viewer.address)
        .await
    {
        Ok((user, token, _)) => {
            if form.lang.is_some() {
                state
                    .store
                    .set_user_lang(user.id, lang)
                    .await
                    .map_err(|e| PageError(e.into(), lang))?;
            }
            let mut response = Redirect::to(&safe_next(form.next.as_deref())).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(Some(&token), secure_cookies(&headers)),
            );
            Ok(response)
        }
        Err(e @ (AppError::Unauthorized { .. } | AppError::TooManyAttempts)) => {
            let page = LoginPage {
                lang,
                signed_in: None,
                csrf: String::new(),
                error: Some(e.message(lang)),
                next: safe_next(form.next.as_deref()),
                username: form.username,
            };
            html(e.status(), &page, lang)
        }
        Err(e) => Err(PageError(e, lang)),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

async fn logout_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let lang = viewer.user.as_ref().map(|u| u.lang).unwrap_or_default();
    viewer
        .check_csrf(&headers, form.csrf.as_deref())
        .map_err(|e| PageError(e, lang))?;
    if let Some(token) = &viewer.session {
        state
            .store
            .end_session(&secret_hash(token), &viewer.actor())
            .await
            .map_err(|e| PageError(e.into(), lang))?;
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(None, secure_cookies(&headers)),
    );
    Ok(response)
}

/// The language switch: remembered in this browser (a cookie) and, when signed in, on the
/// account, then back to the page it was pressed on, without any `lang` in its address. It works
/// from every page, error pages too, which carry no session token: so the browser's `Origin`
/// header naming this site is enough, and a session's token stands in for it.
async fn switch_language(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fail = |e: AppError| PageError(e, viewer.lang(None));
    let fields: HashMap<String, String> = fields.into_iter().collect();
    crate::auth::check_same_origin(&headers).map_err(fail)?;
    if crate::auth::origin_is_this_site(&headers) != Some(true) {
        viewer
            .check_csrf(&headers, fields.get("csrf").map(String::as_str))
            .map_err(fail)?;
    }
    let asked = fields.get("lang").map(String::as_str).unwrap_or("");
    let lang: Lang = asked.parse().map_err(|_| {
        fail(AppError::bad_request(
            format!("không có ngôn ngữ «{asked}»: chọn vi hoặc en"),
            format!("no language «{asked}»: choose vi or en"),
        ))
    })?;
    if let Some(user) = &viewer.user {
        state
            .store
            .set_user_lang(user.id, lang)
            .await
            .map_err(|e| PageError(e.into(), lang))?;
    }
    let mut response = Redirect::to(&page_pressed_on(&headers)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        crate::auth::lang_cookie(lang, secure_cookies(&headers)),
    );
    Ok(response)
}

/// The path and query of the page a form was sent from (its `Referer`), with any `lang`
/// parameter removed; the home page when there is none. Only a path on this site comes out,
/// whatever the header says.
fn page_pressed_on(headers: &HeaderMap) -> String {
    let Some(referer) = headers.get(header::REFERER).and_then(|v| v.to_str().ok()) else {
        return "/".into();
    };
    let Some(rest) = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))
    else {
        return "/".into();
    };
    let path = &rest[rest.find('/').unwrap_or(rest.len())..];
    let path = path.split('#').next().unwrap_or("/");
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let kept: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != "lang")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    let back = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    };
    safe_next(Some(&back))
}

/// One indicator's row of the entry form: where it stands, and what was typed.
struct EntryRow {
    code: String,
    name: String,
    target: String,
    measure: &'static str,
    status: &'static str,
    status_label: &'static str,
    icon: &'static str,
    current: String,
    reason: String,
    value: String,
    numerator: String,
    denominator: String,
    date: String,
    planned_by: String,
    note: String,
    error: Option<String>,
}

struct EntryGroup {
    name: String,
    rows: Vec<EntryRow>,
}

#[derive(Template)]
#[template(path = "entry.html")]
struct EntryPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    unit_code: String,
    unit_name: String,
    as_of_dmy: String,
    today: String,
    saved: Option<String>,
    errors: Vec<String>,
    groups: Vec<EntryGroup>,
    /// Every group (code, name), to open one group's form.
    tabs: Vec<(String, String)>,
    /// The group shown alone, or empty for all.
    group: String,
    /// The unit's counts on the form's date, updated in place after each save.
    counts: crate::pages::CountsView,
    unit_href: String,
}

impl EntryPage {
    fn label(&self, status: Status) -> &'static str {
        status.label(self.lang)
    }
}

#[derive(Deserialize, Default)]
struct EntryQuery {
    lang: Option<String>,
    saved: Option<usize>,
    /// Show one group's form only (handy on a phone).
    group: Option<String>,
}

/// Builds the form for `code` as of the dataset's date, with what was typed (if any) and the
/// errors per indicator.
async fn build_entry(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    lang: Lang,
    typed: &HashMap<String, String>,
    row_errors: &HashMap<String, String>,
    group: Option<&str>,
) -> Result<EntryPage, AppError> {
    let as_of = ViewParams::default().as_of(state).await?;
    let framework = state.store.framework_ref(None, Some(as_of)).await?;
    let unit = state.store.unit(code).await?;
    let rows = state.store.unit_indicators(code, &framework, as_of).await?;
    let summary = state.store.summary(code, &framework, as_of).await?;
    let default_date = as_of.min(today()).to_string();
    let field = |prefix: &str, code: &str| {
        typed
            .get(&format!("{prefix}.{code}"))
            .cloned()
            .unwrap_or_default()
    };
    let mut groups: Vec<EntryGroup> = Vec::new();
    let tabs: Vec<(String, String)> = {
        let mut seen: Vec<(String, String)> = Vec::new();
        for r in &rows {
            if !seen.iter().any(|(c, _)| *c == r.group.code) {
                seen.push((
                    r.group.code.clone(),
                    lang.pick(&r.group.name, &r.group.name_en).to_string(),
                ));
            }
        }
        seen
    };
    for r in rows
        .into_iter()
        .filter(|r| r.status != Status::NotApplicable)
        .filter(|r| group.is_none_or(|g| g == r.group.code))
    {
        let i = &r.indicator;
        let date = field("d", &i.code);
        let row = EntryRow {
            name: lang.pick(&i.name, &i.name_en).to_string(),
            target: i.target.describe(i.measure, lang),
            measure: i.measure.code(),
            status: r.status.code(),
            status_label: r.status.label(lang),
            icon: crate::pages::status_icon(r.status),
            current: r
                .latest
                .as_ref()
                .map(|o| {
                    format!(
                        "{} ({})",
                        o.figure.describe(i.measure, i.count_unit_in(lang), lang),
                        o.observed_on.dmy()
                    )
                })
                .unwrap_or_else(|| lang.pick("chưa có số liệu", "no figure yet").into()),
            reason: r.reason.get(lang).to_string(),
            value: field("v", &i.code),
            numerator: field("n", &i.code),
            denominator: field("m", &i.code),
            date: if date.is_empty() {
                default_date.clone()
            } else {
                date
            },
            planned_by: field("p", &i.code),
            note: field("note", &i.code),
            error: row_errors.get(&i.code).cloned(),
            code: i.code.clone(),
        };
        let group = lang.pick(&r.group.name, &r.group.name_en);
        match groups.last_mut() {
            Some(g) if g.name == group => g.rows.push(row),
            _ => groups.push(EntryGroup {
                name: group.to_string(),
                rows: vec![row],
            }),
        }
    }
    Ok(EntryPage {
        lang,
        signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        unit_code: unit.code,
        unit_name: unit.name,
        as_of_dmy: as_of.dmy(),
        today: today().to_string(),
        saved: None,
        errors: Vec::new(),
        groups,
        tabs,
        group: group.unwrap_or("").to_string(),
        counts: crate::pages::CountsView::new(summary.counts, lang),
        unit_href: crate::pages::href(
            &format!("/units/{code}"),
            &[
                ("as_of", &as_of.to_string()),
                ("lang", if lang == Lang::En { "en" } else { "" }),
            ],
        ),
    })
}

fn saved_message(n: usize, lang: Lang) -> String {
    match lang {
        Lang::Vi => format!("Đã lưu {n} số liệu; trạng thái đã được tính lại."),
        Lang::En => format!("Saved {n} figure(s); the statuses are recomputed."),
    }
}

/// What a save through the entry form answers when script asks for JSON (`Accept:
/// application/json`): the page updates in place and keeps everything typed.
#[derive(serde::Serialize)]
struct EntryAnswer {
    saved: usize,
    message: String,
    /// Problems not tied to one indicator.
    errors: Vec<String>,
    /// The problem with each indicator's row, by code.
    row_errors: HashMap<String, String>,
    /// Every row's standing after the save (empty when nothing was saved).
    rows: Vec<EntryRowState>,
    counts: Option<EntryCounts>,
}

#[derive(serde::Serialize)]
struct EntryRowState {
    code: String,
    status: &'static str,
    status_label: &'static str,
    icon: &'static str,
    current: String,
    reason: String,
}

#[derive(serde::Serialize)]
struct EntryCounts {
    #[serde(flatten)]
    counts: crate::api::CountsInfo,
    /// As the page shows it, e.g. `87,1%`.
    completion: String,
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

async fn entry_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<EntryQuery>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    let fail = |e: AppError| PageError(e, lang);
    if viewer.user.is_none() {
        return Ok(Redirect::to(&format!("/login?next=/units/{code}/entry")).into_response());
    }
    state
        .authorize(&viewer, Action::EnterData, &code)
        .await
        .map_err(fail)?;
    let mut page = build_entry(
        &state,
        &viewer,
        &code,
        lang,
        &HashMap::new(),
        &HashMap::new(),
        q.group.as_deref(),
    )
    .await
    .map_err(fail)?;
    page.saved = q.saved.map(|n| saved_message(n, lang));
    html(StatusCode::OK, &page, lang)
}

async fn entry_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<EntryQuery>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    let fail = |e: AppError| PageError(e, lang);
    state
        .authorize(&viewer, Action::EnterData, &code)
        .await
        .map_err(fail)?;
    let typed: HashMap<String, String> = fields
        .into_iter()
        .map(|(k, v)| (k, v.trim().to_string()))
        .collect();
    viewer
        .check_csrf(&headers, typed.get("csrf").map(String::as_str))
        .map_err(fail)?;
    let as_of = ViewParams::default().as_of(&state).await.map_err(fail)?;
    let framework = state
        .store
        .framework_ref(None, Some(as_of))
        .await
        .map_err(|e| fail(e.into()))?;
    let rules = state
        .store
        .framework(&framework)
        .await
        .map_err(|e| fail(e.into()))?;
    let get = |prefix: &str, code: &str| {
        typed
            .get(&format!("{prefix}.{code}"))
            .map(String::as_str)
            .unwrap_or("")
    };

    let mut row_errors: HashMap<String, String> = HashMap::new();
    let mut items = Vec::new();
    for indicator in &rules.indicators {
        let c = indicator.code.as_str();
        let (value, numerator, denominator) = (get("v", c), get("n", c), get("m", c));
        if value.is_empty() && numerator.is_empty() && denominator.is_empty() {
            continue;
        }
        let parsed = (|| -> Result<NewObservation, AppError> {
            let int = |field: &str, text: &str| -> Result<Option<i64>, AppError> {
                if text.is_empty() {
                    return Ok(None);
                }
                tiendo_domain::parse_whole_number(text)
                    .map(Some)
                    .ok_or_else(|| {
                        AppError::bad_request(
                            format!("{field} «{text}» phải là số nguyên không âm, ví dụ 1800 hoặc 1.800"),
                            format!("{field} «{text}» must be a whole number of at least 0, e.g. 1800 or 1,800"),
                        )
                    })
            };
            let figure: Figure = figure_from_input(
                indicator,
                (!value.is_empty())
                    .then(|| serde_json::Value::String(value.to_string()))
                    .as_ref(),
                int(lang.pick("Tử số", "Numerator"), numerator)?,
                int(lang.pick("Mẫu số", "Denominator"), denominator)?,
            )?;
            let date_text = get("d", c);
            let observed_on: Date = date_text.parse().map_err(|_| {
                AppError::bad_request(
                    format!("ngày «{date_text}» không hợp lệ"),
                    format!("the date «{date_text}» is not valid"),
                )
            })?;
            if observed_on > today() {
                return Err(AppError::bad_request(
                    format!("ngày {} ở tương lai", observed_on.dmy()),
                    format!("{} is in the future", observed_on.dmy()),
                ));
            }
            let plan = get("p", c);
            let planned_by = if plan.is_empty() || indicator.measure != Measure::YesNo {
                None
            } else {
                Some(plan.parse::<Date>().map_err(|_| {
                    AppError::bad_request(
                        format!("ngày kế hoạch «{plan}» không hợp lệ"),
                        format!("the plan date «{plan}» is not valid"),
                    )
                })?)
            };
            Ok(NewObservation {
                unit_code: code.clone(),
                indicator_code: indicator.code.clone(),
                observation: tiendo_domain::Observation {
                    observed_on,
                    figure,
                    planned_by,
                    note: get("note", c).to_string(),
                },
            })
        })();
        match parsed {
            Ok(item) => items.push(item),
            Err(e) => {
                row_errors.insert(indicator.code.clone(), e.message(lang));
            }
        }
    }

    let mut errors = Vec::new();
    if items.is_empty() && row_errors.is_empty() {
        errors.push(
            lang.pick("Chưa điền số liệu nào.", "No figure was filled in.")
                .to_string(),
        );
    }
    if errors.is_empty() && row_errors.is_empty() {
        match state
            .store
            .record_observations(&framework, &items, &viewer.actor())
            .await
        {
            Ok(ids) if wants_json(&headers) => {
                let page = build_entry(
                    &state,
                    &viewer,
                    &code,
                    lang,
                    &HashMap::new(),
                    &HashMap::new(),
                    None,
                )
                .await
                .map_err(fail)?;
                let c = page.counts.counts;
                let answer = EntryAnswer {
                    saved: ids.len(),
                    message: saved_message(ids.len(), lang),
                    errors: Vec::new(),
                    row_errors: HashMap::new(),
                    rows: page
                        .groups
                        .into_iter()
                        .flat_map(|g| g.rows)
                        .map(|r| EntryRowState {
                            code: r.code,
                            status: r.status,
                            status_label: r.status_label,
                            icon: r.icon,
                            current: r.current,
                            reason: r.reason,
                        })
                        .collect(),
                    counts: Some(EntryCounts {
                        counts: c.into(),
                        completion: page.counts.completion,
                    }),
                };
                return Ok((
                    StatusCode::OK,
                    [(header::CACHE_CONTROL, "no-store")],
                    axum::Json(answer),
                )
                    .into_response());
            }
            Ok(ids) => {
                let lang_q = if lang == Lang::En { "&lang=en" } else { "" };
                let group_q = q
                    .group
                    .as_deref()
                    .map(|g| format!("&group={g}"))
                    .unwrap_or_default();
                return Ok(Redirect::to(&format!(
                    "/units/{code}/entry?saved={}{lang_q}{group_q}",
                    ids.len()
                ))
                .into_response());
            }
            Err(e) => errors.push(AppError::from(e).message(lang)),
        }
    }
    if wants_json(&headers) {
        let answer = EntryAnswer {
            saved: 0,
            message: lang
                .pick("Chưa lưu gì, vì:", "Nothing was saved, because:")
                .to_string(),
            errors,
            row_errors,
            rows: Vec::new(),
            counts: None,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::Json(answer)).into_response());
    }
    for (code, message) in &row_errors {
        // Messages about a figure already name its indicator.
        errors.push(if message.starts_with(code.as_str()) {
            message.clone()
        } else {
            format!("{code}: {message}")
        });
    }
    errors.sort();
    let mut page = build_entry(
        &state,
        &viewer,
        &code,
        lang,
        &typed,
        &row_errors,
        q.group.as_deref(),
    )
    .await
    .map_err(fail)?;
    page.errors = errors;
    html(StatusCode::UNPROCESSABLE_ENTITY, &page, lang)
}

/// The change log of one indicator for one unit as CSV (UTF-8 with a byte-order mark, so that
/// spreadsheet programs show the diacritics).
async fn audit_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((code, indicator)): Path<(String, String)>,
) -> Result<Response, crate::error::ApiError> {
    state.authorize(&viewer, Action::ReadData, &code).await?;
    let entries = state
        .store
        .audit_trail(&code, Some(&indicator), i64::MAX)
        .await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    writer
        .write_record([
            "at",
            "username",
            "address",
            "action",
            "unit_code",
            "indicator_code",
            "old_value",
            "new_value",
        ])
        .map_err(io)?;
    // A cell that starts like a formula is written as text, so no spreadsheet runs it.
    let cell = |v: &str| -> String {
        if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{v}")
        } else {
            v.to_string()
        }
    };
    // Where people signed in from is for reviewers only.
    let show_address = state
        .authorize(&viewer, Action::Review, &code)
        .await
        .is_ok();
    for e in entries.iter().rev() {
        let address = if show_address {
            e.address.as_deref().unwrap_or("")
        } else {
            ""
        };
        writer
            .write_record([
                cell(&e.at),
                cell(&e.username),
                cell(address),
                cell(&e.action),
                cell(e.unit_code.as_deref().unwrap_or("")),
                cell(e.indicator_code.as_deref().unwrap_or("")),
                cell(e.old_value.as_deref().unwrap_or("")),
                cell(e.new_value.as_deref().unwrap_or("")),
            ])
            .map_err(io)?;
    }
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(
        writer
            .into_inner()
            .map_err(|e| AppError::Internal(format!("csv: {e}")))?,
    );
    let filename = format!("audit-{code}-{indicator}.csv").replace(
        |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '.',
        "_",
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Adds one piece of evidence (a file, a link or a cited document) to a figure, from the form on
/// the indicator's page.
async fn add_evidence(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((code, indicator)): Path<(String, String)>,
    Query(params): Query<ViewParams>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    state
        .authorize(&viewer, Action::EnterData, &code)
        .await
        .map_err(fail)?;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        fail(AppError::bad_request(
            format!("biểu mẫu hoặc tệp không đọc được: {e}"),
            format!("the form or file could not be read: {e}"),
        ))
    };
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut file: Option<(String, axum::body::Bytes)> = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(unreadable)?;
            if !file_name.is_empty() && !bytes.is_empty() {
                file = Some((file_name, bytes));
            }
        } else {
            let text = field.text().await.map_err(unreadable)?;
            fields.insert(name, text.trim().to_string());
        }
    }
    viewer
        .check_csrf(&headers, fields.get("csrf").map(String::as_str))
        .map_err(fail)?;
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let observation: i64 = get("observation").parse().map_err(|_| {
        fail(AppError::bad_request(
            "chưa chọn số liệu để gắn minh chứng",
            "no figure was chosen for the evidence",
        ))
    })?;
    let title = get("title");
    let item = match get("kind").as_str() {
        "file" => {
            let (name, bytes) = file.ok_or_else(|| {
                fail(AppError::bad_request("chưa chọn tệp", "no file was chosen"))
            })?;
            let media_type = crate::evidence::check_file(&name, &bytes).map_err(fail)?;
            let stored = state.files.put(bytes).await.map_err(|e| fail(e.into()))?;
            EvidenceItem::File {
                hash: stored.hash,
                media_type: media_type.to_string(),
                size: stored.size as i64,
                file_name: name,
                title,
            }
        }
        "link" => EvidenceItem::Link {
            url: get("url"),
            title,
        },
        "document" => EvidenceItem::Document {
            number: get("number"),
            date: get("date").parse().map_err(|_| {
                fail(AppError::bad_request(
                    format!("ngày văn bản «{}» không hợp lệ", get("date")),
                    format!("the document date «{}» is not valid", get("date")),
                ))
            })?,
            issuer: get("issuer"),
            title,
        },
        other => {
            return Err(fail(AppError::bad_request(
                format!("loại minh chứng «{other}» không hợp lệ"),
                format!("unknown kind of evidence «{other}»"),
            )));
        }
    };
    let framework = state
        .store
        .framework_ref(
            params.framework.as_deref(),
            Some(params.as_of(&state).await.map_err(fail)?),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    state
        .store
        .add_evidence(
            &framework,
            &code,
            &indicator,
            observation,
            &[item],
            &viewer.actor(),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(back_to(
        &format!("/units/{code}/indicators/{indicator}"),
        lang,
    ))
}

/// Submit, accept, return (with `r.INDICATOR` reasons) or unlock (`indicator`, `reason`) from the
/// unit page's forms.
async fn submission_action(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((code, period_code, action)): Path<(String, String, String)>,
    Query(params): Query<ViewParams>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    let needed = if action == "submit" {
        Action::EnterData
    } else {
        Action::Review
    };
    state
        .authorize(&viewer, needed, &code)
        .await
        .map_err(fail)?;
    let fields: HashMap<String, String> = fields
        .into_iter()
        .map(|(k, v)| (k, v.trim().to_string()))
        .collect();
    viewer
        .check_csrf(&headers, fields.get("csrf").map(String::as_str))
        .map_err(fail)?;
    let store = &state.store;
    let framework = store
        .framework_ref(
            params.framework.as_deref(),
            Some(params.as_of(&state).await.map_err(fail)?),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    let period = store
        .period(&framework, &period_code)
        .await
        .map_err(|e| fail(e.into()))?;
    let actor = viewer.actor();
    let done = match action.as_str() {
        "submit" => {
            store
                .submit(&framework, &code, &period, today(), &actor)
                .await
        }
        "accept" => store.accept_submission(&code, &period, &actor).await,
        "return" => {
            let mut reasons: Vec<(String, String)> = fields
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("r.")
                        .filter(|_| !v.is_empty())
                        .map(|c| (c.to_string(), v.clone()))
                })
                .collect();
            reasons.sort();
            let rules = store
                .framework(&framework)
                .await
                .map_err(|e| fail(e.into()))?;
            if let Some((unknown, _)) = reasons.iter().find(|(c, _)| rules.indicator(c).is_none()) {
                return Err(fail(AppError::bad_request(
                    format!("khung {} không có chỉ tiêu «{unknown}»", framework.code),
                    format!("framework {} has no indicator «{unknown}»", framework.code),
                )));
            }
            store
                .return_submission(&code, &period, &reasons, &actor)
                .await
        }
        "unlock" => {
            let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
            store
                .unlock_indicator(&code, &period, get("indicator"), get("reason"), &actor)
                .await
        }
        other => {
            return Err(fail(AppError::NotFound {
                vi: format!("không có thao tác «{other}»"),
                en: format!("no action «{other}»"),
            }));
        }
    };
    done.map_err(|e| fail(e.into()))?;
    Ok(back_to(&format!("/units/{code}"), lang))
}

/// An officer's request to excuse the unit from an indicator, from the indicator's page.
async fn exclusion_request(
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
        .authorize(&viewer, Action::EnterData, &code)
        .await
        .map_err(fail)?;
    let fields = checked_form(&viewer, &headers, fields).map_err(fail)?;
    let get = |k: &str| {
        fields
            .get(k)
            .map(String::as_str)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let framework = state
        .store
        .framework_ref(
            params.framework.as_deref(),
            Some(params.as_of(&state).await.map_err(fail)?),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    let indicator = get("indicator");
    state
        .store
        .request_exclusion(
            &framework,
            &code,
            &indicator,
            &get("reason"),
            &viewer.actor(),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(back_to(
        &format!("/units/{code}/indicators/{indicator}"),
        lang,
    ))
}

/// A reviewer's decision on an exclusion request, from the unit page.
async fn exclusion_decision(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(params): Query<ViewParams>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    let request = state
        .store
        .exclusion_request(id)
        .await
        .map_err(|e| fail(e.into()))?;
    state
        .authorize(&viewer, Action::Review, &request.unit_code)
        .await
        .map_err(fail)?;
    let fields = checked_form(&viewer, &headers, fields).map_err(fail)?;
    let approve = fields.get("approve").map(String::as_str) == Some("yes");
    state
        .store
        .decide_exclusion(
            id,
            approve,
            fields.get("note").map(String::as_str).unwrap_or(""),
            &viewer.actor(),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.find("/units/").map(|i| r[i..].to_string()))
        .unwrap_or_else(|| format!("/units/{}", request.unit_code));
    Ok(Redirect::to(&back).into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    username: String,
    display_name: String,
    roles: Vec<String>,
    new_token: Option<String>,
    /// Issue 6: where notices are e-mailed (see templates/account_email.html).
    email: String,
}

async fn account(
    state: &AppState,
    viewer: &Viewer,
    lang: Lang,
    new_token: Option<String>,
) -> Result<Response, PageError> {
    let Some(user) = &viewer.user else {
        return Ok(Redirect::to("/login?next=/account").into_response());
    };
    let email = state
        .store
        .user_email(user.id)
        .await
        .map_err(|e| PageError(e.into(), lang))?
        .unwrap_or_default();
    let page = AccountPage {
        email,
        lang,
        signed_in: Some(user.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        roles: user
            .grants
            .iter()
            .map(|g| match &g.unit_code {
                Some(unit) => format!("{} — {unit}", g.role.label(lang)),
                None => g.role.label(lang).to_string(),
            })
            .collect(),
        new_token,
    };
    html(StatusCode::OK, &page, lang)
}

async fn account_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<ViewParams>,
) -> Result<Response, PageError> {
    account(&state, &viewer, params.lang(&viewer), None).await
}

/// Creates a personal API token; it is shown once and kept only as a hash.
async fn create_token(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(params): Query<ViewParams>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    let Some(user) = &viewer.user else {
        return Err(fail(AppError::SignInRequired));
    };
    let fields = checked_form(&viewer, &headers, fields).map_err(fail)?;
    let name = fields
        .get("name")
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .unwrap_or("api");
    let token = crate::auth::new_secret();
    state
        .store
        .create_api_token(&user.username, name, &secret_hash(&token), &viewer.actor())
        .await
        .map_err(|e| fail(e.into()))?;
    account(&state, &viewer, lang, Some(token)).await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn the_language_switch_returns_to_a_page_of_this_site_only() {
        use axum::http::{HeaderMap, HeaderValue, header};
        let from = |referer: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
            h.insert(header::REFERER, HeaderValue::from_str(referer).unwrap());
            super::page_pressed_on(&h)
        };
        assert_eq!(
            from("http://127.0.0.1:8080/units/382?as_of=2022-10-31&lang=en&sort=rank"),
            "/units/382?as_of=2022-10-31&sort=rank"
        );
        assert_eq!(
            from("http://127.0.0.1:8080/search?q=qu%E1%BA%A3ng"),
            "/search?q=qu%E1%BA%A3ng"
        );
        assert_eq!(from("http://127.0.0.1:8080"), "/");
        // Another site's page can only send back to a page of this one.
        assert_eq!(from("https://elsewhere.example/units/382"), "/units/382");
        assert_eq!(from("https://elsewhere.example//evil.example/x"), "/");
        assert_eq!(from("javascript:alert(1)"), "/");
        assert_eq!(super::page_pressed_on(&HeaderMap::new()), "/");
    }

    #[test]
    fn sign_in_only_returns_to_this_site() {
        assert_eq!(safe_next(Some("/units/14833/entry")), "/units/14833/entry");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\t/evil.example",
            "/\\evil",
            "/\n/x",
            "units",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
