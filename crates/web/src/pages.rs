//! Server-rendered pages: the overview of a unit with sub-units (a city, a province) and the
//! indicator list of an assessed unit (a ward), both for any as-of date. Plain HTML forms, no
//! script, every asset served from the binary.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use tiendo_domain::{Counts, Date, Lang, Status, Unit};
use tiendo_storage::{IndicatorRow, settings};

use crate::auth::Viewer;
use crate::query::ViewParams;
use crate::{AppError, AppState};
use tiendo_domain::access::Action;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/units/{code}", get(unit_page))
        .route("/static/app.css", get(stylesheet))
}

const STYLESHEET: &str = include_str!("../static/app.css");

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        STYLESHEET,
    )
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
                StatusCode::BAD_REQUEST => lang.pick("Yêu cầu không hợp lệ", "Bad request"),
                StatusCode::UNAUTHORIZED => lang.pick("Cần đăng nhập", "Sign-in required"),
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

pub(crate) async fn not_found(Query(params): Query<ViewParams>) -> PageError {
    PageError(
        AppError::NotFound {
            vi: "Trang này không tồn tại.".into(),
            en: "There is no such page.".into(),
        },
        params.lang(),
    )
}

/// `/` opens the dataset's home unit (the demo's city), keeping the query string.
async fn home(State(state): State<AppState>, uri: Uri) -> Result<Redirect, PageError> {
    let lang = Lang::Vi;
    let home = match state
        .store
        .setting(settings::HOME_UNIT)
        .await
        .map_err(|e| PageError(e.into(), lang))?
    {
        Some(code) => code,
        None => state
            .store
            .root_unit()
            .await
            .map_err(|e| PageError(e.into(), lang))?
            .ok_or_else(|| {
                PageError(
                    AppError::NotFound {
                        vi: "Chưa có đơn vị hành chính nào trong cơ sở dữ liệu.".into(),
                        en: "The database holds no administrative unit yet.".into(),
                    },
                    lang,
                )
            })?,
    };
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    Ok(Redirect::to(&format!("/units/{home}{query}")))
}

/// The counts of one row, with what the page shows of them.
struct CountsView {
    counts: Counts,
    completion: String,
    /// The stacked bar: (status class, x, width) in a 0–100 box, with a text alternative.
    segments: Vec<(&'static str, String, String)>,
    bar_label: String,
}

impl CountsView {
    fn new(counts: Counts, lang: Lang) -> CountsView {
        let total = counts.applicable.max(1);
        let mut x = 0.0_f64;
        let mut segments = Vec::new();
        for status in [
            Status::Achieved,
            Status::InProgress,
            Status::NotAchieved,
            Status::NoData,
        ] {
            let n = counts.get(status);
            if n == 0 {
                continue;
            }
            // Geometry only: the figures themselves are shown as exact integers beside the bar.
            let width = f64::from(n) * 100.0 / f64::from(total);
            segments.push((status.code(), format!("{x:.2}"), format!("{width:.2}")));
            x += width;
        }
        let bar_label = [
            Status::Achieved,
            Status::InProgress,
            Status::NotAchieved,
            Status::NoData,
        ]
        .iter()
        .map(|s| format!("{} {}", s.label(lang), counts.get(*s)))
        .collect::<Vec<_>>()
        .join(", ");
        let completion = match counts.completion() {
            Some(r) => format!(
                "{}%",
                r.mul(tiendo_domain::Ratio::from_int(100))
                    .round_to(1)
                    .format(lang)
            ),
            None => "–".into(),
        };
        CountsView {
            counts,
            completion,
            segments,
            bar_label,
        }
    }
}

struct Crumb {
    href: String,
    name: String,
}

struct ChildView {
    href: String,
    name: String,
    kind: &'static str,
    counts: CountsView,
}

struct GroupView {
    name: String,
    counts: CountsView,
}

struct IndicatorView {
    /// Why the reviewer returned this indicator, if the submission was returned.
    returned: Option<String>,
    code: String,
    name: String,
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
}

struct IndicatorGroupView {
    name: String,
    rows: Vec<IndicatorView>,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    /// Whether the viewer may enter figures for this unit (shows the link to the form).
    can_enter: bool,
    /// Whether the viewer may read the figures' history (links each indicator to it).
    can_read: bool,
    illustrative: bool,
    unit_name: String,
    unit_kind: &'static str,
    unit_code: String,
    crumbs: Vec<Crumb>,
    framework_name: String,
    framework_code: String,
    as_of: String,
    as_of_dmy: String,
    other_lang_href: String,
    other_lang_label: &'static str,
    counts: CountsView,
    groups: Vec<GroupView>,
    children: Vec<ChildView>,
    indicator_groups: Vec<IndicatorGroupView>,
    submission: Option<SubmissionView>,
    /// Exclusion requests waiting for this viewer's decision (reviewers only).
    pending_exclusions: Vec<tiendo_storage::ExclusionRequest>,
}

impl UnitPage {
    fn label(&self, status: Status) -> &'static str {
        status.label(self.lang)
    }
}

fn status_icon(status: Status) -> &'static str {
    match status {
        Status::Achieved => "✓",
        Status::InProgress => "◐",
        Status::NotAchieved => "✗",
        Status::NoData => "?",
        Status::NotApplicable => "–",
    }
}

