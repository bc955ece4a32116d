//! Server-rendered pages for reading, for any as-of date: the home redirect and a unit's page,
//! which for a city or province is the overview of its sub-units (sortable, filtered by group and
//! kind, ranked, with each unit's completion over the year) and for a ward or commune its
//! indicators by group (what is missing first, a trend line per indicator). Also the pieces every
//! page shares (links, the time bar, counts, error pages) and the static assets.
//!
//! Plain HTML that works without script; `static/app.js` only enhances it.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tiendo_domain::access::Action;
use tiendo_domain::{
    Counts, Date, Figure, Framework, Indicator, Lang, Measure, Ratio, Status, Target, Unit,
    completion_ranks, text,
};
use tiendo_storage::{DatedFigure, FrameworkRef, IndicatorRow, settings};

use crate::auth::Viewer;
use crate::charts::{CompletionChart, Sparkline, StatusStrip, days_until};
use crate::query::ViewParams;
use crate::{AppError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/units/{code}", get(unit_page))
        .route("/static/app.css", get(stylesheet))
        .route("/static/app.js", get(script))
}

const STYLESHEET: &str = include_str!("../static/app.css");
const SCRIPT: &str = include_str!("../static/app.js");

/// Asset URLs carry the release (`?v=`), so a browser may keep them for a year.
fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
}

async fn stylesheet() -> impl IntoResponse {
    asset("text/css; charset=utf-8", STYLESHEET)
}

async fn script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// Pages that change with every figure entered and may hold what only the viewer may see:
/// revalidated every time, kept by no shared cache.
pub(crate) const FRESH: &str = "private, no-cache";
/// Pages with figures' history, forms and secrets: kept nowhere.
pub(crate) const UNCACHED: &str = "no-store";

/// A page rendered in the reader's language (or, if the template fails, the error page), with
/// its status and how it may be cached.
pub(crate) fn render<T: Template>(
    status: StatusCode,
    page: &T,
    lang: Lang,
    cache: &'static str,
) -> Result<Response, PageError> {
    let body = page.render().map_err(|e| PageError(e.into(), lang))?;
    Ok((status, [(header::CACHE_CONTROL, cache)], Html(body)).into_response())
}

/// An error shown as a page in the reader's language.
pub(crate) struct PageError(pub(crate) AppError, pub(crate) Lang);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.log();
        let lang = self.1;
        let status = self.0.status();
        let page = ErrorPage {
            lang,
            signed_in: None,
            csrf: String::new(),
            title: match status {
                StatusCode::NOT_FOUND => lang.pick("Không tìm thấy", "Not found"),
                StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
                    lang.pick("Yêu cầu không hợp lệ", "Bad request")
                }
                StatusCode::UNAUTHORIZED => lang.pick("Cần đăng nhập", "Sign-in required"),
                StatusCode::FORBIDDEN => lang.pick("Không có quyền", "Not allowed"),
                StatusCode::CONFLICT => lang.pick("Dữ liệu đã thay đổi", "The data has changed"),
                StatusCode::TOO_MANY_REQUESTS => {
                    lang.pick("Quá nhiều lần thử", "Too many attempts")
                }
                _ => lang.pick("Lỗi máy chủ", "Server error"),
            },
            status: status.as_u16(),
            message: self.0.message(lang),
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, self.0.message(lang)).into_response(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    title: &'static str,
    status: u16,
    message: String,
}

pub(crate) async fn not_found(Query(params): Query<ViewParams>, viewer: Viewer) -> PageError {
    PageError(
        AppError::NotFound {
            vi: "Trang này không tồn tại.".into(),
            en: "There is no such page.".into(),
        },
        params.lang(&viewer),
    )
}

/// The unit the home page opens: the dataset's home unit (the demo's city), else the root.
pub(crate) async fn home_unit(state: &AppState) -> Result<String, AppError> {
    if let Some(code) = state.store.setting(settings::HOME_UNIT).await? {
        return Ok(code);
    }
    state
        .store
        .root_unit()
        .await?
        .ok_or_else(|| AppError::NotFound {
            vi: "Chưa có đơn vị hành chính nào trong cơ sở dữ liệu.".into(),
            en: "The database holds no administrative unit yet.".into(),
        })
}

/// `/` opens the dataset's home unit, keeping the query string.
async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    uri: Uri,
) -> Result<Redirect, PageError> {
    let home = home_unit(&state)
        .await
        .map_err(|e| PageError(e, viewer.lang(None)))?;
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    Ok(Redirect::to(&format!("/units/{home}{query}")))
}

