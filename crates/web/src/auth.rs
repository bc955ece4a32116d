//! Who is asking: sessions (cookie), personal API tokens (Bearer), sign-in with rate limits,
//! CSRF tokens, and the one authorisation check every handler calls.

use std::net::SocketAddr;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};
use tiendo_domain::Lang;
use tiendo_domain::access::{Action, ReadScope, permits, summary_scope};
use tiendo_storage::{Actor, User, settings};

use crate::{AppError, AppState};

/// The session cookie. HttpOnly and SameSite=Lax always; Secure behind HTTPS.
pub const SESSION_COOKIE: &str = "tiendo_session";
/// Remembers the language chosen with the switch, for visitors who are not signed in.
pub const LANG_COOKIE: &str = "tiendo_lang";
/// Sessions last a working week.
pub const SESSION_SECONDS: i64 = 7 * 24 * 3600;
/// Failed sign-ins allowed in [`FAILURE_WINDOW_SECONDS`] per account, and per address.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;

/// An argon2id hash of the password, in PHC form, with a fresh random salt.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).expect("the system random source works");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A fresh random secret (session, CSRF or API token), 32 bytes as hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the system random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the database keeps of a secret: its SHA-256, so a copy of the database opens nothing.
pub fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The person behind a request, if any, and how they proved it.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub user: Option<User>,
    /// The session's CSRF token (cookie sessions only).
    pub csrf: Option<String>,
    /// Signed in with a Bearer token: no cookie, so no CSRF check is needed.
    pub bearer: bool,
    pub address: String,
    /// The raw session token, to end the session on sign-out.
    pub session: Option<String>,
    /// The language chosen with the switch on an earlier visit (the language cookie).
    pub cookie_lang: Option<Lang>,
}

impl Viewer {
    /// The language to answer in: the one the request asks for (`?lang=`), else the signed-in
    /// user's, else the one remembered in this browser, else Vietnamese.
    pub fn lang(&self, asked: Option<&str>) -> Lang {
        asked
            .and_then(|l| l.parse().ok())
            .or(self.user.as_ref().map(|u| u.lang))
            .or(self.cookie_lang)
            .unwrap_or_default()
    }

    pub fn actor(&self) -> Actor {
        match &self.user {
            Some(u) => u.actor(Some(self.address.clone())),
            None => Actor {
                user_id: None,
                username: "anonymous".into(),
                address: Some(self.address.clone()),
            },
        }
    }

    /// Refuses a state-changing request made with a session cookie but without the session's
    /// CSRF token (in the `csrf` form field or the `X-CSRF-Token` header).
    pub fn check_csrf(
        &self,
        headers: &HeaderMap,
        form_token: Option<&str>,
    ) -> Result<(), AppError> {
        if self.bearer {
            return Ok(());
        }
        let Some(expected) = &self.csrf else {
            return Ok(());
        };
        let given =
            form_token.or_else(|| headers.get("x-csrf-token").and_then(|v| v.to_str().ok()));
        if given.is_some_and(|g| constant_time_eq(g.as_bytes(), expected.as_bytes())) {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                vi: "Phiên làm việc không xác nhận được yêu cầu này (thiếu mã CSRF); hãy tải lại trang và thử lại.".into(),
                en: "This request could not be tied to your session (missing CSRF token); reload the page and try again.".into(),
            })
        }
    }
}

/// The client's address: the first hop of `X-Forwarded-For` when tiendo runs behind a proxy it
/// trusts (`TIENDO_TRUSTED_PROXY=1`), else the connection's peer.
fn client_address(parts: &Parts) -> String {
    let trusted = behind_trusted_proxy();
    let forwarded = parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    match forwarded {
        Some(first) if trusted => first,
        _ => parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into()),
    }
}

/// Whether tiendo runs behind a proxy it trusts to say who the client is and what it asked for
/// (`TIENDO_TRUSTED_PROXY=1`).
fn behind_trusted_proxy() -> bool {
    std::env::var("TIENDO_TRUSTED_PROXY").is_ok_and(|v| v == "1" || v == "true")
}

/// Whether the browser says the request comes from this site: `Some(true)` or `Some(false)`
/// from its `Origin` header, `None` when it sends none.
pub fn origin_is_this_site(headers: &HeaderMap) -> Option<bool> {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())?;
    // Behind a proxy it trusts, the host the browser asked for is the one the proxy forwards.
    let forwarded = behind_trusted_proxy()
        .then(|| {
            headers
                .get("x-forwarded-host")
                .and_then(|v| v.to_str().ok())
        })
        .flatten();
    let host = forwarded
        .or_else(|| headers.get(header::HOST).and_then(|v| v.to_str().ok()))
        .unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    Some(!host.is_empty() && origin_host.eq_ignore_ascii_case(host))
}

