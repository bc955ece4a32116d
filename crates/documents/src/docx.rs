//! An [`OfficialDocument`] as DOCX, for people who edit it before signing: Times New Roman, A4,
//! the margins and type sizes of Nghị định 30/2020/NĐ-CP, tables with a header row Word repeats
//! on every page.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, BorderType, Docx, Header, LineSpacing, LineSpacingType, PageMargin, PageNum,
    ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, RunFonts, Shading, ShdType,
    SpecialIndentType, TableBorder, TableBorderPosition, TableBorders, TableCell, TableCellMargins,
    TableLayoutType, TableRow, VAlignType, WidthType,
};
use unicode_normalization::UnicodeNormalization;

use crate::{
    Align, Block, Cell, DocumentError, Metadata, OfficialDocument, Paragraph, Row, Run, Signature,
    Table,
};

/// The measures both renderers share, so that the DOCX and the PDF look alike: Nghị định
/// 30/2020/NĐ-CP, Phụ lục I, in millimetres and points.
pub(crate) mod typography {
    pub const PAGE_WIDTH_MM: f32 = 210.0;
    pub const PAGE_HEIGHT_MM: f32 = 297.0;
    pub const MARGIN_TOP_MM: f32 = 20.0;
    pub const MARGIN_BOTTOM_MM: f32 = 20.0;
    pub const MARGIN_LEFT_MM: f32 = 30.0;
    pub const MARGIN_RIGHT_MM: f32 = 15.0;
    pub const FIRST_LINE_INDENT_MM: f32 = 10.0;
    /// How far the page number sits from the top edge: centred in the top margin, as Nghị định
    /// 30/2020 (Phụ lục I) places it.
    pub const PAGE_NUMBER_FROM_EDGE_MM: f32 = 10.0;

    /// Body text, the place and date, the kind, the title, the motto and the signature.
    pub const BODY_PT: f32 = 14.0;
    /// The issuing bodies, the number and the national title.
    pub const HEADING_PT: f32 = 13.0;
    /// Tables are set a size below the recipients' label so that a dd/mm/yyyy date and a document
    /// number fit their columns in portrait.
    pub const TABLE_PT: f32 = 11.0;
    pub const RECIPIENTS_LABEL_PT: f32 = 12.0;
    pub const RECIPIENT_PT: f32 = 11.0;
    pub const PAGE_NUMBER_PT: f32 = 13.0;

    /// Line spacing of body text, as a multiple of single spacing.
    pub const BODY_LINE_SPACING: f32 = 1.15;
    pub const PARAGRAPH_AFTER_PT: f32 = 6.0;
    /// Space around the place and date, the kind and title, and the closing.
    pub const SECTION_GAP_PT: f32 = 12.0;

    /// The issuer's column of the heading; the national heading takes the rest.
    pub const HEADING_LEFT_SHARE: f32 = 0.4;
    /// The rule under the issuer, as a share of its column (the decree asks 1/3 to 1/2 of the
    /// issuer's line).
    pub const ISSUER_RULE_SHARE: f32 = 0.35;
    /// Space above and below that rule.
    pub const ISSUER_RULE_GAP_PT: f32 = 4.0;
    /// The recipients' column of the closing; the signature takes the rest.
    pub const CLOSING_LEFT_SHARE: f32 = 0.45;
    /// Empty body lines left for the signature and the seal.
    pub const SIGNATURE_BLANK_LINES: usize = 4;

    pub const HEADER_FILL: &str = "D9D9D9";
    pub const CELL_PADDING_X_PT: f32 = 5.4;
    pub const CELL_PADDING_Y_PT: f32 = 1.5;
    pub const BORDER_PT: f32 = 0.5;
}

use typography::*;

const FONT: &str = "Times New Roman";
const FORMAT: &str = "DOCX";

