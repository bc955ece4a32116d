//! Uploads of figures: a filled-in template (XLSX) or a CSV with its columns.
//!
//! An upload is first read whole into an [`ImportPlan`]: every row checked, every problem kept
//! with its sheet, row and column, every change listed with the figure before and after. Only a
//! plan without problems is applied, all at once, in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tiendo_documents::read::{RawCell, RawRow, RawSheet, column_letter, read_csv, read_xlsx};
use tiendo_domain::{
    Bilingual, Date, Decimal, Figure, FigureError, Lang, Measure, Observation, Unit,
    parse_whole_number, parse_yes_no,
};
use tiendo_storage::{Actor, FrameworkRef, NewObservation, StorageError, Store};
use unicode_normalization::UnicodeNormalization;

use crate::template::{Col, TEMPLATE_KIND};
use crate::{ExchangeError, Result};

/// The hidden sheet that says what a template was made for.
const PROPERTIES_SHEET: &str = tiendo_documents::template::PROPERTIES_SHEET;

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
    /// The figure in force on the new figure's date, for people in each language.
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
    /// Every unit the file rightly names, with its lineage (root first, the unit last), for the
    /// caller's access checks without another query.
    pub units: BTreeMap<String, (String, Vec<String>)>,
    /// Changes the figures before them too, so that a confirmation applies what was previewed
    /// only if nobody entered a figure in between.
    fingerprint: String,
}

impl ImportPlan {
    /// A short fingerprint of the changes and of the figures they replace.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

fn fingerprint(changes: &[PlannedChange]) -> String {
    // FNV-1a: a check that the plan is the one previewed, not a secret.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for c in changes {
        let line = format!(
            "{}|{}|{}|{:?}|{}|{:?}\n",
            c.unit_code,
            c.indicator_code,
            c.observation.observed_on,
            c.observation.figure,
            c.observation.note,
            c.before.as_ref().map(|b| &b.en),
        );
        for b in line.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}-{}", changes.len())
}

/// What a file says about itself, from the template's hidden sheet.
#[derive(Clone, Debug, Default)]
struct Properties {
    framework: Option<String>,
    version: Option<i64>,
    unit: Option<String>,
    as_of: Option<Date>,
}

fn problem(sheet: &str, row: u32, column: &str, vi: String, en: String) -> ImportProblem {
    ImportProblem {
        sheet: sheet.to_string(),
        row,
        column: column.to_string(),
        message: Bilingual { vi, en },
    }
}

/// A code or key as text; a number cell (a code a spreadsheet took for a number) as its digits.
fn cell_text(cell: &RawCell) -> Option<String> {
    match cell {
        RawCell::Text(t) => Some(t.clone()),
        RawCell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{n:.0}")),
        RawCell::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The sheet with the figures, and what the file says about itself.
fn read_upload(bytes: &[u8], file_name: &str) -> Result<(RawSheet, Properties)> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".csv") || (!bytes.starts_with(b"PK") && !lower.ends_with(".xlsx")) {
        return Ok((read_csv(bytes)?, Properties::default()));
    }
    let sheets = read_xlsx(bytes)?;
    let mut properties = Properties::default();
    let mut is_template = false;
    if let Some(props) = sheets.iter().find(|s| s.name == PROPERTIES_SHEET) {
        for row in &props.rows {
            let (Some(key), Some(value)) = (cell_text(row.cell(0)), cell_text(row.cell(1))) else {
                continue;
            };
            match key.as_str() {
                "kind" => is_template = value == TEMPLATE_KIND,
                "framework" => properties.framework = Some(value),
                "version" => properties.version = value.trim().parse().ok(),
                "unit" => properties.unit = Some(value),
                "as_of" => properties.as_of = value.parse().ok(),
                _ => {}
            }
        }
    }
    if !is_template {
        // A workbook of its own with the template's columns: nothing it says about itself.
        properties = Properties::default();
    }
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
    Ok((data, properties))
}

