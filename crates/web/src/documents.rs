//! Documents over HTTP: the progress report (DOCX, PDF, XLSX), each view's data as XLSX, the
//! data-entry template (XLSX, CSV), and uploads of it, for people (a page that previews the
//! changes, then a confirmation that applies them) and for programs (`/api/v1/imports`).

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tiendo_domain::Lang;
use tiendo_domain::access::Action;
use tiendo_exchange::import::{ImportPlan, apply_import, plan_import};
use tiendo_exchange::template::{template_csv, template_xlsx};
use tiendo_exchange::{ExchangeError, Format, ReportOptions, workbook};
use tiendo_storage::FrameworkRef;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::error::ApiError;
use crate::pages::{PageError, ViewContext};
use crate::query::ViewParams;
use crate::{AppError, AppState, today};

/// The largest spreadsheet accepted: a province's figures fit in a few megabytes.
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{code}/report", get(report_page))
        .route("/api/v1/units/{code}/report", get(report_api))
        .route("/units/{code}/export", get(export_page))
        .route("/api/v1/units/{code}/export", get(export_api))
        .route("/units/{code}/template", get(template_page))
        .route("/api/v1/units/{code}/template", get(template_api))
        .route(
            "/units/{code}/import",
            get(import_form)
                .post(import_preview)
                .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/units/{code}/import/confirm", post(import_confirm))
        .route(
            "/api/v1/imports",
            post(import_api).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
}

impl From<ExchangeError> for AppError {
    fn from(e: ExchangeError) -> AppError {
        match e {
            ExchangeError::Storage(e) => e.into(),
            ExchangeError::Invalid { vi, en } => AppError::BadRequest { vi, en },
            ExchangeError::Document(tiendo_documents::DocumentError::Unreadable { vi, en }) => {
                AppError::BadRequest { vi, en }
            }
            ExchangeError::Document(other) => AppError::Internal(other.to_string()),
        }
    }
}

/// A file to download, named in ASCII (diacritics folded) so that every browser keeps the name.
pub(crate) fn attachment(bytes: Vec<u8>, name: &str, media_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, media_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, crate::pages::UNCACHED.to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// The report's query: the view's (`as_of`, `framework`, `lang`), the format, and what the
/// issuing office sets on the document.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub(crate) struct ReportQuery {
    /// `docx` (editable), `pdf` or `xlsx`; `docx` when absent.
    format: Option<String>,
    /// The as-of date, `YYYY-MM-DD`; the dataset's default when absent.
    as_of: Option<String>,
    /// A framework code; the one in force on the date when absent.
    framework: Option<String>,
    /// `vi` (default) or `en`.
    lang: Option<String>,
    /// The issuing body, e.g. `BAN CHỈ ĐẠO CHUYỂN ĐỔI SỐ`; the unit's people's committee when
    /// absent.
    issuer: Option<String>,
    /// The document number, e.g. `125/BC-UBND`; left blank when absent.
    number: Option<String>,
    /// The signer's name; a blank line when absent.
    signer: Option<String>,
    /// The signer's office, e.g. `PHÓ CHỦ TỊCH`; `CHỦ TỊCH` (or `TRƯỞNG BAN` for a board) when
    /// absent.
    office: Option<String>,
    /// The date of issue, `YYYY-MM-DD`; today when absent.
    date: Option<String>,
}

impl ReportQuery {
    fn view(&self) -> ViewParams {
        ViewParams {
            as_of: self.as_of.clone(),
            framework: self.framework.clone(),
            lang: self.lang.clone(),
        }
    }
}

fn typed(text: &Option<String>) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    text.as_deref()
        .map(|t| t.trim().nfc().collect::<String>())
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(200).collect())
}

