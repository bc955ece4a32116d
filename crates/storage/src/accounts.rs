//! Users and their roles, sessions, API tokens, sign-in attempts, and the audit log.
//! Secrets never reach this crate: it stores the hashes it is given.

use std::time::{SystemTime, UNIX_EPOCH};

use tiendo_domain::Lang;
use tiendo_domain::access::{Grant, Role};

use crate::cache::Revision;
use crate::conn::Conn;
use crate::{Result, StorageError, Store};

/// A signed-in person (or the system) as the audit log records them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    /// Where the request came from (an IP address), when there was a request.
    pub address: Option<String>,
}

impl Actor {
    /// Work done by tiendo itself or its command line, not by a signed-in user.
    pub fn system(what: &str) -> Actor {
        Actor {
            user_id: None,
            username: format!("system:{what}"),
            address: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub organisation: Option<String>,
    pub lang: Lang,
    pub grants: Vec<Grant>,
}

impl User {
    pub fn actor(&self, address: Option<String>) -> Actor {
        Actor {
            user_id: Some(self.id),
            username: self.username.clone(),
            address,
        }
    }
}

/// A user to create.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub organisation: Option<String>,
    pub password_hash: String,
    pub grants: Vec<Grant>,
}

/// An entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub username: String,
    pub address: Option<String>,
    pub action: String,
    pub unit_code: Option<String>,
    pub indicator_code: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// UTC time `seconds` from now as ISO-8601 text (comparable as text).
pub(crate) fn utc_in(seconds: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let t = time::OffsetDateTime::from_unix_timestamp(now + seconds)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Appends to the audit log on the caller's connection (so inside its transaction).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn audit(
    conn: &mut Conn<'_>,
    actor: &Actor,
    action: &str,
    unit_code: Option<&str>,
    indicator_code: Option<&str>,
    entity_id: Option<i64>,
    old_value: Option<String>,
    new_value: Option<String>,
) -> Result<()> {
    sql!(&mut *conn, execute
        "INSERT INTO audit_log (at, user_id, username, address, action, unit_code, indicator_code, entity_id, old_value, new_value)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        utc_in(0), actor.user_id, actor.username.as_str(), actor.address.as_deref(), action,
        unit_code, indicator_code, entity_id, old_value, new_value)?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    organisation: Option<String>,
    lang: String,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    role: String,
    unit_code: Option<String>,
}

async fn grants(conn: &mut Conn<'_>, user_id: i64) -> Result<Vec<Grant>> {
    sql!(&mut *conn, fetch_all GrantRow,
        "SELECT r.role, u.code AS unit_code FROM user_roles r LEFT JOIN units u ON u.id = r.unit_id
         WHERE r.user_id = $1 ORDER BY r.id", user_id)?
    .into_iter()
    .map(|g| {
        Ok(Grant {
            role: g.role.parse().map_err(StorageError::Corrupt)?,
            unit_code: g.unit_code,
        })
    })
    .collect()
}

async fn user_from_row(conn: &mut Conn<'_>, row: UserRow) -> Result<User> {
    Ok(User {
        grants: grants(conn, row.id).await?,
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        organisation: row.organisation,
        lang: row.lang.parse().unwrap_or_default(),
    })
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.organisation, u.lang";

impl Store {
    /// Creates a user with their roles; every unit a role names must exist.
    pub async fn create_user(&self, new: &NewUser, actor: &Actor) -> Result<User> {
        let username = new.username.trim();
        if username.is_empty()
            || !username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(StorageError::invalid(
                format!(
                    "tên đăng nhập «{username}» chỉ được gồm chữ không dấu, chữ số, `.`, `_`, `-`"
                ),
                format!(
                    "username «{username}» may hold only ASCII letters, digits, `.`, `_` and `-`"
                ),
            ));
        }
        let mut tx = self.pool.begin().await?;
        let taken = sql!(tx.conn(), fetch_optional_scalar i64,
            "SELECT id FROM users WHERE username = $1", username)?;
        if taken.is_some() {
            return Err(StorageError::invalid(
                format!("tên đăng nhập «{username}» đã có người dùng"),
                format!("the username «{username}» is taken"),
            ));
        }
        let id = sql!(tx.conn(), fetch_one_scalar i64,
            "INSERT INTO users (username, display_name, organisation, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            username, new.display_name.as_str(), new.organisation.as_deref(),
            new.password_hash.as_str(), utc_in(0))?;
        for grant in &new.grants {
            self.add_grant(&mut tx.conn(), id, grant).await?;
        }
        let roles: Vec<String> = new
            .grants
            .iter()
            .map(|g| match &g.unit_code {
                Some(unit) => format!("{}@{unit}", g.role),
                None => g.role.to_string(),
            })
            .collect();
        crate::accounts::audit(
            &mut tx.conn(),
            actor,
            "user.create",
            None,
            None,
            Some(id),
            None,
            Some(format!("{username} [{}]", roles.join(", "))),
        )
        .await?;
        let user = self.user_on(&mut tx.conn(), id).await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn add_grant(&self, conn: &mut Conn<'_>, user_id: i64, grant: &Grant) -> Result<()> {
        let unit_id = match (&grant.unit_code, grant.role.needs_unit()) {
            (None, true) => {
                return Err(StorageError::invalid(
                    format!("vai trò {} cần một đơn vị (--unit MÃ)", grant.role),
                    format!("the role {} needs a unit (--unit CODE)", grant.role),
                ));
            }
            (Some(code), _) => Some(Store::unit_with_id(&mut *conn, code).await?.0),
            (None, false) => None,
        };
        sql!(&mut *conn, execute
            "INSERT INTO user_roles (user_id, role, unit_id) VALUES ($1, $2, $3)",
            user_id, grant.role.code(), unit_id)?;
        Ok(())
    }

    /// Gives a user one more role (audited).
    pub async fn grant_role(&self, username: &str, grant: &Grant, actor: &Actor) -> Result<User> {
        let mut tx = self.pool.begin().await?;
        let id = user_id(&mut tx.conn(), username).await?;
        let exists = sql!(tx.conn(), fetch_optional_scalar i64,
            "SELECT r.id FROM user_roles r LEFT JOIN units u ON u.id = r.unit_id
             WHERE r.user_id = $1 AND r.role = $2 AND (u.code = $3 OR (u.code IS NULL AND $3 IS NULL))",
            id, grant.role.code(), grant.unit_code.as_deref())?;
        if exists.is_none() {
            self.add_grant(&mut tx.conn(), id, grant).await?;
            audit(
                &mut tx.conn(),
                actor,
                "user.grant",
                grant.unit_code.as_deref(),
                None,
                Some(id),
                None,
                Some(format!("{username}: {}", describe_grant(grant))),
            )
            .await?;
        }
        let user = self.user_on(&mut tx.conn(), id).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Takes a role away from a user (audited); their sessions end.
    pub async fn revoke_role(&self, username: &str, grant: &Grant, actor: &Actor) -> Result<User> {
        let mut tx = self.pool.begin().await?;
        let id = user_id(&mut tx.conn(), username).await?;
        let removed = sql!(tx.conn(), execute
            "DELETE FROM user_roles WHERE user_id = $1 AND role = $2 AND
                 (unit_id = (SELECT id FROM units WHERE code = $3) OR (unit_id IS NULL AND $3 IS NULL))",
            id, grant.role.code(), grant.unit_code.as_deref())?;
        if removed == 0 {
            return Err(StorageError::not_found(
                format!("{username} không có vai trò {}", describe_grant(grant)),
                format!(
                    "{username} does not hold the role {}",
                    describe_grant(grant)
                ),
            ));
        }
        sql!(tx.conn(), execute "DELETE FROM sessions WHERE user_id = $1", id)?;
        audit(
            &mut tx.conn(),
            actor,
            "user.revoke",
            grant.unit_code.as_deref(),
            None,
            Some(id),
            Some(format!("{username}: {}", describe_grant(grant))),
            None,
        )
        .await?;
        let user = self.user_on(&mut tx.conn(), id).await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn user_on(&self, conn: &mut Conn<'_>, id: i64) -> Result<User> {
        let row = sql!(&mut *conn, fetch_optional UserRow,
            &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"), id)?
        .ok_or_else(|| StorageError::not_found("không có người dùng này", "no such user"))?;
        user_from_row(conn, row).await
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let mut c = self.pool.acquire().await?;
        self.user_on(&mut c.conn(), id).await
    }

    /// An active user and their password hash, to check a sign-in.
    pub async fn credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            password_hash: String,
        }
        let mut c = self.pool.acquire().await?;
        let row = sql!(c.conn(), fetch_optional Row,
            "SELECT id, password_hash FROM users WHERE username = $1 AND active", username)?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((
                self.user_on(&mut c.conn(), r.id).await?,
                r.password_hash,
            ))),
        }
    }

    pub async fn set_password_hash(&self, username: &str, hash: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let changed = sql!(tx.conn(), execute
            "UPDATE users SET password_hash = $1 WHERE username = $2", hash, username)?;
        if changed == 0 {
            return Err(StorageError::not_found(
                format!("không có người dùng «{username}»"),
                format!("no user is called «{username}»"),
            ));
        }
        // A new password ends every open session of the account.
        sql!(tx.conn(), execute
            "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = $1)", username)?;
        audit(
            &mut tx.conn(),
            actor,
            "user.password",
            None,
            None,
            None,
            None,
            Some(username.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_user_lang(&self, user_id: i64, lang: Lang) -> Result<()> {
        let mut c = self.pool.acquire().await?;
        sql!(c.conn(), execute "UPDATE users SET lang = $1 WHERE id = $2", lang.code(), user_id)?;
        crate::cache::forget_request_revision();
        Ok(())
    }

    /// Opens a session for `ttl_seconds`; the sign-in is audited in the same transaction.
    pub async fn create_session(
        &self,
        user: &User,
        token_hash: &str,
        csrf_token: &str,
        ttl_seconds: i64,
        address: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sql!(tx.conn(), execute
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, address)
             VALUES ($1, $2, $3, $4, $5, $6)",
            token_hash, user.id, csrf_token, utc_in(0), utc_in(ttl_seconds), address)?;
        audit(
            &mut tx.conn(),
            &user.actor(address.map(str::to_string)),
            "session.sign_in",
            None,
            None,
            None,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user of an unexpired session, and the session's CSRF token.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(User, String)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            user_id: i64,
            csrf_token: String,
        }
        let mut c = self.pool.acquire().await?;
        let row = sql!(c.conn(), fetch_optional Row,
            "SELECT s.user_id, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active",
            token_hash, utc_in(0))?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((
                self.user_on(&mut c.conn(), r.user_id).await?,
                r.csrf_token,
            ))),
        }
    }

    pub async fn end_session(&self, token_hash: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sql!(tx.conn(), execute "DELETE FROM sessions WHERE token_hash = $1", token_hash)?;
        audit(
            &mut tx.conn(),
            actor,
            "session.sign_out",
            None,
            None,
            None,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_api_token(
        &self,
        username: &str,
        name: &str,
        token_hash: &str,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let user_id = sql!(tx.conn(), fetch_optional_scalar i64,
            "SELECT id FROM users WHERE username = $1", username)?
        .ok_or_else(|| {
            StorageError::not_found(
                format!("không có người dùng «{username}»"),
                format!("no user is called «{username}»"),
            )
        })?;
        sql!(tx.conn(), execute
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)",
            user_id, name, token_hash, utc_in(0))?;
        audit(
            &mut tx.conn(),
            actor,
            "token.create",
            None,
            None,
            Some(user_id),
            None,
            Some(format!("{username}: {name}")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes a user's API tokens with this name; returns how many.
    pub async fn revoke_api_tokens(
        &self,
        username: &str,
        name: &str,
        actor: &Actor,
    ) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let id = user_id(&mut tx.conn(), username).await?;
        let removed = sql!(tx.conn(), execute
            "DELETE FROM api_tokens WHERE user_id = $1 AND name = $2", id, name)?;
        if removed == 0 {
            return Err(StorageError::not_found(
                format!("{username} không có mã truy cập tên «{name}»"),
                format!("{username} has no token named «{name}»"),
            ));
        }
        audit(
            &mut tx.conn(),
            actor,
            "token.revoke",
            None,
            None,
            Some(id),
            Some(format!("{username}: {name}")),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(removed)
    }

    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<User>> {
        let mut c = self.pool.acquire().await?;
        let revision = Revision::current(&mut c.conn()).await?.catalog_only();
        if let Some(user) = self
            .caches
            .token_users
            .get(revision, &token_hash.to_string())
        {
            return Ok(Some(user));
        }
        let id = sql!(c.conn(), fetch_optional_scalar i64,
            "SELECT t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND u.active", token_hash)?;
        // Only tokens that name someone are kept, so that guesses cannot fill the cache.
        let Some(id) = id else { return Ok(None) };
        let user = self.user_on(&mut c.conn(), id).await?;
        self.caches
            .token_users
            .put(revision, token_hash.to_string(), user.clone());
        Ok(Some(user))
    }

    /// Records a sign-in attempt (a failed one is also audited).
    pub async fn note_login_attempt(
        &self,
        username: &str,
        address: &str,
        succeeded: bool,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sql!(tx.conn(), execute
            "INSERT INTO login_attempts (username, address, attempted_at, succeeded) VALUES ($1, $2, $3, $4)",
            username, address, utc_in(0), succeeded)?;
        if !succeeded {
            let actor = Actor {
                user_id: None,
                username: username.to_string(),
                address: Some(address.to_string()),
            };
            audit(
                &mut tx.conn(),
                &actor,
                "session.sign_in_failed",
                None,
                None,
                None,
                None,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Failed sign-ins in the last `window_seconds`: for this username, and from this address.
    pub async fn recent_failures(
        &self,
        username: &str,
        address: &str,
        window_seconds: i64,
    ) -> Result<(i64, i64)> {
        let mut c = self.pool.acquire().await?;
        let since = utc_in(-window_seconds);
        let by_user = sql!(c.conn(), fetch_one_scalar i64,
            "SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND attempted_at > $2 AND NOT succeeded",
            username, since.as_str())?;
        let by_address = sql!(c.conn(), fetch_one_scalar i64,
            "SELECT COUNT(*) FROM login_attempts WHERE address = $1 AND attempted_at > $2 AND NOT succeeded",
            address, since.as_str())?;
        Ok((by_user, by_address))
    }

    /// The audit trail of a unit (optionally of one indicator), newest first.
    pub async fn audit_trail(
        &self,
        unit_code: &str,
        indicator_code: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let mut c = self.pool.acquire().await?;
        Ok(sql!(c.conn(), fetch_all AuditEntry,
            "SELECT id, at, username, address, action, unit_code, indicator_code, old_value, new_value
             FROM audit_log WHERE unit_code = $1 AND ($2 IS NULL OR indicator_code = $2)
             ORDER BY id DESC LIMIT $3",
            unit_code, indicator_code, limit)?)
    }

    /// Every audit entry with an action starting with `prefix`, newest first.
    pub async fn audit_by_action(&self, prefix: &str, limit: i64) -> Result<Vec<AuditEntry>> {
        let mut c = self.pool.acquire().await?;
        Ok(sql!(c.conn(), fetch_all AuditEntry,
            "SELECT id, at, username, address, action, unit_code, indicator_code, old_value, new_value
             FROM audit_log WHERE action LIKE $1 ORDER BY id DESC LIMIT $2",
            format!("{prefix}%"), limit)?)
    }
}

/// Roles given on the command line as `ROLE` (admin) or with a unit.
pub fn grant(role: Role, unit_code: Option<&str>) -> Grant {
    Grant {
        role,
        unit_code: unit_code.map(str::to_string),
    }
}

fn describe_grant(g: &Grant) -> String {
    match &g.unit_code {
        Some(unit) => format!("{}@{unit}", g.role),
        None => g.role.to_string(),
    }
}

async fn user_id(conn: &mut Conn<'_>, username: &str) -> Result<i64> {
    sql!(&mut *conn, fetch_optional_scalar i64, "SELECT id FROM users WHERE username = $1", username)?
        .ok_or_else(|| StorageError::not_found(
            format!("không có người dùng «{username}»"),
            format!("no user is called «{username}»"),
        ))
}
