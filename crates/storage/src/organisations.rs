//! Organisations that support units (city departments, telecom operators, steering
//! committees) and their members, who are users.

use tiendo_domain::Lang;

use crate::accounts::{Actor, audit, utc_in};
use crate::conn::Conn;
use crate::{Result, StorageError, Store};

/// The kinds of organisation the schema knows.
pub const ORGANISATION_KINDS: [&str; 4] = ["department", "operator", "committee", "other"];

/// The label of an organisation kind.
pub fn organisation_kind_label(kind: &str, lang: Lang) -> &'static str {
    match kind {
        "department" => lang.pick("Phòng, ban", "Department"),
        "operator" => lang.pick("Doanh nghiệp viễn thông", "Telecom operator"),
        "committee" => lang.pick("Ban chỉ đạo", "Steering committee"),
        _ => lang.pick("Khác", "Other"),
    }
}

/// An organisation, with the unit it serves and its members' usernames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// One of [`ORGANISATION_KINDS`].
    pub kind: String,
    pub unit_code: String,
    pub unit_name: String,
    /// The groups of indicators it supports (group codes).
    pub supports: Vec<String>,
    /// Its members' usernames, sorted.
    pub members: Vec<String>,
}

impl Organisation {
    pub fn name_in(&self, lang: Lang) -> &str {
        lang.pick(&self.name, &self.name_en)
    }
}

/// An organisation to create, or what an edit sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrganisation {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: String,
    /// The unit it serves (the city, the province): it supports the units under it.
    pub unit_code: String,
    pub supports: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    code: String,
    name: String,
    name_en: String,
    kind: String,
    unit_code: String,
    unit_name: String,
    supports: String,
}

const ORG_COLUMNS: &str =
    "o.id, o.code, o.name, o.name_en, o.kind, u.code AS unit_code, u.name AS unit_name, o.supports";

#[derive(sqlx::FromRow)]
struct MemberRow {
    organisation_id: i64,
    username: String,
}

fn validate(org: &NewOrganisation) -> Result<()> {
    if org.code.trim().is_empty() || org.name.trim().is_empty() {
        return Err(StorageError::invalid(
            "tổ chức cần mã và tên",
            "an organisation needs a code and a name",
        ));
    }
    if !ORGANISATION_KINDS.contains(&org.kind.as_str()) {
        return Err(StorageError::invalid(
            format!("không có loại tổ chức «{}»", org.kind),
            format!(
                "unknown organisation kind «{}»; kinds: {}",
                org.kind,
                ORGANISATION_KINDS.join(", ")
            ),
        ));
    }
    Ok(())
}

fn supports_json(supports: &[String]) -> String {
    let mut groups: Vec<&str> = supports
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    groups.dedup();
    serde_json::to_string(&groups).expect("strings serialise")
}