async fn report(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    q: &ReportQuery,
) -> Result<Response, AppError> {
    state.authorize(viewer, Action::ReadData, code).await?;
    let params = q.view();
    let lang = params.lang(viewer);
    let view = ViewContext::read(state, &params, lang).await?;
    let format: Format = q.format.as_deref().unwrap_or("docx").parse()?;
    let issued_on = match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(text) => text.parse().map_err(|_| {
            AppError::bad_request(
                format!(
                    "ngày ban hành «{text}» không hợp lệ: hãy viết năm-tháng-ngày, ví dụ 2022-10-31"
                ),
                format!(
                    "the date of issue «{text}» is not valid: write year-month-day, e.g. 2022-10-31"
                ),
            )
        })?,
        None => today(),
    };
    let options = ReportOptions {
        lang,
        issuer: typed(&q.issuer),
        number: typed(&q.number),
        signer: typed(&q.signer),
        office: typed(&q.office),
        place: None,
        issued_on: Some(issued_on),
    };
    let (bytes, name) = tiendo_exchange::report::report_file(
        &state.store,
        code,
        &view.framework,
        view.as_of,
        &options,
        format,
    )
    .await?;
    Ok(attachment(bytes, &name, format.media_type()))
}

async fn report_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    let lang = q.view().lang(&viewer);
    report(&state, &viewer, &code, &q)
        .await
        .map_err(|e| PageError(e, lang))
}

/// The progress report of a unit (a ward's indicators) or of a city over its units, in
/// Vietnamese administrative document format.
#[utoipa::path(
    get,
    path = "/api/v1/units/{code}/report",
    params(("code" = String, Path, description = "Unit code, e.g. `14833`"), ReportQuery),
    responses(
        (status = 200, description = "The document (DOCX, PDF or XLSX) as an attachment"),
        (status = 400, description = "Bad date, format or framework", body = crate::api::ErrorBody),
        (status = 403, description = "Not allowed to read this unit's figures", body = crate::api::ErrorBody),
        (status = 404, description = "No such unit", body = crate::api::ErrorBody)
    ),
    security((), ("session" = []), ("token" = []))
)]
pub(crate) async fn report_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    Ok(report(&state, &viewer, &code, &q).await?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub(crate) struct ExportQuery {
    /// `summary` (a unit's sub-units and groups), `indicators` (a ward's indicators), `matrix`
    /// (every unit under it against every indicator) or `indicator` (one indicator across the
    /// units under it, with `indicator=CODE`).
    view: Option<String>,
    /// With `summary`: count one group only.
    group: Option<String>,
    /// With `indicator`: the indicator's code.
    indicator: Option<String>,
    as_of: Option<String>,
    framework: Option<String>,
    lang: Option<String>,
}

async fn export(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    q: &ExportQuery,
) -> Result<Response, AppError> {
    let params = ViewParams {
        as_of: q.as_of.clone(),
        framework: q.framework.clone(),
        lang: q.lang.clone(),
    };
    let lang = params.lang(viewer);
    let view_name = q.view.as_deref().unwrap_or("summary");
    // A ward's indicators carry the figures themselves; counts and statuses are summaries.
    let action = match view_name {
        "indicators" => Action::ReadData,
        _ => Action::ReadSummary,
    };
    state.authorize(viewer, action, code).await?;
    let view = ViewContext::read(state, &params, lang).await?;
    let group = q.group.as_deref().map(str::trim).filter(|g| !g.is_empty());
    if let Some(g) = group {
        view.group_name(g)?;
    }
    let store = &state.store;
    let (book, label) = match view_name {
        "summary" => (
            workbook::summary_workbook(store, code, &view.framework, view.as_of, group, lang)
                .await?,
            lang.pick("tong hop", "summary"),
        ),
        "indicators" => (
            workbook::unit_workbook(store, code, &view.framework, view.as_of, lang).await?,
            lang.pick("chi tieu", "indicators"),
        ),
        "matrix" => (
            workbook::matrix_workbook(store, code, &view.framework, view.as_of, lang).await?,
            lang.pick("ma tran", "matrix"),
        ),
        "indicator" => {
            let indicator = q.indicator.as_deref().unwrap_or("").trim();
            (
                workbook::indicator_workbook(
                    store,
                    code,
                    &view.framework,
                    indicator,
                    view.as_of,
                    lang,
                )
                .await?,
                indicator,
            )
        }
        other => {
            return Err(AppError::bad_request(
                format!("không có bảng «{other}»: dùng summary, indicators, matrix hoặc indicator"),
                format!("no view «{other}»: use summary, indicators, matrix or indicator"),
            ));
        }
    };
    let unit = store.unit(code).await?;
    let bytes = tiendo_documents::sheet::write_workbook(&book).map_err(ExchangeError::from)?;
    let name = format!(
        "{}-{}.xlsx",
        tiendo_exchange::file_stem(&[label, &unit.name]),
        view.as_of
    );
    Ok(attachment(bytes, &name, Format::Xlsx.media_type()))
}

async fn export_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    export(&state, &viewer, &code, &q)
        .await
        .map_err(|e| PageError(e, lang))
}

