//! An [`OfficialDocument`] as PDF, laid out here the way the DOCX is laid out by a word
//! processor: A4, the margins and sizes of Nghị định 30/2020/NĐ-CP, lines broken at spaces,
//! tables that continue on the next page under their header row, numbers from page 2.
//!
//! Layout and drawing are apart: `Composer` turns the document into pages of `Mark`s
//! (glyph runs, fills, lines) in points from the top left corner, and `render` hands those to
//! krilla, which embeds subsets of the fonts with their Unicode mappings, so that the text can be
//! copied and searched. Glyphs are taken one per character from the font's `cmap` (Vietnamese in
//! NFC needs no shaping), so what is measured is what is drawn.

use std::ops::Range;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata as PdfMetadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::text::{GlyphId, KrillaGlyph};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};
use unicode_normalization::UnicodeNormalization;

use crate::docx::typography::*;
use crate::fonts::{FontBytes, Fonts};
use crate::{Align, Block, Cell, DocumentError, Metadata, OfficialDocument, Paragraph, Row, Table};

const FORMAT: &str = "PDF";

/// Lengths are compared with this much slack, so that rounding never pushes a word to the next
/// line or a row to the next page.
const EPSILON: f32 = 0.01;

/// Writes the document as a PDF in the given fonts.
pub fn to_pdf(doc: &OfficialDocument, fonts: &Fonts) -> Result<Vec<u8>, DocumentError> {
    let faces = Faces::new(fonts)?;
    let mut composer = Composer::new(&faces);
    composer.national_heading(doc);
    composer.title(doc);
    for block in &doc.body {
        match block {
            Block::Heading(text) => composer.heading(text),
            Block::Paragraph(paragraph) => composer.paragraph(paragraph),
            Block::Table(table) => composer.table(table),
        }
    }
    composer.closing(doc);
    let pages = composer.finish();
    render(&pages, &faces, &doc.metadata)
}

fn write_error(message: impl Into<String>) -> DocumentError {
    DocumentError::Write {
        format: FORMAT,
        message: message.into(),
    }
}

// ----- page geometry, in points -----

fn points(mm: f32) -> f32 {
    mm * 72.0 / 25.4
}

fn page_width() -> f32 {
    points(PAGE_WIDTH_MM)
}

fn page_height() -> f32 {
    points(PAGE_HEIGHT_MM)
}

fn text_left() -> f32 {
    points(MARGIN_LEFT_MM)
}

fn text_width() -> f32 {
    page_width() - points(MARGIN_LEFT_MM) - points(MARGIN_RIGHT_MM)
}

fn text_top() -> f32 {
    points(MARGIN_TOP_MM)
}

fn text_bottom() -> f32 {
    page_height() - points(MARGIN_BOTTOM_MM)
}

/// Where the page number's baseline sits: in the top margin, where the DOCX's header is.
fn page_number_baseline() -> f32 {
    points(PAGE_NUMBER_FROM_EDGE_MM) + PAGE_NUMBER_PT
}

// ----- fonts -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Style {
    bold: bool,
    italic: bool,
}

impl Style {
    const REGULAR: Style = Style {
        bold: false,
        italic: false,
    };
    const BOLD: Style = Style {
        bold: true,
        italic: false,
    };
    const ITALIC: Style = Style {
        bold: false,
        italic: true,
    };
    const BOLD_ITALIC: Style = Style {
        bold: true,
        italic: true,
    };
}

/// One font, read twice: by krilla to embed it, by skrifa to measure it.
struct Face<'a> {
    embedded: krilla::text::Font,
    charmap: Charmap<'a>,
    glyph_metrics: GlyphMetrics<'a>,
    units_per_em: f32,
    /// Vertical metrics in ems; `descent` is positive, below the baseline.
    ascent: f32,
    descent: f32,
    line_gap: f32,
    /// Distance of the underline below the baseline, and its thickness, in ems.
    underline_below: f32,
    underline_thickness: f32,
}

