//! The organisations page of a unit: its organisations, their supported groups and members;
//! created, edited and staffed by whoever coordinates the unit (the steering committee, admin).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tiendo_domain::Lang;
use tiendo_domain::access::Action;
use tiendo_storage::{NewOrganisation, ORGANISATION_KINDS, organisation_kind_label};

use crate::auth::Viewer;
use crate::pages::{PageError, UNCACHED};
use crate::{AppError, AppState};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/units/{code}/organisations", get(page).post(create))
        .route("/organisations/{org}", post(edit))
        .route("/organisations/{org}/members", post(members))
}

struct OrgView {
    code: String,
    name: String,
    name_en: String,
    kind: String,
    kind_label: &'static str,
    supports: String,
    members: Vec<String>,
    tasks_href: String,
}

#[derive(Template)]
#[template(path = "organisations.html")]
struct OrgPage {
    lang: Lang,
    signed_in: Option<String>,
    csrf: String,
    unit_code: String,
    unit_name: String,
    can_manage: bool,
    organisations: Vec<OrgView>,
    kinds: Vec<(&'static str, &'static str)>,
    groups: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(q.lang.as_deref());
    let run = async {
        let access = state.access(&viewer, &code).await?;
        access.check(Action::ReadData)?;
        let orgs = state.store.organisations_under(&code).await?;
        let as_of = state.default_as_of().await?;
        let fw = state.store.framework_ref(None, Some(as_of)).await?;
        let rules = state.store.framework(&fw).await?;
        let page = OrgPage {
            lang,
            signed_in: viewer.user.as_ref().map(|u| u.username.clone()),
            csrf: viewer.csrf.clone().unwrap_or_default(),
            unit_code: access.unit.code.clone(),
            unit_name: access.unit.name.clone(),
            can_manage: access.allows(Action::Coordinate),
            organisations: orgs
                .into_iter()
                .map(|o| OrgView {
                    kind_label: organisation_kind_label(&o.kind, lang),
                    tasks_href: format!(
                        "/tasks?organisation={}{}",
                        o.code,
                        if lang == Lang::En { "&lang=en" } else { "" }
                    ),
                    supports: o.supports.join(", "),
                    code: o.code,
                    name: o.name,
                    name_en: o.name_en,
                    kind: o.kind,
                    members: o.members,
                })
                .collect(),
            kinds: ORGANISATION_KINDS
                .iter()
                .map(|k| (*k, organisation_kind_label(k, lang)))
                .collect(),
            groups: rules
                .groups
                .iter()
                .map(|g| (g.code.clone(), lang.pick(&g.name, &g.name_en).to_string()))
                .collect(),
        };
        crate::pages::render(StatusCode::OK, &page, lang, UNCACHED).map_err(|e| e.0)
    };
    run.await.map_err(|e| PageError(e, lang))
}

fn field<'a>(fields: &'a [(String, String)], key: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn new_org(fields: &[(String, String)], code: &str, unit: &str) -> NewOrganisation {
    NewOrganisation {
        code: super::nfc(code),
        name: super::nfc(field(fields, "name")),
        name_en: super::nfc(field(fields, "name_en")),
        kind: field(fields, "kind").to_string(),
        unit_code: unit.to_string(),
        supports: fields
            .iter()
            .filter(|(k, _)| k == "supports")
            .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

fn back(unit: &str, lang: Lang) -> Response {
    let path = format!("/units/{unit}/organisations");
    match lang {
        Lang::En => Redirect::to(&format!("{path}?lang=en")).into_response(),
        Lang::Vi => Redirect::to(&path).into_response(),
    }
}

async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(None);
    let run = async {
        viewer.check_csrf(&headers, Some(field(&fields, "csrf")))?;
        state.authorize(&viewer, Action::Coordinate, &code).await?;
        let org = new_org(&fields, field(&fields, "code"), &code);
        state
            .store
            .create_organisation(&org, &viewer.actor())
            .await?;
        Ok(back(&code, lang))
    };
    run.await.map_err(|e| PageError(e, lang))
}

/// Coordinating the organisation's unit is what managing it takes.
async fn authorize_org(
    state: &AppState,
    viewer: &Viewer,
    org: &str,
) -> Result<tiendo_storage::Organisation, AppError> {
    let o = state.store.organisation(org).await?;
    state
        .authorize(viewer, Action::Coordinate, &o.unit_code)
        .await?;
    Ok(o)
}

async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(org): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(None);
    let run = async {
        viewer.check_csrf(&headers, Some(field(&fields, "csrf")))?;
        let o = authorize_org(&state, &viewer, &org).await?;
        let new = new_org(&fields, &o.code, &o.unit_code);
        state
            .store
            .update_organisation(&o.code, &new, &viewer.actor())
            .await?;
        Ok(back(&o.unit_code, lang))
    };
    run.await.map_err(|e| PageError(e, lang))
}

async fn members(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(org): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = viewer.lang(None);
    let run = async {
        viewer.check_csrf(&headers, Some(field(&fields, "csrf")))?;
        let o = authorize_org(&state, &viewer, &org).await?;
        let username = field(&fields, "username");
        if field(&fields, "action") == "remove" {
            state
                .store
                .remove_organisation_member(&o.code, username, &viewer.actor())
                .await?;
        } else {
            state
                .store
                .add_organisation_member(&o.code, username, &viewer.actor())
                .await?;
        }
        Ok(back(&o.unit_code, lang))
    };
    run.await.map_err(|e| PageError(e, lang))
}
