//! The data of each view as a workbook: a city's overview (its units' counts, and per group), a
//! ward's indicators, and the status matrix. Numbers are number cells and dates date cells, so
//! that a spreadsheet can sum, sort and filter them; statuses keep their colours.

use tiendo_documents::Metadata;
use tiendo_documents::sheet::{Sheet, SheetColumn, Value, Workbook};
use tiendo_domain::{Counts, Date, Figure, Indicator, Lang, Measure, Ratio, completion_ranks};
use tiendo_storage::{FrameworkRef, Store};

use crate::Result;
use crate::report::tone;

fn column(header: &str, width: f64) -> SheetColumn {
    SheetColumn {
        header: header.to_string(),
        width,
    }
}

/// A day as a date cell.
pub(crate) fn date_value(day: Date) -> Value {
    Value::Date {
        year: day.year(),
        month: day.month(),
        day: day.day(),
    }
}

fn percent_value(ratio: Option<Ratio>) -> Value {
    match ratio {
        Some(r) => Value::Percent {
            thousandths: r.mul(Ratio::from_int(100)).round_to(3).thousandths(),
        },
        None => Value::Empty,
    }
}

fn metadata(title: String, lang: Lang) -> Metadata {
    Metadata {
        title,
        author: "tiendo".into(),
        subject: String::new(),
        language: lang.code().into(),
    }
}

fn sheet_name(text: &str) -> String {
    // Excel's limit is 31 characters and a few characters are not allowed in sheet names.
    text.chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect()
}

/// A figure as a number cell: the count, or the percentage (ratios as their percentage, the
/// numerator and denominator in their own columns); yes/no as its word.
pub(crate) fn figure_value(figure: &Figure, lang: Lang) -> Value {
    match *figure {
        Figure::YesNo(b) => Value::Text(tiendo_domain::yes_no_label(b, lang).into()),
        Figure::Amount(v) => Value::Decimal {
            thousandths: v.thousandths(),
        },
        Figure::Ratio { .. } => Value::Percent {
            thousandths: figure.value().round_to(3).thousandths(),
        },
    }
}

pub(crate) fn measure_label(indicator: &Indicator, lang: Lang) -> String {
    match indicator.measure {
        Measure::YesNo => lang.pick("Có/Không", "Yes/No").into(),
        Measure::Count => match indicator.count_unit_in(lang) {
            Some(u) => format!("{} ({u})", lang.pick("Số lượng", "Count")),
            None => lang.pick("Số lượng", "Count").into(),
        },
        Measure::Percent => lang.pick("Tỷ lệ %", "Percentage").into(),
        Measure::Ratio => lang.pick("Tử số/Mẫu số", "Numerator/denominator").into(),
    }
}

/// A ward's indicators on a date: one row each, with target, figure, date, status and reason.
pub async fn unit_workbook(
    store: &Store,
    unit_code: &str,
    framework: &FrameworkRef,
    as_of: Date,
    lang: Lang,
) -> Result<Workbook> {
    let unit = store.unit(unit_code).await?;
    let rows = store.unit_indicators(unit_code, framework, as_of).await?;
    let mut columns = vec![
        column(lang.pick("Nhóm", "Group"), 22.0),
        column(lang.pick("Mã", "Code"), 8.0),
        column(lang.pick("Chỉ tiêu", "Indicator"), 50.0),
        column(lang.pick("Đo bằng", "Measured as"), 16.0),
        column(lang.pick("Chỉ tiêu phải đạt", "Target"), 12.0),
    ];
    columns.extend(standing_columns(lang));
    columns.push(column(lang.pick("Số minh chứng", "Evidence items"), 10.0));
    let data = rows
        .iter()
        .map(|row| {
            let i = &row.indicator;
            let (value, numerator, denominator, day) = figure_cells(row.latest.as_ref(), lang);
            vec![
                Value::Text(lang.pick(&row.group.name, &row.group.name_en).into()),
                Value::Text(i.code.clone()),
                Value::Text(lang.pick(&i.name, &i.name_en).into()),
                Value::Text(measure_label(i, lang)),
                Value::Text(i.target.describe(i.measure, lang)),
                value,
                numerator,
                denominator,
                day,
                Value::Status {
                    label: row.status.label(lang).into(),
                    tone: tone(row.status),
                },
                Value::Text(lang.pick(&row.reason.vi, &row.reason.en).into()),
                Value::Integer(row.evidence),
            ]
        })
        .collect();
    Ok(Workbook {
        sheets: vec![Sheet {
            name: sheet_name(lang.pick("Chỉ tiêu", "Indicators")),
            title: Some(format!(
                "{} — {} — {}",
                unit.name,
                lang.pick(&framework.name, &framework.name_en),
                as_of.dmy()
            )),
            columns,
            rows: data,
        }],
        metadata: metadata(format!("{} — {}", unit.name, as_of.dmy()), lang),
    })
}

