//! Official documents written as PDF and DOCX, read back with the tools people open them with:
//! poppler (`pdftotext`, `pdfinfo`, `pdffonts`) for the PDF, and LibreOffice, which lays the
//! DOCX out and prints it to PDF, for the DOCX. Without those tools the tests are skipped, except
//! in CI (`CI=true`), where they fail.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use tiendo_documents::docx::to_docx;
use tiendo_documents::fonts::Fonts;
use tiendo_documents::pdf::to_pdf;
use tiendo_documents::{
    Align, Block, Cell, Column, Metadata, OfficialDocument, Paragraph, Row, Run, Signature, Table,
    Tone,
};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::is_nfc;

const SENTENCE: &str = "Phường Bắc Sơn: 26/31 chỉ tiêu hoàn thành, 4 chỉ tiêu đang triển khai thực hiện, 1 chỉ tiêu thuộc nhóm chính quyền số chưa đạt.";
const CLOSING_SENTENCE: &str = "Trên đây là báo cáo kết quả thực hiện các chỉ tiêu chuyển đổi số năm 2022 của Ban Chỉ đạo chuyển đổi số thành phố.";
const ROWS: usize = 60;

fn short_indicator(number: usize) -> String {
    format!("Chỉ tiêu số {number}: dịch vụ công trực tuyến")
}

/// Every seventh indicator has a name that wraps in its cell.
fn indicator(number: usize) -> String {
    if number.is_multiple_of(7) {
        format!(
            "Chỉ tiêu số {number}: tỷ lệ hồ sơ thủ tục hành chính được tiếp nhận, xử lý và trả \
             kết quả trực tuyến toàn trình trên Cổng dịch vụ công quốc gia"
        )
    } else {
        short_indicator(number)
    }
}

fn assessment(number: usize) -> Cell {
    match number % 4 {
        0 => Cell::toned("Đạt", Tone::Good),
        1 => Cell::toned("Đang thực hiện", Tone::Progress),
        2 => Cell::toned("Chưa đạt", Tone::Bad),
        _ => Cell::toned("Không áp dụng", Tone::Muted),
    }
}

fn sample() -> OfficialDocument {
    let mut rows = Vec::new();
    for number in 1..=ROWS {
        if number % 20 == 1 {
            rows.push(Row::Section(format!(
                "Nhóm {}: Chính quyền số",
                number / 20 + 1
            )));
        }
        rows.push(Row::Cells(vec![
            Cell::text(number.to_string()),
            Cell::text(indicator(number)),
            Cell::text(format!("{},5%", 40 + number)),
            assessment(number),
        ]));
    }
    let table = Table {
        columns: vec![
            Column {
                header: "TT".into(),
                weight: 1,
                align: Align::Center,
            },
            Column {
                header: "Chỉ tiêu".into(),
                weight: 7,
                align: Align::Left,
            },
            Column {
                header: "Kết quả".into(),
                weight: 2,
                align: Align::Right,
            },
            Column {
                header: "Đánh giá".into(),
                weight: 3,
                align: Align::Center,
            },
        ],
        rows,
    };
    OfficialDocument {
        issuer_parent: Some("UBND thành phố Sầm Sơn".into()),
        issuer: "BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ".into(),
        national_title: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".into(),
        national_motto: "Độc lập - Tự do - Hạnh phúc".into(),
        number: "Số: 125/BC-BCĐ".into(),
        place_and_date: "Sầm Sơn, ngày 31 tháng 10 năm 2022".into(),
        kind: "BÁO CÁO".into(),
        title: vec![
            "Kết quả thực hiện các chỉ tiêu chuyển đổi số".into(),
            "của các phường, xã năm 2022".into(),
        ],
        body: vec![
            Block::Heading("I. KẾT QUẢ CHUNG".into()),
            // Decomposed on purpose: the writers must compose it.
            Block::Paragraph(Paragraph::body(SENTENCE.nfd().collect::<String>())),
            Block::Paragraph(Paragraph {
                runs: vec![
                    Run::plain("Tỷ lệ hoàn thành chung: "),
                    Run::bold("83,9%"),
                    Run::plain(", "),
                    Run::italic("tăng 12 điểm phần trăm so với năm 2021"),
                    Run::plain("."),
                ],
                align: Align::Justify,
                indent_first_line: true,
            }),
            Block::Heading("II. KẾT QUẢ THEO TỪNG CHỈ TIÊU".into()),
            Block::Table(table),
            Block::Paragraph(Paragraph::body(CLOSING_SENTENCE)),
        ],
        recipients_label: "Nơi nhận:".into(),
        recipients: vec![
            "UBND thành phố (để b/c);".into(),
            "Các phường, xã;".into(),
            "Lưu: VT.".into(),
        ],
        signature: Signature {
            on_behalf: Some("TM. BAN CHỈ ĐẠO".into()),
            office: "TRƯỞNG BAN".into(),
            name: "Lê Thị Hường".into(),
        },
        metadata: Metadata {
            title: "Báo cáo kết quả chỉ tiêu chuyển đổi số".into(),
            author: "Ban Chỉ đạo chuyển đổi số".into(),
            subject: "Chỉ tiêu chuyển đổi số năm 2022".into(),
            language: "vi".into(),
        },
    }
}

