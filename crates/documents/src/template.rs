//! The data-entry template: a workbook a ward downloads, fills in and uploads again.
//!
//! Protection here guards against slips, not against people: the data sheet is protected
//! without a password, only the editable columns are unlocked, and every editable cell carries
//! Excel's own validation with the prompts and errors given. The upload is validated again in
//! full, whatever the workbook let through. A hidden, protected sheet named
//! [`PROPERTIES_SHEET`] keeps what the template was made for (framework, unit, date…), so that
//! the upload can be checked against what was downloaded.

use std::collections::HashMap;

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, Format, FormatAlign, Formula, ProtectionOptions, Worksheet,
    XlsxError,
};

use crate::read::column_letter;
use crate::sheet::{
    CellStyle, NumberShape, Styles, Value, column, data_row, document_properties, excel_date,
    finish_table, sheet_error, title_format, too_many_cells, write_error, write_header,
    write_value, xlsx_error,
};
use crate::{DocumentError, Metadata};

/// The hidden sheet holding [`Template::properties`]: keys in column A, values in column B,
/// from row 1; long drop-down lists sit in columns D onwards.
pub const PROPERTIES_SHEET: &str = "tiendo";

#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub data_sheet: TemplateSheet,
    /// E.g. "Hướng dẫn"; the instructions come first, the data sheet is the one that opens.
    pub instructions_sheet_name: String,
    /// One paragraph per row, wrapped in a wide column.
    pub instructions: Vec<String>,
    /// E.g. ("framework", "sam-son-2022"), ("unit", "14833"), ("as_of", "2022-10-31"); written
    /// as text.
    pub properties: Vec<(String, String)>,
    pub metadata: Metadata,
}

/// The sheet people type into: a bold title on row 1, the header on row 2, data from row 3.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateSheet {
    /// E.g. "Nhập liệu".
    pub name: String,
    pub title: String,
    pub columns: Vec<TemplateColumn>,
    /// Exactly the rows written: no spare empty rows are added.
    pub rows: Vec<TemplateRow>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TemplateColumn {
    pub header: String,
    /// In characters.
    pub width: f64,
    /// Unlocked and white; otherwise locked and shaded grey.
    pub editable: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TemplateRow {
    /// One value per column (a shorter row leaves its last cells empty). An editable cell
    /// with a value is pre-filled with it; an empty one is blank but still unlocked.
    pub cells: Vec<Value>,
    /// One per column (a shorter list means no more checks); only editable columns may have
    /// one.
    pub checks: Vec<Option<Check>>,
}

/// Excel's data validation for one cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub rule: Rule,
    /// Shown when the cell is selected (Excel keeps 255 characters).
    pub prompt: String,
    /// Shown when a wrong value is typed (Excel keeps 255 characters).
    pub error: String,
}

/// What a cell accepts; an empty cell is always accepted. Bounds apply to the number stored:
/// a percentage cell stores a fraction (72,5 % is 0,725), so its bounds are fractions too.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// One of these texts, from a drop-down list.
    OneOf(Vec<String>),
    Decimal {
        min: f64,
        max: Option<f64>,
    },
    WholeNumber {
        min: i64,
        max: Option<i64>,
    },
    /// Between two days, both included, as (year, month, day).
    Date {
        min: (i32, u8, u8),
        max: (i32, u8, u8),
    },
}

/// Writes the template as XLSX bytes: instructions, the data sheet (active), and the hidden
/// properties sheet, in that order.
pub fn write_template(template: &Template) -> Result<Vec<u8>, DocumentError> {
    let data_name = &template.data_sheet.name;
    for name in [data_name, &template.instructions_sheet_name] {
        if name.eq_ignore_ascii_case(PROPERTIES_SHEET) {
            return Err(write_error(format!(
                "the sheet name «{name}» is kept for the template's properties"
            )));
        }
    }
    let mut properties = properties_sheet(&template.properties)
        .map_err(|error| sheet_error(PROPERTIES_SHEET, error))?;
    let instructions =
        instructions_sheet(&template.instructions_sheet_name, &template.instructions)
            .map_err(|error| sheet_error(&template.instructions_sheet_name, error))?;
    let mut lists = ListRanges::default();
    let data = data_sheet(&template.data_sheet, &mut properties, &mut lists)
        .map_err(|error| sheet_error(data_name, error))?;

    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook.set_properties(&document_properties(&template.metadata));
    workbook.push_worksheet(instructions);
    workbook.push_worksheet(data);
    workbook.push_worksheet(properties);
    workbook.save_to_buffer().map_err(xlsx_error)
}

/// Locked cells are shaded so that what can be typed into stands out in white.
const LOCKED_FILL: &str = "F2F2F2";
const EDITABLE_FILL: &str = "FFFFFF";
const TITLE_ROW: u32 = 0;
const HEADER_ROW: u32 = 1;

