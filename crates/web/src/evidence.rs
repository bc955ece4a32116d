//! Evidence files in and out: type checked by content (not by name), size-limited, stored by
//! content hash, and readable only by those who may read the unit they are evidence for.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tiendo_domain::access::Action;
use tiendo_storage::EvidenceItem;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::error::ApiError;
use crate::{AppError, AppState};

/// The largest evidence file accepted.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/units/{code}/files",
            post(upload).layer(DefaultBodyLimit::max(MAX_FILE_BYTES)),
        )
        .route("/api/v1/units/{code}/files/{hash}", get(download))
        .route(
            "/api/v1/units/{code}/observations/{id}/evidence",
            post(add_to_figure),
        )
}

/// The kinds of file accepted as evidence: media type as detected from the content, and the
/// file-name extensions that may carry it.
const ACCEPTED: [(&str, &[&str]); 11] = [
    ("application/pdf", &["pdf"]),
    ("image/png", &["png"]),
    ("image/jpeg", &["jpg", "jpeg"]),
    ("image/webp", &["webp"]),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        &["pptx"],
    ),
    ("application/msword", &["doc"]),
    ("application/vnd.ms-excel", &["xls"]),
    ("application/vnd.oasis.opendocument.text", &["odt"]),
    ("application/vnd.oasis.opendocument.spreadsheet", &["ods"]),
];

/// Checks a file by its content: an accepted kind, not empty, not too large, and named with an
/// extension of that kind. Returns the media type.
pub(crate) fn check_file(name: &str, content: &[u8]) -> Result<&'static str, AppError> {
    if content.is_empty() {
        return Err(AppError::bad_request(
            format!("tệp «{name}» rỗng"),
            format!("the file «{name}» is empty"),
        ));
    }
    if content.len() > MAX_FILE_BYTES {
        return Err(AppError::bad_request(
            format!("tệp «{name}» lớn hơn giới hạn 20 MB"),
            format!("the file «{name}» is larger than the 20 MB limit"),
        ));
    }
    let detected = infer::get(content).map(|t| t.mime_type());
    let Some((media_type, extensions)) = ACCEPTED.iter().find(|(m, _)| Some(*m) == detected) else {
        let what = detected.unwrap_or("không rõ / unknown");
        return Err(AppError::bad_request(
            format!(
                "tệp «{name}» có nội dung loại {what}, không được nhận làm minh chứng; chỉ nhận PDF, ảnh (PNG, JPEG, WebP) và văn bản Office/OpenDocument"
            ),
            format!(
                "the file «{name}» holds {what}, which is not accepted as evidence; accepted: PDF, images (PNG, JPEG, WebP), Office and OpenDocument files"
            ),
        ));
    };
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !extensions.contains(&extension.as_str()) {
        return Err(AppError::bad_request(
            format!(
                "tên tệp «{name}» không khớp nội dung ({media_type}); hãy đặt đuôi .{}",
                extensions[0]
            ),
            format!(
                "the name «{name}» does not match the content ({media_type}); name it .{}",
                extensions[0]
            ),
        ));
    }
    Ok(media_type)
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct UploadQuery {
    /// The file's name, e.g. `bien-ban.pdf`.
    name: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct UploadedFile {
    /// The file's id (its SHA-256): cite it as `{"kind": "file", "file": ID}` in a figure's evidence.
    file: String,
    name: String,
    media_type: String,
    size: u64,
}

/// Uploads an evidence file (the request body is the file). Its type is checked by content.
#[utoipa::path(post, path = "/api/v1/units/{code}/files",
    params(("code" = String, Path, description = "GSO code of the unit"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "Stored", body = UploadedFile),
        (status = 400, description = "Empty, of a kind not accepted, or named unlike its content", body = crate::api::ErrorBody),
        (status = 413, description = "Larger than 20 MB"),
    ), tag = "figures")]
pub(crate) async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Result<(axum::http::StatusCode, Json<UploadedFile>), ApiError> {
    state.authorize(&viewer, Action::EnterData, &code).await?;
    viewer.check_csrf(&headers, None)?;
    let media_type = check_file(&q.name, &body)?;
    let stored = state.files.put(body).await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(UploadedFile {
            file: stored.hash,
            name: q.name,
            media_type: media_type.to_string(),
            size: stored.size,
        }),
    ))
}

/// An evidence file of one of the unit's figures.
#[utoipa::path(get, path = "/api/v1/units/{code}/files/{hash}",
    params(("code" = String, Path, description = "GSO code of the unit"), ("hash" = String, Path, description = "The file's id")),
    responses((status = 200, description = "The file"), (status = 404, description = "Not evidence of this unit", body = crate::api::ErrorBody)),
    tag = "figures")]
pub(crate) async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((code, hash)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.authorize(&viewer, Action::ReadData, &code).await?;
    let (media_type, name) =
        state
            .store
            .unit_file(&code, &hash)
            .await?
            .ok_or_else(|| AppError::NotFound {
                vi: "tệp này không phải minh chứng của đơn vị".into(),
                en: "this file is not evidence of the unit".into(),
            })?;
    let content = state.files.get(&hash).await?;
    let ascii_name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii_name}\""),
            ),
        ],
        content,
    )
        .into_response())
}