/// Writes the document as a DOCX file.
pub fn to_docx(doc: &OfficialDocument) -> Result<Vec<u8>, DocumentError> {
    let mut docx = Docx::new()
        .page_size(twips_mm(PAGE_WIDTH_MM), twips_mm(PAGE_HEIGHT_MM))
        .page_margin(
            PageMargin::new()
                .top(twips_mm(MARGIN_TOP_MM) as i32)
                .bottom(twips_mm(MARGIN_BOTTOM_MM) as i32)
                .left(twips_mm(MARGIN_LEFT_MM) as i32)
                .right(twips_mm(MARGIN_RIGHT_MM) as i32)
                .header(twips_mm(PAGE_NUMBER_FROM_EDGE_MM) as i32)
                .footer(twips_mm(PAGE_NUMBER_FROM_EDGE_MM) as i32),
        )
        .default_fonts(times_new_roman())
        .default_size(half_points(BODY_PT))
        // The first page carries no number (Nghị định 30: numbers start on page 2).
        .title_pg()
        .first_header(Header::new())
        .header(Header::new().add_paragraph(page_number()))
        .add_table(national_heading(doc))
        .add_paragraph(place_and_date(&doc.place_and_date));

    docx = docx.add_paragraph(centred_bold(&doc.kind, BODY_PT).line_spacing(spacing(
        SECTION_GAP_PT,
        0.0,
        1.0,
    )));
    let last_title = doc.title.len().saturating_sub(1);
    for (index, line) in doc.title.iter().enumerate() {
        let after = if index == last_title {
            SECTION_GAP_PT
        } else {
            0.0
        };
        docx =
            docx.add_paragraph(centred_bold(line, BODY_PT).line_spacing(spacing(0.0, after, 1.0)));
    }

    let mut tables_with_header = 0;
    for block in &doc.body {
        docx = match block {
            Block::Heading(text) => docx.add_paragraph(heading(text)),
            Block::Paragraph(paragraph) => docx.add_paragraph(body_paragraph(paragraph)),
            // Without columns there is no grid to put rows in.
            Block::Table(table) if table.columns.is_empty() => docx,
            Block::Table(table) => {
                tables_with_header += 1;
                // The empty paragraph keeps two tables in a row from merging into one.
                docx.add_table(body_table(table))
                    .add_paragraph(spacer(PARAGRAPH_AFTER_PT))
            }
        };
    }

    docx = docx
        .add_paragraph(spacer(SECTION_GAP_PT))
        .add_table(closing(doc))
        // Word wants the body to end with a paragraph.
        .add_paragraph(spacer(0.0));

    let mut parts = docx.build();
    parts.document = mark_header_rows(&parts.document, tables_with_header)?;
    parts.doc_props.core = core_properties(&doc.metadata).into_bytes();
    let mut file = Cursor::new(Vec::new());
    parts
        .pack(&mut file)
        .map_err(|error| DocumentError::Write {
            format: FORMAT,
            message: error.to_string(),
        })?;
    Ok(file.into_inner())
}

// ----- the parts of the page -----

fn national_heading(doc: &OfficialDocument) -> docx_rs::Table {
    let [left_width, right_width] = split_text_width(HEADING_LEFT_SHARE);

    let mut issuer = TableCell::new().width(left_width as usize, WidthType::Dxa);
    if let Some(parent) = &doc.issuer_parent {
        issuer = issuer.add_paragraph(centred(&[text_run(
            &parent.to_uppercase(),
            HEADING_PT,
            false,
            false,
        )]));
    }
    let rule_width = (left_width as f32 * ISSUER_RULE_SHARE) as i32;
    let rule_indent = (left_width as i32 - rule_width) / 2;
    for line in doc.issuer.lines() {
        issuer = issuer.add_paragraph(centred_bold(line, HEADING_PT));
    }
    issuer = issuer
        .add_paragraph(short_rule(rule_indent))
        .add_paragraph(centred(&[text_run(&doc.number, HEADING_PT, false, false)]));

    let national = TableCell::new()
        .width(right_width as usize, WidthType::Dxa)
        .add_paragraph(centred_bold(&doc.national_title, HEADING_PT))
        .add_paragraph(centred(&[text_run(
            &doc.national_motto,
            BODY_PT,
            true,
            false,
        )
        .underline("single")]));

    docx_rs::Table::without_borders(vec![TableRow::new(vec![issuer, national])])
        .set_grid(vec![left_width as usize, right_width as usize])
        .width(text_width() as usize, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .margins(no_padding())
}

/// An empty paragraph whose bottom border is a short centred line.
fn short_rule(indent: i32) -> docx_rs::Paragraph {
    let mut rule = docx_rs::Paragraph::new()
        .indent(Some(indent), None, Some(indent), None)
        .size(half_points(4.0))
        .line_spacing(
            LineSpacing::new()
                .line(twips_pt(ISSUER_RULE_GAP_PT) as i32)
                .line_rule(LineSpacingType::Exact)
                .after(twips_pt(ISSUER_RULE_GAP_PT)),
        );
    rule.property = rule.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .val(BorderType::Single)
                .size(eighths(BORDER_PT))
                .color("000000"),
        ),
    );
    rule
}