impl<'a> Face<'a> {
    fn new(bytes: &'a FontBytes) -> Result<Face<'a>, DocumentError> {
        let data: &'a [u8] = (**bytes).as_ref();
        let font = FontRef::new(data).map_err(|error| write_error(format!("font: {error}")))?;
        let embedded = krilla::text::Font::new(bytes.clone().into(), 0)
            .ok_or_else(|| write_error("krilla could not read a font"))?;
        let metrics = font.metrics(Size::unscaled(), LocationRef::default());
        let units_per_em = f32::from(metrics.units_per_em.max(1));
        let (underline_below, underline_thickness) = match metrics.underline {
            Some(underline) => (-underline.offset, underline.thickness),
            None => (0.1 * units_per_em, 0.05 * units_per_em),
        };
        Ok(Face {
            embedded,
            charmap: font.charmap(),
            glyph_metrics: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
            ascent: metrics.ascent / units_per_em,
            descent: -metrics.descent / units_per_em,
            line_gap: metrics.leading / units_per_em,
            underline_below: underline_below / units_per_em,
            underline_thickness: underline_thickness / units_per_em,
        })
    }

    /// The glyph for a character and its advance in ems; `.notdef` for what the font lacks.
    fn glyph(&self, c: char) -> (u32, f32) {
        let glyph = self.charmap.map(c).unwrap_or_default();
        let advance = self.glyph_metrics.advance_width(glyph).unwrap_or(0.0);
        (glyph.to_u32(), advance / self.units_per_em)
    }

    fn advance(&self, c: char) -> f32 {
        self.glyph(c).1
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }

    /// The height of one single-spaced line, in ems.
    fn single_line(&self) -> f32 {
        self.ascent + self.descent + self.line_gap
    }
}

struct Faces<'a> {
    regular: Face<'a>,
    bold: Face<'a>,
    italic: Face<'a>,
    bold_italic: Face<'a>,
}

impl<'a> Faces<'a> {
    fn new(fonts: &'a Fonts) -> Result<Faces<'a>, DocumentError> {
        Ok(Faces {
            regular: Face::new(&fonts.regular)?,
            bold: Face::new(&fonts.bold)?,
            italic: Face::new(&fonts.italic)?,
            bold_italic: Face::new(&fonts.bold_italic)?,
        })
    }

    fn get(&self, style: Style) -> &Face<'a> {
        match (style.bold, style.italic) {
            (false, false) => &self.regular,
            (true, false) => &self.bold,
            (false, true) => &self.italic,
            (true, true) => &self.bold_italic,
        }
    }
}

// ----- text: pieces, lines, blocks -----

/// Text in one style, NFC.
#[derive(Clone, Debug, PartialEq)]
struct Piece {
    style: Style,
    text: String,
}

impl Piece {
    fn new(text: &str, style: Style) -> Piece {
        Piece {
            style,
            text: text.nfc().collect(),
        }
    }
}

/// One line of a block, before it is placed.
#[derive(Clone, Debug, Default, PartialEq)]
struct Line {
    pieces: Vec<Piece>,
    /// The natural width, before justification.
    width: f32,
    /// How many spaces justification may widen.
    spaces: usize,
    /// The first-line indent, for the first line only.
    indent: f32,
    /// The last line of its paragraph, which justification leaves alone.
    last: bool,
}

impl Line {
    fn push(&mut self, style: Style, text: &str, width: f32) {
        match self.pieces.last_mut() {
            Some(last) if last.style == style => last.text.push_str(text),
            _ => self.pieces.push(Piece {
                style,
                text: text.to_owned(),
            }),
        }
        self.width += width;
    }

    fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }
}

/// A word: what lies between spaces, in one style or several.
struct Word {
    parts: Vec<Piece>,
    width: f32,
    /// The style of the space before it; none for the first word.
    space_before: Option<Style>,
}

/// Splits pieces into words; runs of white space count as one space.
fn words(faces: &Faces, pieces: &[Piece], size: f32) -> Vec<Word> {
    let mut words: Vec<Word> = Vec::new();
    let mut current: Option<Word> = None;
    let mut pending_space: Option<Style> = None;
    for piece in pieces {
        let face = faces.get(piece.style);
        for c in piece.text.chars() {
            if breaks_line(c) {
                if let Some(word) = current.take() {
                    words.push(word);
                }
                pending_space.get_or_insert(piece.style);
                continue;
            }
            let word = current.get_or_insert_with(|| Word {
                parts: Vec::new(),
                width: 0.0,
                space_before: if words.is_empty() {
                    None
                } else {
                    pending_space
                },
            });
            pending_space = None;
            match word.parts.last_mut() {
                Some(last) if last.style == piece.style => last.text.push(c),
                _ => word.parts.push(Piece {
                    style: piece.style,
                    text: c.to_string(),
                }),
            }
            word.width += face.advance(c) * size;
        }
    }
    words.extend(current);
    words
}

/// White space a line may break at; no-break spaces (as in "1 234") hold words together.
fn breaks_line(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{00A0}' | '\u{2007}' | '\u{202F}')
}