/// The header row's index in `sheet.rows` and the column each header names.
fn header_row(sheet: &RawSheet) -> Option<(usize, HashMap<Col, usize>)> {
    sheet.rows.iter().take(10).enumerate().find_map(|(i, row)| {
        let mut map = HashMap::new();
        for (j, c) in row.cells.iter().enumerate() {
            if let RawCell::Text(t) = c
                && let Some(col) = Col::from_header(t)
            {
                // The first column of a name counts; a repeat is reported by the plan.
                map.entry(col).or_insert(j);
            }
        }
        (map.contains_key(&Col::Unit)
            && map.contains_key(&Col::Indicator)
            && map.contains_key(&Col::Value))
        .then_some((i, map))
    })
}

fn is_blank(cell: &RawCell) -> bool {
    match cell {
        RawCell::Empty => true,
        RawCell::Text(t) => t.trim().is_empty(),
        _ => false,
    }
}

type CellError = (String, String);

fn shown(cell: &RawCell) -> String {
    match cell {
        RawCell::Empty => String::new(),
        RawCell::Text(t) => t.clone(),
        RawCell::Number(n) => n.to_string(),
        RawCell::Bool(b) => tiendo_domain::yes_no_label(*b, Lang::Vi).into(),
        RawCell::Date { year, month, day } => format!("{day:02}/{month:02}/{year}"),
        RawCell::Error(e) => e.clone(),
    }
}

/// A date cell: a real date, or text as `dd/mm/yyyy` or `yyyy-mm-dd`.
fn read_date(cell: &RawCell) -> std::result::Result<Option<Date>, CellError> {
    let not_a_date = |text: &str| {
        (
            format!("«{text}» không phải ngày dạng dd/mm/yyyy"),
            format!("«{text}» is not a date in the form dd/mm/yyyy"),
        )
    };
    match cell {
        c if is_blank(c) => Ok(None),
        RawCell::Date { year, month, day } => Date::from_ymd(*year, *month, *day)
            .map(Some)
            .ok_or_else(|| ("ngày không có thật".into(), "no such date".into())),
        RawCell::Text(t) => parse_day(t).map(Some).ok_or_else(|| not_a_date(t)),
        other => Err(not_a_date(&shown(other))),
    }
}

fn parse_day(text: &str) -> Option<Date> {
    let t = text.trim();
    if let Ok(d) = t.parse::<Date>() {
        return Some(d);
    }
    match t.split(['/', '-', '.']).collect::<Vec<_>>().as_slice() {
        [d, m, y] if y.len() == 4 => {
            Date::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
        }
        _ => None,
    }
}

