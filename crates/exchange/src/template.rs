//! The data-entry template (mẫu nhập liệu): one row per applicable indicator of a ward (for a
//! city: per ward under it and indicator), pre-filled with the figures in force. Only the new
//! value, the denominator, the date and the note may be edited, with drop-down lists and number
//! checks; an instructions sheet explains it, and a hidden sheet records what it was made for,
//! so that [`crate::import`] can check an upload against it. The same columns as CSV serve for
//! figures kept in other tools.

use std::collections::HashMap;

use tiendo_documents::Metadata;
use tiendo_documents::sheet::Value;
use tiendo_documents::template::{
    Check, Rule, Template, TemplateColumn, TemplateRow, TemplateSheet, write_template,
};
use tiendo_domain::{
    Date, Figure, Framework, Indicator, Lang, Measure, Observation, Status, Tier, Unit,
};
use tiendo_storage::{FrameworkRef, Store};

use crate::workbook::{date_value, measure_label};
use crate::{Result, file_stem};

/// What the hidden properties sheet says a file is.
pub(crate) const TEMPLATE_KIND: &str = "tiendo-template";

/// The template's columns, in order; each is recognised on upload by its header in either
/// language, so a CSV may carry only the columns it needs, in any order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Col {
    Unit,
    UnitName,
    Indicator,
    Group,
    Name,
    Measure,
    Target,
    Current,
    CurrentDate,
    Value,
    Denominator,
    Date,
    Note,
}

impl Col {
    const ALL: [Col; 13] = [
        Col::Unit,
        Col::UnitName,
        Col::Indicator,
        Col::Group,
        Col::Name,
        Col::Measure,
        Col::Target,
        Col::Current,
        Col::CurrentDate,
        Col::Value,
        Col::Denominator,
        Col::Date,
        Col::Note,
    ];

    pub(crate) fn header(self, lang: Lang) -> &'static str {
        match self {
            Col::Unit => lang.pick("Mã đơn vị", "Unit code"),
            Col::UnitName => lang.pick("Đơn vị", "Unit"),
            Col::Indicator => lang.pick("Mã chỉ tiêu", "Indicator code"),
            Col::Group => lang.pick("Nhóm", "Group"),
            Col::Name => lang.pick("Chỉ tiêu", "Indicator"),
            Col::Measure => lang.pick("Đo bằng", "Measured as"),
            Col::Target => lang.pick("Chỉ tiêu phải đạt", "Target"),
            Col::Current => lang.pick("Số liệu hiện tại", "Current figure"),
            Col::CurrentDate => lang.pick("Ngày số liệu hiện tại", "Current figure's date"),
            Col::Value => lang.pick("Giá trị mới", "New value"),
            Col::Denominator => lang.pick("Mẫu số mới", "New denominator"),
            Col::Date => lang.pick("Ngày số liệu mới", "New figure's date"),
            Col::Note => lang.pick("Ghi chú", "Note"),
        }
    }

    fn editable(self) -> bool {
        matches!(self, Col::Value | Col::Denominator | Col::Date | Col::Note)
    }

    fn width(self) -> f64 {
        match self {
            Col::Unit | Col::Indicator => 10.0,
            Col::UnitName | Col::Group => 20.0,
            Col::Name => 50.0,
            Col::Measure | Col::Current => 18.0,
            Col::Target | Col::CurrentDate | Col::Value | Col::Denominator | Col::Date => 13.0,
            Col::Note => 30.0,
        }
    }

    /// The column a header names, in either language, ignoring case and diacritics.
    pub(crate) fn from_header(text: &str) -> Option<Col> {
        let key = tiendo_domain::text::fold(text);
        Col::ALL.into_iter().find(|c| {
            [Lang::Vi, Lang::En]
                .iter()
                .any(|&l| tiendo_domain::text::fold(c.header(l)) == key)
        })
    }
}

fn ymd(day: Date) -> (i32, u8, u8) {
    (day.year(), day.month(), day.day())
}

/// One row of a template: a unit, one of its applicable indicators, and the figure in force.
struct Line {
    unit: Unit,
    indicator: Indicator,
    latest: Option<Observation>,
}