fn place_and_date(text: &str) -> docx_rs::Paragraph {
    paragraph_of(&[text_run(text, BODY_PT, false, true)])
        .align(AlignmentType::Right)
        .line_spacing(spacing(PARAGRAPH_AFTER_PT, 0.0, 1.0))
}

fn heading(text: &str) -> docx_rs::Paragraph {
    paragraph_of(&[text_run(text, BODY_PT, true, false)])
        .align(AlignmentType::Left)
        .indent(
            None,
            Some(SpecialIndentType::FirstLine(
                twips_mm(FIRST_LINE_INDENT_MM) as i32
            )),
            None,
            None,
        )
        .keep_next(true)
        .line_spacing(spacing(
            PARAGRAPH_AFTER_PT,
            PARAGRAPH_AFTER_PT,
            BODY_LINE_SPACING,
        ))
}

fn body_paragraph(paragraph: &Paragraph) -> docx_rs::Paragraph {
    let runs: Vec<docx_rs::Run> = paragraph
        .runs
        .iter()
        .map(|run| model_run(run, BODY_PT))
        .collect();
    let mut written = paragraph_of(&runs)
        .align(alignment(paragraph.align))
        .line_spacing(spacing(0.0, PARAGRAPH_AFTER_PT, BODY_LINE_SPACING));
    if paragraph.indent_first_line {
        written = written.indent(
            None,
            Some(SpecialIndentType::FirstLine(
                twips_mm(FIRST_LINE_INDENT_MM) as i32
            )),
            None,
            None,
        );
    }
    written
}

fn body_table(table: &Table) -> docx_rs::Table {
    let widths = column_widths(table);
    let header_cells = table
        .columns
        .iter()
        .zip(&widths)
        .map(|(column, width)| {
            table_cell(*width, Some(HEADER_FILL))
                .add_paragraph(table_paragraph(&column.header, true).align(AlignmentType::Center))
        })
        .collect();
    let mut rows = vec![header_row(header_cells)];
    for row in &table.rows {
        rows.push(match row {
            // A short row is padded with empty cells, so that the grid stays whole.
            Row::Cells(cells) => TableRow::new(
                table
                    .columns
                    .iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(index, (column, width))| {
                        let blank = Cell::text("");
                        let cell = cells.get(index).unwrap_or(&blank);
                        table_cell(*width, cell.tone.fill()).add_paragraph(
                            table_paragraph(&cell.text, cell.bold).align(alignment(column.align)),
                        )
                    })
                    .collect(),
            ),
            Row::Section(title) => TableRow::new(vec![
                table_cell(widths.iter().sum(), None)
                    .grid_span(widths.len().max(1))
                    .add_paragraph(table_paragraph(title, true).align(AlignmentType::Left)),
            ]),
        });
    }
    let border = |position| {
        TableBorder::new(position)
            .border_type(BorderType::Single)
            .size(eighths(BORDER_PT))
            .color("000000")
    };
    let borders = [
        TableBorderPosition::Top,
        TableBorderPosition::Left,
        TableBorderPosition::Bottom,
        TableBorderPosition::Right,
        TableBorderPosition::InsideH,
        TableBorderPosition::InsideV,
    ]
    .into_iter()
    .fold(TableBorders::new(), |borders, position| {
        borders.set(border(position))
    });
    docx_rs::Table::new(rows)
        .set_grid(widths)
        .width(text_width() as usize, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
        .set_borders(borders)
        .margins(TableCellMargins::new().margin(
            twips_pt(CELL_PADDING_Y_PT) as usize,
            twips_pt(CELL_PADDING_X_PT) as usize,
            twips_pt(CELL_PADDING_Y_PT) as usize,
            twips_pt(CELL_PADDING_X_PT) as usize,
        ))
}

/// Column widths in twips, shared out by weight; equal shares when no column has a weight.
fn column_widths(table: &Table) -> Vec<usize> {
    let total_weight: u32 = table.columns.iter().map(|c| u32::from(c.weight)).sum();
    let count = table.columns.len().max(1) as u32;
    let width = text_width();
    table
        .columns
        .iter()
        .map(|column| {
            if total_weight == 0 {
                (width / count) as usize
            } else {
                (u64::from(width) * u64::from(column.weight) / u64::from(total_weight)) as usize
            }
        })
        .collect()
}

