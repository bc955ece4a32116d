//! Documents in and out of tiendo, as formats only: an [`OfficialDocument`] written as DOCX
//! (editable, Times New Roman) or PDF (fonts embedded), workbooks written as XLSX, and
//! spreadsheets (XLSX, CSV) read back cell by cell with their places. What the documents say is
//! decided elsewhere; nothing here knows indicators, databases or HTTP.

pub mod docx;
pub mod fonts;
pub mod model;
pub mod pdf;
pub mod read;
pub mod sheet;
pub mod template;

pub use model::*;

/// Why a document could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The file is not what it claims to be (not a workbook, a damaged zip, …).
    #[error("{en}")]
    Unreadable { vi: String, en: String },
    /// A writer failed; the message comes from the library that wrote.
    #[error("could not write the {format} document: {message}")]
    Write {
        format: &'static str,
        message: String,
    },
}

impl DocumentError {
    pub fn message_vi(&self) -> String {
        match self {
            DocumentError::Unreadable { vi, .. } => vi.clone(),
            DocumentError::Write { format, message } => {
                format!("không tạo được tài liệu {format}: {message}")
            }
        }
    }
}