/// The rows of `unit_code`'s template: its own indicators for a commune-level unit, else those
/// of every assessed unit under it, read indicator by indicator (the framework's few dozen
/// indicators, not the hundreds of units, set the number of queries).
async fn lines(
    store: &Store,
    unit: &Unit,
    framework: &FrameworkRef,
    rules: &Framework,
    as_of: Date,
) -> Result<Vec<Line>> {
    if unit.kind.tier() == Tier::Commune {
        return Ok(store
            .unit_indicators(&unit.code, framework, as_of)
            .await?
            .into_iter()
            .filter(|r| r.status != Status::NotApplicable)
            .map(|r| Line {
                unit: unit.clone(),
                indicator: r.indicator,
                latest: r.latest,
            })
            .collect());
    }
    let mut by_unit: HashMap<String, (Unit, Vec<(usize, Line)>)> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for (position, indicator) in rules.indicators.iter().enumerate() {
        let standings = store
            .indicator_across(&unit.code, framework, &indicator.code, as_of)
            .await?;
        for s in standings {
            if s.status == Status::NotApplicable || s.unit.kind.tier() != Tier::Commune {
                continue;
            }
            let entry = by_unit.entry(s.unit.code.clone()).or_insert_with(|| {
                order.push(s.unit.code.clone());
                (s.unit.clone(), Vec::new())
            });
            entry.1.push((
                position,
                Line {
                    unit: s.unit,
                    indicator: indicator.clone(),
                    latest: s.latest,
                },
            ));
        }
    }
    // Units in the order the first indicator listed them (by district, then code), each with
    // its indicators in framework order.
    order.sort_by(|a, b| {
        let (ua, ub) = (&by_unit[a].0, &by_unit[b].0);
        (ua.parent_code.as_deref(), &ua.code).cmp(&(ub.parent_code.as_deref(), &ub.code))
    });
    let mut out = Vec::new();
    for code in order {
        if let Some((_, mut lines)) = by_unit.remove(&code) {
            lines.sort_by_key(|(position, _)| *position);
            out.extend(lines.into_iter().map(|(_, line)| line));
        }
    }
    Ok(out)
}

/// The template for `unit_code` and `framework` on `as_of`, as XLSX bytes and a file name.
/// `today` bounds the dates a new figure may have.
pub async fn template_xlsx(
    store: &Store,
    unit_code: &str,
    framework: &FrameworkRef,
    as_of: Date,
    today: Date,
    lang: Lang,
) -> Result<(Vec<u8>, String)> {
    let unit = store.unit(unit_code).await?;
    let rules = store.framework(framework).await?;
    let lines = lines(store, &unit, framework, &rules, as_of).await?;
    // A city's template names each row's ward, so that a row moved to another is caught.
    let many = unit.kind.tier() != Tier::Commune;
    let columns: Vec<Col> = Col::ALL
        .into_iter()
        .filter(|c| many || *c != Col::UnitName)
        .collect();
    let new_date = as_of.min(today);
    let rows = lines
        .iter()
        .map(|line| template_row(&columns, line, &rules, framework, new_date, lang))
        .collect();
    let name = lang.pick(&framework.name, &framework.name_en);
    let template = Template {
        data_sheet: TemplateSheet {
            name: lang.pick("Nhập liệu", "Data entry").into(),
            title: format!("{} — {name} — {}", unit.name, as_of.dmy()),
            columns: columns
                .iter()
                .map(|c| TemplateColumn {
                    header: c.header(lang).into(),
                    width: c.width(),
                    editable: c.editable(),
                })
                .collect(),
            rows,
        },
        instructions_sheet_name: lang.pick("Hướng dẫn", "Instructions").into(),
        instructions: instructions(&unit, framework, as_of, lang),
        properties: vec![
            ("kind".into(), TEMPLATE_KIND.into()),
            ("format".into(), "1".into()),
            ("framework".into(), framework.code.clone()),
            ("version".into(), framework.version.to_string()),
            ("unit".into(), unit.code.clone()),
            ("as_of".into(), as_of.to_string()),
        ],
        metadata: Metadata {
            title: format!(
                "{} — {}",
                lang.pick("Mẫu nhập liệu", "Data-entry template"),
                unit.name
            ),
            author: "tiendo".into(),
            subject: name.to_string(),
            language: lang.code().into(),
        },
    };
    let bytes = write_template(&template)?;
    let file = format!(
        "{}-{as_of}.xlsx",
        file_stem(&[lang.pick("mau nhap lieu", "template"), &unit.name])
    );
    Ok((bytes, file))
}

