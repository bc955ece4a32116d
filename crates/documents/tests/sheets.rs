//! Workbooks, templates and uploads, checked with readers that share no code with the writer:
//! calamine directly, the XML inside the zip, and Python's openpyxl when it is installed
//! (required when `CI=true`).

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use calamine::{Data, Reader, Xlsx};
use tiendo_documents::read::{RawCell, RawSheet, column_letter, read_csv, read_xlsx};
use tiendo_documents::sheet::{Sheet, SheetColumn, Value, Workbook, write_workbook};
use tiendo_documents::template::{
    Check, Rule, Template, TemplateColumn, TemplateRow, TemplateSheet, write_template,
};
use tiendo_documents::{DocumentError, Metadata, Tone};

// ---------------------------------------------------------------------------------------------
// Fixtures

fn metadata() -> Metadata {
    Metadata {
        title: "Tiến độ chuyển đổi số".to_string(),
        author: "UBND thành phố Sầm Sơn".to_string(),
        subject: "Sầm Sơn 2022".to_string(),
        language: "vi".to_string(),
    }
}

fn column(header: &str, width: f64) -> SheetColumn {
    SheetColumn {
        header: header.to_string(),
        width,
    }
}

/// Every kind of value, a titled sheet and an untitled one.
fn sample_workbook() -> Workbook {
    let columns = vec![
        column("Mã", 8.0),
        column("Đơn vị", 24.0),
        column("Số hộ", 10.0),
        column("Tỷ lệ", 10.0),
        column("Giá trị", 12.0),
        column("Ngày", 12.0),
        column("Đánh giá", 14.0),
    ];
    let units = Sheet {
        name: "Phường".to_string(),
        title: Some("Phường Bắc Sơn — 31/10/2022".to_string()),
        columns: columns.clone(),
        rows: vec![
            vec![
                Value::text("14833"),
                Value::text("Phường Bắc Sơn"),
                Value::Integer(1234),
                Value::Percent {
                    thousandths: 72_500,
                },
                Value::Decimal {
                    thousandths: 72_500,
                },
                Value::Date {
                    year: 2022,
                    month: 10,
                    day: 31,
                },
                Value::Status {
                    label: "Đạt".to_string(),
                    tone: Tone::Good,
                },
            ],
            vec![
                Value::text("14836"),
                Value::text("Phường Trung Sơn"),
                Value::Integer(-5),
                Value::Percent {
                    thousandths: 100_000,
                },
                Value::Decimal {
                    thousandths: 1_234_567,
                },
                Value::Empty,
                Value::Status {
                    label: "Chưa đạt".to_string(),
                    tone: Tone::Bad,
                },
            ],
            // A short row, and text that looks like a formula but must stay text.
            vec![Value::text("=1+1")],
        ],
    };
    let plain = Sheet {
        name: "Tóm tắt".to_string(),
        title: None,
        columns: vec![column("Nhóm", 20.0), column("Số chỉ tiêu", 10.0)],
        rows: vec![vec![Value::text("Hạ tầng số"), Value::Integer(12)]],
    };
    Workbook {
        sheets: vec![units, plain],
        metadata: metadata(),
    }
}

fn long_list() -> Vec<String> {
    (1..=15)
        .map(|n| format!("Nguồn số liệu số {n:02}"))
        .collect()
}

fn check(rule: Rule, prompt: &str) -> Option<Check> {
    Some(Check {
        rule,
        prompt: prompt.to_string(),
        error: format!("Giá trị không hợp lệ: {prompt}"),
    })
}

