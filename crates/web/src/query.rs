//! The query parameters every view shares: `as_of`, `framework` and `lang`.

use serde::Deserialize;
use tiendo_domain::{Date, Lang};

use crate::auth::Viewer;
use crate::{AppError, AppState};

#[derive(Debug, Default, Deserialize)]
pub struct ViewParams {
    pub as_of: Option<String>,
    pub framework: Option<String>,
    pub lang: Option<String>,
}

impl ViewParams {
    /// The date asked for, or the dataset's default; a malformed date is refused with a message
    /// that shows the expected form.
    pub async fn as_of(&self, state: &AppState) -> Result<Date, AppError> {
        match self.as_of.as_deref().map(str::trim) {
            None | Some("") => state.default_as_of().await,
            Some(text) => text.parse().map_err(|_| {
                AppError::bad_request(
                    format!("Ngày «{text}» không hợp lệ: hãy viết theo dạng năm-tháng-ngày, ví dụ 2022-10-31"),
                    format!("«{text}» is not a valid date: write it as year-month-day, e.g. 2022-10-31"),
                )
            }),
        }
    }

    /// The language asked for, else the viewer's own (see [`Viewer::lang`]).
    pub fn lang(&self, viewer: &Viewer) -> Lang {
        viewer.lang(self.lang.as_deref())
    }
}
