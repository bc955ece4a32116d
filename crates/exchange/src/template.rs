//! The data-entry template (mẫu nhập liệu) and its import.
//!
//! A unit's template is a workbook with one row per applicable indicator (for a city: per unit
//! under it and indicator), pre-filled with the figures in force; only the new value, the
//! denominator, the date and the note may be edited, with drop-down lists and number checks.
//! The same columns as CSV serve for figures kept in other tools.
//!
//! An upload is first read whole into an [`ImportPlan`]: every row checked, every problem kept
//! with its sheet, row and column, and every change listed with the figure before and after.
//! Only a plan without problems is applied, all at once, in one transaction.

use std::collections::{BTreeSet, HashMap};

use tiendo_documents::Metadata;
use tiendo_documents::read::{RawCell, RawRow, RawSheet, column_letter, read_csv, read_xlsx};
use tiendo_documents::sheet::Value;
use tiendo_documents::template::{
    Check, Rule, Template, TemplateColumn, TemplateRow, TemplateSheet, write_template,
};
use tiendo_domain::{
    Bilingual, Date, Decimal, Figure, Framework, Indicator, Lang, Measure, Observation, Unit,
};
use tiendo_storage::{Actor, FrameworkRef, NewObservation, Store};
use unicode_normalization::UnicodeNormalization;

use crate::workbook::measure_label;
use crate::{ExchangeError, Result, file_stem};

/// The hidden sheet that says what a template was made for.
const PROPERTIES_SHEET: &str = "tiendo";
const TEMPLATE_KIND: &str = "tiendo-template";

/// The template's columns, in order; each is recognised on upload by its header in either
/// language, so a CSV may carry only the columns it needs, in any order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Col {
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

    fn header(self, lang: Lang) -> &'static str {
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

    fn from_header(text: &str) -> Option<Col> {
        let key = tiendo_domain::text::fold(text);
        Col::ALL.into_iter().find(|c| {
            [Lang::Vi, Lang::En]
                .iter()
                .any(|&l| tiendo_domain::text::fold(c.header(l)) == key)
        })
    }
}

fn date_value(day: Date) -> Value {
    Value::Date {
        year: day.year(),
        month: day.month(),
        day: day.day(),
    }
}

fn ymd(day: Date) -> (i32, u8, u8) {
    (day.year(), day.month(), day.day())
}

/// The units a template covers: the unit itself when it is assessed, else the assessed units
/// under it, each with the indicators that apply to it.
async fn covered_units(
    store: &Store,
    unit_code: &str,
    framework: &FrameworkRef,
    as_of: Date,
) -> Result<Vec<Unit>> {
    let own = store.unit_indicators(unit_code, framework, as_of).await?;
    if !own.is_empty() {
        return Ok(vec![store.unit(unit_code).await?]);
    }
    let matrix = store
        .status_matrix(unit_code, framework, as_of, 0, 1_000_000)
        .await?;
    Ok(matrix.units.into_iter().map(|(u, _)| u).collect())
}

/// The template for `unit_code` and `framework` on `as_of`, as XLSX bytes and a file name.
/// `today` bounds the dates a figure may have.
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
    let units = covered_units(store, unit_code, framework, as_of).await?;
    let many = units.len() > 1 || units.first().is_some_and(|u| u.code != unit.code);
    let columns: Vec<Col> = Col::ALL
        .into_iter()
        .filter(|c| many || *c != Col::UnitName)
        .collect();
    let mut rows = Vec::new();
    for u in &units {
        // One read per unit: a template covers one ward, or the few dozen of a city.
        let standing = store.unit_indicators(&u.code, framework, as_of).await?;
        for row in standing
            .iter()
            .filter(|r| r.status != tiendo_domain::Status::NotApplicable)
        {
            rows.push(template_row(
                &columns,
                u,
                &rules,
                &row.indicator,
                row.latest.as_ref(),
                framework,
                as_of,
                today,
                lang,
            ));
        }
    }
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