/// Refuses a form posted from another site where no session token can protect it (sign-in,
/// the language switch): when the browser says where the request comes from, it must be here.
pub fn check_same_origin(headers: &HeaderMap) -> Result<(), AppError> {
    if origin_is_this_site(headers) == Some(false) {
        Err(AppError::Forbidden {
            vi: "Yêu cầu đến từ trang khác; hãy dùng trang tiendo".into(),
            en: "This request came from another site; use the tiendo page".into(),
        })
    } else {
        Ok(())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let address = client_address(parts);
        let cookie_lang = cookie(&parts.headers, LANG_COOKIE).and_then(|l| l.parse().ok());
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(token) = bearer {
            let user = state.store.api_token_user(&secret_hash(token)).await?;
            return match user {
                Some(user) => Ok(Viewer {
                    user: Some(user),
                    csrf: None,
                    bearer: true,
                    address,
                    session: None,
                    cookie_lang,
                }),
                None => Err(AppError::Unauthorized {
                    vi: "Mã truy cập API không hợp lệ".into(),
                    en: "The API token is not valid".into(),
                }),
            };
        }
        if let Some(token) = cookie(&parts.headers, SESSION_COOKIE)
            && let Some((user, csrf)) = state.store.session(&secret_hash(&token)).await?
        {
            return Ok(Viewer {
                user: Some(user),
                csrf: Some(csrf),
                bearer: false,
                address,
                session: Some(token),
                cookie_lang,
            });
        }
        Ok(Viewer {
            user: None,
            csrf: None,
            bearer: false,
            address,
            session: None,
            cookie_lang,
        })
    }
}

impl AppState {
    /// The one authorisation check: may `viewer` do `action` on the unit `code`? Anonymous
    /// viewers are told to sign in (401), signed-in ones that they may not (403).
    pub async fn authorize(
        &self,
        viewer: &Viewer,
        action: Action,
        code: &str,
    ) -> Result<(), AppError> {
        self.access(viewer, code).await?.check(action)
    }

    /// What `viewer` may do on the unit `code`, read once for pages that ask several times; it
    /// carries the unit and its ancestors, which pages show too.
    pub async fn access(&self, viewer: &Viewer, code: &str) -> Result<UnitAccess, AppError> {
        let (unit, ancestors) = self.store.unit_and_ancestors(code).await?;
        let mut lineage: Vec<String> = ancestors.iter().map(|u| u.code.clone()).collect();
        lineage.push(unit.code.clone());
        let access = self.access_to(viewer, &unit.name, lineage, self.public_dashboard().await?);
        Ok(UnitAccess {
            unit,
            ancestors,
            access,
        })
    }

    /// What `viewer` may do on a unit whose lineage (root first, the unit last) is already
    /// known, as for the units a search found; `public` is [`AppState::public_dashboard`].
    pub fn access_to(
        &self,
        viewer: &Viewer,
        unit_name: &str,
        lineage: Vec<String>,
        public: bool,
    ) -> Access {
        Access {
            viewer: viewer.clone(),
            unit_name: unit_name.to_string(),
            lineage,
            public,
        }
    }

    /// Where `viewer` may read summaries, for queries that list units (search); `public` is
    /// [`AppState::public_dashboard`].
    pub fn read_scope(&self, viewer: &Viewer, public: bool) -> ReadScope {
        let grants = viewer
            .user
            .as_ref()
            .map(|u| u.grants.as_slice())
            .unwrap_or_default();
        summary_scope(grants, public)
    }

    /// Whether the read API and pages are open to everyone.
    pub async fn public_dashboard(&self) -> Result<bool, AppError> {
        Ok(self
            .store
            .setting(settings::PUBLIC_DASHBOARD)
            .await?
            .as_deref()
            == Some("true"))
    }