/// A view's data as an XLSX workbook: real number and date cells, frozen headers, filters and
/// status colours.
#[utoipa::path(
    get,
    path = "/api/v1/units/{code}/export",
    params(("code" = String, Path, description = "Unit code"), ExportQuery),
    responses(
        (status = 200, description = "The workbook as an attachment"),
        (status = 400, description = "Bad view, group, date or framework", body = crate::api::ErrorBody),
        (status = 403, description = "Not allowed", body = crate::api::ErrorBody),
        (status = 404, description = "No such unit", body = crate::api::ErrorBody)
    ),
    security((), ("session" = []), ("token" = []))
)]
pub(crate) async fn export_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    Ok(export(&state, &viewer, &code, &q).await?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub(crate) struct TemplateQuery {
    /// `xlsx` (default: locked columns, drop-down lists, checks and instructions) or `csv`.
    format: Option<String>,
    as_of: Option<String>,
    framework: Option<String>,
    lang: Option<String>,
}

async fn template(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    q: &TemplateQuery,
) -> Result<Response, AppError> {
    state.authorize(viewer, Action::ReadData, code).await?;
    let params = ViewParams {
        as_of: q.as_of.clone(),
        framework: q.framework.clone(),
        lang: q.lang.clone(),
    };
    let lang = params.lang(viewer);
    let view = ViewContext::read(state, &params, lang).await?;
    let store = &state.store;
    match q.format.as_deref().unwrap_or("xlsx") {
        "xlsx" => {
            let (bytes, name) =
                template_xlsx(store, code, &view.framework, view.as_of, today(), lang).await?;
            Ok(attachment(bytes, &name, Format::Xlsx.media_type()))
        }
        "csv" => {
            let (bytes, name) =
                template_csv(store, code, &view.framework, view.as_of, today(), lang).await?;
            Ok(attachment(bytes, &name, "text/csv; charset=utf-8"))
        }
        other => Err(AppError::bad_request(
            format!("không có định dạng mẫu «{other}»: dùng xlsx hoặc csv"),
            format!("no template format «{other}»: use xlsx or csv"),
        )),
    }
}

async fn template_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<TemplateQuery>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    template(&state, &viewer, &code, &q)
        .await
        .map_err(|e| PageError(e, lang))
}

/// A unit's data-entry template, pre-filled with the figures in force on the date.
#[utoipa::path(
    get,
    path = "/api/v1/units/{code}/template",
    params(("code" = String, Path, description = "Unit code"), TemplateQuery),
    responses(
        (status = 200, description = "The template as an attachment"),
        (status = 400, description = "Bad format, date or framework", body = crate::api::ErrorBody),
        (status = 403, description = "Not allowed to read this unit's figures", body = crate::api::ErrorBody),
        (status = 404, description = "No such unit", body = crate::api::ErrorBody)
    ),
    security((), ("session" = []), ("token" = []))
)]
pub(crate) async fn template_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<TemplateQuery>,
) -> Result<Response, ApiError> {
    Ok(template(&state, &viewer, &code, &q).await?)
}