fn template_row(
    columns: &[Col],
    line: &Line,
    rules: &Framework,
    framework: &FrameworkRef,
    new_date: Date,
    lang: Lang,
) -> TemplateRow {
    let indicator = &line.indicator;
    let latest = line.latest.as_ref();
    let group = rules
        .group(&indicator.group)
        .map(|g| lang.pick(&g.name, &g.name_en).to_string())
        .unwrap_or_default();
    let mut cells = Vec::with_capacity(columns.len());
    let mut checks = Vec::with_capacity(columns.len());
    for col in columns {
        let (value, check) = match col {
            Col::Unit => (Value::Text(line.unit.code.clone()), None),
            Col::UnitName => (Value::Text(line.unit.name.clone()), None),
            Col::Indicator => (Value::Text(indicator.code.clone()), None),
            Col::Group => (Value::Text(group.clone()), None),
            Col::Name => (
                Value::Text(lang.pick(&indicator.name, &indicator.name_en).into()),
                None,
            ),
            Col::Measure => (Value::Text(measure_label(indicator, lang)), None),
            Col::Target => (
                Value::Text(indicator.target.describe(indicator.measure, lang)),
                None,
            ),
            Col::Current => (
                latest.map_or(Value::Empty, |o| {
                    Value::Text(o.figure.describe(
                        indicator.measure,
                        indicator.count_unit_in(lang),
                        lang,
                    ))
                }),
                None,
            ),
            Col::CurrentDate => (
                latest.map_or(Value::Empty, |o| date_value(o.observed_on)),
                None,
            ),
            Col::Value => (
                current_value(indicator.measure, latest),
                Some(value_check(indicator, latest.is_some(), lang)),
            ),
            Col::Denominator => match latest.map(|o| o.figure) {
                Some(Figure::Ratio { denominator, .. }) => {
                    (Value::Integer(denominator), Some(denominator_check(lang)))
                }
                _ if indicator.measure == Measure::Ratio => {
                    (Value::Empty, Some(denominator_check(lang)))
                }
                _ => (Value::Empty, None),
            },
            // A template may be filled in weeks after it was made: the check allows the whole
            // period, and the import refuses a date that is still in the future.
            Col::Date => (
                date_value(new_date),
                Some(Check {
                    rule: Rule::Date {
                        min: ymd(framework.period_start),
                        max: ymd(framework.period_end.max(new_date)),
                    },
                    prompt: lang
                        .pick(
                            "Ngày của số liệu mới, dạng dd/mm/yyyy, không sau hôm nay",
                            "The new figure's date, dd/mm/yyyy, not after today",
                        )
                        .into(),
                    error: match lang {
                        Lang::Vi => format!(
                            "Ngày phải trong kỳ của bộ chỉ tiêu, từ {} đến {}",
                            framework.period_start.dmy(),
                            framework.period_end.dmy()
                        ),
                        Lang::En => format!(
                            "The date must lie within the framework's period, {} to {}",
                            framework.period_start.dmy(),
                            framework.period_end.dmy()
                        ),
                    },
                }),
            ),
            Col::Note => (Value::Empty, None),
        };
        cells.push(value);
        checks.push(check);
    }
    TemplateRow { cells, checks }
}

/// The figure in force as the value to edit. Percentages sit in percent-formatted cells, so
/// that typing `80%` (or `80`, which a spreadsheet takes as 80 % there) means what it says; the
/// import reads numbers up to 1 in a percentage's cell as fractions (see `crate::import`).
fn current_value(measure: Measure, latest: Option<&Observation>) -> Value {
    match latest.map(|o| o.figure) {
        Some(Figure::YesNo(b)) => Value::Text(tiendo_domain::yes_no_label(b, Lang::Vi).into()),
        Some(Figure::Amount(v)) if measure == Measure::Percent => Value::Percent {
            thousandths: v.thousandths(),
        },
        Some(Figure::Amount(v)) => Value::Decimal {
            thousandths: v.thousandths(),
        },
        Some(Figure::Ratio { numerator, .. }) => Value::Integer(numerator),
        None => Value::Empty,
    }
}

