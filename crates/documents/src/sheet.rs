//! Workbooks written as XLSX: tables with real numbers, percentages and dates (never figures
//! typed as text), a bold shaded header that stays in view, filters, and status cells shaded by
//! tone. The data-entry template ([`crate::template`]) builds on the same cell styles.

use std::collections::HashMap;

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Worksheet, XlsxError,
};

use crate::{DocumentError, Metadata, Tone};

/// A workbook: sheets in tab order, the first one active.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
    pub metadata: Metadata,
}

/// One table on its own sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    /// The tab's name: at most 31 characters, none of `[ ] : * ? / \`, not starting or ending
    /// with `'`, unique in the workbook (see [`valid_sheet_name`]).
    pub name: String,
    /// A bold line above the table, e.g. "Phường Bắc Sơn — 31/10/2022".
    pub title: Option<String>,
    pub columns: Vec<SheetColumn>,
    /// One value per column; a shorter row leaves its last cells empty.
    pub rows: Vec<Vec<Value>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SheetColumn {
    pub header: String,
    /// In characters of the default font, as Excel counts column widths.
    pub width: f64,
}

/// What a cell holds. Figures stay exact (thousandths) until they are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Empty,
    Text(String),
    Integer(i64),
    /// An exact figure in thousandths: 72500 is 72,5.
    Decimal {
        thousandths: i64,
    },
    /// A percentage in thousandths of a percent: 72500 is 72,5 %. Written as the fraction
    /// (0.725) with a percent format, as Excel expects.
    Percent {
        thousandths: i64,
    },
    Date {
        year: i32,
        month: u8,
        day: u8,
    },
    /// A status's words, shaded by its tone.
    Status {
        label: String,
        tone: Tone,
    },
}

impl Value {
    pub fn text(text: impl Into<String>) -> Value {
        Value::Text(text.into())
    }
}

/// Writes the workbook as XLSX bytes.
pub fn write_workbook(book: &Workbook) -> Result<Vec<u8>, DocumentError> {
    if book.sheets.is_empty() {
        return Err(write_error("a workbook needs at least one sheet"));
    }
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook.set_properties(&document_properties(&book.metadata));
    let mut styles = Styles::default();
    for sheet in &book.sheets {
        let worksheet =
            write_sheet(sheet, &mut styles).map_err(|error| sheet_error(&sheet.name, error))?;
        workbook.push_worksheet(worksheet);
    }
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn write_sheet(sheet: &Sheet, styles: &mut Styles) -> Result<Worksheet, XlsxError> {
    let mut worksheet = Worksheet::new();
    worksheet.set_name(&sheet.name)?;
    let header_row = match &sheet.title {
        Some(title) => {
            worksheet.write_string_with_format(0, 0, title, &title_format())?;
            1
        }
        None => 0,
    };
    let headers = sheet.columns.iter().map(|c| (c.header.as_str(), c.width));
    write_header(&mut worksheet, header_row, headers, styles)?;
    let column_count = sheet.columns.len();
    for (offset, cells) in sheet.rows.iter().enumerate() {
        if cells.len() > column_count {
            return Err(too_many_cells(offset, cells.len(), column_count));
        }
        let row = data_row(header_row, offset)?;
        for index in 0..column_count {
            // Missing cells are written blank so that the table's borders stay whole.
            let value = cells.get(index).unwrap_or(&Value::Empty);
            let style = CellStyle::shown(value);
            write_value(
                &mut worksheet,
                row,
                column(index)?,
                value,
                styles.get(style),
            )?;
        }
    }
    finish_table(&mut worksheet, header_row, column_count, sheet.rows.len())?;
    Ok(worksheet)
}

/// Headers and column widths.
pub(crate) fn write_header<'a>(
    worksheet: &mut Worksheet,
    header_row: u32,
    columns: impl IntoIterator<Item = (&'a str, f64)>,
    styles: &mut Styles,
) -> Result<(), XlsxError> {
    for (index, (header, width)) in columns.into_iter().enumerate() {
        let col = column(index)?;
        worksheet.write_string_with_format(header_row, col, header, styles.header())?;
        worksheet.set_column_width(col, width)?;
    }
    Ok(())
}

/// Freezes everything down to the header, filters the header and data, and sets the page up
/// for printing with the header repeated.
pub(crate) fn finish_table(
    worksheet: &mut Worksheet,
    header_row: u32,
    column_count: usize,
    row_count: usize,
) -> Result<(), XlsxError> {
    worksheet.set_freeze_panes(header_row + 1, 0)?;
    worksheet.set_landscape();
    worksheet.set_print_fit_to_pages(1, 0);
    worksheet.set_repeat_rows(header_row, header_row)?;
    if column_count > 0 {
        let last_row = header_row + u32::try_from(row_count).unwrap_or(u32::MAX);
        worksheet.autofilter(header_row, 0, last_row, column(column_count - 1)?)?;
    }
    Ok(())
}

/// Writes one value as the cell type it is: numbers as numbers, dates as dates.
pub(crate) fn write_value(
    worksheet: &mut Worksheet,
    row: u32,
    col: u16,
    value: &Value,
    format: &Format,
) -> Result<(), XlsxError> {
    match value {
        Value::Empty => worksheet.write_blank(row, col, format)?,
        Value::Text(text) | Value::Status { label: text, .. } => {
            worksheet.write_string_with_format(row, col, text, format)?
        }
        // Beyond 2^53 an f64 rounds; Excel keeps 15 digits anyway.
        Value::Integer(number) => {
            worksheet.write_number_with_format(row, col, *number as f64, format)?
        }
        Value::Decimal { thousandths } => {
            worksheet.write_number_with_format(row, col, *thousandths as f64 / 1000.0, format)?
        }
        Value::Percent { thousandths } => {
            worksheet.write_number_with_format(row, col, *thousandths as f64 / 100_000.0, format)?
        }
        Value::Date { year, month, day } => {
            let date = excel_date(*year, *month, *day)?;
            worksheet.write_datetime_with_format(row, col, date, format)?
        }
    };
    Ok(())
}

pub(crate) fn excel_date(year: i32, month: u8, day: u8) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(year).map_err(|_| {
        XlsxError::DateTimeRangeError(format!("Year: '{year}' outside Excel range of 1900-9999"))
    })?;
    ExcelDateTime::from_ymd(year, month, day)
}