/// Refuses a plan unless the viewer may enter figures on every unit its file names, decided
/// from the lineages the plan read with its units: no query per unit.
async fn authorize_plan(
    state: &AppState,
    viewer: &Viewer,
    plan: &ImportPlan,
) -> Result<(), AppError> {
    let public = state.public_dashboard().await?;
    for (name, lineage) in plan.units.values() {
        state
            .access_to(viewer, name, lineage.clone(), public)
            .check(Action::EnterData)?;
    }
    Ok(())
}

/// One row of the preview.
pub(crate) struct ChangeView {
    place: String,
    unit: String,
    indicator: String,
    name: String,
    before: String,
    after: String,
    date: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    unit_name: String,
    unit_link: String,
    action: String,
    confirm_action: String,
    template_link: String,
    csv_link: String,
    framework_name: String,
    file_name: String,
    problems: Vec<String>,
    changes: Vec<ChangeView>,
    unchanged: usize,
    /// Set once a file was read: where its content waits for the confirmation.
    stored: Option<StoredUpload>,
    /// Set when the file changed meaning between preview and confirmation.
    stale: bool,
    applied: Option<usize>,
}

/// What a preview hands to its confirmation, signed, so that a confirmation applies only a file
/// this user uploaded here, as previewed, within [`PREVIEW_SECONDS`].
struct StoredUpload {
    hash: String,
    fingerprint: String,
    framework: String,
    issued: u64,
    signature: String,
}

/// How long a preview can be confirmed.
const PREVIEW_SECONDS: u64 = 2 * 60 * 60;

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The MAC of a preview's fields with this installation's key.
async fn preview_mac(
    state: &AppState,
    viewer: &Viewer,
    unit: &str,
    upload: &StoredUpload,
    file_name: &str,
) -> Result<hmac::Hmac<sha2::Sha256>, AppError> {
    use hmac::Mac;
    let key = state
        .store
        .installation_secret("import-preview", &crate::auth::new_secret())
        .await?;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes())
        .map_err(|e| AppError::Internal(format!("preview key: {e}")))?;
    let user = viewer.user.as_ref().map_or(0, |u| u.id);
    mac.update(
        format!(
            "{user}\n{unit}\n{}\n{file_name}\n{}\n{}\n{}",
            upload.hash, upload.framework, upload.fingerprint, upload.issued
        )
        .as_bytes(),
    );
    Ok(mac)
}

async fn signed_upload(
    state: &AppState,
    viewer: &Viewer,
    unit: &str,
    hash: String,
    plan: &ImportPlan,
) -> Result<StoredUpload, AppError> {
    use hmac::Mac;
    let mut upload = StoredUpload {
        hash,
        fingerprint: plan.fingerprint().to_string(),
        framework: plan.framework.code.clone(),
        issued: unix_now(),
        signature: String::new(),
    };
    let mac = preview_mac(state, viewer, unit, &upload, &plan.file_name).await?;
    upload.signature = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(upload)
}

fn import_page_base(view: &ViewContext, viewer: &Viewer, unit: &tiendo_domain::Unit) -> ImportPage {
    let lang = view.lang;
    ImportPage {
        lang,
        signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
        csrf: viewer.csrf.clone().unwrap_or_default(),
        unit_name: unit.name.clone(),
        unit_link: view.link(&format!("/units/{}", unit.code), &[]),
        action: view.link(&format!("/units/{}/import", unit.code), &[]),
        confirm_action: view.link(&format!("/units/{}/import/confirm", unit.code), &[]),
        template_link: view.link(&format!("/units/{}/template", unit.code), &[]),
        csv_link: view.link(
            &format!("/units/{}/template", unit.code),
            &[("format", "csv")],
        ),
        framework_name: view.framework_name(),
        file_name: String::new(),
        problems: Vec::new(),
        changes: Vec::new(),
        unchanged: 0,
        stored: None,
        stale: false,
        applied: None,
    }
}