/// Breaks pieces into lines no wider than `width`: greedily at spaces, and inside a word only
/// when the word alone is wider than a line.
fn break_lines(
    faces: &Faces,
    pieces: &[Piece],
    size: f32,
    width: f32,
    first_indent: f32,
) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut line = Line {
        indent: first_indent,
        ..Line::default()
    };
    for word in words(faces, pieces, size) {
        if !line.is_empty() {
            let space_style = word.space_before.unwrap_or(Style::REGULAR);
            let space = faces.get(space_style).advance(' ') * size;
            if line.width + space + word.width <= width - line.indent + EPSILON {
                line.push(space_style, " ", space);
                line.spaces += 1;
                push_word(&mut line, &word);
                continue;
            }
            lines.push(std::mem::take(&mut line));
        }
        if word.width <= width - line.indent + EPSILON {
            push_word(&mut line, &word);
        } else {
            // Too long for any line: cut it where the line is full.
            for part in &word.parts {
                let face = faces.get(part.style);
                for c in part.text.chars() {
                    let advance = face.advance(c) * size;
                    if !line.is_empty() && line.width + advance > width - line.indent + EPSILON {
                        lines.push(std::mem::take(&mut line));
                    }
                    line.push(part.style, c.encode_utf8(&mut [0; 4]), advance);
                }
            }
        }
    }
    // An empty paragraph still takes a line.
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    if let Some(last) = lines.last_mut() {
        last.last = true;
    }
    lines
}

fn push_word(line: &mut Line, word: &Word) {
    for part in &word.parts {
        line.pieces.push(part.clone());
    }
    line.width += word.width;
    // Merge neighbours in the same style, so that a line is drawn in as few runs as it can be.
    line.pieces.dedup_by(|next, previous| {
        if next.style == previous.style {
            previous.text.push_str(&next.text);
            true
        } else {
            false
        }
    });
}

/// Lines of one size, ready to be placed.
struct TextBlock {
    lines: Vec<Line>,
    size: f32,
    line_height: f32,
    /// From the top of a line to its baseline.
    ascent: f32,
    align: Align,
    /// Underline every line (the national motto).
    underlined: bool,
}

impl TextBlock {
    fn height(&self) -> f32 {
        self.lines.len() as f32 * self.line_height
    }
}

/// How a block of text is set.
#[derive(Clone, Copy)]
struct Setting {
    size: f32,
    /// Multiple of single line spacing.
    line_spacing: f32,
    align: Align,
    first_indent: f32,
}

impl Setting {
    fn new(size: f32, align: Align) -> Setting {
        Setting {
            size,
            line_spacing: 1.0,
            align,
            first_indent: 0.0,
        }
    }

    fn body(align: Align, indent_first_line: bool) -> Setting {
        Setting {
            size: BODY_PT,
            line_spacing: BODY_LINE_SPACING,
            align,
            first_indent: if indent_first_line {
                points(FIRST_LINE_INDENT_MM)
            } else {
                0.0
            },
        }
    }
}

// ----- marks: what is drawn -----

/// Something drawn on a page, in points from the page's top left corner.
#[derive(Clone, Debug, PartialEq)]
enum Mark {
    Text {
        x: f32,
        baseline: f32,
        style: Style,
        size: f32,
        text: String,
        /// Added to every space: justification.
        space_extra: f32,
    },
    Fill {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        colour: [u8; 3],
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        thickness: f32,
    },
    Frame {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
}

// ----- composing pages -----

/// A cell of a table row, laid out for its column.
struct CellBox {
    x: f32,
    width: f32,
    text: TextBlock,
    fill: Option<[u8; 3]>,
}

struct RowBox {
    cells: Vec<CellBox>,
}

impl RowBox {
    /// The height of the row from each cell's line `starts` on.
    fn height_from(&self, starts: &[usize]) -> f32 {
        let tallest = self
            .cells
            .iter()
            .zip(starts)
            .map(|(cell, start)| (cell.text.lines.len() - start) as f32 * cell.text.line_height)
            .fold(0.0, f32::max);
        tallest + 2.0 * CELL_PADDING_Y_PT
    }

    fn height(&self) -> f32 {
        self.height_from(&vec![0; self.cells.len()])
    }

    fn line_height(&self) -> f32 {
        self.cells
            .iter()
            .map(|cell| cell.text.line_height)
            .fold(0.0, f32::max)
    }
}

/// Lays the document out page by page.
struct Composer<'f> {
    faces: &'f Faces<'f>,
    /// The pages before the current one.
    done: Vec<Vec<Mark>>,
    page: Vec<Mark>,
    /// The top of the free space on the current page.
    y: f32,
}

