//! Spreadsheets read back cell by cell, each row with the number Excel shows, so that every
//! problem found in an upload can be reported by its place ("Nhập liệu!E7"). Nothing here
//! decides what a cell means: texts stay texts, even when they look like numbers.
//!
//! Uploads are untrusted: a file that is not what it claims becomes
//! [`DocumentError::Unreadable`] with a message in both languages, and what is read is bounded
//! ([`MAX_ROWS`], [`MAX_COLUMNS`], [`MAX_CELLS`]).

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{DataRef, Reader, SheetType, Xlsx, XlsxError};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::DocumentError;

/// One sheet; only rows with at least one non-empty cell are kept.
#[derive(Clone, Debug, PartialEq)]
pub struct RawSheet {
    pub name: String,
    pub rows: Vec<RawRow>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RawRow {
    /// 1-based, as Excel shows it.
    pub number: u32,
    /// Index 0 is column A; the list stops at the last non-empty cell.
    pub cells: Vec<RawCell>,
}

impl RawRow {
    /// The cell in column `index` (0 = A), [`RawCell::Empty`] past the end of the row.
    pub fn cell(&self, index: usize) -> &RawCell {
        const EMPTY: &RawCell = &RawCell::Empty;
        self.cells.get(index).unwrap_or(EMPTY)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum RawCell {
    Empty,
    /// Trimmed and in Unicode NFC, never empty.
    Text(String),
    Number(f64),
    Bool(bool),
    /// A number formatted as a date; the time of day, if any, is dropped.
    Date {
        year: i32,
        month: u8,
        day: u8,
    },
    /// An Excel error value, e.g. `#DIV/0!`.
    Error(String),
}

/// Rows beyond this number are refused rather than read.
pub const MAX_ROWS: u32 = 200_000;
/// Columns beyond this many are refused rather than read.
pub const MAX_COLUMNS: usize = 2_000;
/// Cells (empty ones between filled ones included) read from one file, all sheets together.
pub const MAX_CELLS: usize = 5_000_000;

/// Every sheet of an XLSX workbook, hidden ones included, in workbook order.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<RawSheet>, DocumentError> {
    // calamine parses untrusted bytes; should it panic on some malformed file, the upload is
    // refused rather than the server thread lost.
    std::panic::catch_unwind(|| read_workbook(bytes)).unwrap_or_else(|_| Err(not_a_workbook()))
}

/// The signature of an OLE compound file: an Excel 97–2003 `.xls`, or an encrypted `.xlsx`.
const COMPOUND_FILE_SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The most a workbook may hold once unzipped: a province's figures take a few megabytes, and
/// a small file that would unzip to gigabytes is refused before it is read.
pub const MAX_UNZIPPED_BYTES: u64 = 256 * 1024 * 1024;

/// Refuses a zip whose parts would unzip to more than [`MAX_UNZIPPED_BYTES`], from the sizes its
/// directory declares (the reader stops at those sizes too).
fn check_unzipped_size(bytes: &[u8]) -> Result<(), DocumentError> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(()); // not a zip: the workbook reader says what it is instead
    };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        if let Ok(entry) = archive.by_index_raw(i) {
            total = total.saturating_add(entry.size());
        }
    }
    if total > MAX_UNZIPPED_BYTES {
        return Err(DocumentError::Unreadable {
            vi: format!(
                "bảng tính quá lớn: giải nén ra {} MB, quá giới hạn {} MB",
                total / (1024 * 1024),
                MAX_UNZIPPED_BYTES / (1024 * 1024)
            ),
            en: format!(
                "the workbook is too large: it unzips to {} MB, over the {} MB limit",
                total / (1024 * 1024),
                MAX_UNZIPPED_BYTES / (1024 * 1024)
            ),
        });
    }
    Ok(())
}

fn read_workbook(bytes: &[u8]) -> Result<Vec<RawSheet>, DocumentError> {
    check_unzipped_size(bytes)?;
    let mut workbook = match Xlsx::new(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(XlsxError::Password) => return Err(password_protected()),
        Err(_) if bytes.starts_with(&COMPOUND_FILE_SIGNATURE) => return Err(old_excel_format()),
        Err(_) => return Err(not_a_workbook()),
    };
    let sheets: Vec<(String, SheetType)> = workbook
        .sheets_metadata()
        .iter()
        .map(|sheet| (sheet.name.clone(), sheet.typ))
        .collect();
    let mut budget = CellBudget { left: MAX_CELLS };
    let mut raw_sheets = Vec::with_capacity(sheets.len());
    for (name, kind) in sheets {
        // A chart sheet has no cells; it is still listed, so that the order stays the file's.
        let rows = if kind == SheetType::WorkSheet {
            read_worksheet(&mut workbook, &name, &mut budget)?
        } else {
            Vec::new()
        };
        raw_sheets.push(RawSheet { name, rows });
    }
    Ok(raw_sheets)
}