fn fill_plan(page: &mut ImportPage, plan: &ImportPlan, lang: Lang) {
    page.file_name = plan.file_name.clone();
    page.problems = plan.problems.iter().map(|p| p.describe(lang)).collect();
    page.unchanged = plan.unchanged;
    page.changes = plan
        .changes
        .iter()
        .map(|c| ChangeView {
            // One sheet is read per upload: its row number says where.
            place: c.row.to_string(),
            unit: c.unit_name.clone(),
            indicator: c.indicator_code.clone(),
            name: lang
                .pick(&c.indicator_name.vi, &c.indicator_name.en)
                .to_string(),
            before: c
                .before
                .as_ref()
                .map_or("–".into(), |b| lang.pick(&b.vi, &b.en).to_string()),
            after: lang.pick(&c.after.vi, &c.after.en).to_string(),
            date: c.observation.observed_on.dmy(),
        })
        .collect();
}

fn import_html(page: &ImportPage, status: StatusCode) -> Result<Response, PageError> {
    crate::pages::render(status, page, page.lang, crate::pages::UNCACHED)
}

async fn import_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(params): Query<ViewParams>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    if viewer.user.is_none() {
        return Ok(Redirect::to(&format!("/login?next=/units/{code}/import")).into_response());
    }
    let access = state.access(&viewer, &code).await.map_err(fail)?;
    access.check(Action::EnterData).map_err(fail)?;
    let view = ViewContext::read(&state, &params, lang)
        .await
        .map_err(fail)?;
    let page = import_page_base(&view, &viewer, &access.unit);
    import_html(&page, StatusCode::OK)
}

/// Reads the uploaded file, stores it by content for the confirmation, and shows what it would
/// change, or every problem it has. Nothing is written to the figures.
async fn import_preview(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(params): Query<ViewParams>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    let access = state.access(&viewer, &code).await.map_err(fail)?;
    access.check(Action::EnterData).map_err(fail)?;
    let (fields, file) = read_multipart(&mut multipart).await.map_err(fail)?;
    viewer
        .check_csrf(&headers, fields.get("csrf").map(String::as_str))
        .map_err(fail)?;
    let view = ViewContext::read(&state, &params, lang)
        .await
        .map_err(fail)?;
    let (file_name, bytes) = file.ok_or_else(|| {
        fail(AppError::bad_request(
            "chưa chọn tệp để nhập",
            "no file was chosen to import",
        ))
    })?;
    let plan = plan_import(
        &state.store,
        &bytes,
        &file_name,
        Some(&view.framework),
        today(),
        &|_, _| {},
    )
    .await
    .map_err(|e| fail(e.into()))?;
    authorize_plan(&state, &viewer, &plan).await.map_err(fail)?;
    let mut page = import_page_base(&view, &viewer, &access.unit);
    fill_plan(&mut page, &plan, lang);
    if plan.problems.is_empty() && !plan.changes.is_empty() {
        let stored = state
            .files
            .put(bytes.into())
            .await
            .map_err(|e| fail(e.into()))?;
        page.stored = Some(
            signed_upload(&state, &viewer, &code, stored.hash, &plan)
                .await
                .map_err(fail)?,
        );
    }
    let status = if plan.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    import_html(&page, status)
}