/// Three indicators of one ward; column D holds figures of three kinds, E a date, F a long
/// list, G a short one. `figure` pre-fills D4.
fn sample_template(figure: Value) -> Template {
    let locked = |header: &str, width: f64| TemplateColumn {
        header: header.to_string(),
        width,
        editable: false,
    };
    let editable = |header: &str, width: f64| TemplateColumn {
        header: header.to_string(),
        width,
        editable: true,
    };
    let date_rule = || Rule::Date {
        min: (2022, 1, 1),
        max: (2022, 12, 31),
    };
    let row =
        |code: &str, name: &str, status: Value, figure: Value, figure_rule: Rule| TemplateRow {
            cells: vec![Value::text(code), Value::text(name), status, figure],
            checks: vec![
                None,
                None,
                None,
                check(figure_rule, "Nhập số liệu"),
                check(date_rule(), "Ngày có số liệu, dd/mm/yyyy"),
                check(Rule::OneOf(long_list()), "Chọn nguồn số liệu"),
                check(
                    Rule::OneOf(vec!["Có".to_string(), "Không".to_string()]),
                    "Đã kiểm tra chưa?",
                ),
            ],
        };
    let mut first = row(
        "1.1",
        "Tỷ lệ hộ có cáp quang",
        Value::Status {
            label: "Đang thực hiện".to_string(),
            tone: Tone::Progress,
        },
        Value::Percent {
            thousandths: 72_500,
        },
        Rule::Decimal {
            min: 0.0,
            max: Some(1.0),
        },
    );
    first.cells.push(Value::Date {
        year: 2022,
        month: 10,
        day: 31,
    });
    let second = row(
        "1.2",
        "Số điểm phát wifi công cộng",
        Value::Status {
            label: "Chưa có số liệu".to_string(),
            tone: Tone::Muted,
        },
        figure,
        Rule::WholeNumber { min: 0, max: None },
    );
    let third = row(
        "1.3",
        "Kinh phí đã giải ngân (triệu đồng)",
        Value::Empty,
        Value::Empty,
        Rule::Decimal {
            min: 0.0,
            max: None,
        },
    );
    Template {
        data_sheet: TemplateSheet {
            name: "Nhập liệu".to_string(),
            title: "Phường Bắc Sơn — số liệu đến 31/10/2022".to_string(),
            columns: vec![
                locked("Mã", 6.0),
                locked("Chỉ tiêu", 40.0),
                locked("Hiện trạng", 16.0),
                editable("Giá trị", 12.0),
                editable("Ngày số liệu", 13.0),
                editable("Nguồn", 22.0),
                editable("Đã kiểm tra", 10.0),
            ],
            rows: vec![first, second, third],
        },
        instructions_sheet_name: "Hướng dẫn".to_string(),
        instructions: vec![
            "Nhập số liệu vào các ô trắng của trang «Nhập liệu»; các ô xám không sửa được."
                .to_string(),
            "Tỷ lệ nhập theo phần trăm, ví dụ 72,5 %.".to_string(),
        ],
        properties: vec![
            ("framework".to_string(), "sam-son-2022".to_string()),
            ("version".to_string(), "1".to_string()),
            ("unit".to_string(), "14833".to_string()),
            ("as_of".to_string(), "2022-10-31".to_string()),
        ],
        metadata: metadata(),
    }
}

// ---------------------------------------------------------------------------------------------
// Independent readers

fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut entry = archive
        .by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the zip"));
    let mut text = String::new();
    entry.read_to_string(&mut text).expect("UTF-8 XML");
    text
}

/// The same zip with one entry's text changed.
fn rewrite_entry(bytes: &[u8], name: &str, change: impl Fn(&str) -> String) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("an entry");
        let entry_name = entry.name().to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("entry bytes");
        if entry_name == name {
            content = change(std::str::from_utf8(&content).expect("XML")).into_bytes();
        }
        out.start_file(entry_name, zip::write::SimpleFileOptions::default())
            .expect("start entry");
        out.write_all(&content).expect("write entry");
    }
    out.finish().expect("finish zip").into_inner()
}

fn calamine_sheet(bytes: &[u8], name: &str) -> calamine::Range<Data> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("calamine opens it");
    workbook.worksheet_range(name).expect("the sheet")
}

fn number(data: Option<&Data>) -> f64 {
    match data {
        Some(Data::Float(number)) => *number,
        Some(Data::Int(number)) => *number as f64,
        other => panic!("expected a number cell, got {other:?}"),
    }
}

fn text(data: Option<&Data>) -> &str {
    match data {
        Some(Data::String(text)) => text,
        other => panic!("expected a text cell, got {other:?}"),
    }
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tiendo-sheets-{}-{name}", std::process::id()))
}

/// Runs a Python script with openpyxl and the given arguments; `false` when openpyxl is
/// missing outside CI (the caller then skips).
fn run_openpyxl(script: &str, args: &[&Path]) -> bool {
    let available = Command::new("python3")
        .args(["-c", "import openpyxl"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("openpyxl is required on CI: pip install openpyxl");
        }
        eprintln!("note: openpyxl is not installed; skipping the openpyxl checks");
        return false;
    }
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "openpyxl checks failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    true
}

fn unreadable_messages(error: DocumentError) -> (String, String) {
    match error {
        DocumentError::Unreadable { vi, en } => (vi, en),
        other => panic!("expected Unreadable, got {other:?}"),
    }
}

fn sheet<'a>(sheets: &'a [RawSheet], name: &str) -> &'a RawSheet {
    sheets
        .iter()
        .find(|sheet| sheet.name == name)
        .unwrap_or_else(|| panic!("sheet {name}"))
}

fn date(year: i32, month: u8, day: u8) -> RawCell {
    RawCell::Date { year, month, day }
}

fn text_cell(text: &str) -> RawCell {
    RawCell::Text(text.to_string())
}

// ---------------------------------------------------------------------------------------------
// Workbooks