/// The sheet row of the `offset`-th data row, under the header.
pub(crate) fn data_row(header_row: u32, offset: usize) -> Result<u32, XlsxError> {
    u32::try_from(offset)
        .ok()
        .and_then(|offset| offset.checked_add(header_row + 1))
        .ok_or(XlsxError::RowColumnLimitError)
}

pub(crate) fn column(index: usize) -> Result<u16, XlsxError> {
    u16::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)
}

pub(crate) fn too_many_cells(offset: usize, cells: usize, columns: usize) -> XlsxError {
    XlsxError::ParameterError(format!(
        "data row {} has {cells} cells for {columns} columns",
        offset + 1
    ))
}

pub(crate) fn title_format() -> Format {
    Format::new().set_bold().set_font_size(13)
}

pub(crate) fn document_properties(metadata: &Metadata) -> DocProperties {
    let mut properties = DocProperties::new()
        .set_title(&metadata.title)
        .set_author(&metadata.author)
        .set_subject(&metadata.subject);
    // Core properties have no language field in rust_xlsxwriter; a custom one keeps it.
    if !metadata.language.is_empty() {
        properties = properties.set_custom_property("Language", metadata.language.as_str());
    }
    properties
}

/// A usable tab name made from any text: slashes become `-`, brackets parentheses, the other
/// forbidden characters spaces; the name is cut to Excel's 31 characters, and an empty result
/// becomes "Sheet". Uniqueness is the caller's.
pub fn valid_sheet_name(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let replaced: String = text
        .nfc()
        .map(|c| match c {
            '/' | '\\' => '-',
            '[' => '(',
            ']' => ')',
            ':' | '*' | '?' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let words: Vec<&str> = replaced.split_whitespace().collect();
    let joined = words.join(" ");
    let cut: String = joined.trim_matches('\'').chars().take(31).collect();
    let name = cut.trim_end_matches('\'').trim_end();
    if name.is_empty() {
        "Sheet".to_string()
    } else {
        name.to_string()
    }
}

/// How a cell looks; every distinct look becomes one [`Format`], built once.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(crate) struct CellStyle {
    pub number: NumberShape,
    /// RGB hex without `#`.
    pub fill: Option<&'static str>,
    /// Typing allowed when the sheet is protected.
    pub unlocked: bool,
}

/// How a cell's number is shown.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(crate) enum NumberShape {
    General,
    /// Thousands grouped, exactly this many decimals (0 to 3).
    Grouped {
        decimals: u8,
    },
    /// A percentage with exactly this many decimals (0 to 3).
    Percent {
        decimals: u8,
    },
    /// A percentage someone may type into: at least one decimal and up to three, so that a
    /// typed 72,25 % is shown as typed and a whole 80 % has no dangling separator.
    PercentEntry,
    Date,
}