/// Layout tables (heading, closing) need no padding: the national title only just fits its
/// column, as in the PDF.
fn no_padding() -> TableCellMargins {
    TableCellMargins::new().margin(0, 0, 0, 0)
}

fn table_cell(width: usize, fill: Option<&str>) -> TableCell {
    let cell = TableCell::new()
        .width(width, WidthType::Dxa)
        .vertical_align(VAlignType::Center);
    match fill {
        Some(fill) => cell.shading(
            Shading::new()
                .shd_type(ShdType::Clear)
                .color("auto")
                .fill(fill),
        ),
        None => cell,
    }
}

fn table_paragraph(text: &str, bold: bool) -> docx_rs::Paragraph {
    paragraph_of(&[text_run(text, TABLE_PT, bold, false)]).line_spacing(spacing(0.0, 0.0, 1.0))
}

/// Marks the header row so that [`mark_header_rows`] can make it repeat: docx-rs 0.4 writes no
/// `w:tblHeader`, so the row carries a height of one twip, which changes nothing on the page and
/// which no other row has.
fn header_row(cells: Vec<TableCell>) -> TableRow {
    TableRow::new(cells)
        .cant_split()
        .row_height(HEADER_ROW_MARK_HEIGHT)
}

const HEADER_ROW_MARK_HEIGHT: f32 = 1.0;
const HEADER_ROW_MARKED: &str =
    r#"<w:trPr><w:cantSplit /><w:trHeight w:val="1" w:hRule="atLeast" /></w:trPr>"#;
const HEADER_ROW_REPEATED: &str = r#"<w:trPr><w:cantSplit /><w:tblHeader /></w:trPr>"#;

/// Turns each marked header row into one that repeats at the top of every page.
fn mark_header_rows(document: &[u8], expected: usize) -> Result<Vec<u8>, DocumentError> {
    let xml = std::str::from_utf8(document).map_err(|error| DocumentError::Write {
        format: FORMAT,
        message: error.to_string(),
    })?;
    let found = xml.matches(HEADER_ROW_MARKED).count();
    if found != expected {
        return Err(DocumentError::Write {
            format: FORMAT,
            message: format!("found {found} table header rows to repeat, expected {expected}"),
        });
    }
    Ok(xml
        .replace(HEADER_ROW_MARKED, HEADER_ROW_REPEATED)
        .into_bytes())
}

fn closing(doc: &OfficialDocument) -> docx_rs::Table {
    let [left_width, right_width] = split_text_width(CLOSING_LEFT_SHARE);

    let mut recipients = TableCell::new()
        .width(left_width as usize, WidthType::Dxa)
        .add_paragraph(
            paragraph_of(&[text_run(
                &doc.recipients_label,
                RECIPIENTS_LABEL_PT,
                true,
                true,
            )])
            .line_spacing(spacing(0.0, 0.0, 1.0)),
        );
    for recipient in &doc.recipients {
        recipients = recipients.add_paragraph(
            paragraph_of(&[text_run(
                &format!("- {recipient}"),
                RECIPIENT_PT,
                false,
                false,
            )])
            .line_spacing(spacing(0.0, 0.0, 1.0)),
        );
    }

    let signature = signature_cell(&doc.signature, right_width);
    docx_rs::Table::without_borders(vec![
        TableRow::new(vec![recipients, signature]).cant_split(),
    ])
    .set_grid(vec![left_width as usize, right_width as usize])
    .width(text_width() as usize, WidthType::Dxa)
    .layout(TableLayoutType::Fixed)
    .margins(no_padding())
}

fn signature_cell(signature: &Signature, width: u32) -> TableCell {
    let mut cell = TableCell::new().width(width as usize, WidthType::Dxa);
    if let Some(on_behalf) = &signature.on_behalf {
        cell = cell.add_paragraph(centred_bold(on_behalf, BODY_PT));
    }
    cell = cell.add_paragraph(centred_bold(&signature.office, BODY_PT));
    for _ in 0..SIGNATURE_BLANK_LINES {
        cell = cell.add_paragraph(blank_line());
    }
    cell.add_paragraph(centred_bold(&signature.name, BODY_PT))
}

fn page_number() -> docx_rs::Paragraph {
    docx_rs::Paragraph::new()
        .align(AlignmentType::Center)
        .fonts(times_new_roman())
        .size(half_points(PAGE_NUMBER_PT))
        .add_page_num(PageNum::new())
}