#[test]
fn workbook_cells_keep_their_types_for_calamine() {
    let bytes = write_workbook(&sample_workbook()).expect("written");
    let range = calamine_sheet(&bytes, "Phường");

    assert_eq!(text(range.get_value((0, 0))), "Phường Bắc Sơn — 31/10/2022");
    assert_eq!(text(range.get_value((1, 0))), "Mã");
    assert_eq!(text(range.get_value((1, 6))), "Đánh giá");

    assert_eq!(text(range.get_value((2, 0))), "14833");
    assert_eq!(number(range.get_value((2, 2))), 1234.0);
    assert_eq!(number(range.get_value((2, 3))), 0.725);
    assert_eq!(number(range.get_value((2, 4))), 72.5);
    match range.get_value((2, 5)) {
        Some(Data::DateTime(date)) => {
            assert!(date.is_datetime());
            let (year, month, day, ..) = date.to_ymd_hms_milli();
            assert_eq!((year, month, day), (2022, 10, 31));
        }
        other => panic!("expected a date, got {other:?}"),
    }
    assert_eq!(text(range.get_value((2, 6))), "Đạt");

    assert_eq!(number(range.get_value((3, 2))), -5.0);
    assert_eq!(number(range.get_value((3, 3))), 1.0);
    assert_eq!(number(range.get_value((3, 4))), 1234.567);
    assert!(matches!(range.get_value((3, 5)), None | Some(Data::Empty)));
    assert_eq!(text(range.get_value((3, 6))), "Chưa đạt");
    assert_eq!(text(range.get_value((4, 0))), "=1+1");

    let summary = calamine_sheet(&bytes, "Tóm tắt");
    assert_eq!(text(summary.get_value((0, 0))), "Nhóm");
    assert_eq!(number(summary.get_value((1, 1))), 12.0);
}