/// Evidence as given with a figure over the API.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum EvidenceInput {
    /// A file uploaded with `POST /api/v1/units/{code}/files`.
    File {
        file: String,
        name: String,
        #[serde(default)]
        title: String,
    },
    Link {
        url: String,
        #[serde(default)]
        title: String,
    },
    /// A cited document: number (số hiệu), date, issuer (cơ quan ban hành).
    Document {
        number: String,
        date: String,
        issuer: String,
        #[serde(default)]
        title: String,
    },
}

/// Turns API evidence into storage evidence, checking files exist and re-reading their type.
pub(crate) async fn evidence_items(
    state: &AppState,
    input: &[EvidenceInput],
) -> Result<Vec<EvidenceItem>, AppError> {
    let mut items = Vec::with_capacity(input.len());
    for e in input {
        items.push(match e {
            EvidenceInput::File { file, name, title } => {
                let content = state.files.get(file).await.map_err(|_| {
                    AppError::bad_request(
                        format!("không có tệp minh chứng «{file}»; hãy tải tệp lên trước"),
                        format!("no evidence file «{file}»; upload it first"),
                    )
                })?;
                let media_type = check_file(name, &content)?;
                EvidenceItem::File {
                    hash: file.clone(),
                    media_type: media_type.to_string(),
                    size: content.len() as i64,
                    file_name: name.clone(),
                    title: title.clone(),
                }
            }
            EvidenceInput::Link { url, title } => EvidenceItem::Link {
                url: url.trim().to_string(),
                title: title.clone(),
            },
            EvidenceInput::Document {
                number,
                date,
                issuer,
                title,
            } => EvidenceItem::Document {
                number: number.trim().to_string(),
                date: date.trim().parse().map_err(|_| {
                    AppError::bad_request(
                        format!("ngày văn bản «{date}» không hợp lệ (năm-tháng-ngày)"),
                        format!("the document date «{date}» is not valid (year-month-day)"),
                    )
                })?,
                issuer: issuer.trim().to_string(),
                title: title.clone(),
            },
        });
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_judged_by_content_not_by_name() {
        let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n";
        assert_eq!(check_file("bien-ban.pdf", pdf).unwrap(), "application/pdf");
        assert!(check_file("bien-ban.PDF", pdf).is_ok());
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";
        let err = check_file("bien-ban.pdf", exe).unwrap_err();
        assert!(
            err.message(tiendo_domain::Lang::En)
                .contains("not accepted"),
            "{err:?}"
        );
        let err = check_file("anh.png", pdf).unwrap_err();
        assert!(
            err.message(tiendo_domain::Lang::Vi)
                .contains("không khớp nội dung"),
            "{err:?}"
        );
        assert!(check_file("x.pdf", b"").is_err());
    }
}

/// Evidence for a figure already recorded.
#[derive(Deserialize, ToSchema)]
pub(crate) struct EvidenceForFigure {
    /// The figure's indicator code.
    indicator: String,
    evidence: Vec<EvidenceInput>,
    /// A framework code; defaults to the framework in force today.
    framework: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct EvidenceAdded {
    /// How many pieces of evidence the figure now carries.
    evidence_count: usize,
}

/// Attaches evidence to a recorded figure of the unit (held figures stay held).
#[utoipa::path(post, path = "/api/v1/units/{code}/observations/{id}/evidence", request_body = EvidenceForFigure,
    params(("code" = String, Path, description = "GSO code of the unit"), ("id" = i64, Path, description = "The figure's id")),
    responses((status = 201, description = "Attached", body = EvidenceAdded),
        (status = 400, description = "Bad evidence, or the figure is held by a submission", body = crate::api::ErrorBody),
        (status = 404, description = "No such figure at this unit", body = crate::api::ErrorBody)),
    tag = "figures")]
pub(crate) async fn add_to_figure(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((code, id)): Path<(String, i64)>,
    Json(input): Json<EvidenceForFigure>,
) -> Result<(axum::http::StatusCode, Json<EvidenceAdded>), ApiError> {
    state.authorize(&viewer, Action::EnterData, &code).await?;
    viewer.check_csrf(&headers, None)?;
    let framework = state
        .store
        .framework_ref(input.framework.as_deref(), Some(crate::today()))
        .await?;
    let items = evidence_items(&state, &input.evidence).await?;
    let indicator = input.indicator.trim();
    state
        .store
        .add_evidence(&framework, &code, indicator, id, &items, &viewer.actor())
        .await?;
    let count = state
        .store
        .evidence(&framework, &code, indicator)
        .await?
        .iter()
        .filter(|e| e.observation_id == id)
        .count();
    Ok((
        axum::http::StatusCode::CREATED,
        Json(EvidenceAdded {
            evidence_count: count,
        }),
    ))
}