fn data_sheet(
    sheet: &TemplateSheet,
    properties: &mut Worksheet,
    lists: &mut ListRanges,
) -> Result<Worksheet, XlsxError> {
    let mut worksheet = Worksheet::new();
    worksheet.set_name(&sheet.name)?;
    worksheet.write_string_with_format(TITLE_ROW, 0, &sheet.title, &title_format())?;
    let mut styles = Styles::default();
    let headers = sheet.columns.iter().map(|c| (c.header.as_str(), c.width));
    write_header(&mut worksheet, HEADER_ROW, headers, &mut styles)?;

    let column_count = sheet.columns.len();
    for (offset, template_row) in sheet.rows.iter().enumerate() {
        if template_row.cells.len() > column_count {
            return Err(too_many_cells(
                offset,
                template_row.cells.len(),
                column_count,
            ));
        }
        if template_row.checks.len() > column_count {
            return Err(XlsxError::ParameterError(format!(
                "data row {} has {} checks for {column_count} columns",
                offset + 1,
                template_row.checks.len()
            )));
        }
        let row = data_row(HEADER_ROW, offset)?;
        for (index, template_column) in sheet.columns.iter().enumerate() {
            let value = template_row.cells.get(index).unwrap_or(&Value::Empty);
            let check = template_row.checks.get(index).and_then(Option::as_ref);
            if check.is_some() && !template_column.editable {
                return Err(XlsxError::ParameterError(format!(
                    "data row {} has a check on the locked column «{}»",
                    offset + 1,
                    template_column.header
                )));
            }
            let style = if template_column.editable {
                entry_style(value, check.map(|check| &check.rule))
            } else {
                locked_style(value)
            };
            write_value(
                &mut worksheet,
                row,
                column(index)?,
                value,
                styles.get(style),
            )?;
        }
    }

    add_validations(&mut worksheet, sheet, properties, lists)?;
    finish_table(&mut worksheet, HEADER_ROW, column_count, sheet.rows.len())?;
    worksheet.protect_with_options(&ProtectionOptions {
        sort: true,
        use_autofilter: true,
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    });
    // Open on the first cell to type into.
    if let Some(first_editable) = sheet.columns.iter().position(|c| c.editable)
        && !sheet.rows.is_empty()
    {
        let col = column(first_editable)?;
        let row = HEADER_ROW + 1;
        worksheet.set_selection(row, col, row, col)?;
    }
    worksheet.set_active(true);
    Ok(worksheet)
}

/// A cell to type into: unlocked, white, shown so that what is typed shows as typed
/// (`General` rather than a fixed number of decimals).
fn entry_style(value: &Value, rule: Option<&Rule>) -> CellStyle {
    let number = match (value, rule) {
        (Value::Percent { .. }, _) => NumberShape::PercentEntry,
        (Value::Date { .. }, _) | (Value::Empty, Some(Rule::Date { .. })) => NumberShape::Date,
        _ => NumberShape::General,
    };
    let tone_fill = match value {
        Value::Status { tone, .. } => tone.fill(),
        _ => None,
    };
    CellStyle {
        number,
        fill: Some(tone_fill.unwrap_or(EDITABLE_FILL)),
        unlocked: true,
    }
}

/// A cell nobody types into: shown exactly, shaded grey unless a status's tone shades it.
fn locked_style(value: &Value) -> CellStyle {
    let shown = CellStyle::shown(value);
    CellStyle {
        fill: Some(shown.fill.unwrap_or(LOCKED_FILL)),
        ..shown
    }
}

/// One validation per run of equal checks down a column, rather than one per cell.
fn add_validations(
    worksheet: &mut Worksheet,
    sheet: &TemplateSheet,
    properties: &mut Worksheet,
    lists: &mut ListRanges,
) -> Result<(), XlsxError> {
    for (index, template_column) in sheet.columns.iter().enumerate() {
        let col = column(index)?;
        let checks: Vec<Option<&Check>> = sheet
            .rows
            .iter()
            .map(|row| row.checks.get(index).and_then(Option::as_ref))
            .collect();
        let mut start = 0;
        while start < checks.len() {
            let end = start
                + checks[start..]
                    .iter()
                    .take_while(|check| **check == checks[start])
                    .count();
            if let Some(check) = checks[start] {
                let validation = validation(check, &template_column.header, properties, lists)?;
                let first_row = data_row(HEADER_ROW, start)?;
                let last_row = data_row(HEADER_ROW, end - 1)?;
                worksheet.add_data_validation(first_row, col, last_row, col, &validation)?;
            }
            start = end;
        }
    }
    Ok(())
}

