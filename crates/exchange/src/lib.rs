//! Documents in and out of a store: what a progress report says (`report`), the data of every
//! view as a workbook (`workbook`), the data-entry template (`template`) and its import (`import`):
//! read every row, report every problem with its sheet, row and column, preview the changes,
//! then write them all or none.
//!
//! This crate decides what documents say; `tiendo-documents` writes them down and reads them
//! back; `tiendo-storage` gives and keeps the data. Nothing here knows HTTP.

pub mod brief;
pub mod import;
pub mod report;
pub mod template;
pub mod workbook;

use tiendo_documents::DocumentError;
use tiendo_storage::StorageError;

pub use report::{ReportOptions, progress_report};

/// The formats a report or a view can be downloaded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Docx,
    Pdf,
    Xlsx,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = ExchangeError;
    fn from_str(s: &str) -> Result<Format, ExchangeError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "docx" => Ok(Format::Docx),
            "pdf" => Ok(Format::Pdf),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(ExchangeError::invalid(
                format!("không có định dạng «{other}»: dùng docx, pdf hoặc xlsx"),
                format!("no format «{other}»: use docx, pdf or xlsx"),
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// The request or the file cannot be used as it is; the message says why.
    #[error("{en}")]
    Invalid { vi: String, en: String },
}

impl ExchangeError {
    pub fn invalid(vi: impl Into<String>, en: impl Into<String>) -> ExchangeError {
        ExchangeError::Invalid {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

pub type Result<T, E = ExchangeError> = std::result::Result<T, E>;

/// A file name safe in a `Content-Disposition` header and on every file system: ASCII letters,
/// digits and dashes, diacritics removed ("Phường Bắc Sơn" → "phuong-bac-son").
pub fn file_stem(parts: &[&str]) -> String {
    let joined = parts.join(" ");
    let folded = tiendo_domain::text::fold(&joined);
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}