fn counts_row(counts: &Counts) -> Vec<Value> {
    vec![
        Value::Integer(counts.applicable.into()),
        Value::Integer(counts.achieved.into()),
        Value::Integer(counts.in_progress.into()),
        Value::Integer(counts.not_achieved.into()),
        Value::Integer(counts.no_data.into()),
        Value::Integer(counts.not_applicable.into()),
        percent_value(counts.completion()),
    ]
}

fn counts_columns(lang: Lang) -> Vec<SheetColumn> {
    vec![
        column(lang.pick("Số chỉ tiêu", "Indicators"), 11.0),
        column(lang.pick("Hoàn thành", "Achieved"), 11.0),
        column(lang.pick("Đang triển khai", "In progress"), 13.0),
        column(lang.pick("Chưa đạt", "Not achieved"), 11.0),
        column(lang.pick("Chưa có số liệu", "No data"), 13.0),
        column(lang.pick("Không áp dụng", "Not applicable"), 13.0),
        column(lang.pick("Tỷ lệ hoàn thành", "Completion"), 13.0),
    ]
}

/// A unit's overview: its direct sub-units' counts and places (of one group, when `group` names
/// one), and the same per group on a second sheet.
pub async fn summary_workbook(
    store: &Store,
    unit_code: &str,
    framework: &FrameworkRef,
    as_of: Date,
    group: Option<&str>,
    lang: Lang,
) -> Result<Workbook> {
    let summary = store
        .summary_in_group(unit_code, framework, as_of, group)
        .await?;
    let counts: Vec<Counts> = summary.children.iter().map(|c| c.counts).collect();
    let ranks = completion_ranks(&counts);
    let mut columns = vec![
        column(lang.pick("Đơn vị", "Unit"), 28.0),
        column(lang.pick("Mã", "Code"), 8.0),
    ];
    columns.extend(counts_columns(lang));
    columns.push(column(lang.pick("Xếp hạng", "Rank"), 9.0));
    let mut rows: Vec<Vec<Value>> = summary
        .children
        .iter()
        .zip(&ranks)
        .map(|(child, rank)| {
            let mut row = vec![
                Value::Text(child.unit.name.clone()),
                Value::Text(child.unit.code.clone()),
            ];
            row.extend(counts_row(&child.counts));
            row.push(rank.map_or(Value::Empty, |r| Value::Integer(r.into())));
            row
        })
        .collect();
    let mut total = vec![
        Value::Text(lang.pick("Tổng cộng", "Total").into()),
        Value::Text(summary.unit.code.clone()),
    ];
    total.extend(counts_row(&summary.counts));
    total.push(Value::Empty);
    rows.push(total);
    let group_name = match group {
        Some(code) => {
            let rules = store.framework(framework).await?;
            rules
                .group(code)
                .map(|g| format!(" — {}", lang.pick(&g.name, &g.name_en)))
                .unwrap_or_default()
        }
        None => String::new(),
    };
    let title = format!(
        "{}{group_name} — {} — {}",
        summary.unit.name,
        lang.pick(&framework.name, &framework.name_en),
        as_of.dmy()
    );
    let mut sheets = vec![Sheet {
        name: sheet_name(lang.pick("Tổng hợp", "Summary")),
        title: Some(title.clone()),
        columns,
        rows,
    }];
    let mut group_columns = vec![
        column(lang.pick("Nhóm", "Group"), 28.0),
        column(lang.pick("Mã", "Code"), 12.0),
    ];
    group_columns.extend(counts_columns(lang));
    sheets.push(Sheet {
        name: sheet_name(lang.pick("Theo nhóm", "By group")),
        title: Some(title),
        columns: group_columns,
        rows: summary
            .groups
            .iter()
            .map(|g| {
                let mut row = vec![
                    Value::Text(lang.pick(&g.group.name, &g.group.name_en).into()),
                    Value::Text(g.group.code.clone()),
                ];
                row.extend(counts_row(&g.counts));
                row
            })
            .collect(),
    });
    Ok(Workbook {
        sheets,
        metadata: metadata(format!("{} — {}", summary.unit.name, as_of.dmy()), lang),
    })
}