/// Applies a previewed upload: the file is read again and applied only if it would still make
/// exactly the changes previewed (someone may have entered figures in between).
async fn import_confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(params): Query<ViewParams>,
    axum::extract::Form(fields): axum::extract::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = params.lang(&viewer);
    let fail = |e: AppError| PageError(e, lang);
    let access = state.access(&viewer, &code).await.map_err(fail)?;
    access.check(Action::EnterData).map_err(fail)?;
    let fields: HashMap<String, String> = fields.into_iter().collect();
    viewer
        .check_csrf(&headers, fields.get("csrf").map(String::as_str))
        .map_err(fail)?;
    let get = |k: &str| {
        fields
            .get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let upload_again = || {
        fail(AppError::bad_request(
            "bản xem trước không còn hiệu lực; hãy tải tệp lên lại",
            "the preview is no longer valid; upload the file again",
        ))
    };
    let submitted = StoredUpload {
        hash: get("upload"),
        fingerprint: get("fingerprint"),
        framework: get("framework"),
        issued: get("issued").parse().map_err(|_| upload_again())?,
        signature: get("signature"),
    };
    let file_name = get("file_name");
    let signature: Vec<u8> = (0..submitted.signature.len() / 2)
        .filter_map(|i| u8::from_str_radix(submitted.signature.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    {
        use hmac::Mac;
        let mac = preview_mac(&state, &viewer, &code, &submitted, &file_name)
            .await
            .map_err(fail)?;
        let fresh = unix_now().saturating_sub(submitted.issued) <= PREVIEW_SECONDS;
        if mac.verify_slice(&signature).is_err() || !fresh {
            return Err(upload_again());
        }
    }
    let hash = submitted.hash.clone();
    let bytes = state.files.get(&hash).await.map_err(|_| upload_again())?;
    let view = ViewContext::read(&state, &params, lang)
        .await
        .map_err(fail)?;
    let framework: FrameworkRef = state
        .store
        .framework_ref(Some(&submitted.framework), Some(view.as_of))
        .await
        .map_err(|e| fail(e.into()))?;
    let plan = plan_import(
        &state.store,
        &bytes,
        &file_name,
        Some(&framework),
        today(),
        &|_, _| {},
    )
    .await
    .map_err(|e| fail(e.into()))?;
    authorize_plan(&state, &viewer, &plan).await.map_err(fail)?;
    let mut page = import_page_base(&view, &viewer, &access.unit);
    fill_plan(&mut page, &plan, lang);
    if plan.fingerprint() != submitted.fingerprint || !plan.problems.is_empty() {
        page.stale = true;
        if plan.problems.is_empty() && !plan.changes.is_empty() {
            page.stored = Some(
                signed_upload(&state, &viewer, &code, hash, &plan)
                    .await
                    .map_err(fail)?,
            );
        }
        return import_html(&page, StatusCode::CONFLICT);
    }
    let written = apply_import(&state.store, &plan, &viewer.actor())
        .await
        .map_err(|e| fail(e.into()))?;
    crate::metrics::import_done("applied", plan.changes.len());
    page.applied = Some(written);
    import_html(&page, StatusCode::OK)
}

async fn read_multipart(
    multipart: &mut Multipart,
) -> Result<(HashMap<String, String>, Option<(String, Vec<u8>)>), AppError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        AppError::bad_request(
            format!("biểu mẫu hoặc tệp không đọc được: {e}"),
            format!("the form or file could not be read: {e}"),
        )
    };
    let mut fields = HashMap::new();
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("upload.xlsx").to_string();
            let bytes = field.bytes().await.map_err(unreadable)?;
            if !bytes.is_empty() {
                file = Some((file_name, bytes.to_vec()));
            }
        } else {
            let text = field.text().await.map_err(unreadable)?;
            fields.insert(name, text.trim().to_string());
        }
    }
    Ok((fields, file))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub(crate) struct ImportQuery {
    /// A framework code, for a CSV (an XLSX template names its own).
    framework: Option<String>,
    /// `true`: check and preview only, write nothing.
    dry_run: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ImportProblemInfo {
    sheet: String,
    /// 1-based row, as the spreadsheet shows it; 0 for the file as a whole.
    row: u32,
    /// Column letter; empty for a whole row.
    column: String,
    error: String,
    error_en: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ImportChangeInfo {
    sheet: String,
    row: u32,
    unit: String,
    indicator: String,
    /// The figure in force on the new figure's date, as people read it in Vietnamese; absent
    /// when there was none.
    before: Option<String>,
    before_en: Option<String>,
    /// The new figure, as people read it in Vietnamese.
    after: String,
    after_en: String,
    observed_on: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ImportResult {
    file: String,
    framework: String,
    /// Whether the changes were written (never when there are problems or with `dry_run`).
    applied: bool,
    changes: Vec<ImportChangeInfo>,
    unchanged: usize,
    problems: Vec<ImportProblemInfo>,
}

/// Imports a data-entry template (XLSX) or a CSV with its columns: every row is checked first;
/// with any problem nothing is written and each is listed with its place; otherwise all the
/// changes are written in one transaction (unless `dry_run`) and audited as an import.
#[utoipa::path(
    post,
    path = "/api/v1/imports",
    params(ImportQuery),
    request_body(content_type = "multipart/form-data", description = "A `file` field with the XLSX or CSV"),
    responses(
        (status = 200, description = "Checked, and applied unless `dry_run`", body = ImportResult),
        (status = 422, description = "The file has problems; nothing was written", body = ImportResult),
        (status = 400, description = "Not a readable file", body = crate::api::ErrorBody),
        (status = 403, description = "Not allowed to enter figures on a unit in the file", body = crate::api::ErrorBody)
    ),
    security(("session" = []), ("token" = []))
)]
pub(crate) async fn import_api(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(q): Query<ImportQuery>,
    mut multipart: Multipart,
) -> Result<Response, ApiError> {
    if viewer.user.is_none() {
        return Err(AppError::SignInRequired.into());
    }
    let (fields, file) = read_multipart(&mut multipart).await?;
    viewer.check_csrf(&headers, fields.get("csrf").map(String::as_str))?;
    let (file_name, bytes) = file.ok_or_else(|| {
        AppError::bad_request("thiếu trường `file`", "the `file` field is missing")
    })?;
    // A CSV names no framework: the one asked for, else the latest.
    let framework = state
        .store
        .framework_ref(q.framework.as_deref(), None)
        .await?;
    let plan = plan_import(
        &state.store,
        &bytes,
        &file_name,
        Some(&framework),
        today(),
        &|_, _| {},
    )
    .await
    .map_err(AppError::from)?;
    authorize_plan(&state, &viewer, &plan).await?;
    let ok = plan.problems.is_empty();
    let apply = ok && !q.dry_run.unwrap_or(false) && !plan.changes.is_empty();
    if apply {
        apply_import(&state.store, &plan, &viewer.actor())
            .await
            .map_err(AppError::from)?;
        crate::metrics::import_done("applied", plan.changes.len());
    } else if !ok {
        crate::metrics::import_done("refused", 0);
    }
    let result = ImportResult {
        file: plan.file_name.clone(),
        framework: plan.framework.code.clone(),
        applied: apply,
        changes: plan
            .changes
            .iter()
            .map(|c| ImportChangeInfo {
                sheet: c.sheet.clone(),
                row: c.row,
                unit: c.unit_code.clone(),
                indicator: c.indicator_code.clone(),
                before: c.before.as_ref().map(|b| b.vi.clone()),
                before_en: c.before.as_ref().map(|b| b.en.clone()),
                after: c.after.vi.clone(),
                after_en: c.after.en.clone(),
                observed_on: c.observation.observed_on.to_string(),
            })
            .collect(),
        unchanged: plan.unchanged,
        problems: plan
            .problems
            .iter()
            .map(|p| ImportProblemInfo {
                sheet: p.sheet.clone(),
                row: p.row,
                column: p.column.clone(),
                error: p.message.vi.clone(),
                error_en: p.message.en.clone(),
            })
            .collect(),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(result)).into_response())
}