fn read_worksheet(
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    budget: &mut CellBudget,
) -> Result<Vec<RawRow>, DocumentError> {
    let mut cells = workbook
        .worksheet_cells_reader(name)
        .map_err(|_| damaged_sheet(name))?;
    // Cells arrive in file order, which is row order in every writer seen; a map keeps any
    // order right.
    let mut rows: BTreeMap<u32, Vec<RawCell>> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(|_| damaged_sheet(name))? {
        let value = raw_cell(cell.get_value());
        if value == RawCell::Empty {
            continue;
        }
        let (row, col) = cell.get_position();
        if row >= MAX_ROWS {
            return Err(too_many_rows(name));
        }
        let col = col as usize;
        if col >= MAX_COLUMNS {
            return Err(too_many_columns(name));
        }
        let row_cells = rows.entry(row).or_default();
        if row_cells.len() <= col {
            budget.take(col + 1 - row_cells.len())?;
            row_cells.resize(col + 1, RawCell::Empty);
        }
        row_cells[col] = value;
    }
    Ok(rows
        .into_iter()
        .map(|(row, cells)| RawRow {
            number: row + 1,
            cells,
        })
        .collect())
}

struct CellBudget {
    left: usize,
}

impl CellBudget {
    fn take(&mut self, cells: usize) -> Result<(), DocumentError> {
        self.left = self.left.checked_sub(cells).ok_or_else(too_many_cells)?;
        Ok(())
    }
}

fn raw_cell(value: &DataRef<'_>) -> RawCell {
    match value {
        DataRef::Empty => RawCell::Empty,
        DataRef::String(text) => text_cell(text),
        DataRef::SharedString(text) => text_cell(text),
        DataRef::Int(number) => RawCell::Number(*number as f64),
        DataRef::Float(number) => RawCell::Number(*number),
        DataRef::Bool(value) => RawCell::Bool(*value),
        DataRef::DateTime(date_time) if date_time.is_datetime() => {
            // calamine converts the serial number itself, in the workbook's own date system
            // (1900 or 1904, which it does not expose otherwise).
            let (year, month, day, ..) = date_time.to_ymd_hms_milli();
            let year = i32::from(year);
            // A time of day alone (a serial below 1) or Excel's phantom 29/02/1900 is no day.
            if date_time.as_f64() >= 1.0 && is_real_date(year, month, day) {
                RawCell::Date { year, month, day }
            } else {
                RawCell::Number(date_time.as_f64())
            }
        }
        DataRef::DateTime(duration) => RawCell::Number(duration.as_f64()),
        DataRef::DateTimeIso(text) => iso_date(text).unwrap_or_else(|| text_cell(text)),
        DataRef::DurationIso(text) => text_cell(text),
        DataRef::Error(error) => RawCell::Error(error.to_string()),
    }
}

/// Trimmed, NFC, and empty when nothing is left.
fn text_cell(text: &str) -> RawCell {
    let text = text.trim();
    if text.is_empty() {
        RawCell::Empty
    } else {
        RawCell::Text(nfc(text))
    }
}

fn nfc(text: &str) -> String {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text.to_string(),
        _ => text.nfc().collect(),
    }
}

/// `2022-10-31`, possibly followed by a time, as written in cells of type `d`.
fn iso_date(text: &str) -> Option<RawCell> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() >= 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && (bytes.len() == 10 || bytes[10] == b'T');
    if !shaped {
        return None;
    }
    let year = digits(&text[0..4])?;
    let month = digits(&text[5..7])?;
    let day = digits(&text[8..10])?;
    let (year, month, day) = (year as i32, month as u8, day as u8);
    is_real_date(year, month, day).then_some(RawCell::Date { year, month, day })
}

