//! The notices page, marking notices read, and the header's unread badge (an image, so that
//! every page shows it without each page reading the count).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tiendo_domain::Lang;

use crate::auth::Viewer;
use crate::pages::{PageError, UNCACHED};
use crate::{AppError, AppState};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(page))
        .route("/notifications/read", post(mark_read))
        .route("/notifications/badge.svg", get(badge))
        .route("/account/email", post(set_email))
}

struct NoticeView {
    id: i64,
    at: String,
    title: String,
    body: String,
    link: String,
    read: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NoticesPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    unread: i64,
    notices: Vec<NoticeView>,
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<LangQuery>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    let run = async {
        let Some(user) = &viewer.user else {
            return Err(AppError::SignInRequired);
        };
        let notices = state.store.notifications(user.id, 200).await?;
        let page = NoticesPage {
            lang,
            signed_in: Some(user.username.clone()),
            csrf: viewer.csrf.clone().unwrap_or_default(),
            unread: state.store.unread_notifications(user.id).await?,
            notices: notices
                .into_iter()
                .map(|n| NoticeView {
                    at: n.at.replace('T', " ").trim_end_matches('Z').to_string(),
                    title: n.title_in(lang).to_string(),
                    body: n.body_in(lang).to_string(),
                    link: match lang {
                        Lang::En if !n.link.is_empty() => format!("{}?lang=en", n.link),
                        _ => n.link,
                    },
                    id: n.id,
                    read: n.read,
                })
                .collect(),
        };
        crate::pages::render(StatusCode::OK, &page, lang, UNCACHED).map_err(|e| e.0)
    };
    run.await.map_err(|e| PageError(e, lang))
}

async fn mark_read(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(None);
    let run = async {
        let Some(user) = &viewer.user else {
            return Err(AppError::SignInRequired);
        };
        let token = fields
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        viewer.check_csrf(&headers, token)?;
        let ids: Vec<i64> = fields
            .iter()
            .filter(|(k, _)| k == "id")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
        state.store.mark_notifications_read(user.id, &ids).await?;
        Ok(match lang {
            Lang::En => Redirect::to("/notifications?lang=en").into_response(),
            Lang::Vi => Redirect::to("/notifications").into_response(),
        })
    };
    run.await.map_err(|e| PageError(e, lang))
}

/// The unread count as a small SVG (empty when there is none, or nobody is signed in).
async fn badge(State(state): State<AppState>, viewer: Viewer) -> Result<Response, AppError> {
    let unread = match &viewer.user {
        Some(u) => state.store.unread_notifications(u.id).await?,
        None => 0,
    };
    let svg = if unread == 0 {
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>"#.to_string()
    } else {
        let text = if unread > 99 {
            "99+".to_string()
        } else {
            unread.to_string()
        };
        let width = 10 + 8 * text.len();
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="18" viewBox="0 0 {width} 18"><rect width="{width}" height="18" rx="9" fill="#b3261e"/><text x="{}" y="13" font-family="sans-serif" font-size="12" font-weight="bold" fill="#fff" text-anchor="middle">{text}</text></svg>"##,
            width / 2
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

/// Sets (or clears) the address the signed-in user's notices are e-mailed to.
async fn set_email(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    let run = async {
        let Some(user) = &viewer.user else {
            return Err(AppError::SignInRequired);
        };
        let field = |k: &str| {
            fields
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        viewer.check_csrf(&headers, field("csrf"))?;
        let email = super::nfc(field("email").unwrap_or(""));
        state
            .store
            .set_user_email(user.id, Some(&email), &viewer.actor())
            .await?;
        Ok(match lang {
            Lang::En => Redirect::to("/account?lang=en").into_response(),
            Lang::Vi => Redirect::to("/account").into_response(),
        })
    };
    run.await.map_err(|e| PageError(e, lang))
}