/// The check of the value cell; `prefilled` says whether it holds the figure in force (for a
/// percentage, then a percent-formatted fraction).
fn value_check(indicator: &Indicator, prefilled: bool, lang: Lang) -> Check {
    match indicator.measure {
        Measure::YesNo => Check {
            // The list is in Vietnamese in both languages: the import reads either.
            rule: Rule::OneOf(vec!["Có".into(), "Không".into()]),
            prompt: lang
                .pick("Chọn Có hoặc Không", "Choose Có (yes) or Không (no)")
                .into(),
            error: lang
                .pick(
                    "Chỉ chọn Có hoặc Không",
                    "Choose Có (yes) or Không (no) only",
                )
                .into(),
        },
        Measure::Count => Check {
            rule: Rule::Decimal {
                min: 0.0,
                max: None,
            },
            prompt: lang
                .pick("Số lượng, không âm", "A count, not negative")
                .into(),
            error: lang
                .pick("Cần một số không âm", "A number, not negative, is needed")
                .into(),
        },
        // A percent-formatted cell holds a fraction (100 % is 1); an empty one takes what is
        // typed, `80` or `80%`.
        Measure::Percent => Check {
            rule: Rule::Decimal {
                min: 0.0,
                max: Some(if prefilled { 1.0 } else { 100.0 }),
            },
            prompt: lang
                .pick(
                    "Tỷ lệ phần trăm, từ 0% đến 100% (ví dụ 72,5%)",
                    "A percentage from 0% to 100% (e.g. 72.5%)",
                )
                .into(),
            error: lang
                .pick(
                    "Tỷ lệ phần trăm phải từ 0% đến 100%",
                    "A percentage must lie between 0% and 100%",
                )
                .into(),
        },
        Measure::Ratio => Check {
            rule: Rule::WholeNumber { min: 0, max: None },
            prompt: lang
                .pick(
                    "Tử số: số nguyên không âm; mẫu số ở cột sau",
                    "Numerator: a whole number; the denominator goes in the next column",
                )
                .into(),
            error: lang
                .pick(
                    "Tử số phải là số nguyên không âm",
                    "The numerator must be a whole number, not negative",
                )
                .into(),
        },
    }
}

fn denominator_check(lang: Lang) -> Check {
    Check {
        rule: Rule::WholeNumber { min: 1, max: None },
        prompt: lang
            .pick(
                "Mẫu số: số nguyên lớn hơn 0",
                "Denominator: a whole number above 0",
            )
            .into(),
        error: lang
            .pick(
                "Mẫu số phải là số nguyên lớn hơn 0",
                "The denominator must be a whole number above 0",
            )
            .into(),
    }
}

