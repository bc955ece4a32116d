//! What the web test binaries share: the demo server on 127.0.0.1:0, clients that sign in, and
//! reading parsed HTML. Each binary uses a part of it.
#![allow(dead_code)]

pub mod documents;

use std::net::SocketAddr;

use reqwest::{Client, StatusCode};
use scraper::{ElementRef, Html, Selector};
use serde_json::{Value, json};
use tiendo_storage::Store;

/// A fresh directory for the evidence files of one test server.
pub fn test_files() -> tiendo_storage::FileStore {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tiendo-files-{}-{n}", std::process::id()));
    tiendo_storage::FileStore::local(&dir).unwrap()
}

/// Loads the demo into `store` and serves it on a free port.
pub async fn start(store: &Store) -> SocketAddr {
    tiendo_web::demo::load(store).await.expect("load the demo");
    serve(store).await
}

/// Loads the demo's figures without its story (no organisations, meeting, tasks or training)
/// and serves it on a free port.
#[allow(dead_code)]
pub async fn start_with_figures_only(store: &Store) -> SocketAddr {
    tiendo_web::demo::load_figures(store)
        .await
        .expect("load the demo");
    serve(store).await
}

async fn serve(store: &Store) -> SocketAddr {
    let (addr, server) =
        tiendo_web::bind(store.clone(), test_files(), "127.0.0.1:0".parse().unwrap())
            .await
            .expect("bind");
    tokio::spawn(server);
    addr
}

/// Closes the read API and pages to those not signed in (the demo opens them).
pub async fn close_dashboard(store: &Store) {
    store
        .set_setting(
            tiendo_storage::settings::PUBLIC_DASHBOARD,
            "false",
            &tiendo_storage::Actor::system("test"),
        )
        .await
        .unwrap();
}

/// A client that keeps cookies and does not follow redirects.
pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn get(addr: SocketAddr, path: &str) -> (StatusCode, String) {
    get_with(&client(), addr, path).await
}

pub async fn get_with(c: &Client, addr: SocketAddr, path: &str) -> (StatusCode, String) {
    let response = c
        .get(format!("http://{addr}{path}"))
        .send()
        .await
        .expect("request");
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// A signed-in API client and its CSRF token.
pub async fn sign_in(addr: SocketAddr, username: &str) -> (Client, String) {
    let c = client();
    let r = c
        .post(format!("http://{addr}/api/v1/login"))
        .json(&json!({"username": username, "password": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{username} signs in");
    let cookie = r.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let body: Value = r.json().await.unwrap();
    (c, body["csrf_token"].as_str().unwrap().to_string())
}

/// A client signed in through the sign-in form, and the CSRF token from a page.
pub async fn sign_in_page(addr: SocketAddr, username: &str, page: &str) -> (Client, String) {
    let c = client();
    let r = c
        .post(format!("http://{addr}/login"))
        .form(&[("username", username), ("password", "demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = get_with(&c, addr, page).await;
    let csrf = select_attr(&html, "header form input[name=csrf]", "value").unwrap();
    (c, csrf)
}

pub fn select<'a>(doc: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

/// The text of an element, trimmed.
pub fn text(e: &ElementRef) -> String {
    e.text().collect::<String>().trim().to_string()
}

/// The text of the first element matching `css` inside `e`.
pub fn text_in(e: &ElementRef, css: &str) -> String {
    text(&first(e, css))
}

/// The first element matching `css` inside `e`.
pub fn first<'a>(e: &ElementRef<'a>, css: &str) -> ElementRef<'a> {
    e.select(&Selector::parse(css).unwrap())
        .next()
        .unwrap_or_else(|| panic!("no «{css}» in {}", e.html()))
}

/// The one of `elements` whose attribute `attr` is `value`.
pub fn with_attr<'a>(elements: &[ElementRef<'a>], attr: &str, value: &str) -> ElementRef<'a> {
    *elements
        .iter()
        .find(|e| e.value().attr(attr) == Some(value))
        .unwrap_or_else(|| panic!("no element with {attr}=«{value}»"))
}

pub fn select_attr(html: &str, css: &str, attr: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    doc.select(&Selector::parse(css).unwrap())
        .next()
        .and_then(|e| e.value().attr(attr).map(str::to_string))
}