impl NumberShape {
    fn code(self) -> &'static str {
        match self {
            NumberShape::General => "General",
            NumberShape::Grouped { decimals: 0 } => "#,##0",
            NumberShape::Grouped { decimals: 1 } => "#,##0.0",
            NumberShape::Grouped { decimals: 2 } => "#,##0.00",
            NumberShape::Grouped { .. } => "#,##0.000",
            NumberShape::Percent { decimals: 0 } => "0%",
            NumberShape::Percent { decimals: 1 } => "0.0%",
            NumberShape::Percent { decimals: 2 } => "0.00%",
            NumberShape::Percent { .. } => "0.000%",
            NumberShape::PercentEntry => "0.0##%",
            NumberShape::Date => "dd/mm/yyyy",
        }
    }
}

/// Decimals a figure in thousandths needs, so that 72,5 shows as "72,5" and not "72,500":
/// one format per precision instead of `#,##0.###`, which leaves "72," for whole numbers.
fn decimals_needed(thousandths: i64) -> u8 {
    match thousandths {
        t if t % 1000 == 0 => 0,
        t if t % 100 == 0 => 1,
        t if t % 10 == 0 => 2,
        _ => 3,
    }
}

impl CellStyle {
    /// A value shown exactly, in a table nobody types into.
    pub fn shown(value: &Value) -> CellStyle {
        let number = match value {
            Value::Empty | Value::Text(_) | Value::Status { .. } => NumberShape::General,
            Value::Integer(_) => NumberShape::Grouped { decimals: 0 },
            Value::Decimal { thousandths } => NumberShape::Grouped {
                decimals: decimals_needed(*thousandths),
            },
            Value::Percent { thousandths } => NumberShape::Percent {
                decimals: decimals_needed(*thousandths),
            },
            Value::Date { .. } => NumberShape::Date,
        };
        let fill = match value {
            Value::Status { tone, .. } => tone.fill(),
            _ => None,
        };
        CellStyle {
            number,
            fill,
            unlocked: false,
        }
    }
}

/// The formats of one workbook, built on first use.
#[derive(Default)]
pub(crate) struct Styles {
    cells: HashMap<CellStyle, Format>,
    header: Option<Format>,
}

const BORDER_COLOR: &str = "BFBFBF";
const HEADER_FILL: &str = "DCE6F1";

impl Styles {
    pub fn get(&mut self, style: CellStyle) -> &Format {
        self.cells.entry(style).or_insert_with(|| {
            let mut format = bordered().set_num_format(style.number.code());
            if let Some(fill) = style.fill {
                format = format.set_background_color(Color::from(fill));
            }
            if style.unlocked {
                format = format.set_unlocked();
            }
            format
        })
    }

    pub fn header(&mut self) -> &Format {
        self.header.get_or_insert_with(|| {
            bordered()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::from(HEADER_FILL))
        })
    }
}

fn bordered() -> Format {
    Format::new()
        .set_border(FormatBorder::Thin)
        .set_border_color(Color::from(BORDER_COLOR))
        .set_align(FormatAlign::Top)
}

pub(crate) fn write_error(message: impl Into<String>) -> DocumentError {
    DocumentError::Write {
        format: "XLSX",
        message: message.into(),
    }
}

pub(crate) fn xlsx_error(error: XlsxError) -> DocumentError {
    write_error(error.to_string())
}

pub(crate) fn sheet_error(sheet: &str, error: XlsxError) -> DocumentError {
    write_error(format!("sheet «{sheet}»: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_the_figure() {
        assert_eq!(decimals_needed(72_000), 0);
        assert_eq!(decimals_needed(72_500), 1);
        assert_eq!(decimals_needed(72_250), 2);
        assert_eq!(decimals_needed(72_125), 3);
        assert_eq!(decimals_needed(-500), 1);
        assert_eq!(decimals_needed(0), 0);
    }

    #[test]
    fn sheet_names_are_made_valid() {
        assert_eq!(valid_sheet_name("Nhóm 1: Hạ tầng"), "Nhóm 1 Hạ tầng");
        assert_eq!(valid_sheet_name("31/10/2022 [mới]"), "31-10-2022 (mới)");
        assert_eq!(valid_sheet_name("'a/b'"), "a-b");
        assert_eq!(valid_sheet_name("   "), "Sheet");
        let long = valid_sheet_name(&"Phường Bắc Sơn ".repeat(5));
        assert_eq!(long.chars().count(), 31);
    }
}