fn instructions(unit: &Unit, framework: &FrameworkRef, as_of: Date, lang: Lang) -> Vec<String> {
    let name = lang.pick(&framework.name, &framework.name_en);
    match lang {
        Lang::Vi => vec![
            format!("MẪU NHẬP LIỆU — {} — {name}", unit.name),
            format!(
                "Số liệu hiện tại là số liệu có hiệu lực ngày {}.",
                as_of.dmy()
            ),
            "1. Mỗi dòng của trang «Nhập liệu» là một chỉ tiêu của một đơn vị. Các cột nền xám không sửa được; chỉ sửa các cột nền trắng: Giá trị mới, Mẫu số mới, Ngày số liệu mới, Ghi chú.".into(),
            "2. Giá trị mới đã điền sẵn bằng số liệu hiện tại. Chỉ sửa ô của chỉ tiêu có số liệu mới; dòng giữ nguyên giá trị sẽ không thay đổi gì.".into(),
            "3. Chỉ tiêu Có/Không: chọn Có hoặc Không trong danh sách. Số lượng: một số không âm. Tỷ lệ %: gõ ví dụ 72,5% (ô đã định dạng phần trăm). Tử số/Mẫu số: tử số ở cột Giá trị mới, mẫu số ở cột Mẫu số mới, đều là số nguyên.".into(),
            "4. Ngày số liệu mới là ngày của số liệu (dd/mm/yyyy), không sau hôm nay và không trước đầu kỳ của bộ chỉ tiêu.".into(),
            "5. Tải tệp lên tại trang của đơn vị (mục «Nhập từ tệp») hoặc dùng lệnh `tiendo import TỆP`. Mọi dòng được kiểm tra trước; nếu có lỗi, từng lỗi được báo kèm trang, dòng và cột, và không số liệu nào được ghi. Nếu không có lỗi, bạn xem trước các thay đổi rồi xác nhận; tất cả được ghi cùng lúc và lưu vào nhật ký.".into(),
            "6. Không đổi tên trang, không thêm hay xóa cột, không chuyển dòng sang đơn vị khác. Trang ẩn «tiendo» ghi mẫu này được tạo cho đơn vị và bộ chỉ tiêu nào.".into(),
        ],
        Lang::En => vec![
            format!("DATA-ENTRY TEMPLATE — {} — {name}", unit.name),
            format!("The current figures are those in force on {}.", as_of.dmy()),
            "1. Each row of the «Data entry» sheet is one indicator of one unit. Grey columns cannot be changed; edit only the white ones: New value, New denominator, New figure's date, Note.".into(),
            "2. New value is pre-filled with the current figure. Change only the cells of indicators with a new figure; a row left as it is changes nothing.".into(),
            "3. Yes/no indicators: choose Có (yes) or Không (no) from the list. Counts: a number, not negative. Percentages: type e.g. 72.5% (the cell is formatted as a percentage). Numerator/denominator: the numerator in New value, the denominator in New denominator, both whole numbers.".into(),
            "4. New figure's date is the date of the figure (dd/mm/yyyy), not after today and not before the framework's period starts.".into(),
            "5. Upload the file on the unit's page («Import from a file») or with `tiendo import FILE`. Every row is checked first; if there are mistakes, each is reported with its sheet, row and column, and nothing is written. Otherwise you see the changes first and confirm; all are written at once and recorded in the audit log.".into(),
            "6. Do not rename sheets, add or remove columns, or move rows to another unit. The hidden «tiendo» sheet records which unit and framework this template was made for.".into(),
        ],
    }
}

/// The CSV form of the template, for figures kept in other tools: the header row and one row
/// per indicator, the current figures filled in (percentages in percent, as typed).
pub async fn template_csv(
    store: &Store,
    unit_code: &str,
    framework: &FrameworkRef,
    as_of: Date,
    today: Date,
    lang: Lang,
) -> Result<(Vec<u8>, String)> {
    let unit = store.unit(unit_code).await?;
    let rules = store.framework(framework).await?;
    let lines = lines(store, &unit, framework, &rules, as_of).await?;
    let columns = [
        Col::Unit,
        Col::Indicator,
        Col::Name,
        Col::Current,
        Col::Value,
        Col::Denominator,
        Col::Date,
        Col::Note,
    ];
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    let write_error = |e: csv::Error| {
        crate::ExchangeError::Document(tiendo_documents::DocumentError::Write {
            format: "CSV",
            message: e.to_string(),
        })
    };
    out.write_record(columns.iter().map(|c| c.header(lang)))
        .map_err(write_error)?;
    let new_date = as_of.min(today).dmy();
    for line in &lines {
        let i = &line.indicator;
        let current = line.latest.as_ref().map(|o| o.figure);
        let (value, denominator) = match current {
            Some(Figure::YesNo(b)) => (
                tiendo_domain::yes_no_label(b, Lang::Vi).to_string(),
                String::new(),
            ),
            // Plain digits with a point, which the import reads in either language.
            Some(Figure::Amount(v)) => (v.to_string(), String::new()),
            Some(Figure::Ratio {
                numerator,
                denominator,
            }) => (numerator.to_string(), denominator.to_string()),
            None => (String::new(), String::new()),
        };
        let described = current
            .map(|f| f.describe(i.measure, i.count_unit_in(lang), lang))
            .unwrap_or_default();
        // A cell a spreadsheet would run as a formula is written as text.
        let safe = |text: &str| {
            if text.starts_with(['=', '+', '-', '@']) {
                format!("'{text}")
            } else {
                text.to_string()
            }
        };
        out.write_record([
            line.unit.code.as_str(),
            i.code.as_str(),
            &safe(lang.pick(&i.name, &i.name_en)),
            &safe(&described),
            &value,
            &denominator,
            &new_date,
            "",
        ])
        .map_err(write_error)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| write_error(e.into_error().into()))?;
    let file = format!(
        "{}-{as_of}.csv",
        file_stem(&[lang.pick("mau nhap lieu", "template"), &unit.name])
    );
    Ok((bytes, file))
}
