//! Documents through the real server on SQLite and on PostgreSQL, each read back by an
//! independent reader: the progress report as PDF (pdftotext) and DOCX (LibreOffice, then
//! pdftotext), every view as XLSX (calamine), and the data-entry template's round trip, whose
//! edits are made in the workbook's own XML, as a spreadsheet program would save them.

use std::io::{Read, Write};
use std::net::SocketAddr;

use calamine::{Data, Reader, Xlsx};
use reqwest::{Client, StatusCode, multipart};
use serde_json::Value;
use tiendo_storage::{Store, storage_tests};

mod common;
use common::documents::{docx_to_pdf, have, pdf_text};
use common::{client, get_with, select, sign_in, sign_in_page, start, text};

storage_tests!(
    a_wards_report_reads_back_as_pdf_and_docx,
    a_citys_report_compares_its_units,
    the_reports_structure_matches_its_snapshot,
    reports_need_the_right_to_read_figures,
    every_view_exports_real_cells,
    the_template_round_trip_changes_exactly_two_figures,
    a_template_with_bad_rows_changes_nothing,
    a_csv_of_figures_imports_through_the_api,
    a_confirmation_applies_only_what_was_previewed,
    percent_cells_english_headers_and_rows_moved_within_a_city,
);

async fn download(c: &Client, addr: SocketAddr, path: &str) -> (StatusCode, String, Vec<u8>) {
    let r = c.get(format!("http://{addr}{path}")).send().await.unwrap();
    let status = r.status();
    let disposition = r
        .headers()
        .get(reqwest::header::CONTENT_DISPOSITION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, disposition, r.bytes().await.unwrap().to_vec())
}

const BAC_SON_SENTENCE: &str = "Phường Bắc Sơn: 26/31 chỉ tiêu hoàn thành, 4 chỉ tiêu đang triển khai thực hiện, 1 chỉ tiêu thuộc nhóm chính quyền số chưa đạt.";

