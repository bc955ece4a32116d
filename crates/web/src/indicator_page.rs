//! One indicator's page for a unit, on any as-of date.
//!
//! For an assessed unit (a ward): where it stands, the trend of its figures and, for those who
//! may read the data, every figure with its evidence, the change log and the forms to add evidence
//! or ask for an exclusion. For a unit with units under it (a city, a province): the indicator
//! across all of them, with its distribution, so the city sees where support is needed.

use std::cmp::Ordering;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use tiendo_domain::access::Action;
use tiendo_domain::{Comparator, Counts, Lang, Status, Target, text};
use tiendo_storage::{AuditEntry, DatedFigure, EvidenceItem, UnitStanding};

use crate::auth::Viewer;
use crate::charts::Strip;
use crate::pages::{
    CountsView, Crumb, PageError, TimeNav, UNCACHED, ViewContext, crumbs, plotted, render,
    status_icon, target_value, value_range,
};
use crate::query::ViewParams;
use crate::{AppError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/units/{code}/indicators/{indicator}", get(indicator_page))
}

/// One piece of evidence: what kind it is (in the reader's language) and what was given for it
/// (as typed: a title, a file name, a link, a document's number, date and issuer).
struct EvidenceLine {
    kind: &'static str,
    title: String,
    detail: String,
    href: Option<String>,
}

struct FigureLine {
    evidence: Vec<EvidenceLine>,
    id: i64,
    date: String,
    value: String,
    note: String,
    by: String,
    version: i64,
}

/// Where the unit itself stands on the indicator.
struct OwnStanding {
    status: &'static str,
    status_label: &'static str,
    icon: &'static str,
    reason: String,
    value: String,
    observed_on: String,
    trend: String,
    /// The statuses over time in words, when the trend shows statuses rather than figures.
    trend_caption: String,
}

/// The figures behind the standing, for those who may read the data.
struct HistoryView {
    /// The figures dated on or before the as-of date.
    figures: Vec<FigureLine>,
    /// How many figures are dated after it, and a link to the date of the last of them.
    later: usize,
    latest_href: String,
    latest_dmy: String,
    audit: Vec<AuditEntry>,
    /// The newest figure, which the evidence form attaches to, when the viewer may add evidence,
    /// and its date.
    attach_to: Option<i64>,
    attach_date: String,
}

struct AcrossRow {
    href: String,
    name: String,
    parent: String,
    value: String,
    observed_on: String,
    status: &'static str,
    status_label: &'static str,
    icon: &'static str,
    reason: String,
}

/// The indicator across the units under this one.
struct AcrossView {
    counts: CountsView,
    strip: String,
    /// This table as a workbook.
    export_href: String,
    rows: Vec<AcrossRow>,
}

#[derive(Template)]
#[template(path = "indicator.html")]
struct IndicatorPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    unit_code: String,
    unit_name: String,
    crumbs: Vec<Crumb>,
    unit_href: String,
    indicator_code: String,
    indicator_name: String,
    group_name: String,
    target: String,
    deadline: String,
    mandatory: bool,
    evidence_required: Vec<String>,
    time: TimeNav,
    /// The largest evidence file accepted, so that the form can say so before uploading.
    max_file_bytes: usize,
    own: Option<OwnStanding>,
    history: Option<HistoryView>,
    across: Option<AcrossView>,
    /// Issue 6: the support tasks serving this indicator of a ward (see indicator_tasks.html).
    tasks: Option<crate::tasks::IndicatorTaskBlock>,
}

impl IndicatorPage {
    fn label(&self, status: Status) -> &'static str {
        status.label(self.lang)
    }
}

/// Worst first: what needs support leads the list.
fn severity(status: Status) -> u8 {
    match status {
        Status::NotAchieved => 0,
        Status::NoData => 1,
        Status::InProgress => 2,
        Status::Achieved => 3,
        Status::NotApplicable => 4,
    }
}

async fn indicator_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((code, indicator)): Path<(String, String)>,
    Query(params): Query<ViewParams>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let page = build(&state, &viewer, &code, &indicator, &params, lang)
        .await
        .map_err(|e| PageError(e, lang))?;
    render(StatusCode::OK, &page, lang, UNCACHED)
}