/// A path on this site with a query string; empty values are left out.
pub(crate) fn href(path: &str, pairs: &[(&str, &str)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// What every view of the data is read with: the date, the framework and the language. Links
/// made from it keep all three.
pub(crate) struct ViewContext {
    pub as_of: Date,
    pub lang: Lang,
    pub framework: FrameworkRef,
    pub rules: std::sync::Arc<Framework>,
    /// The framework code when the request named one (links keep it); empty otherwise.
    pub framework_asked: String,
}

impl ViewContext {
    pub(crate) async fn read(
        state: &AppState,
        params: &ViewParams,
        lang: Lang,
    ) -> Result<ViewContext, AppError> {
        let as_of = params.as_of(state).await?;
        let framework = state
            .store
            .framework_ref(params.framework.as_deref(), Some(as_of))
            .await?;
        let rules = state.store.framework(&framework).await?;
        Ok(ViewContext {
            as_of,
            lang,
            framework,
            rules,
            framework_asked: params.framework.clone().unwrap_or_default(),
        })
    }

    /// A link to `path` on the same date, framework and language, with `extra` pairs.
    pub(crate) fn link(&self, path: &str, extra: &[(&str, &str)]) -> String {
        self.link_on(path, self.as_of, extra)
    }

    /// A link to `path` on another date.
    pub(crate) fn link_on(&self, path: &str, as_of: Date, extra: &[(&str, &str)]) -> String {
        let day = as_of.to_string();
        let mut pairs: Vec<(&str, &str)> = vec![("as_of", &day)];
        pairs.push(("framework", &self.framework_asked));
        pairs.extend_from_slice(extra);
        if self.lang == Lang::En {
            pairs.push(("lang", "en"));
        }
        href(path, &pairs)
    }

    /// The name of the framework's group `code` in the reader's language; a group the framework
    /// does not have is refused with the list of those it has.
    pub(crate) fn group_name(&self, code: &str) -> Result<String, AppError> {
        match self.rules.group(code) {
            Some(g) => Ok(self.lang.pick(&g.name, &g.name_en).to_string()),
            None => {
                let known = self
                    .rules
                    .groups
                    .iter()
                    .map(|g| g.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                Err(AppError::bad_request(
                    format!(
                        "bộ chỉ tiêu {} không có nhóm «{code}»; các nhóm: {known}",
                        self.framework.code
                    ),
                    format!(
                        "framework {} has no group «{code}»; its groups: {known}",
                        self.framework.code
                    ),
                ))
            }
        }
    }

    pub(crate) fn framework_name(&self) -> String {
        self.lang
            .pick(&self.framework.name, &self.framework.name_en)
            .to_string()
    }
}

/// A link in the time bar: a month end of the framework's period.
pub(crate) struct MonthLink {
    pub href: String,
    pub label: String,
    pub title: String,
    pub current: bool,
}

/// The as-of date of a view and the months of the period to replay it on.
pub(crate) struct TimeNav {
    pub action: String,
    pub as_of: String,
    pub as_of_dmy: String,
    /// The other query parameters of the view, kept when the date changes.
    pub hidden: Vec<(String, String)>,
    pub months: Vec<MonthLink>,
    pub previous: Option<MonthLink>,
    pub next: Option<MonthLink>,
}

impl TimeNav {
    /// The time bar for `path`, whose other parameters are `keep`.
    pub(crate) fn new(view: &ViewContext, path: &str, keep: &[(&str, &str)]) -> TimeNav {
        let month = |day: Date| MonthLink {
            href: view.link_on(path, day, keep),
            label: format!("{:02}/{}", day.month(), day.year()),
            title: day.dmy(),
            current: day == view.as_of,
        };
        let ends = Date::month_ends(view.rules.period_start, view.rules.period_end);
        let previous = Some(view.as_of.previous_month_end())
            .filter(|d| *d >= view.rules.period_start.previous_month_end())
            .map(month);
        let next = Some(if view.as_of == view.as_of.month_end() {
            view.as_of.next_day().month_end()
        } else {
            view.as_of.month_end()
        })
        .filter(|d| *d <= view.rules.period_end.month_end())
        .map(month);
        let mut hidden: Vec<(String, String)> = keep
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !view.framework_asked.is_empty() {
            hidden.push(("framework".into(), view.framework_asked.clone()));
        }
        if view.lang == Lang::En {
            hidden.push(("lang".into(), "en".into()));
        }
        TimeNav {
            action: path.to_string(),
            as_of: view.as_of.to_string(),
            as_of_dmy: view.as_of.dmy(),
            hidden,
            months: ends.into_iter().map(month).collect(),
            previous,
            next,
        }
    }
}

/// The counts of one row, with what the page shows of them.
pub(crate) struct CountsView {
    pub counts: Counts,
    pub completion: String,
    /// The stacked bar: (status class, x, width) in a 0–100 box, with a text alternative.
    pub segments: Vec<(&'static str, String, String)>,
    pub bar_label: String,
}

/// The statuses a bar shows, in its order.
const BAR_STATUSES: [Status; 4] = [
    Status::Achieved,
    Status::InProgress,
    Status::NotAchieved,
    Status::NoData,
];

/// `83,9%` or `83.9%`, or `–` when nothing applies.
pub(crate) fn percent(ratio: Option<Ratio>, lang: Lang) -> String {
    tiendo_domain::percent_text(ratio, lang)
}

impl CountsView {
    pub(crate) fn new(counts: Counts, lang: Lang) -> CountsView {
        let total = counts.applicable.max(1);
        let mut x = 0.0_f64;
        let mut segments = Vec::new();
        for status in BAR_STATUSES {
            let n = counts.get(status);
            if n == 0 {
                continue;
            }
            // Geometry only: the figures themselves are shown as exact integers beside the bar.
            let width = f64::from(n) * 100.0 / f64::from(total);
            segments.push((status.code(), format!("{x:.2}"), format!("{width:.2}")));
            x += width;
        }
        let bar_label = BAR_STATUSES
            .iter()
            .map(|s| format!("{} {}", s.label(lang), counts.get(*s)))
            .collect::<Vec<_>>()
            .join(", ");
        CountsView {
            counts,
            completion: percent(counts.completion(), lang),
            segments,
            bar_label,
        }
    }
}

pub(crate) struct Crumb {
    pub href: String,
    pub name: String,
}

pub(crate) fn crumbs(view: &ViewContext, ancestors: &[Unit]) -> Vec<Crumb> {
    ancestors
        .iter()
        .map(|a| Crumb {
            href: view.link(&format!("/units/{}", a.code), &[]),
            name: a.name.clone(),
        })
        .collect()
}

pub(crate) fn status_icon(status: Status) -> &'static str {
    match status {
        Status::Achieved => "✓",
        Status::InProgress => "◐",
        Status::NotAchieved => "✗",
        Status::NoData => "?",
        Status::NotApplicable => "–",
    }
}

/// An indicator's figure as a number to draw: percent, count, or 1/0 for yes/no.
pub(crate) fn plotted(figure: &Figure) -> f64 {
    figure.value().approx()
}

/// The values a chart of `indicator` spans: 0–100 for percentages, 0–1 for yes/no, and for
/// counts from 0 to a little above the largest of the target and `values`.
pub(crate) fn value_range(indicator: &Indicator, values: impl Iterator<Item = f64>) -> (f64, f64) {
    match indicator.measure {
        Measure::YesNo => (0.0, 1.0),
        m if m.is_percentage() => (0.0, 100.0),
        _ => {
            let top = values
                .fold(target_value(indicator).unwrap_or(1.0), f64::max)
                .max(1.0);
            (0.0, top * 1.15)
        }
    }
}

/// The target as a number to draw, if it is one.
pub(crate) fn target_value(indicator: &Indicator) -> Option<f64> {
    match indicator.target {
        Target::Answer(answer) => Some(if answer { 1.0 } else { 0.0 }),
        Target::Threshold { value, .. } => Some(value.as_ratio().approx()),
    }
}

/// The trend line of one indicator's figures, from the start of the period to the as-of date.
pub(crate) fn trend_line(
    indicator: &Indicator,
    figures: &[DatedFigure],
    view: &ViewContext,
) -> String {
    let points: Vec<(Date, f64)> = figures
        .iter()
        .filter(|o| o.observed_on >= view.rules.period_start)
        .map(|o| (o.observed_on, plotted(&o.figure)))
        .collect();
    let lang = view.lang;
    let described: Vec<String> = figures
        .iter()
        .rev()
        .take(4)
        .rev()
        .map(|o| {
            format!(
                "{} ({})",
                o.figure
                    .describe(indicator.measure, indicator.count_unit_in(lang), lang),
                o.observed_on.dmy()
            )
        })
        .collect();
    let label = if described.is_empty() {
        format!("{}: {}", indicator.code, Status::NoData.label(lang))
    } else {
        format!(
            "{} {}: {}",
            lang.pick("Diễn biến", "Trend of"),
            indicator.code,
            described.join(" → ")
        )
    };
    Sparkline {
        points: &points,
        from: view.rules.period_start,
        to: view.rules.period_end,
        as_of: view.as_of,
        range: value_range(indicator, points.iter().map(|p| p.1)),
        target: target_value(indicator),
        label: &label,
    }
    .render()
}

/// What an indicator's trend is drawn from: its figures, for those who may read them, or else
/// its statuses over time (derived, and public when the dashboard is).
pub(crate) enum Trends {
    Figures(HashMap<String, Vec<DatedFigure>>),
    Statuses(HashMap<String, Vec<tiendo_storage::StatusSpan>>),
}

impl Trends {
    /// Reads what `viewer_may_read_figures` allows for the unit, up to the as-of date.
    pub(crate) async fn read(
        state: &AppState,
        code: &str,
        view: &ViewContext,
        viewer_may_read_figures: bool,
    ) -> Result<Trends, AppError> {
        Ok(if viewer_may_read_figures {
            Trends::Figures(
                state
                    .store
                    .unit_figures(code, &view.framework, view.as_of)
                    .await?,
            )
        } else {
            Trends::Statuses(
                state
                    .store
                    .unit_status_history(code, &view.framework, view.as_of)
                    .await?,
            )
        })
    }

    /// The drawing for one indicator.
    pub(crate) fn draw(&self, indicator: &Indicator, view: &ViewContext) -> String {
        match self {
            Trends::Figures(figures) => trend_line(
                indicator,
                figures.get(&indicator.code).map_or(&[], Vec::as_slice),
                view,
            ),
            Trends::Statuses(spans) => status_strip(
                indicator,
                spans.get(&indicator.code).map_or(&[], Vec::as_slice),
                view,
            ),
        }
    }
}

/// An indicator's statuses over the period up to the as-of date, with the changes in words.
pub(crate) fn status_strip(
    indicator: &Indicator,
    spans: &[tiendo_storage::StatusSpan],
    view: &ViewContext,
) -> String {
    let changes = status_changes(spans, view);
    let label = format!(
        "{} {}: {}",
        view.lang
            .pick("Trạng thái theo thời gian của", "Status over time of"),
        indicator.code,
        describe_changes(&changes, view.lang)
    );
    StatusStrip {
        changes: &changes,
        from: view.rules.period_start,
        to: view.rules.period_end,
        as_of: view.as_of,
        label: &label,
    }
    .render()
}

/// The statuses of the framework's period, each with the day it began (clipped to the period),
/// one entry per change of status.
pub(crate) fn status_changes(
    spans: &[tiendo_storage::StatusSpan],
    view: &ViewContext,
) -> Vec<(Date, Status)> {
    let mut changes: Vec<(Date, Status)> = Vec::new();
    for span in spans.iter().filter(|s| s.until > view.rules.period_start) {
        // A new figure or reason starts a new span; only a new status is a change.
        if changes
            .last()
            .is_none_or(|(_, status)| *status != span.status)
        {
            changes.push((span.from.max(view.rules.period_start), span.status));
        }
    }
    changes
}

/// "Chưa có số liệu từ 01/01/2022, Hoàn thành từ 15/01/2022".
pub(crate) fn describe_changes(changes: &[(Date, Status)], lang: Lang) -> String {
    changes
        .iter()
        .map(|(from, status)| {
            format!(
                "{} {} {}",
                status.label(lang),
                lang.pick("từ", "from"),
                from.dmy()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A sort key of the overview's table of units.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Code,
    Name,
    Rank,
    Applicable,
    Status(Status),
}

impl SortKey {
    const ALL: [SortKey; 7] = [
        SortKey::Code,
        SortKey::Name,
        SortKey::Rank,
        SortKey::Applicable,
        SortKey::Status(Status::Achieved),
        SortKey::Status(Status::InProgress),
        SortKey::Status(Status::NotAchieved),
    ];

    fn code(self) -> &'static str {
        match self {
            SortKey::Code => "code",
            SortKey::Name => "name",
            SortKey::Rank => "rank",
            SortKey::Applicable => "applicable",
            SortKey::Status(s) => s.code(),
        }
    }

    fn parse(text: Option<&str>) -> Result<SortKey, AppError> {
        let text = text.unwrap_or("code");
        SortKey::ALL
            .into_iter()
            .chain([SortKey::Status(Status::NoData)])
            .find(|k| k.code() == text)
            .ok_or_else(|| {
                AppError::bad_request(
                    format!("không sắp xếp được theo «{text}»; hãy chọn một cột của bảng"),
                    format!("cannot sort by «{text}»; choose a column of the table"),
                )
            })
    }

    /// Descending is the natural first order for counts (most first); ascending for the rest.
    fn natural_descending(self) -> bool {
        matches!(self, SortKey::Applicable | SortKey::Status(_))
    }
}

/// One sub-unit's row in the overview.
struct ChildView {
    rank: Option<u32>,
    href: String,
    name: String,
    kind: &'static str,
    kind_label: &'static str,
    counts: CountsView,
    ready: bool,
    /// "Recognised from …", once recognised.
    recognised: Option<String>,
    trend: String,
}

struct GroupView {
    code: String,
    name: String,
    href: String,
    counts: CountsView,
}

/// A sortable column header.
struct SortHeader {
    label: String,
    /// `ascending`, `descending` or `none`, for `aria-sort`.
    aria_sort: &'static str,
    href: String,
    numeric: bool,
}

struct FilterOption {
    value: String,
    label: String,
    selected: bool,
}

/// One indicator across the units of the overview: where support is needed.
struct IndicatorSpread {
    code: String,
    name: String,
    href: String,
    counts: CountsView,
}

/// The overview of a unit with sub-units.
struct Overview {
    groups_filter: Vec<FilterOption>,
    kinds_filter: Vec<FilterOption>,
    sort: String,
    dir: String,
    headers: Vec<SortHeader>,
    children: Vec<ChildView>,
    /// Units listed (after the kind filter) and in all.
    shown: usize,
    total: usize,
    ready: usize,
    indicators: Vec<IndicatorSpread>,
    matrix_href: String,
    scores_href: String,
}

struct IndicatorView {
    /// Why the reviewer returned this indicator, if the submission was returned.
    returned: Option<String>,
    code: String,
    name: String,
    href: String,
    value: String,
    observed_on: String,
    target: String,
    status: &'static str,
    status_label: &'static str,
    icon: &'static str,
    reason: String,
    evidence: i64,
    /// The framework asks for evidence and the figure in force has none.
    evidence_needed: bool,
    trend: String,
}

struct IndicatorGroupView {
    name: String,
    rows: Vec<IndicatorView>,
}

/// Something the unit still has to do: an indicator with no figure, one whose figure needs
/// evidence, or one the reviewer returned.
struct TodoItem {
    code: String,
    name: String,
    what: String,
    /// What the reviewer wrote, or what evidence is asked for.
    detail: String,
    href: String,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    /// Whether the viewer may enter figures for this unit (shows the link to the form).
    can_enter: bool,
    illustrative: bool,
    unit_name: String,
    unit_kind: &'static str,
    unit_code: String,
    crumbs: Vec<Crumb>,
    framework_name: String,
    time: TimeNav,
    counts: CountsView,
    /// The unit meets the framework's recognition rule (stated in `recognition_rule`): ready
    /// to apply for recognition.
    ready: bool,
    recognition_rule: String,
    /// The group shown alone, when one is chosen, and the same view of every group.
    group_name: Option<String>,
    all_groups_href: String,
    completion_chart: String,
    groups: Vec<GroupView>,
    overview: Option<Overview>,
    indicator_groups: Vec<IndicatorGroupView>,
    todo: Vec<TodoItem>,
    submission: Option<SubmissionView>,
    /// Exclusion requests waiting for this viewer's decision (reviewers only).
    pending_exclusions: Vec<tiendo_storage::ExclusionRequest>,
    entry_href: String,
    downloads: Downloads,
    /// Issue 6: each indicator's support tasks, and one-click proposals (wards only).
    tasks: Option<crate::tasks::UnitTasks>,
    // recognition: begin
    /// Readiness under the framework's rule and any recognition (assessed units only).
    recognition: Option<crate::recognition::RecognitionBlock>,
    // recognition: end
}

/// The documents a unit's page offers: the report, the view's data, the template and the
/// import, each on the page's date, framework and language.
pub(crate) struct Downloads {
    /// Reports and the template carry figures: only for those who may read them.
    pub can_read: bool,
    pub can_enter: bool,
    /// A city's counts are a summary; a ward's indicators carry figures.
    pub can_export: bool,
    pub report_docx: String,
    pub report_pdf: String,
    pub report_xlsx: String,
    pub export_xlsx: String,
    pub template_xlsx: String,
    pub template_csv: String,
    pub import_href: String,
}

impl Downloads {
    fn new(
        view: &ViewContext,
        path: &str,
        group: Option<&str>,
        is_overview: bool,
        can_read: bool,
        can_enter: bool,
    ) -> Downloads {
        let report = |format: &str| view.link(&format!("{path}/report"), &[("format", format)]);
        let mut export: Vec<(&str, &str)> =
            vec![("view", if is_overview { "summary" } else { "indicators" })];
        if let Some(g) = group {
            export.push(("group", g));
        }
        Downloads {
            can_read,
            can_enter,
            can_export: is_overview || can_read,
            report_docx: report("docx"),
            report_pdf: report("pdf"),
            report_xlsx: report("xlsx"),
            export_xlsx: view.link(&format!("{path}/export"), &export),
            template_xlsx: view.link(&format!("{path}/template"), &[]),
            template_csv: view.link(&format!("{path}/template"), &[("format", "csv")]),
            import_href: view.link(&format!("{path}/import"), &[]),
        }
    }
}

impl UnitPage {
    fn label(&self, status: Status) -> &'static str {
        status.label(self.lang)
    }
}

#[derive(Debug, Default, Deserialize)]
struct UnitQuery {
    #[serde(flatten)]
    view: ViewParams,
    group: Option<String>,
    kind: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
}

async fn unit_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<UnitQuery>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let lang = query.view.lang(&viewer);
    let page = build_unit_page(&state, &viewer, &code, &query, lang)
        .await
        .map_err(|e| PageError(e, lang))?;
    render(StatusCode::OK, &page, lang, FRESH)
}

async fn build_unit_page(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    query: &UnitQuery,
    lang: Lang,
) -> Result<UnitPage, AppError> {
    let access = state.access(viewer, code).await?;
    access.check(Action::ReadSummary)?;
    let (can_review, can_read, can_enter) = (
        access.allows(Action::Review),
        access.allows(Action::ReadData),
        access.allows(Action::EnterData),
    );
    let view = ViewContext::read(state, &query.view, lang).await?;
    let store = &state.store;
    let group = query.group.as_deref().filter(|g| !g.is_empty());
    let group_name = group.map(|g| view.group_name(g)).transpose()?;
    let summary = store
        .summary_in_group(code, &view.framework, view.as_of, group)
        .await?;
    let rows = store
        .unit_indicators(code, &view.framework, view.as_of)
        .await?;
    let illustrative = store.setting(settings::ILLUSTRATIVE).await?.as_deref() == Some("true");
    let days = days_until(view.rules.period_start, view.rules.period_end, view.as_of);
    let series = store
        .count_series(code, &view.framework, &days, group)
        .await?;

    let unit: &Unit = &summary.unit;
    let path = format!("/units/{}", unit.code);
    // recognition: begin
    let under = if summary.children.is_empty() {
        crate::recognition::UnderView::of_unit(state, &view, unit, &rows).await?
    } else {
        crate::recognition::UnderView::read(state, &view, code).await?
    };
    let recognition = under.block(&view, code);
    // recognition: end
    let overview = if summary.children.is_empty() {
        None
    } else {
        let spread = store
            .indicator_counts(code, &view.framework, view.as_of)
            .await?;
        Some(overview(
            &view, &summary, &series, &spread, query, &path, &under,
        )?)
    };
    let keep: Vec<(&str, &str)> = [
        ("group", query.group.as_deref()),
        ("kind", query.kind.as_deref()),
        ("sort", query.sort.as_deref()),
        ("dir", query.dir.as_deref()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();

    let mut submission = None;
    // A reviewer sees the requests of this unit and of every unit under it.
    let pending_exclusions = if can_review {
        store
            .exclusion_requests(code)
            .await?
            .into_iter()
            .filter(|r| r.state == "pending")
            .collect()
    } else {
        Vec::new()
    };
    // --- issue 6, support tasks: one batched read for the unit.
    let tasks = if overview.is_none() && !rows.is_empty() && viewer.user.is_some() && can_read {
        let coordinate = access.allows(Action::Coordinate);
        let t = crate::tasks::unit_tasks(state, viewer, unit, coordinate, &rows, view.as_of, lang);
        Some(t.await?)
    } else {
        None
    };
    // --- end of support tasks
    let mut indicator_groups = Vec::new();
    let mut todo = Vec::new();
    if !rows.is_empty() {
        let trends = Trends::read(state, code, &view, can_read).await?;
        if can_read {
            let periods = store.periods(&view.framework).await?;
            let period = periods
                .iter()
                .find(|p| p.starts_on <= view.as_of && view.as_of <= p.ends_on)
                .or(periods.first())
                .cloned();
            if let Some(p) = period {
                let s = store.submission(code, &p).await?;
                submission = Some(SubmissionView::new(s, &rows, can_enter, can_review, lang));
            }
        }
        let returns = submission
            .as_ref()
            .map(|s| s.returns.clone())
            .unwrap_or_default();
        // One group's view of a ward shows that group's indicators.
        let rows = rows
            .into_iter()
            .filter(|r| group.is_none_or(|g| r.group.code == g))
            .collect();
        (indicator_groups, todo) =
            indicator_views(&view, &unit.code, rows, &returns, &trends, can_enter);
    }

    let chart_label = format!(
        "{} {} {}",
        lang.pick("Tỷ lệ hoàn thành của", "Completion of"),
        unit.name,
        lang.pick("theo từng tháng", "month by month")
    );
    let downloads = Downloads::new(&view, &path, group, overview.is_some(), can_read, can_enter);
    Ok(UnitPage {
        lang,
        signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        can_enter,
        illustrative,
        unit_name: unit.name.clone(),
        unit_kind: unit.kind.label(lang),
        unit_code: unit.code.clone(),
        crumbs: crumbs(&view, &access.ancestors),
        framework_name: view.framework_name(),
        time: TimeNav::new(&view, &path, &keep),
        counts: CountsView::new(summary.counts, lang),
        ready: group.is_none()
            && under
                .ready(code)
                .unwrap_or_else(|| summary.counts.all_achieved()),
        recognition_rule: view.rules.recognition.describe(lang),
        group_name,
        all_groups_href: view.link(
            &path,
            &keep
                .iter()
                .filter(|(k, _)| *k != "group")
                .copied()
                .collect::<Vec<_>>(),
        ),
        completion_chart: CompletionChart {
            from: view.rules.period_start,
            to: view.rules.period_end,
            days: &series.days,
            counts: &series.total,
            as_of: view.as_of,
            lang,
            label: &chart_label,
        }
        .render(),
        groups: summary
            .groups
            .iter()
            .filter(|g| g.counts.applicable + g.counts.not_applicable > 0)
            .map(|g| GroupView {
                code: g.group.code.clone(),
                name: lang.pick(&g.group.name, &g.group.name_en).to_string(),
                href: view.link(&path, &[("group", &g.group.code)]),
                counts: CountsView::new(g.counts, lang),
            })
            .collect(),
        overview,
        indicator_groups,
        todo,
        submission,
        pending_exclusions,
        entry_href: view.link(&format!("{path}/entry"), &[]),
        downloads,
        tasks,
        recognition,
    })
}

/// The overview of a unit's sub-units: filtered by kind, sorted, ranked by completion.
fn overview(
    view: &ViewContext,
    summary: &tiendo_storage::Summary,
    series: &tiendo_storage::CountSeries,
    spread: &HashMap<String, Counts>,
    query: &UnitQuery,
    path: &str,
    under: &crate::recognition::UnderView,
) -> Result<Overview, AppError> {
    let lang = view.lang;
    let group = query.group.clone().unwrap_or_default();
    let kind = query.kind.clone().unwrap_or_default();
    let sort = SortKey::parse(query.sort.as_deref())?;
    let descending = match query.dir.as_deref() {
        None | Some("") => sort.natural_descending(),
        Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(AppError::bad_request(
                format!("chiều sắp xếp «{other}» không hợp lệ: dùng asc hoặc desc"),
                format!("sort direction «{other}» is not valid: use asc or desc"),
            ));
        }
    };

    let all_counts: Vec<Counts> = summary.children.iter().map(|c| c.counts).collect();
    let ranks = completion_ranks(&all_counts);
    let mut kinds: Vec<(&'static str, &'static str)> = Vec::new();
    for c in &summary.children {
        let k = (c.unit.kind.code(), c.unit.kind.label(lang));
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    if !kind.is_empty() && !kinds.iter().any(|(k, _)| *k == kind) {
        return Err(AppError::bad_request(
            format!("không có đơn vị loại «{kind}» trong danh sách này"),
            format!("no unit of the kind «{kind}» is in this list"),
        ));
    }
    let keep = |extra: &[(&'static str, String)]| -> String {
        let mut pairs: Vec<(&str, &str)> = vec![("group", &group), ("kind", &kind)];
        pairs.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
        view.link(path, &pairs)
    };
    let empty = Vec::new();
    let mut children: Vec<(ChildView, &Unit)> = summary
        .children
        .iter()
        .zip(&ranks)
        .filter(|(c, _)| kind.is_empty() || c.unit.kind.code() == kind)
        .map(|(c, rank)| {
            let history = series.children.get(&c.unit.code).unwrap_or(&empty);
            let label = format!(
                "{} {} {}",
                lang.pick("Tỷ lệ hoàn thành của", "Completion of"),
                c.unit.name,
                lang.pick("theo tháng", "by month")
            );
            let points: Vec<(Date, f64)> = series
                .days
                .iter()
                .zip(history)
                .filter(|(_, counts)| counts.applicable > 0)
                .map(|(d, counts)| {
                    (
                        *d,
                        f64::from(counts.achieved) * 100.0 / f64::from(counts.applicable),
                    )
                })
                .collect();
            let trend = Sparkline {
                points: &points,
                from: view.rules.period_start,
                to: view.rules.period_end,
                as_of: view.as_of,
                range: (0.0, 100.0),
                target: None,
                label: &label,
            }
            .render();
            (
                ChildView {
                    rank: *rank,
                    href: view.link(&format!("/units/{}", c.unit.code), &[("group", &group)]),
                    name: c.unit.name.clone(),
                    kind: c.unit.kind.code(),
                    kind_label: c.unit.kind.label(lang),
                    counts: CountsView::new(c.counts, lang),
                    // Readiness is about every indicator, so a group filter does not show it.
                    // The framework's rule for an assessed unit; every unit below achieving
                    // everything for a district.
                    ready: group.is_empty()
                        && under
                            .ready(&c.unit.code)
                            .unwrap_or_else(|| c.counts.all_achieved()),
                    recognised: under.recognised(&c.unit.code, lang),
                    trend,
                },
                &c.unit,
            )
        })
        .collect();
    let by_name = |a: &Unit, b: &Unit| text::collate(&a.name, &b.name);
    children.sort_by(|(a, ua), (b, ub)| {
        let order = match sort {
            SortKey::Code => ua.code.cmp(&ub.code),
            SortKey::Name => by_name(ua, ub),
            // Unranked units last, whichever the direction.
            SortKey::Rank => match (a.rank, b.rank) {
                (Some(x), Some(y)) if descending => y.cmp(&x),
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
            SortKey::Applicable => a.counts.counts.applicable.cmp(&b.counts.counts.applicable),
            SortKey::Status(s) => a.counts.counts.get(s).cmp(&b.counts.counts.get(s)),
        };
        let order = if descending && sort != SortKey::Rank {
            order.reverse()
        } else {
            order
        };
        // Ties read in alphabetical order.
        order.then_with(|| by_name(ua, ub))
    });
    let header = |key: SortKey, label: String, numeric: bool| {
        let current = key == sort;
        let next_descending = if current {
            !descending
        } else {
            key.natural_descending()
        };
        SortHeader {
            label,
            aria_sort: match (current, descending) {
                (false, _) => "none",
                (true, true) => "descending",
                (true, false) => "ascending",
            },
            href: keep(&[
                ("sort", key.code().to_string()),
                (
                    "dir",
                    if next_descending { "desc" } else { "asc" }.to_string(),
                ),
            ]),
            numeric,
        }
    };
    let headers = vec![
        header(SortKey::Rank, lang.pick("Hạng", "Rank").into(), true),
        header(SortKey::Name, lang.pick("Đơn vị", "Unit").into(), false),
        header(
            SortKey::Applicable,
            lang.pick("Áp dụng", "Applicable").into(),
            true,
        ),
        header(
            SortKey::Status(Status::Achieved),
            format!("✓ {}", Status::Achieved.label(lang)),
            true,
        ),
        header(
            SortKey::Status(Status::InProgress),
            format!("◐ {}", Status::InProgress.label(lang)),
            true,
        ),
        header(
            SortKey::Status(Status::NotAchieved),
            format!("✗ {}", Status::NotAchieved.label(lang)),
            true,
        ),
        header(
            SortKey::Status(Status::NoData),
            format!("? {}", Status::NoData.label(lang)),
            true,
        ),
    ];
    let indicators = view
        .rules
        .indicators
        .iter()
        .filter(|i| group.is_empty() || i.group == group)
        .filter_map(|i| {
            let counts = *spread.get(&i.code)?;
            Some(IndicatorSpread {
                code: i.code.clone(),
                name: lang.pick(&i.name, &i.name_en).to_string(),
                href: view.link(&format!("{path}/indicators/{}", i.code), &[]),
                counts: CountsView::new(counts, lang),
            })
        })
        .collect();
    let option = |value: &str, label: &str, current: &str| FilterOption {
        value: value.to_string(),
        label: label.to_string(),
        selected: value == current,
    };
    let mut groups_filter = vec![option("", lang.pick("Mọi nhóm", "All groups"), &group)];
    groups_filter.extend(
        view.rules
            .groups
            .iter()
            .map(|g| option(&g.code, lang.pick(&g.name, &g.name_en), &group)),
    );
    let mut kinds_filter = vec![option("", lang.pick("Mọi loại", "All kinds"), &kind)];
    kinds_filter.extend(kinds.iter().map(|(k, label)| option(k, label, &kind)));
    Ok(Overview {
        groups_filter,
        kinds_filter,
        shown: children.len(),
        total: summary.children.len(),
        ready: children.iter().filter(|(c, _)| c.ready).count(),
        children: children.into_iter().map(|(c, _)| c).collect(),
        sort: sort.code().to_string(),
        dir: if descending { "desc" } else { "asc" }.to_string(),
        headers,
        indicators,
        matrix_href: view.link(&format!("{path}/matrix"), &[]),
        scores_href: view.link(&format!("{path}/scores"), &[]),
    })
}

/// The indicator rows of an assessed unit by group, and its to-do list: returned indicators,
/// then those with no figure, then those whose figure needs evidence.
fn indicator_views(
    view: &ViewContext,
    unit_code: &str,
    rows: Vec<IndicatorRow>,
    returns: &BTreeMap<String, String>,
    trends: &Trends,
    can_enter: bool,
) -> (Vec<IndicatorGroupView>, Vec<TodoItem>) {
    let lang = view.lang;
    let mut groups: Vec<IndicatorGroupView> = Vec::new();
    let mut todo: Vec<(u8, TodoItem)> = Vec::new();
    for r in rows {
        let i = &r.indicator;
        let count = r.evidence;
        let evidence_needed = !i.evidence.is_empty() && r.latest.is_some() && count == 0;
        let href = view.link(&format!("/units/{unit_code}/indicators/{}", i.code), &[]);
        let name = lang.pick(&i.name, &i.name_en).to_string();
        let entry = format!(
            "{}#row-{}",
            view.link(
                &format!("/units/{unit_code}/entry"),
                &[("group", &r.group.code)]
            ),
            i.code
        );
        let to_fix = if can_enter { entry } else { href.clone() };
        let returned = returns.get(&i.code).cloned();
        let mut item = |order: u8, what: &str, detail: String| {
            todo.push((
                order,
                TodoItem {
                    code: i.code.clone(),
                    name: name.clone(),
                    what: what.to_string(),
                    detail,
                    href: to_fix.clone(),
                },
            ));
        };
        if let Some(why) = &returned {
            item(0, lang.pick("Bị trả lại", "Returned"), why.clone());
        }
        if r.status == Status::NoData {
            item(1, Status::NoData.label(lang), String::new());
        }
        if evidence_needed {
            item(
                2,
                lang.pick("Cần minh chứng", "Evidence needed"),
                i.evidence_in(lang).join("; "),
            );
        }
        let indicator_view = IndicatorView {
            evidence: count,
            evidence_needed,
            trend: if r.status == Status::NotApplicable {
                String::new()
            } else {
                trends.draw(i, view)
            },
            code: i.code.clone(),
            href,
            name,
            value: r
                .latest
                .as_ref()
                .map(|o| o.figure.describe(i.measure, i.count_unit_in(lang), lang))
                .unwrap_or_else(|| "–".into()),
            observed_on: r
                .latest
                .as_ref()
                .map(|o| o.observed_on.dmy())
                .unwrap_or_default(),
            target: i.target.describe(i.measure, lang),
            status: r.status.code(),
            status_label: r.status.label(lang),
            icon: status_icon(r.status),
            reason: r.reason.get(lang).to_string(),
            returned,
        };
        let group = lang.pick(&r.group.name, &r.group.name_en);
        match groups.last_mut() {
            Some(g) if g.name == group => g.rows.push(indicator_view),
            _ => groups.push(IndicatorGroupView {
                name: group.to_string(),
                rows: vec![indicator_view],
            }),
        }
    }
    todo.sort_by_key(|(order, _)| *order);
    (groups, todo.into_iter().map(|(_, t)| t).collect())
}

/// One change since the previous submission, as the reviewer reads it.
struct ChangeView {
    code: String,
    name: String,
    before: String,
    after: String,
    status: &'static str,
    status_label: &'static str,
    icon: &'static str,
}

/// The unit's submission for the period in view, with what the viewer may do with it.
struct SubmissionView {
    period: String,
    period_name: String,
    deadline: String,
    state: &'static str,
    state_label: &'static str,
    submitted_on: String,
    submitted_by: String,
    late: bool,
    returns: BTreeMap<String, String>,
    unlocked: BTreeMap<String, String>,
    changes: Vec<ChangeView>,
    can_submit: bool,
    can_decide: bool,
    can_unlock: bool,
}

impl SubmissionView {
    fn new(
        s: tiendo_storage::Submission,
        rows: &[IndicatorRow],
        can_enter: bool,
        can_review: bool,
        lang: Lang,
    ) -> Self {
        let (state, state_label) = match s.state.as_str() {
            "submitted" => (
                "submitted",
                lang.pick("Đã gửi, chờ xét", "Submitted, awaiting review"),
            ),
            "returned" => (
                "returned",
                lang.pick("Bị trả lại để hoàn thiện", "Returned for work"),
            ),
            "accepted" => (
                "accepted",
                lang.pick("Đã chấp nhận (đã khóa)", "Accepted (locked)"),
            ),
            _ => (
                "draft",
                lang.pick("Đang soạn, chưa gửi", "Draft, not submitted"),
            ),
        };
        let changes = s
            .changes
            .iter()
            .map(|c| {
                let row = rows.iter().find(|r| r.indicator.code == c.indicator_code);
                let status = row.map_or(Status::NoData, |r| r.status);
                ChangeView {
                    code: c.indicator_code.clone(),
                    name: row
                        .map(|r| {
                            lang.pick(&r.indicator.name, &r.indicator.name_en)
                                .to_string()
                        })
                        .unwrap_or_default(),
                    before: c.before.clone().unwrap_or_else(|| "—".into()),
                    after: c.after.clone().unwrap_or_else(|| "—".into()),
                    status: status.code(),
                    status_label: status.label(lang),
                    icon: status_icon(status),
                }
            })
            .collect();
        SubmissionView {
            period: s.period.code.clone(),
            period_name: s.period.name.clone(),
            deadline: s.period.deadline.dmy(),
            state,
            state_label,
            submitted_on: s.submitted_on.map(|d| d.dmy()).unwrap_or_default(),
            submitted_by: s.submitted_by.unwrap_or_default(),
            late: s.late,
            can_submit: can_enter && matches!(state, "draft" | "returned"),
            can_decide: can_review && state == "submitted",
            can_unlock: can_review && state == "accepted",
            returns: s.returns,
            unlocked: s.unlocked,
            changes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_encode_their_query_and_drop_empty_values() {
        assert_eq!(
            href("/search", &[("q", "quảng tiến"), ("lang", "")]),
            "/search?q=qu%E1%BA%A3ng+ti%E1%BA%BFn"
        );
        assert_eq!(href("/units/382", &[("group", "")]), "/units/382");
        assert_eq!(
            href("/units/382", &[("as_of", "2022-10-31"), ("kind", "xa")]),
            "/units/382?as_of=2022-10-31&kind=xa"
        );
    }
}
