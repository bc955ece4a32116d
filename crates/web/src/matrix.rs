//! The matrix: the assessed units under a unit × the framework's indicators, each cell coloured
//! by status and carrying its icon and a text alternative, with the groups as bands over the
//! columns. A cell opens that unit's indicator. Large trees are shown a page of units at a time.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use tiendo_domain::access::Action;
use tiendo_domain::{Counts, Lang, Status};

use crate::auth::Viewer;
use crate::pages::{
    Crumb, FRESH, PageError, TimeNav, ViewContext, crumbs, percent, render, status_icon,
};
use crate::query::ViewParams;
use crate::{AppError, AppState};

/// Units per page of the matrix: a province's districts fit, the nation takes pages.
pub const MATRIX_PAGE: usize = 200;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/units/{code}/matrix", get(matrix_page))
}

struct Band {
    name: String,
    span: usize,
}

struct Column {
    code: String,
    name: String,
    /// The first column of a group, which draws the band's edge.
    starts_group: bool,
}

struct Cell {
    status: &'static str,
    icon: &'static str,
    title: String,
    href: String,
    starts_group: bool,
}

struct Row {
    href: String,
    name: String,
    parent: String,
    achieved: String,
    completion: String,
    cells: Vec<Cell>,
}

struct PageLink {
    href: String,
    label: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "matrix.html")]
struct MatrixPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    unit_name: String,
    unit_href: String,
    export_href: String,
    crumbs: Vec<Crumb>,
    framework_name: String,
    time: TimeNav,
    bands: Vec<Band>,
    columns: Vec<Column>,
    rows: Vec<Row>,
    total_units: usize,
    first: usize,
    pages: Vec<PageLink>,
    legend: Vec<(&'static str, &'static str, &'static str)>,
}

#[derive(Debug, Default, Deserialize)]
struct MatrixQuery {
    #[serde(flatten)]
    view: ViewParams,
    page: Option<String>,
}

async fn matrix_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(query): Query<MatrixQuery>,
) -> Result<Response, PageError> {
    let lang = query.view.lang(&viewer);
    let page = build(&state, &viewer, &code, &query, lang)
        .await
        .map_err(|e| PageError(e, lang))?;
    render(StatusCode::OK, &page, lang, FRESH)
}

async fn build(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    query: &MatrixQuery,
    lang: Lang,
) -> Result<MatrixPage, AppError> {
    let access = state.access(viewer, code).await?;
    access.check(Action::ReadSummary)?;
    let view = ViewContext::read(state, &query.view, lang).await?;
    // A page number fits in 32 bits, so its offset fits any database's.
    let page: usize = match query.page.as_deref().map(str::trim) {
        None | Some("") => 1,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|p| *p >= 1)
            .map(|p| p as usize)
            .ok_or_else(|| {
                AppError::bad_request(
                    format!("trang «{text}» không hợp lệ: hãy dùng một số từ 1 trở lên"),
                    format!("page «{text}» is not valid: use a number from 1 up"),
                )
            })?,
    };
    let store = &state.store;
    let offset = (page - 1) * MATRIX_PAGE;
    let matrix = store
        .status_matrix(code, &view.framework, view.as_of, offset, MATRIX_PAGE)
        .await?;
    let page_count = matrix.total_units.div_ceil(MATRIX_PAGE).max(1);
    if page > page_count {
        return Err(AppError::bad_request(
            format!("không có trang {page}: ma trận có {page_count} trang"),
            format!("there is no page {page}: the matrix has {page_count} page(s)"),
        ));
    }

    let mut bands: Vec<Band> = Vec::new();
    let mut columns: Vec<Column> = Vec::new();
    for group in &view.rules.groups {
        let indicators: Vec<_> = view
            .rules
            .indicators
            .iter()
            .filter(|i| i.group == group.code)
            .collect();
        if indicators.is_empty() {
            continue;
        }
        bands.push(Band {
            name: lang.pick(&group.name, &group.name_en).to_string(),
            span: indicators.len(),
        });
        for (n, i) in indicators.into_iter().enumerate() {
            columns.push(Column {
                code: i.code.clone(),
                name: lang.pick(&i.name, &i.name_en).to_string(),
                starts_group: n == 0,
            });
        }
    }
    // The parent is worth showing only when the units have different parents.
    let one_parent = matrix.units.windows(2).all(|w| w[0].1 == w[1].1);
    let rows = matrix
        .units
        .iter()
        .map(|(u, parent)| {
            let row = matrix.cells.get(&u.code);
            let statuses: Vec<Option<Status>> = columns
                .iter()
                .map(|c| row.and_then(|r| r.get(&c.code)).copied())
                .collect();
            let counts: Counts = statuses.iter().flatten().copied().collect();
            Row {
                href: view.link(&format!("/units/{}", u.code), &[]),
                name: u.name.clone(),
                parent: if one_parent {
                    String::new()
                } else {
                    parent.clone().unwrap_or_default()
                },
                achieved: format!("{}/{}", counts.achieved, counts.applicable),
                completion: percent(counts.completion(), lang),
                cells: columns
                    .iter()
                    .zip(statuses)
                    .map(|(c, status)| {
                        let status = status.unwrap_or(Status::NotApplicable);
                        Cell {
                            status: status.code(),
                            icon: status_icon(status),
                            title: format!(
                                "{} — {} {}: {}",
                                u.name,
                                c.code,
                                c.name,
                                status.label(lang)
                            ),
                            href: view
                                .link(&format!("/units/{}/indicators/{}", u.code, c.code), &[]),
                            starts_group: c.starts_group,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let path = format!("/units/{code}/matrix");
    let pages = if page_count > 1 {
        (1..=page_count)
            .map(|p| PageLink {
                href: view.link(&path, &[("page", &p.to_string())]),
                label: p.to_string(),
                current: p == page,
            })
            .collect()
    } else {
        Vec::new()
    };
    let page_text = page.to_string();
    Ok(MatrixPage {
        lang,
        signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        unit_href: view.link(&format!("/units/{code}"), &[]),
        export_href: view.link(&format!("/units/{}/export", code), &[("view", "matrix")]),
        unit_name: access.unit.name.clone(),
        crumbs: crumbs(&view, &access.ancestors),
        framework_name: view.framework_name(),
        time: TimeNav::new(
            &view,
            &path,
            &[("page", if page > 1 { &page_text } else { "" })],
        ),
        bands,
        columns,
        rows,
        total_units: matrix.total_units,
        first: offset + 1,
        pages,
        legend: Status::ALL
            .iter()
            .map(|s| (s.code(), status_icon(*s), s.label(lang)))
            .collect(),
    })
}
