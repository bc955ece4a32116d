//! What a document says, apart from how it is written down: one model, rendered as DOCX
//! ([`crate::docx`]) and as PDF ([`crate::pdf`]) so that the two never say different things.
//!
//! The shape is the Vietnamese administrative document of Nghị định 30/2020/NĐ-CP: the issuing
//! body and the national heading side by side, number and place-and-date, the kind and title,
//! the body, then recipients on the left and the signature on the right.

/// An official document (văn bản hành chính). Every text is final, in the document's language;
/// renderers add no words of their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficialDocument {
    /// The body above the issuer, e.g. "UBND THÀNH PHỐ SẦM SƠN"; none for a top-level issuer.
    pub issuer_parent: Option<String>,
    /// The issuing body, e.g. "BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ" (bold, upper case); a line break
    /// (`\n`) sets where a long name breaks ("ỦY BAN NHÂN DÂN\nPHƯỜNG BẮC SƠN").
    pub issuer: String,
    /// "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" (or its translation).
    pub national_title: String,
    /// "Độc lập - Tự do - Hạnh phúc", underlined.
    pub national_motto: String,
    /// E.g. "Số: …/BC-BCĐ".
    pub number: String,
    /// E.g. "Sầm Sơn, ngày 31 tháng 10 năm 2022" (italic, right).
    pub place_and_date: String,
    /// The kind of document, e.g. "BÁO CÁO" (bold, centred).
    pub kind: String,
    /// What it is about, under the kind (bold, centred); may hold several lines.
    pub title: Vec<String>,
    pub body: Vec<Block>,
    /// "Nơi nhận:" (bold italic), then the recipients, one per line.
    pub recipients_label: String,
    pub recipients: Vec<String>,
    pub signature: Signature,
    /// Written into the file's properties.
    pub metadata: Metadata,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// Who signs on behalf of whom, e.g. "TM. BAN CHỈ ĐẠO"; none when the signer signs alone.
    pub on_behalf: Option<String>,
    /// The signer's office, e.g. "TRƯỞNG BAN".
    pub office: String,
    /// The signer's name, below the space left for the signature and seal; empty leaves a line
    /// to write it in.
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    pub title: String,
    pub author: String,
    pub subject: String,
    /// `vi` or `en`.
    pub language: String,
}

/// A piece of the body, in reading order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A numbered or lettered heading, e.g. "I. KẾT QUẢ CHUNG" (bold).
    Heading(String),
    Paragraph(Paragraph),
    Table(Table),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paragraph {
    pub runs: Vec<Run>,
    pub align: Align,
    /// Indent the first line, as body text is in administrative documents.
    pub indent_first_line: bool,
}

impl Paragraph {
    /// Body text: justified, first line indented, one plain run.
    pub fn body(text: impl Into<String>) -> Paragraph {
        Paragraph {
            runs: vec![Run::plain(text)],
            align: Align::Justify,
            indent_first_line: true,
        }
    }
}

/// Text with one style.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
}

impl Run {
    pub fn plain(text: impl Into<String>) -> Run {
        Run {
            text: text.into(),
            bold: false,
            italic: false,
        }
    }
    pub fn bold(text: impl Into<String>) -> Run {
        Run {
            bold: true,
            ..Run::plain(text)
        }
    }
    pub fn italic(text: impl Into<String>) -> Run {
        Run {
            italic: true,
            ..Run::plain(text)
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
    Justify,
}

/// A table with a header row repeated on every page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub header: String,
    /// Share of the text width, relative to the other columns' weights.
    pub weight: u16,
    pub align: Align,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// One cell per column.
    Cells(Vec<Cell>),
    /// One bold cell across every column, e.g. a group's name.
    Section(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    /// Shading that carries a status, as on the pages.
    pub tone: Tone,
    pub bold: bool,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            tone: Tone::None,
            bold: false,
        }
    }
    pub fn toned(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            tone,
            ..Cell::text(text)
        }
    }
}

/// The colour a status is shown in; light shades, so that the text stays legible in print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tone {
    #[default]
    None,
    /// Achieved: green.
    Good,
    /// In progress: amber.
    Progress,
    /// Not achieved: red.
    Bad,
    /// No data or not applicable: grey.
    Muted,
}

impl Tone {
    /// The shade as RGB hex, without `#`.
    pub fn fill(self) -> Option<&'static str> {
        match self {
            Tone::None => None,
            Tone::Good => Some("D9F2DF"),
            Tone::Progress => Some("FCEFC7"),
            Tone::Bad => Some("F9D6D5"),
            Tone::Muted => Some("E8E8E8"),
        }
    }
}