/// `dc:` properties written by hand: docx-rs 0.4 offers no setters for title, creator, subject
/// or language, and leaving the dates out keeps the file free of the time it was written.
fn core_properties(metadata: &Metadata) -> String {
    let mut xml = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
        r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
        r#"xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
    ));
    for (element, value) in [
        ("dc:title", &metadata.title),
        ("dc:subject", &metadata.subject),
        ("dc:creator", &metadata.author),
        ("cp:lastModifiedBy", &metadata.author),
        ("dc:language", &metadata.language),
    ] {
        if !value.is_empty() {
            xml.push_str(&format!("<{element}>{}</{element}>", escape_xml(value)));
        }
    }
    xml.push_str("<cp:revision>1</cp:revision></cp:coreProperties>");
    xml
}

fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.nfc() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

// ----- runs and paragraphs -----

fn times_new_roman() -> RunFonts {
    RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .cs(FONT)
        .east_asia(FONT)
}

/// A run in Times New Roman. Text is NFC: Word shows combining tone marks badly in this font.
fn text_run(text: &str, size_pt: f32, bold: bool, italic: bool) -> docx_rs::Run {
    let mut run = docx_rs::Run::new()
        .add_text(text.nfc().collect::<String>())
        .fonts(times_new_roman())
        .size(half_points(size_pt));
    if bold {
        run = run.bold();
    }
    if italic {
        run = run.italic();
    }
    run
}

fn model_run(run: &Run, size_pt: f32) -> docx_rs::Run {
    text_run(&run.text, size_pt, run.bold, run.italic)
}

fn paragraph_of(runs: &[docx_rs::Run]) -> docx_rs::Paragraph {
    runs.iter()
        .cloned()
        .fold(docx_rs::Paragraph::new(), docx_rs::Paragraph::add_run)
}

fn centred(runs: &[docx_rs::Run]) -> docx_rs::Paragraph {
    paragraph_of(runs)
        .align(AlignmentType::Center)
        .line_spacing(spacing(0.0, 0.0, 1.0))
}

fn centred_bold(text: &str, size_pt: f32) -> docx_rs::Paragraph {
    centred(&[text_run(text, size_pt, true, false)])
}

/// An empty single-spaced line of body text.
fn blank_line() -> docx_rs::Paragraph {
    docx_rs::Paragraph::new().line_spacing(spacing(0.0, 0.0, 1.0))
}

/// An empty paragraph one point high: only its space after counts, as the PDF's gaps do.
fn spacer(after_pt: f32) -> docx_rs::Paragraph {
    docx_rs::Paragraph::new()
        .size(half_points(1.0))
        .line_spacing(
            LineSpacing::new()
                .after(twips_pt(after_pt))
                .line(twips_pt(1.0) as i32)
                .line_rule(LineSpacingType::Exact),
        )
}

/// Space before and after in points, and the line spacing as a multiple of single.
fn spacing(before_pt: f32, after_pt: f32, lines: f32) -> LineSpacing {
    LineSpacing::new()
        .before(twips_pt(before_pt))
        .after(twips_pt(after_pt))
        .line((lines * 240.0).round() as i32)
        .line_rule(LineSpacingType::Auto)
}

fn alignment(align: Align) -> AlignmentType {
    match align {
        Align::Left => AlignmentType::Left,
        Align::Center => AlignmentType::Center,
        Align::Right => AlignmentType::Right,
        Align::Justify => AlignmentType::Both,
    }
}

// ----- units -----

fn twips_mm(mm: f32) -> u32 {
    (mm * 1440.0 / 25.4).round() as u32
}

fn twips_pt(pt: f32) -> u32 {
    (pt * 20.0).round() as u32
}

fn half_points(pt: f32) -> usize {
    (pt * 2.0).round() as usize
}

/// Border widths are given in eighths of a point.
fn eighths(pt: f32) -> usize {
    (pt * 8.0).round() as usize
}

fn text_width() -> u32 {
    twips_mm(PAGE_WIDTH_MM) - twips_mm(MARGIN_LEFT_MM) - twips_mm(MARGIN_RIGHT_MM)
}

/// The text width split in two columns, the first taking `left_share`.
fn split_text_width(left_share: f32) -> [u32; 2] {
    let left = (text_width() as f32 * left_share).round() as u32;
    [left, text_width() - left]
}