/// Which organisations a read lists: the clause, with `$1` bound to the code given.
enum OrgFilter<'a> {
    All,
    Code(&'a str),
    /// Serving the unit or one above it.
    Serving(&'a str),
    /// Managed at the unit or one under it.
    Under(&'a str),
}

impl OrgFilter<'_> {
    fn clause(&self) -> (&'static str, Option<&str>) {
        match self {
            OrgFilter::All => ("", None),
            OrgFilter::Code(c) => ("WHERE o.code = $1", Some(c)),
            OrgFilter::Serving(c) => (
                "WHERE o.unit_id IN (SELECT a.ancestor_id FROM unit_ancestors a JOIN units w ON w.id = a.unit_id WHERE w.code = $1)",
                Some(c),
            ),
            OrgFilter::Under(c) => (
                "WHERE o.unit_id IN (SELECT a.unit_id FROM unit_ancestors a JOIN units w ON w.id = a.ancestor_id WHERE w.code = $1)",
                Some(c),
            ),
        }
    }
}

async fn read_organisations(
    conn: &mut Conn<'_>,
    filter: OrgFilter<'_>,
) -> Result<Vec<Organisation>> {
    let (clause, code) = filter.clause();
    let query = format!(
        "SELECT {ORG_COLUMNS} FROM organisations o JOIN units u ON u.id = o.unit_id {clause} ORDER BY o.id"
    );
    let rows = sql!(&mut *conn, fetch_all_with OrgRow, &query,
        |q| match code { Some(c) => q.bind(c), None => q })?;
    let query = format!(
        "SELECT m.organisation_id, us.username FROM organisation_members m
                  JOIN users us ON us.id = m.user_id
                  JOIN organisations o ON o.id = m.organisation_id {clause} ORDER BY us.username"
    );
    let members = sql!(&mut *conn, fetch_all_with MemberRow, &query,
        |q| match code { Some(c) => q.bind(c), None => q })?;
    rows.into_iter()
        .map(|r| {
            let supports: Vec<String> = serde_json::from_str(&r.supports).map_err(|e| {
                StorageError::Corrupt(format!("organisation {} supports: {e}", r.code))
            })?;
            Ok(Organisation {
                members: members
                    .iter()
                    .filter(|m| m.organisation_id == r.id)
                    .map(|m| m.username.clone())
                    .collect(),
                id: r.id,
                code: r.code,
                name: r.name,
                name_en: r.name_en,
                kind: r.kind,
                unit_code: r.unit_code,
                unit_name: r.unit_name,
                supports,
            })
        })
        .collect()
}

impl Store {
    /// Creates an organisation serving the units under `unit_code`; audited.
    pub async fn create_organisation(
        &self,
        org: &NewOrganisation,
        actor: &Actor,
    ) -> Result<Organisation> {
        validate(org)?;
        let mut tx = self.pool.begin().await?;
        let (unit_id, _) = Store::unit_with_id(&mut tx.conn(), &org.unit_code).await?;
        let exists = sql!(tx.conn(), fetch_optional_scalar i64,
            "SELECT id FROM organisations WHERE code = $1", org.code.trim())?;
        if exists.is_some() {
            return Err(StorageError::Conflict {
                vi: format!("đã có tổ chức mã «{}»", org.code.trim()),
                en: format!("an organisation with the code «{}» exists", org.code.trim()),
            });
        }
        let supports = supports_json(&org.supports);
        sql!(tx.conn(), execute
            "INSERT INTO organisations (code, name, name_en, kind, unit_id, supports, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            org.code.trim(), org.name.trim(), org.name_en.trim(), org.kind.as_str(), unit_id,
            supports.as_str(), utc_in(0))?;
        audit(
            &mut tx.conn(),
            actor,
            "organisation.create",
            Some(&org.unit_code),
            None,
            None,
            None,
            Some(format!("{} {}", org.code.trim(), org.name.trim())),
        )
        .await?;
        tx.commit().await?;
        self.organisation(org.code.trim()).await
    }

    /// Changes an organisation's names, kind, unit and supported groups; audited.
    pub async fn update_organisation(
        &self,
        code: &str,
        org: &NewOrganisation,
        actor: &Actor,
    ) -> Result<Organisation> {
        validate(org)?;
        let before = self.organisation(code).await?;
        let mut tx = self.pool.begin().await?;
        let (unit_id, _) = Store::unit_with_id(&mut tx.conn(), &org.unit_code).await?;
        let supports = supports_json(&org.supports);
        sql!(tx.conn(), execute
            "UPDATE organisations SET name = $1, name_en = $2, kind = $3, unit_id = $4, supports = $5
             WHERE id = $6",
            org.name.trim(), org.name_en.trim(), org.kind.as_str(), unit_id, supports.as_str(),
            before.id)?;
        audit(
            &mut tx.conn(),
            actor,
            "organisation.update",
            Some(&org.unit_code),
            None,
            Some(before.id),
            Some(format!(
                "{} {} {}",
                before.name,
                before.kind,
                supports_json(&before.supports)
            )),
            Some(format!("{} {} {supports}", org.name.trim(), org.kind)),
        )
        .await?;
        tx.commit().await?;
        self.organisation(code).await
    }

    /// One organisation by its code.
    pub async fn organisation(&self, code: &str) -> Result<Organisation> {
        let mut c = self.pool.acquire().await?;
        let mut found = read_organisations(&mut c.conn(), OrgFilter::Code(code)).await?;
        found.pop().ok_or_else(|| {
            StorageError::not_found(
                format!("không có tổ chức mã «{code}»"),
                format!("no organisation has the code «{code}»"),
            )
        })
    }

    /// One organisation by its id.
    pub async fn organisation_by_id(&self, id: i64) -> Result<Organisation> {
        let mut c = self.pool.acquire().await?;
        let code = sql!(c.conn(), fetch_optional_scalar String,
            "SELECT code FROM organisations WHERE id = $1", id)?;
        drop(c);
        match code {
            Some(code) => self.organisation(&code).await,
            None => Err(StorageError::not_found(
                format!("không có tổ chức số {id}"),
                format!("no organisation has the id {id}"),
            )),
        }
    }

    /// The organisations supporting the unit `unit_code`: those serving it or a unit above it,
    /// by id. With `None`, every organisation.
    pub async fn organisations_serving(
        &self,
        unit_code: Option<&str>,
    ) -> Result<Vec<Organisation>> {
        let mut c = self.pool.acquire().await?;
        let filter = unit_code.map_or(OrgFilter::All, OrgFilter::Serving);
        read_organisations(&mut c.conn(), filter).await
    }

    /// The organisations managed at `unit_code` or at a unit under it (the organisations page
    /// of a city lists the city's own), by id.
    pub async fn organisations_under(&self, unit_code: &str) -> Result<Vec<Organisation>> {
        let mut c = self.pool.acquire().await?;
        read_organisations(&mut c.conn(), OrgFilter::Under(unit_code)).await
    }

    /// Adds `username` to the organisation; audited. Adding a member twice changes nothing.
    pub async fn add_organisation_member(
        &self,
        org_code: &str,
        username: &str,
        actor: &Actor,
    ) -> Result<Organisation> {
        self.change_member(org_code, username, true, actor).await
    }

    /// Removes `username` from the organisation; audited.
    pub async fn remove_organisation_member(
        &self,
        org_code: &str,
        username: &str,
        actor: &Actor,
    ) -> Result<Organisation> {
        self.change_member(org_code, username, false, actor).await
    }

    async fn change_member(
        &self,
        org_code: &str,
        username: &str,
        add: bool,
        actor: &Actor,
    ) -> Result<Organisation> {
        let org = self.organisation(org_code).await?;
        let mut tx = self.pool.begin().await?;
        let user_id = sql!(tx.conn(), fetch_optional_scalar i64,
            "SELECT id FROM users WHERE username = $1", username.trim())?
        .ok_or_else(|| {
            StorageError::not_found(
                format!("không có tài khoản «{}»", username.trim()),
                format!("no account is named «{}»", username.trim()),
            )
        })?;
        let changed = if add {
            sql!(tx.conn(), execute
                "INSERT INTO organisation_members (organisation_id, user_id) VALUES ($1, $2)
                 ON CONFLICT (organisation_id, user_id) DO NOTHING",
                org.id, user_id)?
        } else {
            sql!(tx.conn(), execute
                "DELETE FROM organisation_members WHERE organisation_id = $1 AND user_id = $2",
                org.id, user_id)?
        };
        if changed > 0 {
            audit(
                &mut tx.conn(),
                actor,
                if add {
                    "organisation.add_member"
                } else {
                    "organisation.remove_member"
                },
                Some(&org.unit_code),
                None,
                Some(org.id),
                None,
                Some(format!("{} {}", org.code, username.trim())),
            )
            .await?;
        }
        tx.commit().await?;
        self.organisation(org_code).await
    }

    /// The ids of the organisations `user_id` is a member of, for access checks.
    pub async fn member_organisations(&self, user_id: i64) -> Result<Vec<i64>> {
        let mut c = self.pool.acquire().await?;
        Ok(sql!(c.conn(), fetch_all_scalar i64,
            "SELECT organisation_id FROM organisation_members WHERE user_id = $1 ORDER BY organisation_id",
            user_id)?)
    }

    /// Sets or clears (`None`, or blank) the address a user's notices are e-mailed to; audited.
    pub async fn set_user_email(
        &self,
        user_id: i64,
        email: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email
            && (!e.contains('@') || e.contains(char::is_whitespace) || e.len() > 254)
        {
            return Err(StorageError::invalid(
                format!("«{e}» không phải địa chỉ thư điện tử"),
                format!("«{e}» is not an e-mail address"),
            ));
        }
        let mut tx = self.pool.begin().await?;
        sql!(tx.conn(), execute "UPDATE users SET email = $1 WHERE id = $2", email, user_id)?;
        audit(
            &mut tx.conn(),
            actor,
            "user.email",
            None,
            None,
            Some(user_id),
            None,
            email.map(str::to_string),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The address a user's notices are e-mailed to, if any.
    pub async fn user_email(&self, user_id: i64) -> Result<Option<String>> {
        let mut c = self.pool.acquire().await?;
        Ok(sql!(c.conn(), fetch_optional_scalar Option<String>,
            "SELECT email FROM users WHERE id = $1", user_id)?
        .flatten())
    }
}