// ----- tools -----

/// Whether `tool` is on the PATH. A missing tool skips the test, with a message, except in CI,
/// which installs the tools and where a skip would hide a failure.
fn have(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()));
    if !found {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{tool} is required in CI");
        }
        eprintln!("skipped: {tool} is not installed");
    }
    found
}

/// A fresh folder for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tiendo-documents-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{program}: {error}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// The text of a PDF (or of some of its pages), as `pdftotext -layout` extracts it.
fn pdf_text(pdf: &Path, pages: Option<usize>) -> String {
    let page = pages.map(|page| page.to_string());
    let mut args = vec!["-layout", "-enc", "UTF-8"];
    if let Some(page) = &page {
        args.extend(["-f", page, "-l", page]);
    }
    args.extend([path_str(pdf), "-"]);
    run("pdftotext", &args)
}

/// White space collapsed to single spaces, so that line breaks and justification do not matter.
fn flattened(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn page_count(pdf: &Path) -> usize {
    let info = run("pdfinfo", &[path_str(pdf)]);
    info.lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("pdfinfo reports the pages")
}

fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("")
}

/// What every rendering of the sample must say, word for word.
fn assert_says_the_sample(text: &str) {
    assert!(is_nfc(text), "the text is not NFC");
    let flat = flattened(text);
    for expected in [
        "UBND THÀNH PHỐ SẦM SƠN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 125/BC-BCĐ",
        "Sầm Sơn, ngày 31 tháng 10 năm 2022",
        "BÁO CÁO",
        "Kết quả thực hiện các chỉ tiêu chuyển đổi số",
        "của các phường, xã năm 2022",
        "I. KẾT QUẢ CHUNG",
        SENTENCE,
        "Tỷ lệ hoàn thành chung: 83,9%, tăng 12 điểm phần trăm so với năm 2021.",
        "II. KẾT QUẢ THEO TỪNG CHỈ TIÊU",
        "Nhóm 1: Chính quyền số",
        "Nhóm 3: Chính quyền số",
        "Đang thực hiện",
        "Chưa đạt",
        "Không áp dụng",
        "41,5%",
        "100,5%",
        CLOSING_SENTENCE,
        "Nơi nhận:",
        "- UBND thành phố (để b/c);",
        "- Các phường, xã;",
        "- Lưu: VT.",
        "TM. BAN CHỈ ĐẠO",
        "TRƯỞNG BAN",
        "Lê Thị Hường",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // Every row once, none lost or doubled at a page break.
    for number in (1..=ROWS).filter(|number| !number.is_multiple_of(7)) {
        let name = short_indicator(number);
        assert_eq!(flat.matches(&name).count(), 1, "{name:?} in:\n{text}");
    }
}

/// The header row on the second page, and the page number at its head (Nghị định 30/2020
/// puts it centred in the top margin); none on the first.
fn assert_pages_continue(pdf: &Path) {
    assert!(page_count(pdf) >= 2, "one page only");
    let first = pdf_text(pdf, Some(1));
    let second = pdf_text(pdf, Some(2));
    assert_ne!(first_line(&first), "1", "the first page is numbered");
    assert_eq!(
        first_line(&second),
        "2",
        "the second page's head:\n{second}"
    );
    let flat = flattened(&second);
    for header in ["TT", "Chỉ tiêu", "Kết quả", "Đánh giá"] {
        assert!(flat.contains(header), "no {header:?} on page 2:\n{second}");
    }
}

// ----- PDF -----

fn check_pdf(fonts: &Fonts, test: &str) {
    if !(have("pdftotext") && have("pdfinfo") && have("pdffonts")) {
        return;
    }
    let dir = scratch(test);
    let pdf = dir.join("bao-cao.pdf");
    std::fs::write(&pdf, to_pdf(&sample(), fonts).expect("a PDF")).expect("written");

    assert_says_the_sample(&pdf_text(&pdf, None));
    assert_pages_continue(&pdf);

    let info = run("pdfinfo", &[path_str(&pdf)]);
    for (field, value) in [
        ("Title:", "Báo cáo kết quả chỉ tiêu chuyển đổi số"),
        ("Author:", "Ban Chỉ đạo chuyển đổi số"),
        ("Subject:", "Chỉ tiêu chuyển đổi số năm 2022"),
        ("Page size:", "595.276 x 841.89 pts (A4)"),
    ] {
        let line = info
            .lines()
            .find(|line| line.starts_with(field))
            .unwrap_or_else(|| panic!("no {field} in:\n{info}"));
        assert_eq!(line[field.len()..].trim(), value, "{info}");
    }

    // Every font embedded, with a Unicode map, and from the family asked for.
    let listing = run("pdffonts", &[path_str(&pdf)]);
    let rows: Vec<Vec<&str>> = listing
        .lines()
        .skip(2)
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert!(
        rows.len() >= 3,
        "regular, bold and italic at least:\n{listing}"
    );
    for row in &rows {
        let [.., embedded, _subset, unicode, _object, _generation] = row.as_slice() else {
            panic!("unexpected pdffonts row {row:?}");
        };
        assert_eq!((*embedded, *unicode), ("yes", "yes"), "{listing}");
    }
    let postscript_family = fonts.family.replace(' ', "");
    assert!(
        rows.iter().all(|row| row[0].contains(&postscript_family)),
        "fonts other than {}:\n{listing}",
        fonts.family
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn pdf_in_the_embedded_fonts_says_everything_on_several_pages() {
    check_pdf(Fonts::embedded().expect("embedded fonts"), "pdf-embedded");
}

#[test]
fn pdf_in_the_system_fonts_says_everything_on_several_pages() {
    let fonts = Fonts::find().expect("fonts");
    eprintln!("PDF set in {}", fonts.family);
    check_pdf(fonts, "pdf-system");
}

#[test]
fn pdf_is_the_same_for_the_same_document() {
    let fonts = Fonts::embedded().expect("embedded fonts");
    let first = to_pdf(&sample(), fonts).expect("a PDF");
    let second = to_pdf(&sample(), fonts).expect("a PDF");
    assert!(first.starts_with(b"%PDF-"));
    assert!(first == second, "two PDFs of one document differ");
}

// ----- DOCX -----

fn docx_part(docx: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
    let mut part = archive.by_name(name).expect("the part");
    let mut xml = String::new();
    part.read_to_string(&mut xml).expect("UTF-8 XML");
    xml
}

#[test]
fn docx_is_set_in_times_new_roman_on_a4_with_a_repeating_header() {
    let docx = to_docx(&sample()).expect("a DOCX");
    let document = docx_part(&docx, "word/document.xml");

    // Page and margins in twips: A4, 20 mm top and bottom, 30 mm left, 15 mm right.
    assert!(
        document.contains(r#"<w:pgSz w:w="11906" w:h="16838""#),
        "page size"
    );
    for margin in [
        r#"w:top="1134""#,
        r#"w:bottom="1134""#,
        r#"w:left="1701""#,
        r#"w:right="850""#,
    ] {
        assert!(document.contains(margin), "margin {margin}");
    }
    assert!(document.contains(r#"<w:titlePg />"#), "no number on page 1");

    let fonts = r#"<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman" w:eastAsia="Times New Roman" />"#;
    let runs = document.matches("<w:r>").count();
    assert!(runs > ROWS * 4, "{runs} runs");
    assert_eq!(
        document.matches(fonts).count(),
        runs,
        "a run not in Times New Roman"
    );
    let styles = docx_part(&docx, "word/styles.xml");
    assert!(styles.contains(fonts), "default font");

    // One header row, repeated; the section rows span the table.
    assert_eq!(document.matches("<w:tblHeader />").count(), 1);
    assert_eq!(document.matches(r#"<w:gridSpan w:val="4" />"#).count(), 3);
    for fill in ["D9D9D9", "D9F2DF", "FCEFC7", "F9D6D5", "E8E8E8"] {
        assert!(
            document.contains(&format!(r#"w:fill="{fill}""#)),
            "shade {fill}"
        );
    }
    // Body 14 pt, headings of the issuer 13 pt, the recipients' label 12 pt, tables and
    // recipients 11 pt (half points).
    for size in ["28", "26", "24", "22"] {
        assert!(
            document.contains(&format!(r#"<w:sz w:val="{size}" />"#)),
            "size {size}"
        );
    }
    assert!(
        document.contains(r#"<w:u w:val="single" />"#),
        "the motto's underline"
    );
    assert!(
        document.contains(SENTENCE),
        "the decomposed sentence is written composed"
    );

    let core = docx_part(&docx, "docProps/core.xml");
    for property in [
        "<dc:title>Báo cáo kết quả chỉ tiêu chuyển đổi số</dc:title>",
        "<dc:creator>Ban Chỉ đạo chuyển đổi số</dc:creator>",
        "<dc:subject>Chỉ tiêu chuyển đổi số năm 2022</dc:subject>",
        "<dc:language>vi</dc:language>",
    ] {
        assert!(core.contains(property), "{property} in {core}");
    }
}

#[test]
fn docx_opened_in_libreoffice_says_everything_on_several_pages() {
    if !(have("soffice") && have("pdftotext") && have("pdfinfo")) {
        return;
    }
    let dir = scratch("docx-libreoffice");
    let docx = dir.join("bao-cao.docx");
    std::fs::write(&docx, to_docx(&sample()).expect("a DOCX")).expect("written");
    // A profile of its own, so that parallel runs do not wait on one another's lock.
    let profile = format!(
        "-env:UserInstallation=file://{}",
        path_str(&dir.join("profile"))
    );
    run(
        "soffice",
        &[
            &profile,
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            path_str(&dir),
            path_str(&docx),
        ],
    );
    let pdf = dir.join("bao-cao.pdf");
    assert!(pdf.is_file(), "LibreOffice wrote no PDF");

    assert_says_the_sample(&pdf_text(&pdf, None));
    assert_pages_continue(&pdf);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn pdf_splits_a_row_taller_than_a_page_between_its_lines() {
    if !(have("pdftotext") && have("pdfinfo")) {
        return;
    }
    const ITEMS: usize = 400;
    let long: Vec<String> = (1..=ITEMS).map(|item| format!("mục-{item}")).collect();
    let mut doc = sample();
    doc.body = vec![Block::Table(Table {
        columns: vec![
            Column {
                header: "Nội dung".into(),
                weight: 1,
                align: Align::Justify,
            },
            Column {
                header: "Ghi chú".into(),
                weight: 1,
                align: Align::Left,
            },
        ],
        rows: vec![Row::Cells(vec![
            Cell::text(long.join(" ")),
            Cell::text("ngắn"),
        ])],
    })];
    let dir = scratch("pdf-tall-row");
    let pdf = dir.join("dai.pdf");
    let fonts = Fonts::embedded().expect("embedded fonts");
    std::fs::write(&pdf, to_pdf(&doc, fonts).expect("a PDF")).expect("written");

    assert!(page_count(&pdf) >= 2, "the row fits one page");
    let words: Vec<String> = flattened(&pdf_text(&pdf, None))
        .split(' ')
        .filter(|word| word.starts_with("mục-"))
        .map(str::to_owned)
        .collect();
    assert_eq!(words, long, "items lost, doubled or out of order");
    // The header is repeated above the rest of the row.
    assert!(flattened(&pdf_text(&pdf, Some(2))).contains("Nội dung Ghi chú"));
    let _ = std::fs::remove_dir_all(dir);
}