async fn build(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    indicator_code: &str,
    params: &ViewParams,
    lang: Lang,
) -> Result<IndicatorPage, AppError> {
    let access = state.access(viewer, code).await?;
    access.check(Action::ReadSummary)?;
    let view = ViewContext::read(state, params, lang).await?;
    let ind = view
        .rules
        .indicator(indicator_code)
        .ok_or_else(|| AppError::NotFound {
            vi: format!(
                "bộ chỉ tiêu {} không có chỉ tiêu «{indicator_code}»",
                view.framework.code
            ),
            en: format!(
                "framework {} has no indicator «{indicator_code}»",
                view.framework.code
            ),
        })?
        .clone();
    let store = &state.store;
    let (unit, ancestors) = (&access.unit, &access.ancestors);
    let may_read_figures = access.allows(Action::ReadData);
    let mut standings = store
        .indicator_across(code, &view.framework, &ind.code, view.as_of)
        .await?;
    let own_row = standings
        .iter()
        .position(|s| s.unit.code == unit.code)
        .map(|i| standings.remove(i));
    let describe = |s: &UnitStanding| {
        s.latest
            .as_ref()
            .map(|o| {
                o.figure
                    .describe(ind.measure, ind.count_unit_in(lang), lang)
            })
            .unwrap_or_else(|| "–".into())
    };
    let dated = |s: &UnitStanding| {
        s.latest
            .as_ref()
            .map(|o| o.observed_on.dmy())
            .unwrap_or_default()
    };

    // Every figure, for those who may read them; the standing's trend is drawn from them.
    let recorded = match &own_row {
        Some(_) if may_read_figures => Some(store.history(&view.framework, code, &ind.code).await?),
        _ => None,
    };
    // --- issue 6, support tasks serving this indicator, with its figure when each was created.
    let tasks = match &recorded {
        Some(h) if viewer.user.is_some() => {
            let figures: Vec<_> = h.iter().map(|r| r.observation.clone()).collect();
            let coordinate = access.allows(Action::Coordinate);
            let t = crate::tasks::indicator_tasks(
                state, code, &ind, &figures, coordinate, view.as_of, lang,
            );
            Some(t.await?)
        }
        _ => None,
    };
    // --- end of support tasks
    let own = match &own_row {
        None => None,
        Some(s) => {
            // The trend, and (when it shows statuses) the same in words, since the colours
            // alone would not say it.
            let (trend, trend_caption) = match &recorded {
                _ if s.status == Status::NotApplicable => (String::new(), String::new()),
                Some(history) => {
                    let known: Vec<DatedFigure> = history
                        .iter()
                        .map(|r| DatedFigure::from(&r.observation))
                        .filter(|o| o.observed_on <= view.as_of)
                        .collect();
                    (crate::pages::trend_line(&ind, &known, &view), String::new())
                }
                None => {
                    let spans = store
                        .unit_status_history(code, &view.framework, view.as_of)
                        .await?
                        .remove(&ind.code)
                        .unwrap_or_default();
                    let changes = crate::pages::status_changes(&spans, &view);
                    (
                        crate::pages::status_strip(&ind, &spans, &view),
                        crate::pages::describe_changes(&changes, lang),
                    )
                }
            };
            Some(OwnStanding {
                status: s.status.code(),
                status_label: s.status.label(lang),
                icon: status_icon(s.status),
                reason: s.reason.get(lang).to_string(),
                value: describe(s),
                observed_on: dated(s),
                trend,
                trend_caption,
            })
        }
    };

    let history = if let Some(history) = recorded {
        let mut audit = store.audit_trail(code, Some(&ind.code), 500).await?;
        let evidence = store.evidence(&view.framework, code, &ind.code).await?;
        // Where people signed in from is for reviewers only.
        if !access.allows(Action::Review) {
            for entry in &mut audit {
                entry.address = None;
            }
        }
        let newest = history
            .iter()
            .max_by_key(|r| r.id)
            .filter(|_| access.allows(Action::EnterData));
        let (attach_to, attach_date) = (
            newest.map(|r| r.id),
            newest
                .map(|r| r.observation.observed_on.dmy())
                .unwrap_or_default(),
        );
        // Replaying a date shows the figures known on it; later ones are counted, not shown.
        let (known, later): (Vec<_>, Vec<_>) = history
            .into_iter()
            .partition(|r| r.observation.observed_on <= view.as_of);
        let latest = later.iter().map(|r| r.observation.observed_on).max();
        Some(HistoryView {
            later: later.len(),
            latest_href: latest
                .map(|d| view.link_on(&format!("/units/{code}/indicators/{}", ind.code), d, &[]))
                .unwrap_or_default(),
            latest_dmy: latest.map(|d| d.dmy()).unwrap_or_default(),
            figures: known
                .into_iter()
                .map(|r| FigureLine {
                    evidence: evidence
                        .iter()
                        .filter(|e| e.observation_id == r.id)
                        .map(|e| evidence_line(code, &e.item, lang))
                        .collect(),
                    id: r.id,
                    date: r.observation.observed_on.dmy(),
                    value: r.observation.figure.describe(
                        ind.measure,
                        ind.count_unit_in(lang),
                        lang,
                    ),
                    note: r.observation.note,
                    by: r
                        .recorded_by
                        .unwrap_or_else(|| lang.pick("hệ thống", "system").into()),
                    version: r.version,
                })
                .collect(),
            audit,
            attach_to,
            attach_date,
        })
    } else {
        None
    };

    let across = if standings.is_empty() {
        None
    } else {
        let counts: Counts = standings.iter().map(|s| s.status).collect();
        let dots: Vec<(String, f64, Status)> = standings
            .iter()
            .filter_map(|s| {
                Some((
                    s.unit.name.clone(),
                    plotted(&s.latest.as_ref()?.figure),
                    s.status,
                ))
            })
            .collect();
        let range = value_range(&ind, dots.iter().map(|d| d.1));
        let measure = ind.measure;
        let format = move |v: f64| -> String {
            if measure.is_percentage() {
                format!("{v:.0}%")
            } else if measure == tiendo_domain::Measure::YesNo {
                tiendo_domain::yes_no_label(v >= 0.5, lang).to_string()
            } else {
                format!("{v:.0}")
            }
        };
        let strip_label = format!(
            "{} {}: {}",
            ind.code,
            lang.pick("tại các đơn vị", "across the units"),
            Status::ALL
                .iter()
                .map(|s| format!("{} {}", s.label(lang), counts.get(*s)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let strip = Strip {
            dots: &dots,
            range,
            target: target_value(&ind),
            format: &format,
            label: &strip_label,
            lang,
        }
        .render();
        // Within a status, the furthest from the target first: the lowest values when the
        // target is a floor, the highest when it is a ceiling.
        let ceiling = matches!(
            ind.target,
            Target::Threshold {
                comparator: Comparator::Le | Comparator::Lt,
                ..
            }
        );
        standings.sort_by(|a, b| {
            severity(a.status)
                .cmp(&severity(b.status))
                .then_with(|| {
                    let (x, y) = (
                        a.latest.as_ref().map(|o| plotted(&o.figure)),
                        b.latest.as_ref().map(|o| plotted(&o.figure)),
                    );
                    let order = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
                    if ceiling { order.reverse() } else { order }
                })
                .then_with(|| text::collate(&a.unit.name, &b.unit.name))
        });
        Some(AcrossView {
            counts: CountsView::new(counts, lang),
            strip,
            export_href: view.link(
                &format!("/units/{code}/export"),
                &[("view", "indicator"), ("indicator", &ind.code)],
            ),
            rows: standings
                .iter()
                .map(|s| AcrossRow {
                    href: view.link(
                        &format!("/units/{}/indicators/{}", s.unit.code, ind.code),
                        &[],
                    ),
                    name: s.unit.name.clone(),
                    parent: s.parent_name.clone().unwrap_or_default(),
                    value: describe(s),
                    observed_on: dated(s),
                    status: s.status.code(),
                    status_label: s.status.label(lang),
                    icon: status_icon(s.status),
                    reason: s.reason.get(lang).to_string(),
                })
                .collect(),
        })
    };

    let path = format!("/units/{code}/indicators/{}", ind.code);
    let group_name = view
        .rules
        .group(&ind.group)
        .map(|g| lang.pick(&g.name, &g.name_en).to_string())
        .unwrap_or_default();
    Ok(IndicatorPage {
        lang,
        signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        unit_href: view.link(&format!("/units/{code}"), &[]),
        crumbs: crumbs(&view, ancestors),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        indicator_name: lang.pick(&ind.name, &ind.name_en).to_string(),
        group_name,
        target: ind.target.describe(ind.measure, lang),
        deadline: ind.deadline.dmy(),
        mandatory: ind.mandatory,
        evidence_required: ind.evidence_in(lang).to_vec(),
        time: TimeNav::new(&view, &path, &[]),
        max_file_bytes: crate::evidence::MAX_FILE_BYTES,
        indicator_code: ind.code,
        own,
        history,
        across,
        tasks,
    })
}

fn evidence_line(unit_code: &str, item: &EvidenceItem, lang: Lang) -> EvidenceLine {
    let title = item.title().to_string();
    match item {
        EvidenceItem::File {
            hash,
            file_name,
            size,
            ..
        } => EvidenceLine {
            kind: lang.pick("Tệp", "File"),
            title,
            detail: format!("{file_name} ({})", file_size(*size, lang)),
            href: Some(format!("/api/v1/units/{unit_code}/files/{hash}")),
        },
        EvidenceItem::Link { url, .. } => EvidenceLine {
            kind: lang.pick("Đường dẫn", "Link"),
            title,
            detail: url.clone(),
            href: Some(url.clone()),
        },
        EvidenceItem::Document {
            number,
            date,
            issuer,
            ..
        } => EvidenceLine {
            kind: lang.pick("Văn bản", "Document"),
            title,
            detail: format!("{number}, {}, {issuer}", date.dmy()),
            href: None,
        },
    }
}

/// `1,2 MB`, `35 kB`, `900 B`, with the reader's decimal mark.
fn file_size(bytes: i64, lang: Lang) -> String {
    let (unit, scale) = match bytes {
        b if b >= 1_000_000 => ("MB", 1_000_000),
        b if b >= 1_000 => ("kB", 1_000),
        _ => ("B", 1),
    };
    let value = tiendo_domain::Ratio::new(i128::from(bytes), scale).round_to(1);
    format!("{} {unit}", value.format(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sizes_read_in_each_language() {
        assert_eq!(file_size(1_234_567, Lang::Vi), "1,2 MB");
        assert_eq!(file_size(1_234_567, Lang::En), "1.2 MB");
        assert_eq!(file_size(35_000, Lang::Vi), "35 kB");
        assert_eq!(file_size(900, Lang::En), "900 B");
    }
}