    /// Signs in with a username and password, subject to the rate limits; returns the user,
    /// the session token (for the cookie) and the session's CSRF token.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        address: &str,
    ) -> Result<(User, String, String), AppError> {
        let username = username.trim();
        let (by_account, by_address) = self
            .store
            .recent_failures(username, address, FAILURE_WINDOW_SECONDS)
            .await?;
        if by_account >= MAX_FAILURES_PER_ACCOUNT || by_address >= MAX_FAILURES_PER_ADDRESS {
            return Err(AppError::TooManyAttempts);
        }
        let credentials = self.store.credentials(username).await?;
        let verified = match &credentials {
            Some((_, hash)) => verify_password(password, hash),
            None => {
                // Spend the same time as a real check, so timing does not reveal accounts.
                let _ =
                    verify_password(password, DUMMY_HASH.get_or_init(|| hash_password("tiendo")));
                false
            }
        };
        self.store
            .note_login_attempt(username, address, verified)
            .await?;
        let Some((user, _)) = credentials.filter(|_| verified) else {
            return Err(AppError::Unauthorized {
                vi: "Sai tên đăng nhập hoặc mật khẩu".into(),
                en: "Wrong username or password".into(),
            });
        };
        let token = new_secret();
        let csrf = new_secret();
        self.store
            .create_session(
                &user,
                &secret_hash(&token),
                &csrf,
                SESSION_SECONDS,
                Some(address),
            )
            .await?;
        Ok((user, token, csrf))
    }
}

static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The `Set-Cookie` value for a new session (or, with `None`, one that ends it).
pub fn session_cookie(token: Option<&str>, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = match token {
        Some(t) => format!(
            "{SESSION_COOKIE}={t}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}{secure}"
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&value).expect("cookie values are ASCII")
}

/// The `Set-Cookie` value that remembers a language for a year.
pub fn lang_cookie(lang: Lang, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000{secure}",
        lang.code()
    ))
    .expect("cookie values are ASCII")
}

/// Whether cookies must be marked Secure: behind an HTTPS proxy, or when configured.
pub fn secure_cookies(headers: &HeaderMap) -> bool {
    std::env::var("TIENDO_SECURE_COOKIES").is_ok_and(|v| v == "1" || v == "true")
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_salt_and_verify() {
        let a = hash_password("demo");
        let b = hash_password("demo");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("demo", &a));
        assert!(!verify_password("Demo", &a));
        assert!(!verify_password("demo", "not a hash"));
    }

    #[test]
    fn secrets_are_random_and_stored_hashed() {
        let s = new_secret();
        assert_eq!(s.len(), 64);
        assert_ne!(s, new_secret());
        assert_eq!(secret_hash(&s).len(), 64);
        assert_ne!(secret_hash(&s), s);
    }
}

#[cfg(test)]
mod origin_tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn sign_ins_from_other_sites_are_refused() {
        assert!(check_same_origin(&headers(&[("host", "tiendo.local:8080")])).is_ok());
        assert!(
            check_same_origin(&headers(&[
                ("host", "tiendo.local:8080"),
                ("origin", "http://tiendo.local:8080")
            ]))
            .is_ok()
        );
        assert!(
            check_same_origin(&headers(&[
                ("host", "tiendo.local:8080"),
                ("origin", "https://evil.example")
            ]))
            .is_err()
        );
    }
}

/// A viewer's standing on one unit: the unit's lineage and whether the dashboard is public.
pub struct Access {
    viewer: Viewer,
    unit_name: String,
    lineage: Vec<String>,
    public: bool,
}

/// [`Access`] to a unit read from the database, with the unit and its ancestors (root first).
pub struct UnitAccess {
    pub unit: tiendo_domain::Unit,
    pub ancestors: Vec<tiendo_domain::Unit>,
    access: Access,
}

impl UnitAccess {
    pub fn allows(&self, action: Action) -> bool {
        self.access.allows(action)
    }

    pub fn check(&self, action: Action) -> Result<(), AppError> {
        self.access.check(action)
    }
}

impl Access {
    pub fn allows(&self, action: Action) -> bool {
        let lineage: Vec<&str> = self.lineage.iter().map(String::as_str).collect();
        let grants = self
            .viewer
            .user
            .as_ref()
            .map(|u| u.grants.as_slice())
            .unwrap_or_default();
        permits(grants, action, &lineage, self.public)
    }

    pub fn check(&self, action: Action) -> Result<(), AppError> {
        if self.allows(action) {
            return Ok(());
        }
        match &self.viewer.user {
            None => Err(AppError::SignInRequired),
            Some(user) => Err(AppError::Forbidden {
                vi: format!(
                    "Tài khoản {} không có quyền này với đơn vị {}",
                    user.username, self.unit_name
                ),
                en: format!(
                    "The account {} may not do this for {}",
                    user.username, self.unit_name
                ),
            }),
        }
    }
}