/// Only ASCII digits: `parse` alone would take a sign.
fn digits(text: &str) -> Option<u32> {
    if text.bytes().all(|byte| byte.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

fn is_real_date(year: i32, month: u8, day: u8) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

/// A CSV file as one sheet named "CSV": UTF-8 with or without a byte-order mark, the
/// delimiter (`,`, `;` or tab) guessed from the header line, or given by Excel's `sep=` line.
/// Every cell is text or empty; row numbers are those Excel shows when it opens the file.
pub fn read_csv(bytes: &[u8]) -> Result<RawSheet, DocumentError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let line = line_of(&bytes[..error.valid_up_to()]);
        not_utf8(line)
    })?;
    let (delimiter, text) = match separator_line(text) {
        Some((delimiter, rest)) => (delimiter, rest),
        None => (guess_delimiter(first_line(text)), text),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());

    let mut rows = Vec::new();
    let mut budget = CellBudget { left: MAX_CELLS };
    // Excel shows an empty line as an empty row (the csv reader skips it) and a quoted cell's
    // lines within one row; so a row's number is its first line less the lines inside the
    // cells above. Lines are counted here from byte offsets: the reader's own line count
    // lags behind at CRLF endings and empty lines.
    let mut lines = LineCounter::new(text);
    let mut lines_inside_cells: u64 = 0;
    for record in reader.records() {
        let record = record.map_err(|error| {
            let line = error
                .position()
                .map_or(1, |position| lines.line_at(position.byte()));
            damaged_csv(line)
        })?;
        let line = record
            .position()
            .map_or(1, |position| lines.line_at(position.byte()));
        let number = line.saturating_sub(lines_inside_cells);
        lines_inside_cells += record
            .iter()
            .map(|field| line_breaks(field.as_bytes()))
            .sum::<u64>();
        if number > u64::from(MAX_ROWS) {
            return Err(too_many_rows("CSV"));
        }
        if record.len() > MAX_COLUMNS {
            return Err(too_many_columns("CSV"));
        }
        let mut cells: Vec<RawCell> = record.iter().map(text_cell).collect();
        while cells.last() == Some(&RawCell::Empty) {
            cells.pop();
        }
        if cells.is_empty() {
            continue;
        }
        budget.take(cells.len())?;
        rows.push(RawRow {
            // Bounded by MAX_ROWS just above.
            number: number as u32,
            cells,
        });
    }
    Ok(RawSheet {
        name: "CSV".to_string(),
        rows,
    })
}

/// Line numbers of byte offsets met in increasing order, counted once through the text.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The line of the first character at or after `offset` that ends no line: a record may
    /// be reported from the end of the line before it.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut target = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while target < self.text.len() && matches!(self.text[target], b'\r' | b'\n') {
            target += 1;
        }
        if target > self.offset {
            self.line += line_breaks(&self.text[self.offset..target]);
            self.offset = target;
        }
        self.line
    }
}

/// Line breaks as the csv reader takes them: `\r\n`, `\n`, or a lone `\r` (old Mac files).
fn line_breaks(text: &[u8]) -> u64 {
    let lone_returns = text
        .windows(2)
        .filter(|pair| pair[0] == b'\r' && pair[1] != b'\n')
        .count()
        + usize::from(text.last() == Some(&b'\r'));
    (text.iter().filter(|byte| **byte == b'\n').count() + lone_returns) as u64
}

fn first_line(text: &str) -> &str {
    text.split('\n').next().unwrap_or("")
}

/// Excel's hint line `sep=;`, which it reads and does not show.
fn separator_line(text: &str) -> Option<(u8, &str)> {
    let line = first_line(text);
    let hint = line.trim_end_matches('\r').strip_prefix("sep=")?;
    let delimiter = match hint {
        "," => b',',
        ";" => b';',
        "\t" => b'\t',
        _ => return None,
    };
    let rest = text.get(line.len() + 1..).unwrap_or("");
    Some((delimiter, rest))
}

/// The delimiter found most often outside quotes in the header line; a comma on a tie.
fn guess_delimiter(header: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for byte in header.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(count) = counts.iter_mut().find(|(d, _)| *d == byte) {
            count.1 += 1;
        }
    }
    // max_by_key keeps the last of equal maxima, so walk from the least preferred.
    counts
        .iter()
        .rev()
        .max_by_key(|(_, count)| *count)
        .map_or(b',', |(delimiter, _)| *delimiter)
}

fn line_of(before: &[u8]) -> usize {
    before.iter().filter(|byte| **byte == b'\n').count() + 1
}