#[allow(clippy::too_many_arguments)]
fn template_row(
    columns: &[Col],
    unit: &Unit,
    rules: &Framework,
    indicator: &Indicator,
    latest: Option<&Observation>,
    framework: &FrameworkRef,
    as_of: Date,
    today: Date,
    lang: Lang,
) -> TemplateRow {
    let group = rules
        .groups
        .iter()
        .find(|g| g.code == indicator.group)
        .map(|g| lang.pick(&g.name, &g.name_en).to_string())
        .unwrap_or_default();
    let count_unit = match lang {
        Lang::Vi => indicator.count_unit.as_deref(),
        Lang::En => indicator
            .count_unit_en
            .as_deref()
            .or(indicator.count_unit.as_deref()),
    };
    let mut cells = Vec::with_capacity(columns.len());
    let mut checks = Vec::with_capacity(columns.len());
    for col in columns {
        let (value, check) = match col {
            Col::Unit => (Value::Text(unit.code.clone()), None),
            Col::UnitName => (Value::Text(unit.name.clone()), None),
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
                    Value::Text(o.figure.describe(indicator.measure, count_unit, lang))
                }),
                None,
            ),
            Col::CurrentDate => (
                latest.map_or(Value::Empty, |o| date_value(o.observed_on)),
                None,
            ),
            Col::Value => (current_value(latest), Some(value_check(indicator, lang))),
            Col::Denominator => match latest.map(|o| o.figure) {
                Some(Figure::Ratio { denominator, .. }) => {
                    (Value::Integer(denominator), Some(denominator_check(lang)))
                }
                _ if indicator.measure == Measure::Ratio => {
                    (Value::Empty, Some(denominator_check(lang)))
                }
                _ => (Value::Empty, None),
            },
            Col::Date => (
                date_value(as_of.min(today)),
                Some(Check {
                    rule: Rule::Date {
                        min: ymd(framework.period_start),
                        max: ymd(today),
                    },
                    prompt: lang
                        .pick(
                            "Ngày của số liệu mới, dạng dd/mm/yyyy",
                            "The new figure's date, dd/mm/yyyy",
                        )
                        .into(),
                    error: match lang {
                        Lang::Vi => format!(
                            "Ngày phải từ {} đến {}",
                            framework.period_start.dmy(),
                            today.dmy()
                        ),
                        Lang::En => format!(
                            "The date must lie between {} and {}",
                            framework.period_start.dmy(),
                            today.dmy()
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

fn current_value(latest: Option<&Observation>) -> Value {
    match latest.map(|o| o.figure) {
        Some(Figure::YesNo(b)) => Value::Text(tiendo_domain::yes_no_label(b, Lang::Vi).into()),
        Some(Figure::Amount(v)) => Value::Decimal {
            thousandths: v.thousandths(),
        },
        Some(Figure::Ratio { numerator, .. }) => Value::Integer(numerator),
        None => Value::Empty,
    }
}

fn value_check(indicator: &Indicator, lang: Lang) -> Check {
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
        Measure::Percent => Check {
            rule: Rule::Decimal {
                min: 0.0,
                max: Some(100.0),
            },
            prompt: lang
                .pick(
                    "Tỷ lệ phần trăm, từ 0 đến 100 (ví dụ 72,5)",
                    "A percentage from 0 to 100 (e.g. 72.5)",
                )
                .into(),
            error: lang
                .pick(
                    "Tỷ lệ phần trăm phải từ 0 đến 100",
                    "A percentage must lie between 0 and 100",
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
            format!("Số liệu hiện tại là số liệu có hiệu lực ngày {}.", as_of.dmy()),
            "1. Mỗi dòng của trang «Nhập liệu» là một chỉ tiêu của một đơn vị. Các cột nền xám không sửa được; chỉ sửa các cột nền trắng: Giá trị mới, Mẫu số mới, Ngày số liệu mới, Ghi chú.".into(),
            "2. Giá trị mới đã điền sẵn bằng số liệu hiện tại. Chỉ sửa ô của chỉ tiêu có số liệu mới; dòng giữ nguyên giá trị sẽ không thay đổi gì.".into(),
            "3. Chỉ tiêu Có/Không: chọn Có hoặc Không trong danh sách. Số lượng: một số không âm. Tỷ lệ %: số từ 0 đến 100 (ví dụ 72,5). Tử số/Mẫu số: tử số ở cột Giá trị mới, mẫu số ở cột Mẫu số mới, đều là số nguyên.".into(),
            "4. Ngày số liệu mới là ngày của số liệu (dd/mm/yyyy), không sau hôm nay và không trước đầu kỳ của bộ chỉ tiêu.".into(),
            "5. Tải tệp lên tại trang của đơn vị (mục «Nhập từ tệp») hoặc dùng lệnh `tiendo import TỆP`. Mọi dòng được kiểm tra trước; nếu có lỗi, từng lỗi được báo kèm trang, dòng và cột, và không số liệu nào được ghi. Nếu không có lỗi, bạn xem trước các thay đổi rồi xác nhận; tất cả được ghi cùng lúc và lưu vào nhật ký.".into(),
            "6. Không đổi tên trang, không thêm hay xóa cột, không chuyển dòng sang đơn vị khác. Trang ẩn «tiendo» ghi mẫu này được tạo cho đơn vị và bộ chỉ tiêu nào.".into(),
        ],
        Lang::En => vec![
            format!("DATA-ENTRY TEMPLATE — {} — {name}", unit.name),
            format!("The current figures are those in force on {}.", as_of.dmy()),
            "1. Each row of the «Data entry» sheet is one indicator of one unit. Grey columns cannot be changed; edit only the white ones: New value, New denominator, New figure's date, Note.".into(),
            "2. New value is pre-filled with the current figure. Change only the cells of indicators with a new figure; a row left as it is changes nothing.".into(),
            "3. Yes/no indicators: choose Có (yes) or Không (no) from the list. Counts: a number, not negative. Percentages: a number from 0 to 100 (e.g. 72.5). Numerator/denominator: the numerator in New value, the denominator in New denominator, both whole numbers.".into(),
            "4. New figure's date is the date of the figure (dd/mm/yyyy), not after today and not before the framework's period starts.".into(),
            "5. Upload the file on the unit's page («Import from a file») or with `tiendo import FILE`. Every row is checked first; if there are mistakes, each is reported with its sheet, row and column, and nothing is written. Otherwise you see the changes first and confirm; all are written at once and recorded in the audit log.".into(),
            "6. Do not rename sheets, add or remove columns, or move rows to another unit. The hidden «tiendo» sheet records which unit and framework this template was made for.".into(),
        ],
    }
}

/// One mistake in an upload, where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProblem {
    pub sheet: String,
    /// 1-based, as the spreadsheet shows it; 0 for the file as a whole.
    pub row: u32,
    /// The column letter, empty for a whole row.
    pub column: String,
    pub message: Bilingual,
}

impl ImportProblem {
    /// `Nhập liệu!I12` (or the sheet alone), for messages.
    pub fn place(&self) -> String {
        match (self.row, self.column.is_empty()) {
            (0, _) => self.sheet.clone(),
            (row, true) => format!("{}!{row}", self.sheet),
            (row, false) => format!("{}!{}{row}", self.sheet, self.column),
        }
    }

    /// The problem with its place, e.g. `trang «Nhập liệu», dòng 12, cột I: …`.
    pub fn describe(&self, lang: Lang) -> String {
        let mut place = match lang {
            Lang::Vi => format!("trang «{}»", self.sheet),
            Lang::En => format!("sheet «{}»", self.sheet),
        };
        if self.row > 0 {
            place.push_str(&format!(", {} {}", lang.pick("dòng", "row"), self.row));
        }
        if !self.column.is_empty() {
            place.push_str(&format!(", {} {}", lang.pick("cột", "column"), self.column));
        }
        format!("{place}: {}", lang.pick(&self.message.vi, &self.message.en))
    }
}

/// One figure the upload will write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedChange {
    pub sheet: String,
    pub row: u32,
    pub unit_code: String,
    pub unit_name: String,
    pub indicator_code: String,
    pub indicator_name: Bilingual,
    /// The figure in force before, described for people in each language.
    pub before: Option<Bilingual>,
    pub after: Bilingual,
    pub observation: Observation,
}

/// What an upload would do: the changes, or the problems that stop it.
#[derive(Clone, Debug)]
pub struct ImportPlan {
    pub framework: FrameworkRef,
    pub file_name: String,
    pub changes: Vec<PlannedChange>,
    /// Rows read that would change nothing (the figure given is the one in force, or none given).
    pub unchanged: usize,
    pub problems: Vec<ImportProblem>,
    /// Every unit the file names, for the caller's access checks.
    pub units: BTreeSet<String>,
}

impl ImportPlan {
    /// A short fingerprint of the changes, so that a confirmation applies what was previewed.
    pub fn fingerprint(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for c in &self.changes {
            let line = format!(
                "{}|{}|{}|{:?}|{}\n",
                c.unit_code,
                c.indicator_code,
                c.observation.observed_on,
                c.observation.figure,
                c.observation.note
            );
            for b in line.bytes() {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{hash:016x}-{}", self.changes.len())
    }
}

/// What a file says about itself, from the template's hidden sheet.
#[derive(Clone, Debug, Default)]
struct Properties {
    framework: Option<String>,
    version: Option<i64>,
    unit: Option<String>,
    as_of: Option<Date>,
}

/// Where the plan reads the file's rows from.
struct Upload {
    sheet: RawSheet,
    properties: Properties,
}

fn problem(sheet: &str, row: u32, column: &str, vi: String, en: String) -> ImportProblem {
    ImportProblem {
        sheet: sheet.to_string(),
        row,
        column: column.to_string(),
        message: Bilingual { vi, en },
    }
}

fn cell_text(cell: &RawCell) -> Option<String> {
    match cell {
        RawCell::Text(t) => Some(t.clone()),
        RawCell::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn read_upload(bytes: &[u8], file_name: &str) -> Result<Upload> {
    let lower = file_name.to_ascii_lowercase();
    let is_zip = bytes.starts_with(b"PK");
    if lower.ends_with(".csv") || (!is_zip && !lower.ends_with(".xlsx")) {
        return Ok(Upload {
            sheet: read_csv(bytes)?,
            properties: Properties::default(),
        });
    }
    let sheets = read_xlsx(bytes)?;
    let mut properties = Properties::default();
    if let Some(props) = sheets.iter().find(|s| s.name == PROPERTIES_SHEET) {
        for row in &props.rows {
            let key = row.cells.first().and_then(cell_text);
            let value = row.cells.get(1).and_then(cell_text);
            let (Some(key), Some(value)) = (key, value) else {
                continue;
            };
            match key.as_str() {
                "framework" => properties.framework = Some(value),
                "version" => {
                    properties.version = value.trim().parse::<f64>().ok().map(|v| v as i64)
                }
                "unit" => properties.unit = Some(value),
                "as_of" => properties.as_of = value.parse().ok(),
                _ => {}
            }
        }
    }
    // The data sheet is the first one with the template's header row.
    let data = sheets
        .into_iter()
        .filter(|s| s.name != PROPERTIES_SHEET)
        .find(|s| header_row(s).is_some())
        .ok_or_else(|| {
            ExchangeError::invalid(
                "không tìm thấy trang nhập liệu: cần một trang có dòng tiêu đề với các cột «Mã đơn vị», «Mã chỉ tiêu» và «Giá trị mới»",
                "no data-entry sheet found: a sheet needs a header row with the columns «Unit code», «Indicator code» and «New value»",
            )
        })?;
    Ok(Upload {
        sheet: data,
        properties,
    })
}

/// The header row's index in `sheet.rows` and the column each header names.
fn header_row(sheet: &RawSheet) -> Option<(usize, HashMap<Col, usize>)> {
    sheet.rows.iter().take(10).enumerate().find_map(|(i, row)| {
        let map: HashMap<Col, usize> = row
            .cells
            .iter()
            .enumerate()
            .filter_map(|(j, c)| match c {
                RawCell::Text(t) => Col::from_header(t).map(|col| (col, j)),
                _ => None,
            })
            .collect();
        (map.contains_key(&Col::Unit)
            && map.contains_key(&Col::Indicator)
            && map.contains_key(&Col::Value))
        .then_some((i, map))
    })
}

fn is_blank(row: &RawRow) -> bool {
    row.cells.iter().all(|c| match c {
        RawCell::Empty => true,
        RawCell::Text(t) => t.trim().is_empty(),
        _ => false,
    })
}

/// A date cell: a real date, or text as `dd/mm/yyyy` or `yyyy-mm-dd`.
fn read_date(cell: &RawCell) -> std::result::Result<Option<Date>, (String, String)> {
    match cell {
        RawCell::Empty => Ok(None),
        RawCell::Date { year, month, day } => Date::from_ymd(*year, *month, *day)
            .map(Some)
            .ok_or_else(|| ("ngày không có thật".into(), "no such date".into())),
        RawCell::Text(t) if t.trim().is_empty() => Ok(None),
        RawCell::Text(t) => parse_day(t).map(Some).ok_or_else(|| {
            (
                format!("«{t}» không phải ngày dạng dd/mm/yyyy"),
                format!("«{t}» is not a date in the form dd/mm/yyyy"),
            )
        }),
        other => Err((
            format!("«{}» không phải ngày dạng dd/mm/yyyy", shown(other)),
            format!("«{}» is not a date in the form dd/mm/yyyy", shown(other)),
        )),
    }
}

fn parse_day(text: &str) -> Option<Date> {
    let t = text.trim();
    if let Ok(d) = t.parse::<Date>() {
        return Some(d);
    }
    let parts: Vec<&str> = t.split(['/', '-', '.']).collect();
    match parts.as_slice() {
        [d, m, y] if y.len() == 4 => {
            Date::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
        }
        _ => None,
    }
}

fn shown(cell: &RawCell) -> String {
    match cell {
        RawCell::Empty => String::new(),
        RawCell::Text(t) => t.clone(),
        RawCell::Number(n) => {
            Decimal::from_thousandths((n * 1000.0).round() as i64).format(Lang::Vi)
        }
        RawCell::Bool(b) => tiendo_domain::yes_no_label(*b, Lang::Vi).into(),
        RawCell::Date { year, month, day } => format!("{day:02}/{month:02}/{year}"),
        RawCell::Error(e) => e.clone(),
    }
}

type CellError = (String, String);

/// A number cell, or text with either decimal mark and an optional `%`.
fn read_decimal(cell: &RawCell) -> std::result::Result<Decimal, CellError> {
    match cell {
        RawCell::Number(n) => {
            let scaled = n * 1000.0;
            if (scaled - scaled.round()).abs() > 1e-6 || !scaled.is_finite() || scaled.abs() > 9e15
            {
                return Err((
                    format!("«{n}» có quá ba chữ số thập phân"),
                    format!("«{n}» has more than three decimal places"),
                ));
            }
            Ok(Decimal::from_thousandths(scaled.round() as i64))
        }
        RawCell::Text(t) => {
            let body = t.trim().trim_end_matches('%').trim();
            body.parse::<Decimal>().map_err(|_| {
                (
                    format!("«{t}» không phải là số (ví dụ 72 hoặc 72,5)"),
                    format!("«{t}» is not a number (e.g. 72 or 72.5)"),
                )
            })
        }
        other => Err((
            format!("«{}» không phải là số", shown(other)),
            format!("«{}» is not a number", shown(other)),
        )),
    }
}

fn read_whole(cell: &RawCell) -> std::result::Result<i64, CellError> {
    let d = read_decimal(cell)?;
    if !d.is_integer() {
        return Err((
            format!("«{}» không phải số nguyên", shown(cell)),
            format!("«{}» is not a whole number", shown(cell)),
        ));
    }
    Ok(d.thousandths() / Decimal::SCALE)
}

fn read_yes_no(cell: &RawCell) -> std::result::Result<bool, CellError> {
    match cell {
        RawCell::Bool(b) => Ok(*b),
        RawCell::Text(t) => {
            let key: String = t.trim().to_lowercase().nfc().collect();
            match key.as_str() {
                "có" | "co" | "yes" | "x" | "true" | "1" => Ok(true),
                "không" | "khong" | "no" | "false" | "0" => Ok(false),
                _ => Err((
                    format!("«{t}» không phải Có hoặc Không"),
                    format!("«{t}» is not Có (yes) or Không (no)"),
                )),
            }
        }
        RawCell::Number(n) if *n == 1.0 || *n == 0.0 => Ok(*n == 1.0),
        other => Err((
            format!("«{}» không phải Có hoặc Không", shown(other)),
            format!("«{}» is not Có (yes) or Không (no)", shown(other)),
        )),
    }
}

/// Reads an upload (XLSX template, or CSV with the template's columns) and checks every row
/// against the store, without writing anything. `framework` is used when the file does not name
/// its own (a CSV); `today` bounds the figures' dates. `progress` is told the steps done out of
/// all (one per unit named, to read its figures, then one per row), for a progress bar.
pub async fn plan_import(
    store: &Store,
    bytes: &[u8],
    file_name: &str,
    framework: Option<&FrameworkRef>,
    today: Date,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ImportPlan> {
    let upload = read_upload(bytes, file_name)?;
    let framework = match (&upload.properties.framework, upload.properties.version) {
        (Some(code), version) => {
            let found = store
                .frameworks()
                .await?
                .into_iter()
                .filter(|f| &f.code == code && version.is_none_or(|v| v == f.version))
                .max_by_key(|f| f.version);
            found.ok_or_else(|| {
                ExchangeError::invalid(
                    format!(
                        "tệp được tạo cho bộ chỉ tiêu «{code}» phiên bản {}, không có ở đây",
                        version.unwrap_or(0)
                    ),
                    format!(
                        "the file was made for framework «{code}» version {}, which is not here",
                        version.unwrap_or(0)
                    ),
                )
            })?
        }
        (None, _) => match framework {
            Some(f) => f.clone(),
            None => {
                return Err(ExchangeError::invalid(
                    "tệp không ghi bộ chỉ tiêu: hãy chọn bộ chỉ tiêu (--framework)",
                    "the file does not name its framework: choose one (--framework)",
                ));
            }
        },
    };
    let rules = store.framework(&framework).await?;
    let units: HashMap<String, Unit> = store
        .units()
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let scope = match &upload.properties.unit {
        Some(code) => Some(units.get(code).cloned().ok_or_else(|| {
            ExchangeError::invalid(
                format!("tệp được tạo cho đơn vị mã «{code}», không có ở đây"),
                format!("the file was made for unit «{code}», which is not here"),
            )
        })?),
        None => None,
    };
    let as_of = upload.properties.as_of.unwrap_or(today);
    let sheet = &upload.sheet;
    let mut plan = ImportPlan {
        framework: framework.clone(),
        file_name: file_name.to_string(),
        changes: Vec::new(),
        unchanged: 0,
        problems: Vec::new(),
        units: BTreeSet::new(),
    };
    let Some((header_index, columns)) = header_row(sheet) else {
        plan.problems.push(problem(
            &sheet.name,
            0,
            "",
            "không có dòng tiêu đề với các cột «Mã đơn vị», «Mã chỉ tiêu» và «Giá trị mới»".into(),
            "no header row with the columns «Unit code», «Indicator code» and «New value»".into(),
        ));
        return Ok(plan);
    };

    // The figures in force, read once per unit named in the file.
    let mut named_units: BTreeSet<String> = BTreeSet::new();
    for row in &sheet.rows[header_index + 1..] {
        if let Some(code) = row.cells.get(columns[&Col::Unit]).and_then(cell_text) {
            named_units.insert(code.trim().to_string());
        }
    }
    let rows_after_header = sheet.rows.len() - header_index - 1;
    let steps = named_units.len() + rows_after_header;
    // Every figure of each unit named in the file, read once per unit, so that each row is
    // compared with the figure in force on its own date.
    let mut figures: HashMap<String, HashMap<String, Vec<Observation>>> = HashMap::new();
    for (done, code) in named_units.iter().enumerate() {
        progress(done, steps);
        if !units.contains_key(code) {
            continue;
        }
        figures.insert(
            code.clone(),
            store.unit_figures(code, &framework, today).await?,
        );
    }

    let mut seen: HashMap<(String, String), u32> = HashMap::new();
    let get = |row: &RawRow, col: Col| -> RawCell {
        columns
            .get(&col)
            .and_then(|&j| row.cells.get(j).cloned())
            .unwrap_or(RawCell::Empty)
    };
    let letter = |col: Col| {
        columns
            .get(&col)
            .map(|&j| column_letter(j))
            .unwrap_or_default()
    };
    for (done, row) in sheet.rows[header_index + 1..].iter().enumerate() {
        if done % 256 == 0 {
            progress(named_units.len() + done, steps);
        }
        if is_blank(row) {
            continue;
        }
        let n = row.number;
        let mut report = |col: Option<Col>, (vi, en): CellError| {
            let column = col.map(letter).unwrap_or_default();
            plan.problems.push(problem(&sheet.name, n, &column, vi, en));
        };
        let unit_code = cell_text(&get(row, Col::Unit))
            .unwrap_or_default()
            .trim()
            .to_string();
        let indicator_code = cell_text(&get(row, Col::Indicator))
            .unwrap_or_default()
            .trim()
            .to_string();
        let Some(unit) = units.get(&unit_code) else {
            report(
                Some(Col::Unit),
                if unit_code.is_empty() {
                    ("thiếu mã đơn vị".into(), "the unit code is missing".into())
                } else {
                    (
                        format!("không có đơn vị mã «{unit_code}»"),
                        format!("no unit has the code «{unit_code}»"),
                    )
                },
            );
            continue;
        };
        if let Some(scope) = &scope
            && !within(unit, scope, &units)
        {
            report(
                Some(Col::Unit),
                (
                    format!(
                        "dòng này thuộc {} ({unit_code}), không thuộc {} mà tệp được tạo cho; không chuyển dòng sang đơn vị khác",
                        unit.name, scope.name
                    ),
                    format!(
                        "this row is for {} ({unit_code}), not within {} which the file was made for; rows cannot move to another unit",
                        unit.name, scope.name
                    ),
                ),
            );
            continue;
        }
        // Every unit the file rightly names, changed or not, is checked for access by the
        // caller; a row outside the file's unit is a mistake reported above instead.
        plan.units.insert(unit_code.clone());
        let Some(indicator) = rules.indicator(&indicator_code) else {
            report(
                Some(Col::Indicator),
                (
                    format!(
                        "bộ chỉ tiêu {} không có chỉ tiêu mã «{indicator_code}»",
                        framework.code
                    ),
                    format!(
                        "framework {} has no indicator «{indicator_code}»",
                        framework.code
                    ),
                ),
            );
            continue;
        };
        if !indicator.applies_to.contains(&unit.kind) {
            report(
                Some(Col::Indicator),
                (
                    format!(
                        "chỉ tiêu {} không áp dụng cho {}",
                        indicator.code,
                        unit.kind.label(Lang::Vi).to_lowercase()
                    ),
                    format!(
                        "indicator {} does not apply to a {}",
                        indicator.code,
                        unit.kind.label(Lang::En).to_lowercase()
                    ),
                ),
            );
            continue;
        }
        if let Some(first) = seen.insert((unit_code.clone(), indicator_code.clone()), n) {
            report(
                None,
                (
                    format!(
                        "chỉ tiêu {indicator_code} của đơn vị {unit_code} đã có ở dòng {first}"
                    ),
                    format!(
                        "indicator {indicator_code} of unit {unit_code} already appears in row {first}"
                    ),
                ),
            );
            continue;
        }

        let value = get(row, Col::Value);
        let denominator = get(row, Col::Denominator);
        let value_blank = matches!(&value, RawCell::Empty)
            || matches!(&value, RawCell::Text(t) if t.trim().is_empty());
        if value_blank {
            // Nothing typed: the row brings no figure.
            plan.unchanged += 1;
            continue;
        }
        let denominator_blank = matches!(&denominator, RawCell::Empty)
            || matches!(&denominator, RawCell::Text(t) if t.trim().is_empty());
        let figure = match indicator.measure {
            Measure::YesNo => read_yes_no(&value).map(Figure::YesNo),
            Measure::Count | Measure::Percent => read_decimal(&value).map(Figure::Amount),
            Measure::Ratio => read_whole(&value).map(|numerator| Figure::Ratio {
                numerator,
                denominator: 0,
            }),
        };
        let mut figure = match figure {
            Ok(f) => f,
            Err(e) => {
                report(Some(Col::Value), e);
                continue;
            }
        };
        if let Figure::Ratio { numerator, .. } = figure {
            if denominator_blank {
                report(
                    Some(Col::Denominator),
                    (
                        "chỉ tiêu tử số/mẫu số cần mẫu số".into(),
                        "a numerator/denominator indicator needs the denominator".into(),
                    ),
                );
                continue;
            }
            match read_whole(&denominator) {
                Ok(d) => {
                    figure = Figure::Ratio {
                        numerator,
                        denominator: d,
                    }
                }
                Err(e) => {
                    report(Some(Col::Denominator), e);
                    continue;
                }
            }
        } else if !denominator_blank {
            report(
                Some(Col::Denominator),
                (
                    "mẫu số chỉ dùng cho chỉ tiêu tính bằng tử số/mẫu số".into(),
                    "a denominator is only for numerator/denominator indicators".into(),
                ),
            );
            continue;
        }
        if let Err(e) = figure.check(indicator.measure) {
            let col = match e {
                tiendo_domain::FigureError::ZeroDenominator => Col::Denominator,
                _ => Col::Value,
            };
            report(Some(col), (e.message_vi(), e.to_string()));
            continue;
        }
        let day = match read_date(&get(row, Col::Date)) {
            Ok(Some(d)) => d,
            Ok(None) => as_of.min(today),
            Err(e) => {
                report(Some(Col::Date), e);
                continue;
            }
        };
        if day > today {
            report(
                Some(Col::Date),
                (
                    format!("ngày {} ở tương lai; chỉ nhập số liệu đã có", day.dmy()),
                    format!(
                        "{} is in the future; enter only figures that exist",
                        day.dmy()
                    ),
                ),
            );
            continue;
        }
        if day < framework.period_start {
            report(
                Some(Col::Date),
                (
                    format!(
                        "ngày {} trước kỳ của bộ chỉ tiêu (từ {})",
                        day.dmy(),
                        framework.period_start.dmy()
                    ),
                    format!(
                        "{} is before the framework's period (from {})",
                        day.dmy(),
                        framework.period_start.dmy()
                    ),
                ),
            );
            continue;
        }
        let note = match get(row, Col::Note) {
            RawCell::Text(t) => t.trim().nfc().collect::<String>(),
            RawCell::Empty => String::new(),
            other => shown(&other),
        };
        let before = figures
            .get(&unit_code)
            .and_then(|by_indicator| by_indicator.get(&indicator_code))
            .and_then(|history| history.iter().rev().find(|o| o.observed_on <= day));
        if before.is_some_and(|b| b.figure == figure) {
            plan.unchanged += 1;
            continue;
        }
        let count_unit = |lang: Lang| match lang {
            Lang::Vi => indicator.count_unit.as_deref(),
            Lang::En => indicator
                .count_unit_en
                .as_deref()
                .or(indicator.count_unit.as_deref()),
        };
        let describe = |f: &Figure| Bilingual {
            vi: f.describe(indicator.measure, count_unit(Lang::Vi), Lang::Vi),
            en: f.describe(indicator.measure, count_unit(Lang::En), Lang::En),
        };
        plan.changes.push(PlannedChange {
            sheet: sheet.name.clone(),
            row: n,
            unit_code: unit_code.clone(),
            unit_name: unit.name.clone(),
            indicator_code: indicator_code.clone(),
            indicator_name: Bilingual {
                vi: indicator.name.clone(),
                en: indicator.name_en.clone(),
            },
            before: before.map(|b| describe(&b.figure)),
            after: describe(&figure),
            observation: Observation {
                observed_on: day,
                figure,
                planned_by: None,
                note,
            },
        });
    }
    // Figures held by a submission (waiting for review, or accepted and not unlocked) cannot
    // change: each is reported at its row, before anything is written.
    let writes: Vec<(&str, &str, Date)> = plan
        .changes
        .iter()
        .map(|c| {
            (
                c.unit_code.as_str(),
                c.indicator_code.as_str(),
                c.observation.observed_on,
            )
        })
        .collect();
    let refusals = store.lock_refusals(&framework, &writes).await?;
    let value_column = letter(Col::Value);
    for (change, refusal) in plan.changes.iter().zip(refusals) {
        if let Some(tiendo_storage::StorageError::Invalid { vi, en }) = refusal {
            plan.problems
                .push(problem(&change.sheet, change.row, &value_column, vi, en));
        }
    }
    plan.problems.sort_by_key(|p| p.row);
    progress(steps, steps);
    Ok(plan)
}

/// Whether `unit` is `scope` or lies under it.
fn within(unit: &Unit, scope: &Unit, units: &HashMap<String, Unit>) -> bool {
    let mut current = Some(unit);
    // The tree is shallow (nation, province, district, commune); the bound guards a cycle.
    for _ in 0..16 {
        match current {
            Some(u) if u.code == scope.code => return true,
            Some(u) => current = u.parent_code.as_ref().and_then(|p| units.get(p)),
            None => return false,
        }
    }
    false
}

/// Writes a plan's changes, all or none, audited as an import of its file. A plan with problems
/// is refused whole, with every problem in the message.
pub async fn apply_import(store: &Store, plan: &ImportPlan, actor: &Actor) -> Result<usize> {
    if !plan.problems.is_empty() {
        let vi: Vec<String> = plan.problems.iter().map(|p| p.describe(Lang::Vi)).collect();
        let en: Vec<String> = plan.problems.iter().map(|p| p.describe(Lang::En)).collect();
        return Err(ExchangeError::invalid(
            format!(
                "tệp có {} lỗi, không số liệu nào được ghi:\n{}",
                vi.len(),
                vi.join("\n")
            ),
            format!(
                "the file has {} mistakes; nothing was written:\n{}",
                en.len(),
                en.join("\n")
            ),
        ));
    }
    if plan.changes.is_empty() {
        return Ok(0);
    }
    let items: Vec<NewObservation> = plan
        .changes
        .iter()
        .map(|c| NewObservation {
            unit_code: c.unit_code.clone(),
            indicator_code: c.indicator_code.clone(),
            observation: c.observation.clone(),
        })
        .collect();
    store
        .import_observations(&plan.framework, &items, actor, &plan.file_name)
        .await?;
    Ok(items.len())
}

/// The CSV form of the template's columns, for figures kept in other tools: the header row and
/// one row per indicator, the current figures filled in as in the XLSX template.
pub async fn template_csv(
    store: &Store,
    unit_code: &str,
    framework: &FrameworkRef,
    as_of: Date,
    lang: Lang,
) -> Result<(Vec<u8>, String)> {
    let unit = store.unit(unit_code).await?;
    let units = covered_units(store, unit_code, framework, as_of).await?;
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
    let mut out = String::from("\u{feff}");
    let line = |cells: &[String]| {
        cells
            .iter()
            .map(|c| {
                if c.contains([',', '"', '\n']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    out.push_str(&line(
        &columns
            .iter()
            .map(|c| c.header(lang).to_string())
            .collect::<Vec<_>>(),
    ));
    out.push_str("\r\n");
    for u in &units {
        for row in store.unit_indicators(&u.code, framework, as_of).await? {
            if row.status == tiendo_domain::Status::NotApplicable {
                continue;
            }
            let i = &row.indicator;
            let count_unit = match lang {
                Lang::Vi => i.count_unit.as_deref(),
                Lang::En => i.count_unit_en.as_deref().or(i.count_unit.as_deref()),
            };
            let (current, value, denominator) = match row.latest.as_ref().map(|o| o.figure) {
                Some(f @ Figure::YesNo(b)) => (
                    f.describe(i.measure, count_unit, lang),
                    tiendo_domain::yes_no_label(b, Lang::Vi).to_string(),
                    String::new(),
                ),
                Some(f @ Figure::Amount(v)) => {
                    // Plain digits with a point, which the import reads in either language.
                    (
                        f.describe(i.measure, count_unit, lang),
                        v.to_string(),
                        String::new(),
                    )
                }
                Some(
                    f @ Figure::Ratio {
                        numerator,
                        denominator,
                    },
                ) => (
                    f.describe(i.measure, count_unit, lang),
                    numerator.to_string(),
                    denominator.to_string(),
                ),
                None => (String::new(), String::new(), String::new()),
            };
            out.push_str(&line(&[
                u.code.clone(),
                i.code.clone(),
                lang.pick(&i.name, &i.name_en).to_string(),
                current,
                value,
                denominator,
                as_of.dmy(),
                String::new(),
            ]));
            out.push_str("\r\n");
        }
    }
    let file = format!(
        "{}-{as_of}.csv",
        file_stem(&[lang.pick("mau nhap lieu", "template"), &unit.name])
    );
    Ok((out.into_bytes(), file))
}