async fn a_wards_report_reads_back_as_pdf_and_docx(store: &Store) {
    let addr = start(store).await;
    let (c, _) = sign_in(addr, "samson").await;
    let (status, disposition, pdf) = download(
        &c,
        addr,
        "/api/v1/units/14833/report?as_of=2022-10-31&format=pdf&date=2022-10-31",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF"));
    assert!(
        disposition.contains("bao-cao-phuong-bac-son-2022-10-31.pdf"),
        "{disposition}"
    );
    let (status, _, docx) = download(
        &c,
        addr,
        "/units/14833/report?as_of=2022-10-31&format=docx&date=2022-10-31",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(docx.starts_with(b"PK"), "a DOCX is a zip");
    if !have("pdftotext") {
        return;
    }
    let mut texts = vec![("pdf", pdf_text(&pdf))];
    if have("soffice") {
        texts.push(("docx", pdf_text(&docx_to_pdf(&docx))));
    }
    for (format, text) in texts {
        for expected in [
            "ỦY BAN NHÂN DÂN",
            "PHƯỜNG BẮC SƠN",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Bắc Sơn, ngày 31 tháng 10 năm 2022",
            "BÁO CÁO",
            "Tiến độ thực hiện các chỉ tiêu",
            "tính đến ngày 31/10/2022",
            BAC_SON_SENTENCE,
            "I. KẾT QUẢ CHUNG",
            "II. KẾT QUẢ THEO TỪNG CHỈ TIÊU",
            "III. CÁC CHỈ TIÊU CHƯA HOÀN THÀNH",
            "Chính quyền số",
            "Tỷ lệ hồ sơ thủ tục hành chính được nộp trực tuyến",
            "58,1% (193/332)",
            "30/09/2022",
            "Nơi nhận:",
            "TM. ỦY BAN NHÂN DÂN",
            "CHỦ TỊCH",
        ] {
            assert!(text.contains(expected), "{format}: «{expected}» in {text}");
        }
    }
}

async fn a_citys_report_compares_its_units(store: &Store) {
    let addr = start(store).await;
    let (c, _) = sign_in(addr, "samson").await;
    let (status, _, pdf) = download(
        &c,
        addr,
        "/api/v1/units/382/report?as_of=2022-10-31&format=pdf&number=125%2FBC-UBND&signer=B%C3%B9i%20Qu%E1%BB%91c%20%C4%90%E1%BA%A1t&office=PH%C3%93%20CH%E1%BB%A6%20T%E1%BB%8ACH&date=2022-10-31",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, xlsx) = download(
        &c,
        addr,
        "/api/v1/units/382/report?as_of=2022-10-31&format=xlsx",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let names = book.sheet_names();
    assert_eq!(names, ["Tổng hợp", "Theo nhóm", "Ma trận", "Chỉ tiêu"]);
    let summary = book.worksheet_range("Tổng hợp").unwrap();
    let bac_son = summary
        .rows()
        .find(|r| r[0] == Data::String("Phường Bắc Sơn".into()))
        .expect("Bắc Sơn's row");
    assert_eq!(bac_son[2], Data::Float(31.0));
    assert_eq!(bac_son[3], Data::Float(26.0));
    if !have("pdftotext") {
        return;
    }
    let text = pdf_text(&pdf);
    for expected in [
        "THÀNH PHỐ SẦM SƠN",
        "Số: 125/BC-UBND",
        "PHÓ CHỦ TỊCH",
        "- UBND tỉnh Thanh Hóa (để báo cáo);",
        "Sầm Sơn, ngày 31 tháng 10 năm 2022",
        "Tiến độ thực hiện các chỉ tiêu của các đơn vị",
        "Thành phố Sầm Sơn: chưa đơn vị nào trong 11 đơn vị hoàn thành toàn bộ chỉ tiêu.",
        &format!("- {BAC_SON_SENTENCE}"),
        "- Phường Quảng Tiến: 27/30 chỉ tiêu hoàn thành, 2 chỉ tiêu đang triển khai thực hiện, 1 chỉ tiêu",
        "II. SO SÁNH THEO NHÓM CHỈ TIÊU",
        "III. CÁC CHỈ TIÊU CHƯA HOÀN THÀNH THEO ĐƠN VỊ",
        "- Phường Bắc Sơn: chưa đạt (CQ-05)",
        "Xếp hạng",
        "Bùi Quốc Đạt",
    ] {
        assert!(text.contains(expected), "«{expected}» in {text}");
    }
}

/// The document's structure as text: every heading, paragraph and table row, one per line.
fn outline(doc: &tiendo_documents::OfficialDocument) -> String {
    use tiendo_documents::{Block, Row};
    let mut out = vec![
        format!("issuer: {:?} / {}", doc.issuer_parent, doc.issuer),
        format!("number: {}", doc.number),
        format!("place and date: {}", doc.place_and_date),
        format!("kind: {}", doc.kind),
    ];
    out.extend(doc.title.iter().map(|t| format!("title: {t}")));
    for block in &doc.body {
        match block {
            Block::Heading(h) => out.push(format!("\n# {h}")),
            Block::Paragraph(p) => out.push(format!(
                "¶ {}",
                p.runs.iter().map(|r| r.text.as_str()).collect::<String>()
            )),
            Block::Table(t) => {
                out.push(format!(
                    "table | {}",
                    t.columns
                        .iter()
                        .map(|c| c.header.as_str())
                        .collect::<Vec<_>>()
                        .join(" | ")
                ));
                for row in &t.rows {
                    out.push(match row {
                        Row::Section(s) => format!("  == {s}"),
                        Row::Cells(cells) => format!(
                            "  | {}",
                            cells
                                .iter()
                                .map(|c| c.text.as_str())
                                .collect::<Vec<_>>()
                                .join(" | ")
                        ),
                    });
                }
            }
        }
    }
    out.push(format!("\n{}", doc.recipients_label));
    out.extend(doc.recipients.iter().cloned());
    out.push(format!(
        "signature: {:?} / {} / {}",
        doc.signature.on_behalf, doc.signature.office, doc.signature.name
    ));
    out.join("\n") + "\n"
}

/// Compares with `tests/snapshots/NAME`; `UPDATE_SNAPSHOTS=1` rewrites it.
fn assert_snapshot(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing: run with UPDATE_SNAPSHOTS=1", path.display()));
    assert_eq!(actual, expected, "{name} differs from its snapshot");
}

async fn the_reports_structure_matches_its_snapshot(store: &Store) {
    tiendo_web::demo::load(store).await.unwrap();
    let day = "2022-10-31".parse().unwrap();
    let framework = store.framework_ref(None, Some(day)).await.unwrap();
    for (unit, lang, snapshot) in [
        ("14833", tiendo_domain::Lang::Vi, "report-14833-vi.txt"),
        ("382", tiendo_domain::Lang::Vi, "report-382-vi.txt"),
        ("14842", tiendo_domain::Lang::En, "report-14842-en.txt"),
    ] {
        let options = tiendo_exchange::ReportOptions {
            lang,
            ..Default::default()
        };
        let doc = tiendo_exchange::progress_report(store, unit, &framework, day, &options)
            .await
            .unwrap();
        assert_snapshot(snapshot, &outline(&doc));
    }
}

async fn reports_need_the_right_to_read_figures(store: &Store) {
    let addr = start(store).await;
    // The demo's dashboard is public: summaries for everyone, figures for those with a role.
    let (status, body) = common::get(addr, "/api/v1/units/14833/report?format=pdf").await;
    assert!(
        status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
        "{status}: {body}"
    );
    let (status, _) = common::get(addr, "/api/v1/units/382/export?view=summary").await;
    assert_eq!(status, StatusCode::OK, "a city's summary is public here");
    let (c, _) = sign_in(addr, "quangtien").await;
    let (status, _, _) = download(&c, addr, "/api/v1/units/14833/report").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "Quảng Tiến's officer, on Bắc Sơn"
    );
    let (status, _, _) = download(&c, addr, "/api/v1/units/14833/template").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = download(&c, addr, "/api/v1/units/14842/report?format=nope").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The page offers the downloads to those who may have them.
    let (c, _) = sign_in_page(addr, "bacson", "/units/14833").await;
    let (_, html) = get_with(&c, addr, "/units/14833?as_of=2022-10-31").await;
    let doc = scraper::Html::parse_document(&html);
    let links: Vec<String> = select(&doc, "nav.downloads a")
        .iter()
        .map(|a| a.value().attr("data-download").unwrap_or("").to_string())
        .collect();
    assert_eq!(
        links,
        [
            "report-docx",
            "report-pdf",
            "report-xlsx",
            "export",
            "template",
            "template-csv",
            "import"
        ]
    );
    let (_, html) = common::get(addr, "/units/14833?as_of=2022-10-31").await;
    let doc = scraper::Html::parse_document(&html);
    assert!(
        select(&doc, "nav.downloads a").is_empty(),
        "nothing for the public"
    );
}

async fn every_view_exports_real_cells(store: &Store) {
    let addr = start(store).await;
    let (c, _) = sign_in(addr, "samson").await;
    let open = |bytes: Vec<u8>| Xlsx::new(std::io::Cursor::new(bytes)).unwrap();

    let (status, disposition, bytes) =
        download(&c, addr, "/units/382/export?view=summary&as_of=2022-10-31").await;
    assert_eq!(status, StatusCode::OK);
    assert!(disposition.contains(".xlsx"), "{disposition}");
    let mut book: Xlsx<_> = open(bytes);
    let range = book.worksheet_range("Tổng hợp").unwrap();
    let header = range
        .rows()
        .position(|r| r[0] == Data::String("Đơn vị".into()))
        .expect("a header row");
    let quang_tien = range
        .rows()
        .find(|r| r[0] == Data::String("Phường Quảng Tiến".into()))
        .unwrap();
    assert_eq!(quang_tien[2], Data::Float(30.0));
    assert_eq!(quang_tien[3], Data::Float(27.0));
    assert!(
        matches!(quang_tien[8], Data::Float(f) if (f - 0.9).abs() < 1e-9),
        "completion is a number: {:?}",
        quang_tien[8]
    );
    assert_eq!(
        range.rows().count() - header - 1,
        12,
        "11 units and the total"
    );

    let (status, _, bytes) = download(
        &c,
        addr,
        "/api/v1/units/14833/export?view=indicators&as_of=2022-10-31",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = open(bytes);
    let range = book.worksheet_range("Chỉ tiêu").unwrap();
    let cq05 = range
        .rows()
        .find(|r| r[1] == Data::String("CQ-05".into()))
        .unwrap();
    assert_eq!(cq05[6], Data::Float(193.0), "numerator");
    assert_eq!(cq05[7], Data::Float(332.0), "denominator");
    assert!(
        matches!(cq05[8], Data::DateTime(_)),
        "a date cell: {:?}",
        cq05[8]
    );
    assert_eq!(cq05[9], Data::String("Chưa đạt".into()));

    let (status, _, bytes) =
        download(&c, addr, "/units/382/export?view=matrix&as_of=2022-10-31").await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = open(bytes);
    let range = book.worksheet_range("Ma trận").unwrap();
    let bac_son = range
        .rows()
        .find(|r| r[0] == Data::String("Phường Bắc Sơn".into()))
        .unwrap();
    let statuses: Vec<&Data> = bac_son[3..].iter().collect();
    assert_eq!(statuses.len(), 31);
    let count = |label: &str| {
        statuses
            .iter()
            .filter(|d| ***d == Data::String(label.into()))
            .count()
    };
    assert_eq!(
        (
            count("Hoàn thành"),
            count("Đang triển khai"),
            count("Chưa đạt")
        ),
        (26, 4, 1)
    );
    let (status, _, bytes) = download(
        &c,
        addr,
        "/units/382/export?view=indicator&indicator=CQ-05&as_of=2022-10-31",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = open(bytes);
    let range = book.worksheet_range("CQ-05").unwrap();
    let bac_son = range
        .rows()
        .find(|r| r[0] == Data::String("Phường Bắc Sơn".into()))
        .unwrap();
    assert!(
        matches!(bac_son[3], Data::Float(f) if (f - 0.581).abs() < 0.001),
        "{:?}",
        bac_son[3]
    );
    assert_eq!(
        (bac_son[4].clone(), bac_son[5].clone()),
        (Data::Float(193.0), Data::Float(332.0))
    );
    let (status, _, _) = download(&c, addr, "/units/382/export?view=indicator&indicator=XX").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = download(&c, addr, "/units/382/export?view=nope").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// A workbook with cells replaced in one sheet's XML, as a spreadsheet program would save the
/// edit: numbers as numbers, text inline.
fn edit_xlsx(xlsx: &[u8], sheet: &str, edits: &[(String, CellEdit)]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut workbook = String::new();
    archive
        .by_name("xl/workbook.xml")
        .unwrap()
        .read_to_string(&mut workbook)
        .unwrap();
    // Sheets are written in order as sheet1.xml, sheet2.xml, …
    let position = workbook
        .match_indices("<sheet ")
        .position(|(i, _)| workbook[i..].starts_with(&format!("<sheet name=\"{sheet}\"")))
        .expect("the sheet is in the workbook");
    let target = format!("xl/worksheets/sheet{}.xml", position + 1);
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().to_string();
        let mut content = Vec::new();
        file.read_to_end(&mut content).unwrap();
        if name == target {
            let mut xml = String::from_utf8(content).unwrap();
            for (cell, edit) in edits {
                xml = replace_cell(&xml, cell, edit);
            }
            content = xml.into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[derive(Clone)]
enum CellEdit {
    Number(f64),
    Text(&'static str),
}

fn replace_cell(xml: &str, cell: &str, edit: &CellEdit) -> String {
    let open = format!("<c r=\"{cell}\"");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("cell {cell} is in the sheet"));
    let rest = &xml[start..];
    let tag_end = rest.find('>').unwrap();
    let end = if rest[..tag_end].ends_with('/') {
        start + tag_end + 1
    } else {
        start + rest.find("</c>").unwrap() + 4
    };
    // Keep the cell's style (its lock and shading), as a spreadsheet program does.
    let style = rest[..tag_end]
        .split_whitespace()
        .find(|a| a.starts_with("s=\""))
        .map(|s| format!(" {}", s.trim_end_matches('/')))
        .unwrap_or_default();
    let new = match edit {
        CellEdit::Number(n) => format!("<c r=\"{cell}\"{style}><v>{n}</v></c>"),
        CellEdit::Text(t) => {
            format!("<c r=\"{cell}\"{style} t=\"inlineStr\"><is><t>{t}</t></is></c>")
        }
    };
    format!("{}{new}{}", &xml[..start], &xml[end..])
}

/// Where the template puts each indicator of each unit: (unit, indicator) → row number, and
/// header → column letter.
fn template_places(
    xlsx: &[u8],
) -> (
    std::collections::HashMap<(String, String), u32>,
    std::collections::HashMap<String, String>,
) {
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let range = book.worksheet_range("Nhập liệu").unwrap();
    let (first_row, _) = range.start().unwrap();
    let mut rows = std::collections::HashMap::new();
    let mut columns = std::collections::HashMap::new();
    let mut code_at = None;
    for (i, r) in range.rows().enumerate() {
        let number = first_row + i as u32 + 1;
        if r.first() == Some(&Data::String("Mã đơn vị".into())) {
            for (j, c) in r.iter().enumerate() {
                if let Data::String(h) = c {
                    columns.insert(h.clone(), ((b'A' + j as u8) as char).to_string());
                    if h == "Mã chỉ tiêu" {
                        code_at = Some(j);
                    }
                }
            }
        } else if let (Some(Data::String(unit)), Some(Data::String(code))) =
            (r.first(), code_at.and_then(|j| r.get(j)))
        {
            rows.insert((unit.clone(), code.clone()), number);
        }
    }
    (rows, columns)
}

async fn upload(
    c: &Client,
    addr: SocketAddr,
    path: &str,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, String) {
    let form = multipart::Form::new().text("csrf", csrf.to_string()).part(
        "file",
        multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    let r = c
        .post(format!("http://{addr}{path}"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn indicators(c: &Client, addr: SocketAddr, unit: &str) -> Vec<Value> {
    let (status, body) = get_with(
        c,
        addr,
        &format!("/api/v1/units/{unit}/indicators?as_of=2022-10-31"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["indicators"].as_array().unwrap().clone()
}

async fn counts(c: &Client, addr: SocketAddr, unit: &str) -> Value {
    let (_, body) = get_with(
        c,
        addr,
        &format!("/api/v1/units/{unit}/summary?as_of=2022-10-31"),
    )
    .await;
    serde_json::from_str::<Value>(&body).unwrap()["counts"].clone()
}

async fn the_template_round_trip_changes_exactly_two_figures(store: &Store) {
    let addr = start(store).await;
    let (c, csrf) = sign_in_page(addr, "bacson", "/units/14833").await;
    let (status, disposition, template) =
        download(&c, addr, "/units/14833/template?as_of=2022-10-31").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        disposition.contains("mau-nhap-lieu-phuong-bac-son-2022-10-31.xlsx"),
        "{disposition}"
    );
    let before = indicators(&c, addr, "14833").await;
    // CQ-05, not achieved at 193/332, and the yes/no indicator in progress (a plan not yet
    // carried out), each given a figure that meets its target.
    let second = before
        .iter()
        .find(|i| i["status"] == "in_progress" && i["measure"] == "yes_no")
        .expect("a yes/no indicator in progress")["code"]
        .as_str()
        .unwrap()
        .to_string();
    let (rows, columns) = template_places(&template);
    assert_eq!(rows.len(), 31, "one row per applicable indicator");
    let value = &columns["Giá trị mới"];
    let denominator = &columns["Mẫu số mới"];
    let cq05 = rows[&("14833".to_string(), "CQ-05".to_string())];
    let row2 = rows[&("14833".to_string(), second.clone())];
    let edited = edit_xlsx(
        &template,
        "Nhập liệu",
        &[
            (format!("{value}{cq05}"), CellEdit::Number(270.0)),
            (format!("{denominator}{cq05}"), CellEdit::Number(332.0)),
            (format!("{value}{row2}"), CellEdit::Text("Có")),
        ],
    );

    // The page: upload, preview, confirm.
    let (status, html) = upload(
        &c,
        addr,
        "/units/14833/import?as_of=2022-10-31",
        &csrf,
        "mau-bac-son.xlsx",
        edited,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let doc = scraper::Html::parse_document(&html);
    let preview = select(&doc, "#import-preview tbody tr");
    assert_eq!(preview.len(), 2, "{html}");
    let row_text: Vec<String> = preview.iter().map(text).collect();
    assert!(
        row_text[0].contains("CQ-05")
            && row_text[0].contains("58,1% (193/332)")
            && row_text[0].contains("81,3% (270/332)"),
        "{row_text:?}"
    );
    assert!(row_text[1].contains(&second), "{row_text:?}");
    let form: Vec<(String, String)> = select(&doc, "#import-confirm input")
        .iter()
        .map(|i| {
            (
                i.value().attr("name").unwrap().to_string(),
                i.value().attr("value").unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        counts(&c, addr, "14833").await["achieved"],
        26,
        "nothing written by the preview"
    );
    let r = c
        .post(format!(
            "http://{addr}/units/14833/import/confirm?as_of=2022-10-31"
        ))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"import-applied\""), "{html}");

    let after = indicators(&c, addr, "14833").await;
    let changed: Vec<&str> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b["figure"] != a["figure"] || b["observed_on"] != a["observed_on"])
        .map(|(b, _)| b["code"].as_str().unwrap())
        .collect();
    let mut want = vec!["CQ-05", second.as_str()];
    want.sort_unstable();
    let mut changed = changed;
    changed.sort_unstable();
    assert_eq!(changed, want, "exactly the two figures edited");
    let cq05_after = after.iter().find(|i| i["code"] == "CQ-05").unwrap();
    assert_eq!(cq05_after["status"], "achieved");
    assert_eq!(cq05_after["figure"]["numerator"], 270);
    assert_eq!(cq05_after["observed_on"], "2022-10-31");
    let second_after = after.iter().find(|i| i["code"] == second.as_str()).unwrap();
    assert_eq!(second_after["status"], "achieved");
    let c2 = counts(&c, addr, "14833").await;
    assert_eq!(
        (
            c2["achieved"].as_u64(),
            c2["in_progress"].as_u64(),
            c2["not_achieved"].as_u64()
        ),
        (Some(28), Some(3), Some(0))
    );

    let figures = store
        .audit_by_action("observation.import", 10)
        .await
        .unwrap();
    assert_eq!(figures.len(), 2);
    assert!(
        figures
            .iter()
            .all(|e| e.username == "bacson" && e.unit_code.as_deref() == Some("14833"))
    );
    let imports = store.audit_by_action("import", 10).await.unwrap();
    assert_eq!(imports.len(), 1);
    assert!(
        imports[0]
            .new_value
            .as_deref()
            .unwrap()
            .contains("mau-bac-son.xlsx")
    );
}

async fn a_template_with_bad_rows_changes_nothing(store: &Store) {
    let addr = start(store).await;
    let (c, csrf) = sign_in(addr, "bacson").await;
    let (_, _, template) =
        download(&c, addr, "/api/v1/units/14833/template?as_of=2022-10-31").await;
    let before = indicators(&c, addr, "14833").await;
    let measure = |m: &str| {
        before.iter().find(|i| i["measure"] == m).unwrap()["code"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (count, percent, yes_no) = (measure("count"), measure("percent"), measure("yes_no"));
    let (rows, columns) = template_places(&template);
    let row = |code: &str| rows[&("14833".to_string(), code.to_string())];
    let value = columns["Giá trị mới"].clone();
    let (unit_col, code_col) = (columns["Mã đơn vị"].clone(), columns["Mã chỉ tiêu"].clone());
    let edits = vec![
        (format!("{value}{}", row(&count)), CellEdit::Text("nhiều")),
        (format!("{value}{}", row(&percent)), CellEdit::Text("130%")),
        (
            format!("{code_col}{}", row(&yes_no)),
            CellEdit::Text("XX-99"),
        ),
        (
            format!("{unit_col}{}", row("CQ-05")),
            CellEdit::Text("14842"),
        ),
    ];
    let edited = edit_xlsx(&template, "Nhập liệu", &edits);
    let (status, body) = upload(
        &c,
        addr,
        "/api/v1/imports",
        &csrf,
        "bad.xlsx",
        edited.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let result: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(result["applied"], false);
    let problems = result["problems"].as_array().unwrap();
    let place = |p: &Value| format!("{}{}", p["column"].as_str().unwrap(), p["row"]);
    let mut found: Vec<(String, String)> = problems
        .iter()
        .map(|p| (place(p), p["error"].as_str().unwrap().to_string()))
        .collect();
    found.sort();
    let mut expected = vec![
        (format!("{value}{}", row(&count)), "«nhiều» không phải là số (ví dụ 72 hoặc 72,5)".to_string()),
        (format!("{value}{}", row(&percent)), "tỷ lệ phần trăm phải từ 0 đến 100, không phải 130".to_string()),
        (format!("{code_col}{}", row(&yes_no)), "bộ chỉ tiêu cds-xa-phuong-2022 không có chỉ tiêu mã «XX-99»".to_string()),
        (format!("{unit_col}{}", row("CQ-05")), "dòng này thuộc Phường Quảng Tiến (14842), không thuộc Phường Bắc Sơn mà tệp được tạo cho; không chuyển dòng sang đơn vị khác".to_string()),
    ];
    expected.sort();
    assert_eq!(found, expected);
    assert!(
        problems
            .iter()
            .all(|p| p["sheet"] == "Nhập liệu" && !p["error_en"].as_str().unwrap().is_empty())
    );
    assert_eq!(
        indicators(&c, addr, "14833").await,
        before,
        "nothing changed"
    );
    assert!(
        store
            .audit_by_action("import", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .audit_by_action("observation.import", 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The page lists the same problems, each with its place, in Vietnamese.
    let (c, csrf) = sign_in_page(addr, "bacson", "/units/14833").await;
    let (status, html) = upload(&c, addr, "/units/14833/import", &csrf, "bad.xlsx", edited).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let doc = scraper::Html::parse_document(&html);
    let listed: Vec<String> = select(&doc, "#import-problems li")
        .iter()
        .map(text)
        .collect();
    assert_eq!(listed.len(), 4, "{listed:?}");
    assert!(
        listed.iter().any(|p| p.starts_with(&format!(
            "trang «Nhập liệu», dòng {}, cột {value}:",
            row(&percent)
        ))),
        "{listed:?}"
    );
    assert!(
        select(&doc, "#import-confirm").is_empty(),
        "no way to confirm a file with mistakes"
    );

    // Not a workbook at all.
    let (status, body) = upload(
        &c,
        addr,
        "/api/v1/imports",
        &csrf,
        "x.xlsx",
        b"PK not a zip".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

async fn a_csv_of_figures_imports_through_the_api(store: &Store) {
    let addr = start(store).await;
    let (c, _) = sign_in(addr, "samson").await;
    let (status, _, csv) = download(
        &c,
        addr,
        "/api/v1/units/382/template?as_of=2022-10-31&format=csv",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0].trim_start_matches('\u{feff}'),
        "Mã đơn vị,Mã chỉ tiêu,Chỉ tiêu,Số liệu hiện tại,Giá trị mới,Mẫu số mới,Ngày số liệu mới,Ghi chú"
    );
    assert!(lines.len() > 300, "every unit of the city: {}", lines.len());
    // A hand-made CSV with semicolons, as a spreadsheet in Vietnamese saves it, brought by
    // someone who may enter figures for both wards (the steering committee may not).
    let (c, csrf) = sign_in(addr, "admin").await;
    let file = "Mã đơn vị;Mã chỉ tiêu;Giá trị mới;Mẫu số mới;Ngày số liệu mới\n14833;CQ-05;270;332;31/10/2022\n14830;CQ-05;250;300;31/10/2022\n";
    let (status, body) = upload(
        &c,
        addr,
        "/api/v1/imports?dry_run=true",
        &csrf,
        "so-lieu.csv",
        file.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let result: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(result["applied"], false);
    assert_eq!(result["changes"].as_array().unwrap().len(), 2);
    assert_eq!(
        counts(&c, addr, "14833").await["not_achieved"],
        1,
        "a dry run writes nothing"
    );
    let (status, body) = upload(
        &c,
        addr,
        "/api/v1/imports",
        &csrf,
        "so-lieu.csv",
        file.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["applied"],
        true
    );
    assert_eq!(counts(&c, addr, "14833").await["not_achieved"], 0);
    let counts_after_first = counts(&c, addr, "14830").await;
    // Quảng Tiến's figures wait for review: the row is refused where it is, nothing written.
    let held = "Mã đơn vị;Mã chỉ tiêu;Giá trị mới;Mẫu số mới;Ngày số liệu mới\n14830;CQ-05;260;300;31/10/2022\n14842;CQ-05;250;300;31/10/2022\n";
    let (status, body) = upload(
        &c,
        addr,
        "/api/v1/imports",
        &csrf,
        "cho-xet.csv",
        held.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let result: Value = serde_json::from_str(&body).unwrap();
    let problems = result["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{body}");
    assert_eq!(
        (problems[0]["row"].as_u64(), problems[0]["column"].as_str()),
        (Some(3), Some("C"))
    );
    assert!(
        problems[0]["error"]
            .as_str()
            .unwrap()
            .contains("đang chờ xét"),
        "{body}"
    );
    assert_eq!(
        counts(&c, addr, "14830").await,
        counts_after_first,
        "Trung Sơn's good row was not written"
    );
    // An officer of one ward may not import another's figures.
    let (c, csrf) = sign_in(addr, "quangtien").await;
    let (status, _) = upload(
        &c,
        addr,
        "/api/v1/imports",
        &csrf,
        "so-lieu.csv",
        file.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Without a session, nothing.
    let (status, _) = upload(
        &client(),
        addr,
        "/api/v1/imports",
        "",
        "so-lieu.csv",
        file.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// The preview's confirmation: refused without the session's CSRF token, with a forged or
/// altered signature, and when the figures changed since the preview (the new preview is shown).
async fn a_confirmation_applies_only_what_was_previewed(store: &Store) {
    let addr = start(store).await;
    let (c, csrf) = sign_in_page(addr, "bacson", "/units/14833").await;
    let (_, _, template) = download(&c, addr, "/units/14833/template?as_of=2022-10-31").await;
    let (rows, columns) = template_places(&template);
    let cq05 = rows[&("14833".to_string(), "CQ-05".to_string())];
    let edited = edit_xlsx(
        &template,
        "Nhập liệu",
        &[(
            format!("{}{cq05}", columns["Giá trị mới"]),
            CellEdit::Number(270.0),
        )],
    );
    let (status, _) = upload(
        &c,
        addr,
        "/units/14833/import",
        "wrong-token",
        "a.xlsx",
        edited.clone(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no preview without the CSRF token"
    );
    let (status, html) = upload(&c, addr, "/units/14833/import", &csrf, "a.xlsx", edited).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let form: Vec<(String, String)> = select(
        &scraper::Html::parse_document(&html),
        "#import-confirm input",
    )
    .iter()
    .map(|i| {
        (
            i.value().attr("name").unwrap().to_string(),
            i.value().attr("value").unwrap_or("").to_string(),
        )
    })
    .collect();
    let confirm = |fields: Vec<(String, String)>| {
        let c = c.clone();
        async move {
            let r = c
                .post(format!("http://{addr}/units/14833/import/confirm"))
                .form(&fields)
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let with = |name: &str, value: &str| {
        form.iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if k == name {
                        value.to_string()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect::<Vec<_>>()
    };
    let (status, _) = confirm(with("csrf", "wrong")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Another stored file, another name or a changed signature: the preview is not valid.
    for (field, value) in [
        ("upload", "0".repeat(64).as_str()),
        ("file_name", "other.xlsx"),
        ("signature", &"a".repeat(64)),
        ("issued", "1"),
    ] {
        let (status, body) = confirm(with(field, value)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert!(body.contains("hãy tải tệp lên lại"), "{field}: {body}");
    }
    // Someone enters CQ-05's figure for the same day in between: nothing is written, and the
    // new preview shows the figure now in force.
    let (api, api_csrf) = sign_in(addr, "bacson").await;
    let r = api
        .post(format!("http://{addr}/api/v1/units/14833/observations"))
        .header("X-CSRF-Token", api_csrf)
        .json(&serde_json::json!({"indicator": "CQ-05", "observed_on": "2022-10-31", "numerator": 200, "denominator": 332}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let (status, html) = confirm(form.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(select(&doc, "#import-stale").len(), 1);
    let preview: Vec<String> = select(&doc, "#import-preview tbody tr")
        .iter()
        .map(text)
        .collect();
    assert!(preview[0].contains("60,2% (200/332)"), "{preview:?}");
    let figure = indicators(&c, addr, "14833")
        .await
        .into_iter()
        .find(|i| i["code"] == "CQ-05")
        .unwrap();
    assert_eq!(
        figure["figure"]["numerator"], 200,
        "the import wrote nothing"
    );
    assert!(
        store
            .audit_by_action("import", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn percent_cells_english_headers_and_rows_moved_within_a_city(store: &Store) {
    let addr = start(store).await;
    let (c, csrf) = sign_in(addr, "admin").await;
    // A percentage typed into its percent-formatted cell is kept as a fraction: 0.9 is 90 %.
    let (_, _, template) =
        download(&c, addr, "/api/v1/units/14833/template?as_of=2022-10-31").await;
    let (rows, columns) = template_places(&template);
    let ht04 = rows[&("14833".to_string(), "HT-04".to_string())];
    let edited = edit_xlsx(
        &template,
        "Nhập liệu",
        &[(
            format!("{}{ht04}", columns["Giá trị mới"]),
            CellEdit::Number(0.9),
        )],
    );
    let (status, body) = upload(
        &c,
        addr,
        "/api/v1/imports?dry_run=true",
        &csrf,
        "pct.xlsx",
        edited,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let result: Value = serde_json::from_str(&body).unwrap();
    let change = &result["changes"][0];
    assert_eq!(
        (
            change["indicator"].as_str(),
            change["before"].as_str(),
            change["after"].as_str()
        ),
        (Some("HT-04"), Some("84%"), Some("90%")),
        "{body}"
    );
    assert_eq!(change["after_en"], "90%");

    // English headers, grouped thousands, and the same indicator twice.
    let file = "Unit code,Indicator code,New value,New denominator,New figure's date\n14833,HT-03,\"1.800\",\"2.146\",2022-10-31\n14833,HT-03,1900,2146,2022-10-31\n";
    let (status, body) = upload(
        &c,
        addr,
        "/api/v1/imports?dry_run=true",
        &csrf,
        "en.csv",
        file.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let result: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        result["changes"][0]["after"], "83,9% (1.800/2.146)",
        "{body}"
    );
    let problems = result["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{body}");
    assert_eq!(problems[0]["row"], 3);
    assert_eq!(
        problems[0]["error_en"],
        "indicator HT-03 of unit 14833 already appears in row 2"
    );

    // A city's template names each row's ward: a row moved to another ward is refused.
    let (status, _, template) =
        download(&c, addr, "/api/v1/units/382/template?as_of=2022-10-31").await;
    assert_eq!(status, StatusCode::OK);
    let (rows, columns) = template_places(&template);
    assert!(rows.len() > 300, "every ward of the city: {}", rows.len());
    let row = rows[&("14833".to_string(), "CQ-05".to_string())];
    let edited = edit_xlsx(
        &template,
        "Nhập liệu",
        &[(
            format!("{}{row}", columns["Mã đơn vị"]),
            CellEdit::Text("14830"),
        )],
    );
    let (status, body) = upload(&c, addr, "/api/v1/imports", &csrf, "city.xlsx", edited).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let result: Value = serde_json::from_str(&body).unwrap();
    let problems = result["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{body}");
    assert_eq!(problems[0]["row"], row);
    assert!(
        problems[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("mã đơn vị 14830 là của Phường Trung Sơn, không phải «Phường Bắc Sơn»"),
        "{body}"
    );
}
