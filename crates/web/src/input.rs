//! Reading what people typed into forms and JSON bodies, the same way everywhere: text trimmed
//! and in NFC, dates as year-month-day with a message in both languages, and form fields only
//! after the CSRF token checks out.

use std::collections::HashMap;

use axum::http::HeaderMap;
use tiendo_domain::Date;
use unicode_normalization::UnicodeNormalization;

use crate::AppError;
use crate::auth::Viewer;

/// Text as people meant it: trimmed, in NFC.
pub(crate) fn nfc(text: &str) -> String {
    text.trim().nfc().collect()
}

/// A `YYYY-MM-DD` date; the error names the field (`what_vi`, `what_en`) and the text.
pub(crate) fn parse_day(text: &str, what_vi: &str, what_en: &str) -> Result<Date, AppError> {
    text.trim().parse().map_err(|_| {
        AppError::bad_request(
            format!(
                "{what_vi} «{text}» không hợp lệ: hãy viết theo dạng năm-tháng-ngày, ví dụ 2022-10-31"
            ),
            format!(
                "{what_en} «{text}» is not a valid date: write it as year-month-day, e.g. 2022-10-31"
            ),
        )
    })
}

/// The form's fields by name, once its CSRF token (field `csrf`, or the header) is right.
pub(crate) fn checked_form(
    viewer: &Viewer,
    headers: &HeaderMap,
    fields: Vec<(String, String)>,
) -> Result<HashMap<String, String>, AppError> {
    let fields: HashMap<String, String> = fields.into_iter().collect();
    viewer.check_csrf(headers, fields.get("csrf").map(String::as_str))?;
    Ok(fields)
}
