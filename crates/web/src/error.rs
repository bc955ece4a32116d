//! One error type for the web layer, shown as JSON to the API and as a page to people, in the
//! reader's language, with the HTTP status that fits.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tiendo_domain::Lang;
use tiendo_storage::StorageError;

#[derive(Debug)]
pub enum AppError {
    NotFound {
        vi: String,
        en: String,
    },
    BadRequest {
        vi: String,
        en: String,
    },
    SignInRequired,
    /// Wrong credentials or token.
    Unauthorized {
        vi: String,
        en: String,
    },
    /// Signed in, but not allowed.
    Forbidden {
        vi: String,
        en: String,
    },
    /// Too many failed sign-ins; wait.
    TooManyAttempts,
    /// Someone else saved first; nothing was overwritten.
    Conflict {
        vi: String,
        en: String,
    },
    /// Details go to the log, never to the reader.
    Internal(String),
}

impl AppError {
    pub fn bad_request(vi: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::BadRequest {
            vi: vi.into(),
            en: en.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::SignInRequired | AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::NotFound { vi, en }
            | AppError::BadRequest { vi, en }
            | AppError::Unauthorized { vi, en }
            | AppError::Forbidden { vi, en }
            | AppError::Conflict { vi, en } => lang.pick(vi, en).to_string(),
            AppError::SignInRequired => lang
                .pick(
                    "Cần đăng nhập: dữ liệu này không được công khai",
                    "Sign-in required: this data is not public",
                )
                .into(),
            AppError::TooManyAttempts => lang
                .pick(
                    "Đăng nhập sai quá nhiều lần; hãy đợi 15 phút rồi thử lại",
                    "Too many failed sign-ins; wait 15 minutes and try again",
                )
                .into(),
            AppError::Internal(_) => lang
                .pick(
                    "Lỗi máy chủ; vui lòng thử lại sau",
                    "Server error; please try again later",
                )
                .into(),
        }
    }

    pub(crate) fn log(&self) {
        if let AppError::Internal(detail) = self {
            tracing::error!(%detail, "request failed");
        }
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound { vi, en } => AppError::NotFound { vi, en },
            StorageError::Invalid { vi, en } => AppError::BadRequest { vi, en },
            StorageError::Conflict { vi, en } => AppError::Conflict { vi, en },
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

/// Outside a handler that says otherwise (e.g. an extractor's rejection), errors answer as JSON.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        ApiError(self).into_response()
    }
}

/// An error answered as `{"error": "<Vietnamese>", "error_en": "<English>"}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let body = serde_json::json!({
            "error": self.0.message(Lang::Vi),
            "error_en": self.0.message(Lang::En),
        });
        (self.0.status(), Json(body)).into_response()
    }
}