impl<'f> Composer<'f> {
    fn new(faces: &'f Faces<'f>) -> Composer<'f> {
        Composer {
            faces,
            done: Vec::new(),
            page: Vec::new(),
            y: text_top(),
        }
    }

    fn marks(&mut self) -> &mut Vec<Mark> {
        &mut self.page
    }

    fn new_page(&mut self) {
        self.done.push(std::mem::take(&mut self.page));
        self.y = text_top();
    }

    fn room(&self) -> f32 {
        text_bottom() - self.y
    }

    fn at_page_top(&self) -> bool {
        self.y <= text_top() + EPSILON
    }

    /// Starts a new page unless `height` fits on this one (or this one is still empty).
    fn keep_together(&mut self, height: f32) {
        if height > self.room() + EPSILON && !self.at_page_top() {
            self.new_page();
        }
    }

    /// Vertical space, which a page break swallows.
    fn gap(&mut self, height: f32) {
        if !self.at_page_top() {
            self.y = (self.y + height).min(text_bottom());
        }
    }

    fn block(&self, pieces: &[Piece], setting: Setting, width: f32) -> TextBlock {
        let regular = &self.faces.regular;
        TextBlock {
            lines: break_lines(
                self.faces,
                pieces,
                setting.size,
                width,
                setting.first_indent,
            ),
            size: setting.size,
            line_height: regular.single_line() * setting.size * setting.line_spacing,
            ascent: regular.ascent * setting.size,
            align: setting.align,
            underlined: false,
        }
    }

    fn text(&self, text: &str, style: Style, setting: Setting, width: f32) -> TextBlock {
        self.block(&[Piece::new(text, style)], setting, width)
    }

    /// Draws lines `range` of a block with their top at `top`, inside `x .. x + width`.
    fn draw_lines(&mut self, block: &TextBlock, range: Range<usize>, x: f32, width: f32, top: f32) {
        let mut line_top = top;
        for line in &block.lines[range] {
            let baseline = line_top + block.ascent;
            self.draw_line(line, block, x, width, baseline);
            line_top += block.line_height;
        }
    }

    fn draw_line(&mut self, line: &Line, block: &TextBlock, left: f32, width: f32, baseline: f32) {
        let room = width - line.indent;
        let slack = (room - line.width).max(0.0);
        let (mut x, space_extra) = match block.align {
            Align::Left => (left + line.indent, 0.0),
            Align::Center => (left + line.indent + slack / 2.0, 0.0),
            Align::Right => (left + width - line.width, 0.0),
            Align::Justify if !line.last && line.spaces > 0 => {
                (left + line.indent, slack / line.spaces as f32)
            }
            Align::Justify => (left + line.indent, 0.0),
        };
        let start = x;
        for piece in &line.pieces {
            let spaces = piece.text.chars().filter(|c| *c == ' ').count() as f32;
            let advance =
                self.faces.get(piece.style).width(&piece.text, block.size) + spaces * space_extra;
            self.marks().push(Mark::Text {
                x,
                baseline,
                style: piece.style,
                size: block.size,
                text: piece.text.clone(),
                space_extra,
            });
            x += advance;
        }
        if block.underlined && !line.is_empty() {
            let face = &self.faces.bold;
            let y = baseline + face.underline_below * block.size;
            let thickness = (face.underline_thickness * block.size).max(BORDER_PT);
            self.marks().push(Mark::Line {
                from: (start, y),
                to: (x, y),
                thickness,
            });
        }
    }

    /// Places a block in the text column, line by line, breaking pages where it must.
    fn flow(&mut self, block: &TextBlock) {
        for index in 0..block.lines.len() {
            if block.line_height > self.room() + EPSILON && !self.at_page_top() {
                self.new_page();
            }
            let top = self.y;
            self.draw_lines(block, index..index + 1, text_left(), text_width(), top);
            self.y += block.line_height;
        }
    }

    /// The issuer and the national heading side by side, as in the DOCX's borderless table.
    fn national_heading(&mut self, doc: &OfficialDocument) {
        let left_width = text_width() * HEADING_LEFT_SHARE;
        let right_width = text_width() - left_width;
        let left_x = text_left();
        let right_x = text_left() + left_width;
        let top = self.y;
        let heading = Setting::new(HEADING_PT, Align::Center);

        let mut left = Vec::new();
        if let Some(parent) = &doc.issuer_parent {
            left.push(self.text(&parent.to_uppercase(), Style::REGULAR, heading, left_width));
        }
        for line in doc.issuer.lines() {
            left.push(self.text(line, Style::BOLD, heading, left_width));
        }
        let mut y = top;
        for block in &left {
            self.draw_lines(block, 0..block.lines.len(), left_x, left_width, y);
            y += block.height();
        }
        // The short rule under the issuer, then the number.
        let rule_y = y + ISSUER_RULE_GAP_PT;
        let rule_width = left_width * ISSUER_RULE_SHARE;
        let rule_x = left_x + (left_width - rule_width) / 2.0;
        self.marks().push(Mark::Line {
            from: (rule_x, rule_y),
            to: (rule_x + rule_width, rule_y),
            thickness: BORDER_PT,
        });
        y = rule_y + ISSUER_RULE_GAP_PT;
        let number = self.text(&doc.number, Style::REGULAR, heading, left_width);
        self.draw_lines(&number, 0..number.lines.len(), left_x, left_width, y);
        let left_bottom = y + number.height();

        let title = self.text(&doc.national_title, Style::BOLD, heading, right_width);
        let mut motto = self.text(
            &doc.national_motto,
            Style::BOLD,
            Setting::new(BODY_PT, Align::Center),
            right_width,
        );
        motto.underlined = true;
        self.draw_lines(&title, 0..title.lines.len(), right_x, right_width, top);
        let motto_top = top + title.height();
        self.draw_lines(
            &motto,
            0..motto.lines.len(),
            right_x,
            right_width,
            motto_top,
        );
        let right_bottom = motto_top + motto.height();

        self.y = left_bottom.max(right_bottom);
    }

    /// The place and date, the kind and the title lines.
    fn title(&mut self, doc: &OfficialDocument) {
        self.gap(PARAGRAPH_AFTER_PT);
        let date = self.text(
            &doc.place_and_date,
            Style::ITALIC,
            Setting::new(BODY_PT, Align::Right),
            text_width(),
        );
        self.flow(&date);
        self.gap(SECTION_GAP_PT);
        let centred = Setting::new(BODY_PT, Align::Center);
        let kind = self.text(&doc.kind, Style::BOLD, centred, text_width());
        self.flow(&kind);
        for line in &doc.title {
            let title = self.text(line, Style::BOLD, centred, text_width());
            self.flow(&title);
        }
        self.gap(SECTION_GAP_PT);
    }

    fn heading(&mut self, text: &str) {
        self.gap(PARAGRAPH_AFTER_PT);
        let block = self.text(
            text,
            Style::BOLD,
            Setting::body(Align::Left, true),
            text_width(),
        );
        // Keep the heading with the first two lines of what follows.
        self.keep_together(block.height() + 2.0 * block.line_height);
        self.flow(&block);
        self.gap(PARAGRAPH_AFTER_PT);
    }

    fn paragraph(&mut self, paragraph: &Paragraph) {
        let pieces: Vec<Piece> = paragraph
            .runs
            .iter()
            .map(|run| {
                Piece::new(
                    &run.text,
                    Style {
                        bold: run.bold,
                        italic: run.italic,
                    },
                )
            })
            .collect();
        let block = self.block(
            &pieces,
            Setting::body(paragraph.align, paragraph.indent_first_line),
            text_width(),
        );
        self.flow(&block);
        self.gap(PARAGRAPH_AFTER_PT);
    }

    fn table(&mut self, table: &Table) {
        // Without columns there is no grid to put rows in (the DOCX leaves it out too).
        if table.columns.is_empty() {
            return;
        }
        let widths = column_widths(table);
        let lefts: Vec<f32> = widths
            .iter()
            .scan(text_left(), |x, width| {
                let left = *x;
                *x += width;
                Some(left)
            })
            .collect();
        let cell_box = |text: &str, style: Style, align: Align, column: usize, span: usize| {
            let width: f32 = widths[column..column + span].iter().sum();
            CellBox {
                x: lefts[column],
                width,
                text: self.text(
                    text,
                    style,
                    Setting::new(TABLE_PT, align),
                    width - 2.0 * CELL_PADDING_X_PT,
                ),
                fill: None,
            }
        };

        let header = RowBox {
            cells: table
                .columns
                .iter()
                .enumerate()
                .map(|(index, column)| CellBox {
                    fill: colour(HEADER_FILL),
                    ..cell_box(&column.header, Style::BOLD, Align::Center, index, 1)
                })
                .collect(),
        };
        let rows: Vec<RowBox> = table
            .rows
            .iter()
            .map(|row| match row {
                Row::Cells(cells) => RowBox {
                    cells: table
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(index, column)| {
                            let blank = Cell::text("");
                            let cell = cells.get(index).unwrap_or(&blank);
                            let style = if cell.bold {
                                Style::BOLD
                            } else {
                                Style::REGULAR
                            };
                            CellBox {
                                fill: cell.tone.fill().and_then(colour),
                                ..cell_box(&cell.text, style, column.align, index, 1)
                            }
                        })
                        .collect(),
                },
                Row::Section(title) => RowBox {
                    cells: vec![cell_box(
                        title,
                        Style::BOLD,
                        Align::Left,
                        0,
                        table.columns.len(),
                    )],
                },
            })
            .collect();
        // The header never ends a page alone.
        let first_row = rows.first().map_or(0.0, RowBox::height);
        self.keep_together(header.height() + first_row);
        self.draw_row(&header, &vec![0; header.cells.len()], None);
        let mut rows_on_page = 0;
        for row in &rows {
            self.place_row(row, &header, &mut rows_on_page);
        }
        self.gap(PARAGRAPH_AFTER_PT);
    }

    /// Places a row under the rows before it; on the next page, under a repeated header, when it
    /// does not fit. A row that does not fit even on a page of its own is split between lines.
    fn place_row(&mut self, row: &RowBox, header: &RowBox, rows_on_page: &mut usize) {
        let mut starts = vec![0; row.cells.len()];
        loop {
            if row.height_from(&starts) <= self.room() + EPSILON {
                self.draw_row(row, &starts, None);
                *rows_on_page += 1;
                return;
            }
            if *rows_on_page > 0 {
                self.continue_table(header);
                *rows_on_page = 0;
                continue;
            }
            // Alone under the header and still too tall: fill this page and carry on.
            let room_for_lines = self.room() - 2.0 * CELL_PADDING_Y_PT;
            let lines = ((room_for_lines + EPSILON) / row.line_height())
                .floor()
                .max(1.0) as usize;
            self.draw_row(row, &starts, Some(lines));
            for (start, cell) in starts.iter_mut().zip(&row.cells) {
                *start = (*start + lines).min(cell.text.lines.len());
            }
            self.continue_table(header);
        }
    }

    fn continue_table(&mut self, header: &RowBox) {
        self.new_page();
        self.draw_row(header, &vec![0; header.cells.len()], None);
    }

    /// Draws a row from each cell's line `starts`, all its remaining lines or at most
    /// `max_lines`, and moves below it. Whole rows centre their cells vertically.
    fn draw_row(&mut self, row: &RowBox, starts: &[usize], max_lines: Option<usize>) {
        let top = self.y;
        let height = match max_lines {
            Some(_) => self.room(),
            None => row.height_from(starts),
        };
        let whole = max_lines.is_none() && starts.iter().all(|start| *start == 0);
        for cell in &row.cells {
            if let Some(colour) = cell.fill {
                self.marks().push(Mark::Fill {
                    x: cell.x,
                    y: top,
                    width: cell.width,
                    height,
                    colour,
                });
            }
        }
        for (cell, start) in row.cells.iter().zip(starts) {
            let end = match max_lines {
                Some(lines) => (start + lines).min(cell.text.lines.len()),
                None => cell.text.lines.len(),
            };
            let content = (end - start) as f32 * cell.text.line_height;
            let offset = if whole {
                (height - 2.0 * CELL_PADDING_Y_PT - content) / 2.0
            } else {
                0.0
            };
            self.draw_lines(
                &cell.text,
                *start..end,
                cell.x + CELL_PADDING_X_PT,
                cell.width - 2.0 * CELL_PADDING_X_PT,
                top + CELL_PADDING_Y_PT + offset,
            );
        }
        for cell in &row.cells {
            self.marks().push(Mark::Frame {
                x: cell.x,
                y: top,
                width: cell.width,
                height,
            });
        }
        self.y = top + height;
    }

    /// Recipients on the left, the signature on the right, kept on one page.
    fn closing(&mut self, doc: &OfficialDocument) {
        self.gap(SECTION_GAP_PT);
        let left_width = text_width() * CLOSING_LEFT_SHARE;
        let right_width = text_width() - left_width;
        let left_x = text_left();
        let right_x = text_left() + left_width;

        let mut left = vec![self.text(
            &doc.recipients_label,
            Style::BOLD_ITALIC,
            Setting::new(RECIPIENTS_LABEL_PT, Align::Left),
            left_width,
        )];
        for recipient in &doc.recipients {
            left.push(self.text(
                &format!("- {recipient}"),
                Style::REGULAR,
                Setting::new(RECIPIENT_PT, Align::Left),
                left_width,
            ));
        }

        let signer = Setting::new(BODY_PT, Align::Center);
        let signature = &doc.signature;
        let mut right = Vec::new();
        if let Some(on_behalf) = &signature.on_behalf {
            right.push(self.text(on_behalf, Style::BOLD, signer, right_width));
        }
        right.push(self.text(&signature.office, Style::BOLD, signer, right_width));
        let office_bottom: f32 = right.iter().map(TextBlock::height).sum();
        let name = self.text(&signature.name, Style::BOLD, signer, right_width);
        let blank = SIGNATURE_BLANK_LINES as f32 * name.line_height;

        let left_height: f32 = left.iter().map(TextBlock::height).sum();
        let right_height = office_bottom + blank + name.height();
        self.keep_together(left_height.max(right_height));

        let top = self.y;
        let mut y = top;
        for block in &left {
            self.draw_lines(block, 0..block.lines.len(), left_x, left_width, y);
            y += block.height();
        }
        let mut y_right = top;
        for block in &right {
            self.draw_lines(block, 0..block.lines.len(), right_x, right_width, y_right);
            y_right += block.height();
        }
        y_right += blank;
        self.draw_lines(&name, 0..name.lines.len(), right_x, right_width, y_right);
        self.y = y.max(y_right + name.height());
    }

    /// The pages, numbered from the second (the first carries none, as in the DOCX).
    fn finish(mut self) -> Vec<Vec<Mark>> {
        let mut pages = std::mem::take(&mut self.done);
        pages.push(std::mem::take(&mut self.page));
        let face = &self.faces.regular;
        for (index, marks) in pages.iter_mut().enumerate().skip(1) {
            let number = (index + 1).to_string();
            let width = face.width(&number, PAGE_NUMBER_PT);
            marks.push(Mark::Text {
                x: text_left() + (text_width() - width) / 2.0,
                baseline: page_number_baseline(),
                style: Style::REGULAR,
                size: PAGE_NUMBER_PT,
                text: number,
                space_extra: 0.0,
            });
        }
        pages
    }
}