/// The most units a matrix workbook holds: a province's communes, not the nation's.
const MATRIX_UNITS: usize = 5_000;

/// Every assessed unit under a unit against every indicator, with the indicators' names on a
/// second sheet.
pub async fn matrix_workbook(
    store: &Store,
    unit_code: &str,
    framework: &FrameworkRef,
    as_of: Date,
    lang: Lang,
) -> Result<Workbook> {
    let unit = store.unit(unit_code).await?;
    let rules = store.framework(framework).await?;
    let matrix = store
        .status_matrix(unit_code, framework, as_of, 0, MATRIX_UNITS)
        .await?;
    if matrix.total_units > MATRIX_UNITS {
        return Err(crate::ExchangeError::invalid(
            format!(
                "{} có {} đơn vị được đánh giá, quá {MATRIX_UNITS} đơn vị một bảng có thể chứa: hãy xuất ma trận của từng tỉnh hoặc huyện",
                unit.name, matrix.total_units
            ),
            format!(
                "{} has {} assessed units, more than the {MATRIX_UNITS} one workbook holds: export the matrix of each province or district",
                unit.name, matrix.total_units
            ),
        ));
    }
    let mut columns = vec![
        column(lang.pick("Đơn vị", "Unit"), 26.0),
        column(lang.pick("Mã", "Code"), 8.0),
        column(lang.pick("Thuộc", "Part of"), 20.0),
    ];
    columns.extend(rules.indicators.iter().map(|i| column(&i.code, 11.0)));
    let rows = matrix
        .units
        .iter()
        .map(|(u, parent)| {
            let mut row = vec![
                Value::Text(u.name.clone()),
                Value::Text(u.code.clone()),
                parent.clone().map_or(Value::Empty, Value::Text),
            ];
            let cells = matrix.cells.get(&u.code);
            for i in &rules.indicators {
                row.push(match cells.and_then(|c| c.get(&i.code)) {
                    Some(status) => Value::Status {
                        label: status.label(lang).into(),
                        tone: tone(*status),
                    },
                    None => Value::Empty,
                });
            }
            row
        })
        .collect();
    let title = format!(
        "{} — {} — {}",
        unit.name,
        lang.pick(&framework.name, &framework.name_en),
        as_of.dmy()
    );
    let legend = Sheet {
        name: sheet_name(lang.pick("Chỉ tiêu", "Indicators")),
        title: Some(title.clone()),
        columns: vec![
            column(lang.pick("Mã", "Code"), 10.0),
            column(lang.pick("Nhóm", "Group"), 24.0),
            column(lang.pick("Chỉ tiêu", "Indicator"), 60.0),
            column(lang.pick("Chỉ tiêu phải đạt", "Target"), 14.0),
        ],
        rows: rules
            .indicators
            .iter()
            .map(|i| {
                let group = rules
                    .group(&i.group)
                    .map(|g| lang.pick(&g.name, &g.name_en).to_string())
                    .unwrap_or_default();
                vec![
                    Value::Text(i.code.clone()),
                    Value::Text(group),
                    Value::Text(lang.pick(&i.name, &i.name_en).into()),
                    Value::Text(i.target.describe(i.measure, lang)),
                ]
            })
            .collect(),
    };
    Ok(Workbook {
        sheets: vec![
            Sheet {
                name: sheet_name(lang.pick("Ma trận", "Matrix")),
                title: Some(title),
                columns,
                rows,
            },
            legend,
        ],
        metadata: metadata(format!("{} — {}", unit.name, as_of.dmy()), lang),
    })
}