fn validation(
    check: &Check,
    header: &str,
    properties: &mut Worksheet,
    lists: &mut ListRanges,
) -> Result<DataValidation, XlsxError> {
    let validation = DataValidation::new();
    let validation = match &check.rule {
        Rule::OneOf(items) if items.is_empty() => {
            return Err(XlsxError::DataValidationError(format!(
                "the drop-down list of «{header}» is empty"
            )));
        }
        Rule::OneOf(items) if fits_inline(items) => validation.allow_list_strings(items)?,
        Rule::OneOf(items) => {
            let range = lists.range_for(items, properties)?;
            validation.allow_list_formula(Formula::new(range))
        }
        Rule::Decimal { min, max } => {
            if !min.is_finite() || max.is_some_and(|max| !max.is_finite()) {
                return Err(XlsxError::DataValidationError(format!(
                    "the bounds of «{header}» are not finite numbers"
                )));
            }
            validation.allow_decimal_number(match max {
                Some(max) => DataValidationRule::Between(*min, *max),
                None => DataValidationRule::GreaterThanOrEqualTo(*min),
            })
        }
        // rust_xlsxwriter takes whole-number bounds as i32; as formulas they keep i64.
        Rule::WholeNumber { min, max } => {
            let min = Formula::new(min.to_string());
            validation.allow_whole_number_formula(match max {
                Some(max) => DataValidationRule::Between(min, Formula::new(max.to_string())),
                None => DataValidationRule::GreaterThanOrEqualTo(min),
            })
        }
        Rule::Date { min, max } => {
            let min = excel_date(min.0, min.1, min.2)?;
            let max = excel_date(max.0, max.1, max.2)?;
            validation.allow_date(DataValidationRule::Between(min, max))
        }
    };
    let title = clip(header, 32);
    let validation = validation
        .show_input_message(!check.prompt.is_empty())
        .set_input_title(title.clone())?
        .set_input_message(clip(&check.prompt, 255))?
        .set_error_title(title)?
        .set_error_message(clip(&check.error, 255))?;
    Ok(validation)
}

/// Whether a list can be written in the validation itself: Excel keeps 255 characters there,
/// commas included, and a comma or quote inside an item would split or break it.
fn fits_inline(items: &[String]) -> bool {
    let length: usize = items.iter().map(|item| item.chars().count()).sum::<usize>()
        + items.len().saturating_sub(1);
    length <= 255 && !items.iter().any(|item| item.contains([',', '"']))
}

/// Excel's limits on validation texts, cut at a character with an ellipsis.
fn clip(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(limit - 1).collect();
    clipped.push('…');
    clipped
}

/// Long drop-down lists, written once each in a column of the properties sheet.
#[derive(Default)]
struct ListRanges {
    ranges: HashMap<Vec<String>, String>,
}

/// Column D: A and B hold the properties, C stays empty between.
const FIRST_LIST_COLUMN: usize = 3;

impl ListRanges {
    fn range_for(
        &mut self,
        items: &[String],
        properties: &mut Worksheet,
    ) -> Result<String, XlsxError> {
        if let Some(range) = self.ranges.get(items) {
            return Ok(range.clone());
        }
        let index = FIRST_LIST_COLUMN + self.ranges.len();
        let col = column(index)?;
        for (offset, item) in items.iter().enumerate() {
            let row = u32::try_from(offset).map_err(|_| XlsxError::RowColumnLimitError)?;
            properties.write_string(row, col, item)?;
        }
        let letter = column_letter(index);
        let range = format!("{PROPERTIES_SHEET}!${letter}$1:${letter}${}", items.len());
        self.ranges.insert(items.to_vec(), range.clone());
        Ok(range)
    }
}

fn properties_sheet(properties: &[(String, String)]) -> Result<Worksheet, XlsxError> {
    let mut worksheet = Worksheet::new();
    worksheet.set_name(PROPERTIES_SHEET)?;
    for (offset, (key, value)) in properties.iter().enumerate() {
        let row = u32::try_from(offset).map_err(|_| XlsxError::RowColumnLimitError)?;
        worksheet.write_string(row, 0, key)?;
        worksheet.write_string(row, 1, value)?;
    }
    worksheet.set_column_width(0, 16)?;
    worksheet.set_column_width(1, 24)?;
    worksheet.protect();
    worksheet.set_hidden(true);
    Ok(worksheet)
}

const INSTRUCTIONS_WIDTH: f64 = 100.0;

fn instructions_sheet(name: &str, paragraphs: &[String]) -> Result<Worksheet, XlsxError> {
    let mut worksheet = Worksheet::new();
    worksheet.set_name(name)?;
    worksheet.set_column_width(0, INSTRUCTIONS_WIDTH)?;
    // No row heights are set: Excel fits rows of wrapped text when it opens the file.
    let paragraph = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    for (offset, text) in paragraphs.iter().enumerate() {
        let row = u32::try_from(offset).map_err(|_| XlsxError::RowColumnLimitError)?;
        worksheet.write_string_with_format(row, 0, text, &paragraph)?;
    }
    Ok(worksheet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_or_punctuated_lists_go_to_a_range() {
        assert!(fits_inline(&["Có".to_string(), "Không".to_string()]));
        assert!(!fits_inline(&["Có, một phần".to_string()]));
        assert!(!fits_inline(&vec!["x".repeat(20); 13]));
        assert!(fits_inline(&vec!["x".repeat(20); 12]));
    }

    #[test]
    fn texts_are_clipped_to_excel_limits() {
        assert_eq!(clip("Tỷ lệ", 32), "Tỷ lệ");
        let clipped = clip(&"ệ".repeat(40), 32);
        assert_eq!(clipped.chars().count(), 32);
        assert!(clipped.ends_with('…'));
    }
}