/// Column widths in points, shared out by weight; equal shares when no column has a weight.
fn column_widths(table: &Table) -> Vec<f32> {
    let total_weight: f32 = table.columns.iter().map(|c| f32::from(c.weight)).sum();
    let count = table.columns.len().max(1) as f32;
    table
        .columns
        .iter()
        .map(|column| {
            if total_weight > 0.0 {
                text_width() * f32::from(column.weight) / total_weight
            } else {
                text_width() / count
            }
        })
        .collect()
}

/// `RRGGBB` as three bytes.
fn colour(hex: &str) -> Option<[u8; 3]> {
    let byte = |range: Range<usize>| u8::from_str_radix(hex.get(range)?, 16).ok();
    Some([byte(0..2)?, byte(2..4)?, byte(4..6)?])
}

// ----- drawing with krilla -----

fn render(
    pages: &[Vec<Mark>],
    faces: &Faces,
    metadata: &Metadata,
) -> Result<Vec<u8>, DocumentError> {
    let mut document = Document::new();
    document.set_metadata(pdf_metadata(metadata));
    for marks in pages {
        let mut page = document.start_page_with(PageSettings::new(page_width(), page_height()));
        let mut surface = page.surface();
        for mark in marks {
            draw(&mut surface, mark, faces);
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|error| {
        write_error(match error {
            krilla::error::KrillaError::Font(_, message) => format!("font: {message}"),
            other => format!("{other:?}"),
        })
    })
}

fn draw(surface: &mut krilla::surface::Surface, mark: &Mark, faces: &Faces) {
    match mark {
        Mark::Text {
            x,
            baseline,
            style,
            size,
            text,
            space_extra,
        } => {
            let face = faces.get(*style);
            let glyphs: Vec<KrillaGlyph> = text
                .char_indices()
                .map(|(index, c)| {
                    let (glyph, advance) = face.glyph(c);
                    let extra = if c == ' ' { space_extra / size } else { 0.0 };
                    KrillaGlyph::new(
                        GlyphId::new(glyph),
                        advance + extra,
                        0.0,
                        0.0,
                        0.0,
                        index..index + c.len_utf8(),
                        None,
                    )
                })
                .collect();
            surface.set_stroke(None);
            surface.set_fill(Some(Fill::default()));
            surface.draw_glyphs(
                Point::from_xy(*x, *baseline),
                &glyphs,
                face.embedded.clone(),
                text,
                *size,
                false,
            );
        }
        Mark::Fill {
            x,
            y,
            width,
            height,
            colour: [red, green, blue],
        } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *width, *height) else {
                return;
            };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            if let Some(path) = path.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(Fill {
                    paint: rgb::Color::new(*red, *green, *blue).into(),
                    opacity: NormalizedF32::ONE,
                    rule: FillRule::NonZero,
                }));
                surface.draw_path(&path);
            }
        }
        Mark::Line {
            from,
            to,
            thickness,
        } => {
            let mut path = PathBuilder::new();
            path.move_to(from.0, from.1);
            path.line_to(to.0, to.1);
            stroke(surface, path, *thickness);
        }
        Mark::Frame {
            x,
            y,
            width,
            height,
        } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *width, *height) else {
                return;
            };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            stroke(surface, path, BORDER_PT);
        }
    }
}