/// `0` → "A", `25` → "Z", `26` → "AA", as Excel names columns.
pub fn column_letter(index: usize) -> String {
    let mut letters = Vec::new();
    let mut rest = index + 1;
    while rest > 0 {
        let remainder = (rest - 1) % 26;
        letters.push(b'A' + remainder as u8);
        rest = (rest - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Vietnamese groups thousands with dots, English with commas.
fn grouped(number: usize, separator: char) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

fn unreadable(vi: String, en: String) -> DocumentError {
    DocumentError::Unreadable { vi, en }
}

fn not_a_workbook() -> DocumentError {
    unreadable(
        "Tệp không phải bảng tính Excel (.xlsx) đọc được.".to_string(),
        "The file is not a readable Excel workbook (.xlsx).".to_string(),
    )
}

fn old_excel_format() -> DocumentError {
    unreadable(
        "Tệp là bảng tính Excel đời cũ (.xls); hãy mở bằng Excel và lưu lại dưới dạng .xlsx."
            .to_string(),
        "The file is an old Excel workbook (.xls); open it in Excel and save it as .xlsx."
            .to_string(),
    )
}

fn password_protected() -> DocumentError {
    unreadable(
        "Tệp được đặt mật khẩu; hãy gỡ mật khẩu rồi tải lên lại.".to_string(),
        "The file is protected by a password; remove the password and upload it again.".to_string(),
    )
}

fn damaged_sheet(name: &str) -> DocumentError {
    unreadable(
        format!("Trang «{name}» của bảng tính bị hỏng, không đọc được."),
        format!("The sheet «{name}» of the workbook is damaged and cannot be read."),
    )
}

fn too_many_rows(name: &str) -> DocumentError {
    unreadable(
        format!(
            "Trang «{name}» có dữ liệu quá dòng {}; hãy chia thành nhiều tệp nhỏ hơn.",
            grouped(MAX_ROWS as usize, '.')
        ),
        format!(
            "The sheet «{name}» has data beyond row {}; split it into smaller files.",
            grouped(MAX_ROWS as usize, ',')
        ),
    )
}

fn too_many_columns(name: &str) -> DocumentError {
    unreadable(
        format!(
            "Trang «{name}» có dữ liệu quá cột thứ {}; bảng tính này không phải mẫu nhập liệu.",
            grouped(MAX_COLUMNS, '.')
        ),
        format!(
            "The sheet «{name}» has data beyond column {}; this is not a data-entry sheet.",
            grouped(MAX_COLUMNS, ',')
        ),
    )
}

fn too_many_cells() -> DocumentError {
    unreadable(
        format!(
            "Tệp có hơn {} ô dữ liệu; hãy chia thành nhiều tệp nhỏ hơn.",
            grouped(MAX_CELLS, '.')
        ),
        format!(
            "The file has more than {} cells; split it into smaller files.",
            grouped(MAX_CELLS, ',')
        ),
    )
}

fn not_utf8(line: usize) -> DocumentError {
    unreadable(
        format!(
            "Tệp CSV không phải văn bản UTF-8 (lỗi ở dòng {line}); trong Excel, hãy lưu lại \
             với kiểu «CSV UTF-8 (Comma delimited)»."
        ),
        format!(
            "The CSV file is not UTF-8 text (error on line {line}); in Excel, save it again \
             as \"CSV UTF-8 (Comma delimited)\"."
        ),
    )
}

fn damaged_csv(line: u64) -> DocumentError {
    unreadable(
        format!("Tệp CSV bị hỏng ở dòng {line}, không đọc được."),
        format!("The CSV file is damaged on line {line} and cannot be read."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_guessed_outside_quotes() {
        assert_eq!(guess_delimiter("Mã;Tên;Giá trị"), b';');
        assert_eq!(guess_delimiter("Mã\tTên"), b'\t');
        assert_eq!(guess_delimiter("\"a;b;c\",d"), b',');
        assert_eq!(guess_delimiter("Mã"), b',');
        assert_eq!(guess_delimiter("a,b;c"), b',');
    }

    #[test]
    fn iso_dates_are_checked() {
        assert_eq!(
            iso_date("2022-10-31T00:00:00"),
            Some(RawCell::Date {
                year: 2022,
                month: 10,
                day: 31
            })
        );
        assert_eq!(iso_date("2022-02-29"), None);
        assert_eq!(iso_date("2022-10-31x"), None);
        assert_eq!(iso_date("31/10/2022"), None);
    }

    #[test]
    fn numbers_are_grouped_per_language() {
        assert_eq!(grouped(200_000, '.'), "200.000");
        assert_eq!(grouped(5_000_000, ','), "5,000,000");
        assert_eq!(grouped(999, ','), "999");
    }
}