#[test]
fn workbook_xml_has_frozen_header_filter_fills_and_formats() {
    let bytes = write_workbook(&sample_workbook()).expect("written");
    let titled = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        titled.contains(
            r#"<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>"#
        ),
        "{titled}"
    );
    assert!(titled.contains(r#"<autoFilter ref="A2:G5"/>"#), "{titled}");
    assert!(!titled.contains("<f>"), "no formulas: {titled}");
    let plain = zip_entry(&bytes, "xl/worksheets/sheet2.xml");
    assert!(plain.contains(r#"topLeftCell="A2""#) && plain.contains(r#"state="frozen""#));
    assert!(plain.contains(r#"<autoFilter ref="A1:B2"/>"#));

    let styles = zip_entry(&bytes, "xl/styles.xml");
    for fill in [Tone::Good, Tone::Bad].map(|tone| tone.fill().expect("a shade")) {
        assert!(
            styles.contains(&format!(r#"<fgColor rgb="FF{fill}"/>"#)),
            "{styles}"
        );
    }
    for code in ["#,##0", "#,##0.0", "#,##0.000", "0.0%", "0%", "dd/mm/yyyy"] {
        assert!(
            styles.contains(&format!(r#"formatCode="{code}""#)),
            "{code}: {styles}"
        );
    }
    assert!(styles.contains("<b/>"), "a bold font");

    let core = zip_entry(&bytes, "docProps/core.xml");
    assert!(
        core.contains("<dc:title>Tiến độ chuyển đổi số</dc:title>"),
        "{core}"
    );
    assert!(
        core.contains("<dc:creator>UBND thành phố Sầm Sơn</dc:creator>"),
        "{core}"
    );
}

const WORKBOOK_CHECKS: &str = r##"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
assert wb.sheetnames == ["Phường", "Tóm tắt"], wb.sheetnames
ws = wb["Phường"]
assert ws.freeze_panes == "A3", ws.freeze_panes
assert ws.auto_filter.ref == "A2:G5", ws.auto_filter.ref
assert ws["A1"].font.b and ws["A2"].font.b and not ws["A3"].font.b
assert ws["A2"].fill.fgColor.rgb == "FFDCE6F1", ws["A2"].fill.fgColor.rgb
assert ws["C3"].value == 1234 and ws["C3"].number_format == "#,##0"
assert ws["D3"].value == 0.725 and ws["D3"].number_format == "0.0%", ws["D3"].number_format
assert ws["D4"].number_format == "0%"
assert ws["E3"].value == 72.5 and ws["E3"].number_format == "#,##0.0"
assert ws["E4"].value == 1234.567 and ws["E4"].number_format == "#,##0.000"
import datetime
assert ws["F3"].value == datetime.datetime(2022, 10, 31), ws["F3"].value
assert ws["F3"].number_format == "dd/mm/yyyy"
assert ws["G3"].value == "Đạt" and ws["G3"].fill.fgColor.rgb == "FFD9F2DF"
assert ws["G4"].fill.fgColor.rgb == "FFF9D6D5"
assert ws["A5"].value == "=1+1" and ws["A5"].data_type == "s"
assert abs(ws.column_dimensions["B"].width - 24) < 1, ws.column_dimensions["B"].width
assert wb["Tóm tắt"].freeze_panes == "A2"
assert wb.properties.title == "Tiến độ chuyển đổi số"
assert wb.properties.creator == "UBND thành phố Sầm Sơn"
assert wb.properties.subject == "Sầm Sơn 2022"
print("ok")
"##;

#[test]
fn workbook_reads_right_in_openpyxl() {
    let path = temp_path("workbook.xlsx");
    std::fs::write(&path, write_workbook(&sample_workbook()).expect("written")).expect("saved");
    run_openpyxl(WORKBOOK_CHECKS, &[&path]);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn workbook_reads_back_with_places() {
    let bytes = write_workbook(&sample_workbook()).expect("written");
    let sheets = read_xlsx(&bytes).expect("read");
    assert_eq!(
        sheets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Phường", "Tóm tắt"]
    );
    let units = &sheets[0];
    let numbers: Vec<u32> = units.rows.iter().map(|row| row.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    let first = &units.rows[2];
    assert_eq!(
        first.cells,
        [
            text_cell("14833"),
            text_cell("Phường Bắc Sơn"),
            RawCell::Number(1234.0),
            RawCell::Number(0.725),
            RawCell::Number(72.5),
            date(2022, 10, 31),
            text_cell("Đạt"),
        ]
    );
    // The blank date is empty, and the short row stops at its last cell.
    assert_eq!(units.rows[3].cell(5), &RawCell::Empty);
    assert_eq!(units.rows[4].cells, [text_cell("=1+1")]);
    assert_eq!(units.rows[4].cell(30), &RawCell::Empty);
}

#[test]
fn workbook_refuses_what_excel_would_refuse() {
    let mut book = sample_workbook();
    book.sheets[0].name = "Nhóm: hạ tầng".to_string();
    assert!(matches!(
        write_workbook(&book),
        Err(DocumentError::Write { .. })
    ));

    let mut book = sample_workbook();
    book.sheets[1].rows[0].push(Value::Integer(1));
    book.sheets[1].rows[0].push(Value::Integer(2));
    let error = write_workbook(&book).expect_err("too many cells");
    assert!(
        error.to_string().contains("4 cells for 2 columns"),
        "{error}"
    );

    let mut book = sample_workbook();
    book.sheets[1].rows[0][1] = Value::Date {
        year: 2022,
        month: 2,
        day: 30,
    };
    assert!(write_workbook(&book).is_err());

    assert!(write_workbook(&Workbook::default()).is_err());
}

#[test]
fn a_province_export_is_written_and_read_quickly() {
    let indicators = 40;
    let columns: Vec<SheetColumn> = std::iter::once(column("Đơn vị", 24.0))
        .chain((1..=indicators).map(|n| column(&format!("Chỉ tiêu {n}"), 10.0)))
        .collect();
    let rows: Vec<Vec<Value>> = (0..600)
        .map(|unit| {
            std::iter::once(Value::Text(format!("Xã số {unit}")))
                .chain((0..indicators).map(|indicator| match indicator % 4 {
                    0 => Value::Percent {
                        thousandths: (unit * 37 + indicator) % 100_000,
                    },
                    1 => Value::Decimal {
                        thousandths: unit * 1_001,
                    },
                    2 => Value::Integer(unit),
                    _ => Value::Status {
                        label: "Đạt".to_string(),
                        tone: Tone::Good,
                    },
                }))
                .collect()
        })
        .collect();
    let book = Workbook {
        sheets: vec![Sheet {
            name: "Tỉnh".to_string(),
            title: Some("Tỉnh Thanh Hóa — 31/10/2022".to_string()),
            columns,
            rows,
        }],
        metadata: metadata(),
    };
    let started = Instant::now();
    let bytes = write_workbook(&book).expect("written");
    let written = started.elapsed();
    let started = Instant::now();
    let sheets = read_xlsx(&bytes).expect("read");
    let read = started.elapsed();
    eprintln!(
        "600 × 40 export: {} KiB, written in {written:?}, read back in {read:?}",
        bytes.len() / 1024
    );
    assert_eq!(sheets[0].rows.len(), 602);
    assert_eq!(sheets[0].rows[601].number, 602);
}

// ---------------------------------------------------------------------------------------------
// Templates

#[test]
fn template_xml_is_protected_validated_and_hides_its_properties() {
    let bytes = write_template(&sample_template(Value::Integer(3))).expect("written");
    let workbook = zip_entry(&bytes, "xl/workbook.xml");
    let order: Vec<&str> = ["Hướng dẫn", "Nhập liệu", "tiendo"]
        .into_iter()
        .map(|name| {
            workbook
                .find(&format!(r#"name="{name}""#))
                .map(|_| name)
                .unwrap_or_else(|| panic!("{name} in {workbook}"))
        })
        .collect();
    assert_eq!(order.len(), 3);
    assert!(
        workbook.contains(r#"<sheet name="tiendo" sheetId="3" state="hidden""#),
        "{workbook}"
    );
    assert!(workbook.contains(r#"activeTab="1""#), "{workbook}");

    let data = zip_entry(&bytes, "xl/worksheets/sheet2.xml");
    assert!(data.contains(r#"topLeftCell="A3""#) && data.contains(r#"state="frozen""#));
    assert!(data.contains(r#"<autoFilter ref="A2:G5"/>"#), "{data}");
    assert!(data.contains("<sheetProtection "), "{data}");
    for allowed in [r#"sort="0""#, r#"autoFilter="0""#, r#"formatColumns="0""#] {
        assert!(data.contains(allowed), "{allowed}: {data}");
    }
    assert!(!data.contains("password="), "no password");
    assert!(data.contains(r#"<dataValidation type="list""#), "{data}");
    assert!(
        data.contains(r#"<formula1>"Có,Không"</formula1>"#),
        "{data}"
    );
    assert!(
        data.contains("<formula1>tiendo!$D$1:$D$15</formula1>"),
        "{data}"
    );
    assert!(
        data.contains(r#"sqref="E3:E5""#),
        "one validation for the same check: {data}"
    );
    assert!(data.contains(r#"promptTitle="Giá trị""#), "{data}");

    let properties = zip_entry(&bytes, "xl/worksheets/sheet3.xml");
    assert!(properties.contains("<sheetProtection "), "{properties}");

    let styles = zip_entry(&bytes, "xl/styles.xml");
    assert!(
        styles.contains(r#"<protection locked="0"/>"#),
        "unlocked cells: {styles}"
    );
    assert!(
        styles.contains(r#"<fgColor rgb="FFF2F2F2"/>"#),
        "grey locked cells"
    );
}

const TEMPLATE_CHECKS: &str = r##"
import sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
assert wb.sheetnames == ["Hướng dẫn", "Nhập liệu", "tiendo"], wb.sheetnames
assert wb.active.title == "Nhập liệu", wb.active.title
hidden = wb["tiendo"]
assert hidden.sheet_state == "hidden", hidden.sheet_state
assert hidden.protection.sheet
assert hidden.max_row == 15, hidden.max_row
assert [(r[0].value, r[1].value) for r in hidden.iter_rows(max_row=4, max_col=2)] == [
    ("framework", "sam-son-2022"), ("version", "1"), ("unit", "14833"), ("as_of", "2022-10-31")]
assert hidden["D1"].value == "Nguồn số liệu số 01" and hidden["D15"].value == "Nguồn số liệu số 15"

help = wb["Hướng dẫn"]
assert help["A1"].alignment.wrap_text and help.column_dimensions["A"].width >= 90
assert help["A2"].value.startswith("Tỷ lệ")

ws = wb["Nhập liệu"]
assert ws.freeze_panes == "A3", ws.freeze_panes
assert ws.auto_filter.ref == "A2:G5", ws.auto_filter.ref
assert ws["A1"].font.b and ws["A2"].font.b
p = ws.protection
assert p.sheet and not p.password
assert p.autoFilter is False and p.sort is False and p.formatColumns is False, (p.autoFilter, p.sort)

for ref in ["A3", "B3", "C3", "A5", "C5", "A1", "A2"]:
    assert ws[ref].protection.locked, ref
for ref in ["D3", "E3", "F3", "G3", "D5", "E5", "F5", "G5"]:
    assert not ws[ref].protection.locked, ref
assert ws["B3"].fill.fgColor.rgb == "FFF2F2F2", ws["B3"].fill.fgColor.rgb
assert ws["C3"].fill.fgColor.rgb == "FFFCEFC7", "status tone wins over grey"
assert ws["D5"].fill.fgColor.rgb == "FFFFFFFF" and ws["G5"].fill.fgColor.rgb == "FFFFFFFF"

assert ws["D3"].value == 0.725 and ws["D3"].number_format == "0.0##%", ws["D3"].number_format
assert ws["D4"].value == 3
assert ws["D5"].value is None
assert ws["E3"].value == datetime.datetime(2022, 10, 31) and ws["E3"].number_format == "dd/mm/yyyy"
assert ws["E5"].value is None and ws["E5"].number_format == "dd/mm/yyyy"
assert ws.max_row == 5, ws.max_row

found = {}
for dv in ws.data_validations.dataValidation:
    for cells in str(dv.sqref).split():
        found[cells] = dv
assert sorted(found) == ["D3", "D4", "D5", "E3:E5", "F3:F5", "G3:G5"], sorted(found)
# "between" is the default operator, which the XML leaves out.
assert found["D3"].type == "decimal" and found["D3"].operator in (None, "between")
assert (found["D3"].formula1, found["D3"].formula2) == ("0", "1"), (found["D3"].formula1, found["D3"].formula2)
assert found["D4"].type == "whole" and found["D4"].operator == "greaterThanOrEqual" and found["D4"].formula1 == "0"
assert found["D5"].type == "decimal" and found["D5"].operator == "greaterThanOrEqual"
assert found["E3:E5"].type == "date"
assert found["E3:E5"].formula1 == "44562" and found["E3:E5"].formula2 == "44926", found["E3:E5"].formula1
assert found["F3:F5"].type == "list" and found["F3:F5"].formula1 == "tiendo!$D$1:$D$15"
assert found["G3:G5"].type == "list" and found["G3:G5"].formula1 == '"Có,Không"'
assert found["G3:G5"].prompt == "Đã kiểm tra chưa?"
assert found["G3:G5"].error == "Giá trị không hợp lệ: Đã kiểm tra chưa?"
assert found["G3:G5"].showErrorMessage and found["G3:G5"].allow_blank
print("ok")
"##;

#[test]
fn template_reads_right_in_openpyxl() {
    let path = temp_path("template.xlsx");
    let bytes = write_template(&sample_template(Value::Integer(3))).expect("written");
    std::fs::write(&path, bytes).expect("saved");
    run_openpyxl(TEMPLATE_CHECKS, &[&path]);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn template_reads_back_with_places() {
    let bytes = write_template(&sample_template(Value::Integer(3))).expect("written");
    let sheets = read_xlsx(&bytes).expect("read");
    assert_eq!(
        sheets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Hướng dẫn", "Nhập liệu", "tiendo"]
    );

    let properties: Vec<(u32, &RawCell, &RawCell)> = sheet(&sheets, "tiendo")
        .rows
        .iter()
        .take(4)
        .map(|row| (row.number, row.cell(0), row.cell(1)))
        .collect();
    assert_eq!(
        properties,
        [
            (1, &text_cell("framework"), &text_cell("sam-son-2022")),
            (2, &text_cell("version"), &text_cell("1")),
            (3, &text_cell("unit"), &text_cell("14833")),
            (4, &text_cell("as_of"), &text_cell("2022-10-31")),
        ]
    );

    let data = sheet(&sheets, "Nhập liệu");
    assert_eq!(data.rows[0].number, 1);
    assert_eq!(data.rows[1].cells[3], text_cell("Giá trị"));
    let first = &data.rows[2];
    assert_eq!(first.number, 3);
    assert_eq!(first.cells[0], text_cell("1.1"));
    assert_eq!(first.cells[2], text_cell("Đang thực hiện"));
    assert_eq!(first.cells[3], RawCell::Number(0.725));
    assert_eq!(first.cells[4], date(2022, 10, 31));
    let second = &data.rows[3];
    assert_eq!((second.number, second.cell(3)), (4, &RawCell::Number(3.0)));
    let third = &data.rows[4];
    assert_eq!(third.number, 5);
    assert_eq!(third.cell(3), &RawCell::Empty);
    assert_eq!(data.rows.len(), 5);
}

#[test]
fn a_changed_figure_reads_back_changed() {
    let before = read_xlsx(&write_template(&sample_template(Value::Integer(3))).expect("written"))
        .expect("read");
    let after = read_xlsx(
        &write_template(&sample_template(Value::Decimal {
            thousandths: 12_500,
        }))
        .expect("written"),
    )
    .expect("read");
    let figure = |sheets: &[RawSheet]| sheet(sheets, "Nhập liệu").rows[3].cell(3).clone();
    assert_eq!(figure(&before), RawCell::Number(3.0));
    assert_eq!(figure(&after), RawCell::Number(12.5));
}

const EDIT_IN_OPENPYXL: &str = r##"
import sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["Nhập liệu"]
ws["D4"] = 99
ws["E4"] = datetime.date(2022, 11, 15)
ws["F5"] = "  Nguồn số liệu số 03 "
wb.save(sys.argv[2])
"##;

#[test]
fn an_upload_edited_by_another_program_reads_back_its_edits() {
    let original = temp_path("upload-original.xlsx");
    let edited = temp_path("upload-edited.xlsx");
    let bytes = write_template(&sample_template(Value::Integer(3))).expect("written");
    std::fs::write(&original, bytes).expect("saved");
    if run_openpyxl(EDIT_IN_OPENPYXL, &[&original, &edited]) {
        let sheets = read_xlsx(&std::fs::read(&edited).expect("edited file")).expect("read");
        let data = sheet(&sheets, "Nhập liệu");
        let row = |number: u32| {
            data.rows
                .iter()
                .find(|row| row.number == number)
                .expect("the row")
        };
        assert_eq!(row(4).cell(3), &RawCell::Number(99.0));
        assert_eq!(row(4).cell(4), &date(2022, 11, 15));
        assert_eq!(row(5).cell(5), &text_cell("Nguồn số liệu số 03"));
        assert_eq!(row(3).cell(3), &RawCell::Number(0.725), "the rest is kept");
        let properties = sheet(&sheets, "tiendo");
        assert_eq!(
            properties.rows[2].cells[..2],
            [text_cell("unit"), text_cell("14833")]
        );
    }
    let _ = std::fs::remove_file(&original);
    let _ = std::fs::remove_file(&edited);
}

#[test]
fn template_refuses_checks_on_locked_columns_and_empty_lists() {
    let mut template = sample_template(Value::Integer(3));
    template.data_sheet.rows[0].checks[1] = check(Rule::WholeNumber { min: 0, max: None }, "x");
    let error = write_template(&template).expect_err("a check on a locked column");
    assert!(
        error.to_string().contains("locked column «Chỉ tiêu»"),
        "{error}"
    );

    let mut template = sample_template(Value::Integer(3));
    template.data_sheet.rows[0].checks[6] = check(Rule::OneOf(Vec::new()), "x");
    assert!(write_template(&template).is_err());

    let mut template = sample_template(Value::Integer(3));
    template.data_sheet.name = "tiendo".to_string();
    assert!(write_template(&template).is_err());
}

// ---------------------------------------------------------------------------------------------
// Reading uploads

#[test]
fn files_that_are_not_workbooks_are_refused_in_both_languages() {
    let workbook = write_workbook(&sample_workbook()).expect("written");
    let mut not_xlsx_zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    not_xlsx_zip
        .start_file("hello.txt", zip::write::SimpleFileOptions::default())
        .expect("entry");
    not_xlsx_zip
        .write_all("xin chào".as_bytes())
        .expect("write");
    let not_xlsx_zip = not_xlsx_zip.finish().expect("zip").into_inner();

    let candidates: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("text", "Mã;Tên\n1;Bắc Sơn\n".as_bytes().to_vec()),
        ("truncated", workbook[..workbook.len() / 2].to_vec()),
        ("zip of something else", not_xlsx_zip),
    ];
    for (what, bytes) in candidates {
        let (vi, en) = unreadable_messages(read_xlsx(&bytes).expect_err(what));
        assert!(vi.contains("bảng tính Excel (.xlsx)"), "{what}: {vi}");
        assert!(en.contains("Excel workbook (.xlsx)"), "{what}: {en}");
    }

    let mut old_xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    old_xls.resize(4096, 0);
    let (vi, en) = unreadable_messages(read_xlsx(&old_xls).expect_err("an .xls"));
    assert!(vi.contains(".xls") && en.contains(".xls"), "{vi} / {en}");
}

#[test]
fn a_damaged_sheet_is_refused_with_its_name() {
    let workbook = write_workbook(&sample_workbook()).expect("written");
    let damaged = rewrite_entry(&workbook, "xl/worksheets/sheet2.xml", |xml| {
        xml[..xml.len() / 2].to_string()
    });
    let (vi, en) = unreadable_messages(read_xlsx(&damaged).expect_err("damaged"));
    assert!(
        vi.contains("«Tóm tắt»") && en.contains("«Tóm tắt»"),
        "{vi} / {en}"
    );
}

#[test]
fn dates_of_the_1904_system_are_read_in_that_system() {
    let workbook = write_workbook(&sample_workbook()).expect("written");
    let as_1904 = rewrite_entry(&workbook, "xl/workbook.xml", |xml| {
        assert!(xml.contains("<workbookPr "), "{xml}");
        xml.replacen("<workbookPr ", r#"<workbookPr date1904="1" "#, 1)
    });
    let sheets = read_xlsx(&as_1904).expect("read");
    // The same serial number counts from 1904-01-01 instead of 1899-12-30: 1462 days later.
    assert_eq!(sheets[0].rows[2].cells[5], date(2026, 11, 1));
}

#[test]
fn rows_past_the_limit_are_refused() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.write_string(0, 0, "Mã").expect("cell");
    worksheet.write_string(200_000, 0, "quá xa").expect("cell");
    let bytes = workbook.save_to_buffer().expect("saved");
    let (vi, en) = unreadable_messages(read_xlsx(&bytes).expect_err("too many rows"));
    assert!(
        vi.contains("200.000") && en.contains("200,000"),
        "{vi} / {en}"
    );

    let mut workbook = rust_xlsxwriter::Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.write_string(199_999, 0, "vừa đủ").expect("cell");
    let bytes = workbook.save_to_buffer().expect("saved");
    let sheets = read_xlsx(&bytes).expect("the last allowed row");
    assert_eq!(sheets[0].rows[0].number, 200_000);
}

#[test]
fn xlsx_text_is_trimmed_and_nfc() {
    let decomposed = "Phu\u{031b}o\u{031b}\u{0300}ng"; // "Phường" typed with combining marks
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet
        .write_string(0, 0, format!("  {decomposed} Bắc Sơn\u{a0}"))
        .expect("cell");
    worksheet.write_string(0, 2, "   ").expect("cell");
    worksheet.write_boolean(1, 1, true).expect("cell");
    worksheet.write_formula(2, 0, "=1/0").expect("cell");
    worksheet.set_formula_result(2, 0, "#DIV/0!");
    let bytes = workbook.save_to_buffer().expect("saved");
    let rows = &read_xlsx(&bytes).expect("read")[0].rows;
    assert_eq!(rows[0].cells, [text_cell("Phường Bắc Sơn")]);
    assert_eq!(rows[1].cells, [RawCell::Empty, RawCell::Bool(true)]);
    assert_eq!(rows[2].number, 3);
    assert!(
        matches!(&rows[2].cells[0], RawCell::Error(e) | RawCell::Text(e) if e == "#DIV/0!"),
        "{:?}",
        rows[2]
    );
}

#[test]
fn csv_with_bom_and_semicolons() {
    let csv = "\u{feff}Mã;Tên đơn vị;Giá trị\r\n14833;Phường Bắc Sơn; 72,5 \r\n14836;\"Trung Sơn; phường\";\r\n";
    let sheet = read_csv(csv.as_bytes()).expect("read");
    assert_eq!(sheet.name, "CSV");
    assert_eq!(sheet.rows.len(), 3);
    assert_eq!(
        sheet.rows[0].cells,
        [
            text_cell("Mã"),
            text_cell("Tên đơn vị"),
            text_cell("Giá trị")
        ]
    );
    assert_eq!(sheet.rows[1].cells[2], text_cell("72,5"));
    assert_eq!(
        sheet.rows[2].cells,
        [text_cell("14836"), text_cell("Trung Sơn; phường")],
        "quoted delimiter kept, trailing empty cell dropped"
    );
    assert_eq!(
        sheet.rows.iter().map(|r| r.number).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

#[test]
fn csv_delimiters_commas_tabs_and_excel_hint() {
    let commas = read_csv("Mã,Tên\n1,\"Bắc Sơn, Sầm Sơn\"\n".as_bytes()).expect("read");
    assert_eq!(
        commas.rows[1].cells,
        [text_cell("1"), text_cell("Bắc Sơn, Sầm Sơn")]
    );
    let tabs = read_csv("Mã\tTên\n1\tBắc Sơn\n".as_bytes()).expect("read");
    assert_eq!(tabs.rows[1].cells, [text_cell("1"), text_cell("Bắc Sơn")]);
    let hinted = read_csv("sep=;\r\nMã,cũ;Tên\r\n1;Bắc Sơn\r\n".as_bytes()).expect("read");
    assert_eq!(
        hinted.rows[0].number, 1,
        "Excel does not show the sep= line"
    );
    assert_eq!(hinted.rows[0].cells, [text_cell("Mã,cũ"), text_cell("Tên")]);
}

#[test]
fn csv_vietnamese_in_nfd_comes_out_nfc() {
    let nfd = "Ma\u{0303};Te\u{0302}n\n1;Phu\u{031b}o\u{031b}\u{0300}ng Ba\u{0306}\u{0301}c So\u{031b}n\n";
    let sheet = read_csv(nfd.as_bytes()).expect("read");
    assert_eq!(sheet.rows[0].cells, [text_cell("Mã"), text_cell("Tên")]);
    assert_eq!(sheet.rows[1].cells[1], text_cell("Phường Bắc Sơn"));
}

#[test]
fn csv_row_numbers_are_those_excel_shows() {
    // An empty line is an empty row; a quoted cell over two lines stays in one row.
    let csv = "Mã;Ghi chú\n1;\"dòng một\ndòng hai\"\n\n2;sau dòng trống\n;;\n3;cuối\n";
    let sheet = read_csv(csv.as_bytes()).expect("read");
    let numbers: Vec<u32> = sheet.rows.iter().map(|row| row.number).collect();
    assert_eq!(numbers, [1, 2, 4, 6]);
    assert_eq!(sheet.rows[1].cells[1], text_cell("dòng một\ndòng hai"));
    assert_eq!(sheet.rows[3].cells[1], text_cell("cuối"));

    let old_mac = read_csv("Mã;Tên\r1;\"Bắc\rSơn\"\r\r2;Trung Sơn\r".as_bytes()).expect("read");
    let numbers: Vec<u32> = old_mac.rows.iter().map(|row| row.number).collect();
    assert_eq!(numbers, [1, 2, 4]);
}

#[test]
fn csv_that_is_not_utf8_is_refused_in_both_languages() {
    // "Bắc" in Windows-1258 would be unreadable; Latin-1 bytes are just as invalid.
    let mut bytes = b"Ma;Ten\n1;Phuong\n2;B".to_vec();
    bytes.push(0xE0);
    bytes.extend_from_slice(b"c Son\n");
    let (vi, en) = unreadable_messages(read_csv(&bytes).expect_err("not UTF-8"));
    assert!(vi.contains("UTF-8") && vi.contains("dòng 3"), "{vi}");
    assert!(en.contains("UTF-8") && en.contains("line 3"), "{en}");

    let utf16 = [0xFF, 0xFE, b'M', 0, b'a', 0];
    assert!(matches!(
        read_csv(&utf16),
        Err(DocumentError::Unreadable { .. })
    ));
}

#[test]
fn csv_past_the_row_limit_is_refused() {
    let csv = "x\n".repeat(200_001);
    let (vi, en) = unreadable_messages(read_csv(csv.as_bytes()).expect_err("too many rows"));
    assert!(
        vi.contains("200.000") && en.contains("200,000"),
        "{vi} / {en}"
    );
    let csv = "x\n".repeat(200_000);
    assert_eq!(
        read_csv(csv.as_bytes()).expect("at the limit").rows.len(),
        200_000
    );
}

#[test]
fn column_letters_at_the_edges() {
    let cases = [
        (0, "A"),
        (1, "B"),
        (25, "Z"),
        (26, "AA"),
        (27, "AB"),
        (51, "AZ"),
        (52, "BA"),
        (701, "ZZ"),
        (702, "AAA"),
        (16_383, "XFD"),
    ];
    for (index, letters) in cases {
        assert_eq!(column_letter(index), letters, "{index}");
    }
}