fn stroke(surface: &mut krilla::surface::Surface, path: PathBuilder, thickness: f32) {
    if let Some(path) = path.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            width: thickness,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
    }
}

fn pdf_metadata(metadata: &Metadata) -> PdfMetadata {
    let nfc = |text: &str| text.nfc().collect::<String>();
    let mut pdf = PdfMetadata::new()
        .title(nfc(&metadata.title))
        .description(nfc(&metadata.subject))
        .creator("tiendo".to_owned());
    if !metadata.author.is_empty() {
        pdf = pdf.authors(vec![nfc(&metadata.author)]);
    }
    if !metadata.language.is_empty() {
        pdf = pdf.language(metadata.language.clone());
    }
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faces() -> Faces<'static> {
        Faces::new(Fonts::embedded().expect("embedded fonts")).expect("faces")
    }

    fn line_text(line: &Line) -> String {
        line.pieces
            .iter()
            .map(|piece| piece.text.as_str())
            .collect()
    }

    #[test]
    fn lines_break_at_spaces_and_keep_every_word_in_order() {
        let faces = faces();
        let text =
            "Phường Bắc Sơn: 26/31 chỉ tiêu hoàn thành, 4 chỉ tiêu đang triển khai thực hiện";
        let width = 120.0;
        let lines = break_lines(
            &faces,
            &[Piece::new(text, Style::REGULAR)],
            12.0,
            width,
            0.0,
        );
        assert!(lines.len() > 2, "{lines:?}");
        for line in &lines {
            assert!(
                line.width <= width + EPSILON,
                "{} is too wide",
                line_text(line)
            );
            assert!(!line_text(line).starts_with(' ') && !line_text(line).ends_with(' '));
        }
        let joined: Vec<String> = lines.iter().map(line_text).collect();
        assert_eq!(joined.join(" "), text);
        assert_eq!(lines.iter().filter(|line| line.last).count(), 1);
        assert!(lines.last().is_some_and(|line| line.last));
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut_and_nothing_else_is() {
        let faces = faces();
        let long = "https://tiendo.example/bao-cao/phuong-bac-son/chi-tieu";
        let text = format!("xem {long} ngay");
        let width = 90.0;
        let lines = break_lines(
            &faces,
            &[Piece::new(&text, Style::REGULAR)],
            12.0,
            width,
            0.0,
        );
        assert_eq!(line_text(&lines[0]), "xem");
        assert!(lines.iter().all(|line| line.width <= width + EPSILON));
        // The cut word's last piece shares its line with the next word.
        let rest: String = lines[1..].iter().map(line_text).collect();
        assert_eq!(rest, format!("{long} ngay"));
        assert!(lines.len() > 3, "{lines:?}");
        assert!(
            lines[1..lines.len() - 1]
                .iter()
                .all(|line| line.spaces == 0)
        );
    }

    #[test]
    fn styles_stay_with_their_words_and_the_indent_narrows_the_first_line() {
        let faces = faces();
        let pieces = [
            Piece::new("Kết quả: ", Style::REGULAR),
            Piece::new("26/31", Style::BOLD),
            Piece::new(" chỉ tiêu.", Style::REGULAR),
        ];
        let indent = points(FIRST_LINE_INDENT_MM);
        let lines = break_lines(&faces, &pieces, 14.0, 400.0, indent);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].indent, indent);
        assert_eq!(
            lines[0].pieces,
            vec![
                Piece::new("Kết quả: ", Style::REGULAR),
                Piece::new("26/31", Style::BOLD),
                Piece::new(" chỉ tiêu.", Style::REGULAR),
            ]
        );
        assert_eq!(lines[0].spaces, 4);
    }

    #[test]
    fn no_break_spaces_hold_words_together() {
        let faces = faces();
        let text = "Tổng vốn 1\u{202F}234\u{202F}567 đồng";
        let lines = break_lines(&faces, &[Piece::new(text, Style::REGULAR)], 12.0, 70.0, 0.0);
        assert!(
            lines
                .iter()
                .any(|line| line_text(line).contains("1\u{202F}234\u{202F}567")),
            "{lines:?}"
        );
    }

    #[test]
    fn text_is_normalised_to_composed_form() {
        let decomposed = "Vie\u{0302}\u{0323}t Nam";
        assert_eq!(Piece::new(decomposed, Style::REGULAR).text, "Việt Nam");
    }

    #[test]
    fn colours_are_read_from_hex() {
        assert_eq!(colour("D9F2DF"), Some([0xD9, 0xF2, 0xDF]));
        assert_eq!(colour("D9F"), None);
        assert_eq!(colour("ĐĐĐ"), None);
    }
}