/// One indicator across every assessed unit under a unit: figure, date, status and reason.
pub async fn indicator_workbook(
    store: &Store,
    unit_code: &str,
    framework: &FrameworkRef,
    indicator_code: &str,
    as_of: Date,
    lang: Lang,
) -> Result<Workbook> {
    let unit = store.unit(unit_code).await?;
    let rules = store.framework(framework).await?;
    let standings = store
        .indicator_across(unit_code, framework, indicator_code, as_of)
        .await?;
    let indicator = rules.indicator(indicator_code).cloned();
    let mut columns = vec![
        column(lang.pick("Đơn vị", "Unit"), 26.0),
        column(lang.pick("Mã", "Code"), 8.0),
        column(lang.pick("Thuộc", "Part of"), 20.0),
    ];
    columns.extend(standing_columns(lang));
    let rows = standings
        .iter()
        .map(|s| {
            let (value, numerator, denominator, day) = figure_cells(s.latest.as_ref(), lang);
            vec![
                Value::Text(s.unit.name.clone()),
                Value::Text(s.unit.code.clone()),
                s.parent_name.clone().map_or(Value::Empty, Value::Text),
                value,
                numerator,
                denominator,
                day,
                Value::Status {
                    label: s.status.label(lang).into(),
                    tone: tone(s.status),
                },
                Value::Text(lang.pick(&s.reason.vi, &s.reason.en).into()),
            ]
        })
        .collect();
    let name = indicator
        .map(|i| format!("{} {}", i.code, lang.pick(&i.name, &i.name_en)))
        .unwrap_or_else(|| indicator_code.to_string());
    Ok(Workbook {
        sheets: vec![Sheet {
            name: sheet_name(indicator_code),
            title: Some(format!("{name} — {} — {}", unit.name, as_of.dmy())),
            columns,
            rows,
        }],
        metadata: metadata(format!("{name} — {}", unit.name), lang),
    })
}

/// The columns of [`figure_cells`], then the status and its reason.
fn standing_columns(lang: Lang) -> Vec<SheetColumn> {
    vec![
        column(lang.pick("Giá trị", "Value"), 10.0),
        column(lang.pick("Tử số", "Numerator"), 10.0),
        column(lang.pick("Mẫu số", "Denominator"), 10.0),
        column(lang.pick("Ngày số liệu", "Date"), 12.0),
        column(lang.pick("Tình trạng", "Status"), 16.0),
        column(lang.pick("Lý do", "Reason"), 60.0),
    ]
}

/// A figure's value, numerator, denominator and date cells; empty without a figure.
fn figure_cells(
    latest: Option<&tiendo_domain::Observation>,
    lang: Lang,
) -> (Value, Value, Value, Value) {
    match latest {
        Some(o) => {
            let (n, d) = match o.figure {
                Figure::Ratio {
                    numerator,
                    denominator,
                } => (Value::Integer(numerator), Value::Integer(denominator)),
                _ => (Value::Empty, Value::Empty),
            };
            (
                figure_value(&o.figure, lang),
                n,
                d,
                date_value(o.observed_on),
            )
        }
        None => (Value::Empty, Value::Empty, Value::Empty, Value::Empty),
    }
}

/// The report's data as a workbook: a ward's indicators, or a city's overview with the matrix.
pub async fn report_workbook(
    store: &Store,
    unit_code: &str,
    framework: &FrameworkRef,
    as_of: Date,
    lang: Lang,
) -> Result<Workbook> {
    if store.unit(unit_code).await?.kind.tier() == tiendo_domain::Tier::Commune {
        return unit_workbook(store, unit_code, framework, as_of, lang).await;
    }
    let mut book = summary_workbook(store, unit_code, framework, as_of, None, lang).await?;
    let matrix = matrix_workbook(store, unit_code, framework, as_of, lang).await?;
    book.sheets.extend(matrix.sheets);
    Ok(book)
}