fn unit_href(code: &str, as_of: Date, lang: Lang) -> String {
    match lang {
        Lang::Vi => format!("/units/{code}?as_of={as_of}"),
        Lang::En => format!("/units/{code}?as_of={as_of}&lang=en"),
    }
}

async fn unit_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(params): Query<ViewParams>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let lang = params.lang();
    let page = build_unit_page(&state, &viewer, &code, &params, lang)
        .await
        .map_err(|e| PageError(e, lang))?;
    let html = page.render().map_err(|e| PageError(e.into(), lang))?;
    let mut response = Html(html).into_response();
    // Pages change with every figure entered: never serve a stale one.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

async fn build_unit_page(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    params: &ViewParams,
    lang: Lang,
) -> Result<UnitPage, AppError> {
    let access = state.access(viewer, code).await?;
    access.check(Action::ReadSummary)?;
    let (can_review, can_read, can_enter) = (
        access.allows(Action::Review),
        access.allows(Action::ReadData),
        access.allows(Action::EnterData),
    );
    let as_of = params.as_of(state).await?;
    let store = &state.store;
    let framework = store
        .framework_ref(params.framework.as_deref(), Some(as_of))
        .await?;
    let summary = store.summary(code, &framework, as_of).await?;
    let rows = store.unit_indicators(code, &framework, as_of).await?;
    let evidence = store.evidence_counts(&framework, code, as_of).await?;
    let ancestors = store.ancestors(code).await?;
    let illustrative = store.setting(settings::ILLUSTRATIVE).await?.as_deref() == Some("true");
    let submission = if rows.is_empty() || !can_read {
        None
    } else {
        let periods = store.periods(&framework).await?;
        let period = periods
            .iter()
            .find(|p| p.starts_on <= as_of && as_of <= p.ends_on)
            .or(periods.first())
            .cloned();
        match period {
            None => None,
            Some(p) => {
                let s = store.submission(code, &p).await?;
                Some(SubmissionView::new(s, can_enter, can_review, lang))
            }
        }
    };
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
    let returns = submission
        .as_ref()
        .map(|s| s.returns.clone())
        .unwrap_or_default();

    let unit: &Unit = &summary.unit;
    let other = match lang {
        Lang::Vi => Lang::En,
        Lang::En => Lang::Vi,
    };
    Ok(UnitPage {
        lang,
        signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        can_enter,
        can_read,
        illustrative,
        unit_name: unit.name.clone(),
        unit_kind: unit.kind.label(lang),
        unit_code: unit.code.clone(),
        crumbs: ancestors
            .iter()
            .map(|a| Crumb {
                href: unit_href(&a.code, as_of, lang),
                name: a.name.clone(),
            })
            .collect(),
        framework_name: lang.pick(&framework.name, &framework.name_en).to_string(),
        framework_code: framework.code.clone(),
        as_of: as_of.to_string(),
        as_of_dmy: as_of.dmy(),
        other_lang_href: unit_href(&unit.code, as_of, other),
        other_lang_label: lang.pick("English", "Tiếng Việt"),
        counts: CountsView::new(summary.counts, lang),
        groups: summary
            .groups
            .iter()
            .filter(|g| g.counts.applicable + g.counts.not_applicable > 0)
            .map(|g| GroupView {
                name: lang.pick(&g.group.name, &g.group.name_en).to_string(),
                counts: CountsView::new(g.counts, lang),
            })
            .collect(),
        children: summary
            .children
            .iter()
            .map(|c| ChildView {
                href: unit_href(&c.unit.code, as_of, lang),
                name: c.unit.name.clone(),
                kind: c.unit.kind.code(),
                counts: CountsView::new(c.counts, lang),
            })
            .collect(),
        indicator_groups: group_rows(rows, &evidence, &returns, lang),
        submission,
        pending_exclusions,
    })
}

fn group_rows(
    rows: Vec<IndicatorRow>,
    evidence: &std::collections::HashMap<String, i64>,
    returns: &std::collections::BTreeMap<String, String>,
    lang: Lang,
) -> Vec<IndicatorGroupView> {
    let mut groups: Vec<IndicatorGroupView> = Vec::new();
    for r in rows {
        let i = &r.indicator;
        let count = evidence.get(&i.code).copied().unwrap_or(0);
        let view = IndicatorView {
            evidence: count,
            evidence_needed: !i.evidence.is_empty() && r.latest.is_some() && count == 0,
            code: i.code.clone(),
            name: lang.pick(&i.name, &i.name_en).to_string(),
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
            returned: returns.get(&i.code).cloned(),
        };
        let name = lang.pick(&r.group.name, &r.group.name_en);
        match groups.last_mut() {
            Some(g) if g.name == name => g.rows.push(view),
            _ => groups.push(IndicatorGroupView {
                name: name.to_string(),
                rows: vec![view],
            }),
        }
    }
    groups
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
    returns: std::collections::BTreeMap<String, String>,
    unlocked: std::collections::BTreeMap<String, String>,
    changes: Vec<tiendo_storage::Change>,
    can_submit: bool,
    can_decide: bool,
    can_unlock: bool,
}

impl SubmissionView {
    fn new(s: tiendo_storage::Submission, can_enter: bool, can_review: bool, lang: Lang) -> Self {
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
            changes: s.changes,
        }
    }
}