/// A number with up to three decimals, exactly: from a number cell, or text with either
/// decimal mark and an optional `%`.
fn read_decimal(cell: &RawCell) -> std::result::Result<Decimal, CellError> {
    match cell {
        RawCell::Number(n) => decimal_of(*n),
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

fn decimal_of(n: f64) -> std::result::Result<Decimal, CellError> {
    let scaled = n * 1000.0;
    if !scaled.is_finite() || scaled.abs() > 9e15 || (scaled - scaled.round()).abs() > 1e-6 {
        return Err((
            format!("«{n}» có quá ba chữ số thập phân"),
            format!("«{n}» has more than three decimal places"),
        ));
    }
    Ok(Decimal::from_thousandths(scaled.round() as i64))
}

/// A percentage: text as typed (`72,5`, `72,5%`); a number cell up to 1 as the fraction a
/// percent-formatted cell holds (0,725 is 72,5 %), above 1 as typed in an unformatted cell.
fn read_percent(cell: &RawCell) -> std::result::Result<Decimal, CellError> {
    match cell {
        RawCell::Number(n) if (0.0..=1.0).contains(n) => decimal_of(n * 100.0),
        other => read_decimal(other),
    }
}

/// A whole number: a number cell, or text as people type it (`1800`, `1.800`, `1,800`).
fn read_whole(cell: &RawCell) -> std::result::Result<i64, CellError> {
    let not_whole = || {
        (
            format!("«{}» không phải số nguyên không âm", shown(cell)),
            format!("«{}» is not a whole number of at least 0", shown(cell)),
        )
    };
    match cell {
        RawCell::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n < 9e15 => Ok(*n as i64),
        RawCell::Text(t) => parse_whole_number(t).ok_or_else(not_whole),
        _ => Err(not_whole()),
    }
}

fn read_yes_no(cell: &RawCell) -> std::result::Result<bool, CellError> {
    let answer = match cell {
        RawCell::Bool(b) => Some(*b),
        RawCell::Text(t) => parse_yes_no(t),
        RawCell::Number(n) if *n == 1.0 || *n == 0.0 => Some(*n == 1.0),
        _ => None,
    };
    answer.ok_or_else(|| {
        (
            format!("«{}» không phải Có hoặc Không", shown(cell)),
            format!("«{}» is not Có (yes) or Không (no)", shown(cell)),
        )
    })
}

/// The framework an upload is for: the one its template names (that exact version), else the
/// caller's (a CSV names none).
async fn framework_of(
    store: &Store,
    properties: &Properties,
    fallback: Option<&FrameworkRef>,
) -> Result<FrameworkRef> {
    let Some(code) = &properties.framework else {
        return fallback.cloned().ok_or_else(|| {
            ExchangeError::invalid(
                "tệp không ghi bộ chỉ tiêu: hãy chọn bộ chỉ tiêu (--framework)",
                "the file does not name its framework: choose one (--framework)",
            )
        });
    };
    let version = properties.version;
    store
        .frameworks()
        .await?
        .into_iter()
        .filter(|f| &f.code == code && version.is_none_or(|v| v == f.version))
        .max_by_key(|f| f.version)
        .ok_or_else(|| {
            let v = version.map(|v| v.to_string()).unwrap_or_default();
            ExchangeError::invalid(
                format!("tệp được tạo cho bộ chỉ tiêu «{code}» phiên bản {v}, không có ở đây"),
                format!("the file was made for framework «{code}» version {v}, which is not here"),
            )
        })
}

/// The unit's lineage, root first and the unit last, from the units already read.
fn lineage(unit: &Unit, units: &HashMap<String, Unit>) -> Vec<String> {
    let mut line = vec![unit.code.clone()];
    let mut current = unit.parent_code.as_ref().and_then(|p| units.get(p));
    // The tree is shallow (nation, province, district, commune); the bound guards a cycle.
    while let Some(u) = current
        && line.len() < 16
    {
        line.push(u.code.clone());
        current = u.parent_code.as_ref().and_then(|p| units.get(p));
    }
    line.reverse();
    line
}

/// Reads an upload (XLSX template, or CSV with the template's columns) and checks every row
/// against the store, without writing anything. `framework` is used when the file does not name
/// its own (a CSV); `today` bounds the figures' dates. `progress` is told the rows read out of
/// all, for a progress bar.
pub async fn plan_import(
    store: &Store,
    bytes: &[u8],
    file_name: &str,
    framework: Option<&FrameworkRef>,
    today: Date,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ImportPlan> {
    let (sheet, properties) = read_upload(bytes, file_name)?;
    let framework = framework_of(store, &properties, framework).await?;
    let rules = store.framework(&framework).await?;
    let units: HashMap<String, Unit> = store
        .units()
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let scope = match &properties.unit {
        Some(code) => Some(units.get(code).cloned().ok_or_else(|| {
            ExchangeError::invalid(
                format!("tệp được tạo cho đơn vị mã «{code}», không có ở đây"),
                format!("the file was made for unit «{code}», which is not here"),
            )
        })?),
        None => None,
    };
    let mut plan = ImportPlan {
        framework: framework.clone(),
        file_name: file_name.to_string(),
        changes: Vec::new(),
        unchanged: 0,
        problems: Vec::new(),
        units: BTreeMap::new(),
        fingerprint: String::new(),
    };
    let Some((header_index, columns)) = header_row(&sheet) else {
        plan.problems.push(problem(
            &sheet.name,
            0,
            "",
            "không có dòng tiêu đề với các cột «Mã đơn vị», «Mã chỉ tiêu» và «Giá trị mới»".into(),
            "no header row with the columns «Unit code», «Indicator code» and «New value»".into(),
        ));
        return Ok(plan);
    };
    let header = &sheet.rows[header_index];
    let rows = &sheet.rows[header_index + 1..];
    let letter = |col: Col| {
        columns
            .get(&col)
            .map(|&j| column_letter(j))
            .unwrap_or_default()
    };
    let get = |row: &RawRow, col: Col| -> RawCell {
        columns
            .get(&col)
            .map(|&j| row.cell(j).clone())
            .unwrap_or(RawCell::Empty)
    };
    // A header given twice would leave one of its columns unread: say so rather than guess.
    let mut named: HashMap<Col, usize> = HashMap::new();
    for (j, cell) in header.cells.iter().enumerate() {
        if let RawCell::Text(t) = cell
            && let Some(col) = Col::from_header(t)
            && let Some(first) = named.insert(col, j)
        {
            plan.problems.push(problem(
                &sheet.name,
                header.number,
                &column_letter(j),
                format!("cột «{t}» đã có ở cột {}", column_letter(first)),
                format!(
                    "the column «{t}» already appears in column {}",
                    column_letter(first)
                ),
            ));
        }
    }

    // Every figure of the units the file names, in one read per chunk of units, so that each
    // row is compared with the figure in force on its own date.
    let named_units: BTreeSet<String> = rows
        .iter()
        .filter_map(|row| cell_text(&get(row, Col::Unit)))
        .map(|code| code.trim().to_string())
        .filter(|code| units.contains_key(code))
        .collect();
    let codes: Vec<&str> = named_units.iter().map(String::as_str).collect();
    let figures = store.units_figures(&codes, &framework, today).await?;

    let as_of = properties.as_of.unwrap_or(today);
    let mut seen: HashMap<(String, String), u32> = HashMap::new();
    for (done, row) in rows.iter().enumerate() {
        if done % 256 == 0 {
            progress(done, rows.len());
        }
        if row.cells.iter().all(is_blank) {
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
            && !lineage(unit, &units).contains(&scope.code)
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
        // A city's template names each row's ward: a code changed to another ward shows.
        if let RawCell::Text(name) = get(row, Col::UnitName)
            && name.trim() != unit.name
        {
            report(
                Some(Col::Unit),
                (
                    format!(
                        "mã đơn vị {unit_code} là của {}, không phải «{}» ghi ở cột {}; không chuyển dòng sang đơn vị khác",
                        unit.name,
                        name.trim(),
                        letter(Col::UnitName)
                    ),
                    format!(
                        "unit code {unit_code} is {}, not «{}» as column {} says; rows cannot move to another unit",
                        unit.name,
                        name.trim(),
                        letter(Col::UnitName)
                    ),
                ),
            );
            continue;
        }
        // Every unit the file rightly names, changed or not, is checked for access by the
        // caller; a row outside the file's unit is a mistake reported above instead.
        plan.units
            .entry(unit_code.clone())
            .or_insert_with(|| (unit.name.clone(), lineage(unit, &units)));
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
        if is_blank(&value) {
            // Nothing typed: the row brings no figure.
            plan.unchanged += 1;
            continue;
        }
        let figure = match indicator.measure {
            Measure::YesNo => read_yes_no(&value).map(Figure::YesNo),
            Measure::Count => read_decimal(&value).map(Figure::Amount),
            Measure::Percent => read_percent(&value).map(Figure::Amount),
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
        match (&mut figure, is_blank(&denominator)) {
            (Figure::Ratio { .. }, true) => {
                report(
                    Some(Col::Denominator),
                    (
                        "chỉ tiêu tử số/mẫu số cần mẫu số".into(),
                        "a numerator/denominator indicator needs the denominator".into(),
                    ),
                );
                continue;
            }
            (Figure::Ratio { denominator: d, .. }, false) => match read_whole(&denominator) {
                Ok(given) => *d = given,
                Err(e) => {
                    report(Some(Col::Denominator), e);
                    continue;
                }
            },
            (_, false) => {
                report(
                    Some(Col::Denominator),
                    (
                        "mẫu số chỉ dùng cho chỉ tiêu tính bằng tử số/mẫu số".into(),
                        "a denominator is only for numerator/denominator indicators".into(),
                    ),
                );
                continue;
            }
            (_, true) => {}
        }
        if let Err(e) = figure.check(indicator.measure) {
            let col = match e {
                FigureError::ZeroDenominator => Col::Denominator,
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
        let exists = unit.valid_from.is_none_or(|from| from <= day)
            && unit.valid_until.is_none_or(|until| day < until);
        if !exists {
            report(
                Some(Col::Date),
                (
                    format!("{} không tồn tại vào ngày {}", unit.name, day.dmy()),
                    format!("{} did not exist on {}", unit.name, day.dmy()),
                ),
            );
            continue;
        }
        let note: String = match get(row, Col::Note) {
            RawCell::Text(t) => t.trim().nfc().collect(),
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
        let describe = |f: &Figure| Bilingual {
            vi: f.describe(
                indicator.measure,
                indicator.count_unit_in(Lang::Vi),
                Lang::Vi,
            ),
            en: f.describe(
                indicator.measure,
                indicator.count_unit_in(Lang::En),
                Lang::En,
            ),
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
        if let Some(StorageError::Invalid { vi, en }) = refusal {
            plan.problems
                .push(problem(&change.sheet, change.row, &value_column, vi, en));
        }
    }
    plan.problems.sort_by_key(|p| p.row);
    plan.fingerprint = fingerprint(&plan.changes);
    progress(rows.len(), rows.len());
    Ok(plan)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_from_cells_and_text() {
        let p = |c: RawCell| read_percent(&c).map(|d| d.to_string());
        assert_eq!(p(RawCell::Number(0.725)).unwrap(), "72.5");
        assert_eq!(p(RawCell::Number(1.0)).unwrap(), "100");
        assert_eq!(p(RawCell::Number(80.0)).unwrap(), "80");
        assert_eq!(p(RawCell::Text("72,5%".into())).unwrap(), "72.5");
        assert_eq!(p(RawCell::Text("130%".into())).unwrap(), "130");
        assert!(p(RawCell::Text("nhiều".into())).is_err());
    }

    #[test]
    fn whole_numbers_as_people_type_them() {
        let w = |c: RawCell| read_whole(&c);
        assert_eq!(w(RawCell::Text("1.800".into())).unwrap(), 1800);
        assert_eq!(w(RawCell::Text("1,800".into())).unwrap(), 1800);
        assert_eq!(w(RawCell::Number(332.0)).unwrap(), 332);
        assert!(w(RawCell::Text("12.5".into())).is_err());
        assert!(w(RawCell::Number(-3.0)).is_err());
        assert!(w(RawCell::Number(2.5)).is_err());
    }

    #[test]
    fn dates_and_answers() {
        assert_eq!(
            read_date(&RawCell::Text("31/10/2022".into())).unwrap(),
            Some("2022-10-31".parse().unwrap())
        );
        assert_eq!(
            read_date(&RawCell::Text("2022-10-31".into())).unwrap(),
            Some("2022-10-31".parse().unwrap())
        );
        assert!(read_date(&RawCell::Text("31/02/2022".into())).is_err());
        assert_eq!(read_date(&RawCell::Empty).unwrap(), None);
        assert!(read_yes_no(&RawCell::Text("Có".into())).unwrap());
        assert!(!read_yes_no(&RawCell::Text("khong".into())).unwrap());
        assert!(read_yes_no(&RawCell::Text("có lẽ".into())).is_err());
    }

    #[test]
    fn codes_a_spreadsheet_took_for_numbers() {
        assert_eq!(cell_text(&RawCell::Number(14833.0)).unwrap(), "14833");
        assert_eq!(cell_text(&RawCell::Text("CQ-05".into())).unwrap(), "CQ-05");
    }

    #[test]
    fn problems_say_where_they_are() {
        let p = problem("Nhập liệu", 12, "J", "sai".into(), "wrong".into());
        assert_eq!(
            p.describe(Lang::Vi),
            "trang «Nhập liệu», dòng 12, cột J: sai"
        );
        assert_eq!(
            p.describe(Lang::En),
            "sheet «Nhập liệu», row 12, column J: wrong"
        );
        let whole = problem("CSV", 0, "", "trống".into(), "empty".into());
        assert_eq!(whole.describe(Lang::Vi), "trang «CSV»: trống");
    }
}
