//! Administrative units and their ancestry.

use std::collections::HashMap;

use tiendo_domain::access::ReadScope;
use tiendo_domain::{Date, Unit, UnitKind, text};

use crate::cache::Revision;
use crate::conn::{CHUNK_ROWS, Conn, placeholders};
use crate::derive::in_list;
use crate::{Result, StorageError, Store};

#[derive(sqlx::FromRow)]
pub(crate) struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_code: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
}

/// Columns for [`UnitRow`], with `u` the unit and `p` its parent (LEFT JOIN).
pub(crate) const UNIT_COLUMNS: &str =
    "u.id, u.code, u.name, u.kind, p.code AS parent_code, u.valid_from, u.valid_until";

/// A change of at least this many rows refreshes the planner's statistics.
pub(crate) const BULK: usize = 500;

pub(crate) fn parse_date(text: &str, what: &str) -> Result<Date> {
    text.parse()
        .map_err(|_| StorageError::Corrupt(format!("{what}: «{text}» is not a date")))
}

/// A day that bounds a derived span: a date, or the first or last representable day, which
/// spans open at either end are stored as.
pub(crate) fn parse_span_day(text: &str, what: &str) -> Result<Date> {
    if text == Date::MIN.to_string() {
        Ok(Date::MIN)
    } else {
        parse_date(text, what)
    }
}

impl UnitRow {
    pub(crate) fn into_unit(self) -> Result<(i64, Unit)> {
        let kind: UnitKind = self
            .kind
            .parse()
            .map_err(|e| StorageError::Corrupt(format!("unit {}: {e}", self.code)))?;
        let valid_from = self
            .valid_from
            .as_deref()
            .map(|d| parse_date(d, "unit valid_from"))
            .transpose()?;
        let valid_until = self
            .valid_until
            .as_deref()
            .map(|d| parse_date(d, "unit valid_until"))
            .transpose()?;
        Ok((
            self.id,
            Unit {
                code: self.code,
                name: self.name,
                kind,
                parent_code: self.parent_code,
                valid_from,
                valid_until,
            },
        ))
    }
}

impl Store {
    /// Adds or updates units, parents before children (a parent may also be in the database
    /// already), then brings ancestry and the derived statuses of every framework up to date,
    /// all in one transaction.
    pub async fn put_units(&self, units: &[Unit]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let touched = put_units_in(&mut tx.conn(), units).await?;
        for framework_id in sql!(tx.conn(), fetch_all_scalar i64, "SELECT id FROM frameworks")? {
            let framework = self.framework_by_id(&mut tx.conn(), framework_id).await?;
            // Parents and the days units exist may have changed: the counts are summed anew.
            crate::derive::refresh_spans(&mut tx.conn(), framework_id, &framework, &touched)
                .await?;
            crate::counts::rebuild(&mut tx.conn(), framework_id).await?;
        }
        tx.commit().await?;
        if units.len() >= BULK {
            self.analyze().await?;
        }
        Ok(())
    }

    /// The unit with this code, and its database id.
    pub(crate) async fn unit_with_id(conn: &mut Conn<'_>, code: &str) -> Result<(i64, Unit)> {
        let row = sql!(&mut *conn, fetch_optional UnitRow,
            &format!("SELECT {UNIT_COLUMNS} FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE u.code = $1"),
            code)?;
        match row {
            Some(row) => row.into_unit(),
            None => Err(StorageError::not_found(
                format!("không có đơn vị hành chính mã «{code}»"),
                format!("no administrative unit has the code «{code}»"),
            )),
        }
    }

    /// [`Store::unit_with_id`] for a read outside a transaction, from the cache while the
    /// catalogue's revision stays the same. A transaction calls `unit_with_id` itself, so that
    /// it sees its own changes.
    pub(crate) async fn read_unit(&self, conn: &mut Conn<'_>, code: &str) -> Result<(i64, Unit)> {
        let revision = Revision::current(&mut *conn).await?.catalog_only();
        let key = code.to_string();
        if let Some(found) = self.caches.units.get(revision, &key) {
            return Ok(found);
        }
        let found = Store::unit_with_id(&mut *conn, code).await?;
        self.caches.units.put(revision, key, found.clone());
        Ok(found)
    }

    pub async fn unit(&self, code: &str) -> Result<Unit> {
        let mut c = self.pool.acquire().await?;
        Ok(self.read_unit(&mut c.conn(), code).await?.1)
    }

    /// Every unit, parents before children, siblings by code.
    pub async fn units(&self) -> Result<Vec<Unit>> {
        let mut c = self.pool.acquire().await?;
        let rows = sql!(c.conn(), fetch_all UnitRow,
            &format!("SELECT {UNIT_COLUMNS} FROM units u LEFT JOIN units p ON p.id = u.parent_id
                      JOIN (SELECT unit_id, MAX(depth) AS depth FROM unit_ancestors GROUP BY unit_id) d ON d.unit_id = u.id
                      ORDER BY d.depth, u.code"))?;
        rows.into_iter()
            .map(|r| r.into_unit().map(|(_, u)| u))
            .collect()
    }

    /// The unit's ancestors, from the root down to its parent (for breadcrumbs).
    pub async fn ancestors(&self, code: &str) -> Result<Vec<Unit>> {
        Ok(self.unit_and_ancestors(code).await?.1)
    }

    /// The unit and its ancestors from the root down, as every access check needs them; kept
    /// while the catalogue does not change.
    pub async fn unit_and_ancestors(&self, code: &str) -> Result<(Unit, Vec<Unit>)> {
        let mut c = self.pool.acquire().await?;
        let revision = Revision::current(&mut c.conn()).await?.catalog_only();
        if let Some(lineage) = self.caches.lineages.get(revision, &code.to_string()) {
            return Ok(lineage);
        }
        let (id, unit) = self.read_unit(&mut c.conn(), code).await?;
        let rows = sql!(c.conn(), fetch_all UnitRow,
            &format!("SELECT {UNIT_COLUMNS} FROM unit_ancestors a
                      JOIN units u ON u.id = a.ancestor_id LEFT JOIN units p ON p.id = u.parent_id
                      WHERE a.unit_id = $1 AND a.depth > 0 ORDER BY a.depth DESC"),
            id)?;
        let ancestors = rows
            .into_iter()
            .map(|r| r.into_unit().map(|(_, u)| u))
            .collect::<Result<Vec<_>>>()?;
        let lineage = (unit, ancestors);
        self.caches
            .lineages
            .put(revision, code.to_string(), lineage.clone());
        Ok(lineage)
    }

    /// The code of a unit with no parent (the nation, or a province), if there is any unit.
    pub async fn root_unit(&self) -> Result<Option<String>> {
        let mut c = self.pool.acquire().await?;
        Ok(sql!(c.conn(), fetch_optional_scalar String,
            "SELECT code FROM units WHERE parent_id IS NULL ORDER BY code LIMIT 1")?)
    }

    /// The direct sub-units of a unit that exist on `as_of`, by code.
    pub async fn children(&self, code: &str, as_of: Date) -> Result<Vec<Unit>> {
        let mut c = self.pool.acquire().await?;
        let (id, _) = self.read_unit(&mut c.conn(), code).await?;
        let rows = sql!(c.conn(), fetch_all UnitRow,
            &format!("SELECT {UNIT_COLUMNS} FROM units u LEFT JOIN units p ON p.id = u.parent_id
                      WHERE u.parent_id = $1
                        AND (u.valid_from IS NULL OR u.valid_from <= $2)
                        AND (u.valid_until IS NULL OR u.valid_until > $2)
                      ORDER BY u.code"),
            id, as_of.to_string())?;
        rows.into_iter()
            .map(|r| r.into_unit().map(|(_, u)| u))
            .collect()
    }
}

/// A unit found by a search, with the codes of its ancestors (root first) so that the caller
/// can decide, without another query, whether the viewer may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundUnit {
    pub unit: Unit,
    pub lineage: Vec<String>,
    /// The name of its parent unit, to tell apart units of the same name.
    pub parent_name: Option<String>,
}

impl Store {
    /// Units existing on `on` whose name holds every word of `query`, ignoring case and
    /// diacritics, or whose code is `query`, within `scope` (what the viewer may read): the
    /// exact code first, then higher tiers first, at most `limit`. Two queries whatever the
    /// match.
    pub async fn search_units(
        &self,
        query: &str,
        on: Date,
        scope: &ReadScope,
        limit: usize,
    ) -> Result<Vec<FoundUnit>> {
        let key = text::fold(query);
        let (subtrees, units): (&[String], &[String]) = match scope {
            ReadScope::Everywhere => (&[], &[]),
            ReadScope::Within { subtrees, units } => (subtrees, units),
        };
        let limited = matches!(scope, ReadScope::Within { .. });
        if key.is_empty() || (limited && subtrees.is_empty() && units.is_empty()) {
            return Ok(Vec::new());
        }
        let words: Vec<String> = key
            .split(' ')
            .map(|w| {
                format!(
                    "%{}%",
                    w.replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                )
            })
            .collect();
        let conditions = (0..words.len())
            .map(|i| format!("u.search_name LIKE ${} ESCAPE '\\'", i + 3))
            .collect::<Vec<_>>()
            .join(" AND ");
        // $1 the code, $2 the date, the words, then the scope's subtrees and units.
        let mut allowed = Vec::new();
        let mut next = 3 + words.len();
        if !subtrees.is_empty() {
            allowed.push(format!(
                "EXISTS (SELECT 1 FROM unit_ancestors g JOIN units gu ON gu.id = g.ancestor_id
                         WHERE g.unit_id = u.id AND gu.code IN ({}))",
                in_list(next, subtrees.len())
            ));
            next += subtrees.len();
        }
        if !units.is_empty() {
            allowed.push(format!("u.code IN ({})", in_list(next, units.len())));
        }
        let scope = if limited {
            format!("AND ({})", allowed.join(" OR "))
        } else {
            String::new()
        };
        let select = format!(
            "SELECT {UNIT_COLUMNS} FROM units u LEFT JOIN units p ON p.id = u.parent_id
             WHERE (u.code = $1 OR ({conditions}))
               AND (u.valid_from IS NULL OR u.valid_from <= $2) AND (u.valid_until IS NULL OR u.valid_until > $2)
               {scope}
             ORDER BY CASE WHEN u.code = $1 THEN 0 ELSE 1 END,
                      (SELECT MAX(x.depth) FROM unit_ancestors x WHERE x.unit_id = u.id), u.code
             LIMIT {limit}"
        );
        let day = on.to_string();
        let mut c = self.pool.acquire().await?;
        let rows = sql!(c.conn(), fetch_all_with UnitRow, &select, |q| {
            let mut q = q.bind(query.trim()).bind(day.as_str());
            for w in &words {
                q = q.bind(w.as_str());
            }
            for code in subtrees.iter().chain(units) {
                q = q.bind(code.as_str());
            }
            q
        })?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        #[derive(sqlx::FromRow)]
        struct Link {
            unit_id: i64,
            code: String,
            name: String,
            depth: i64,
        }
        let select = format!(
            "SELECT a.unit_id, u.code, u.name, a.depth FROM unit_ancestors a JOIN units u ON u.id = a.ancestor_id
             WHERE a.depth > 0 AND a.unit_id IN ({}) ORDER BY a.unit_id, a.depth DESC",
            in_list(1, ids.len())
        );
        let links = sql!(c.conn(), fetch_all_with Link, &select,
        |q| {
            let mut q = q;
            for id in &ids {
                q = q.bind(*id);
            }
            q
        })?;
        let mut lineages: HashMap<i64, Vec<Link>> = HashMap::new();
        for link in links {
            lineages.entry(link.unit_id).or_default().push(link);
        }
        rows.into_iter()
            .map(|row| {
                let (id, unit) = row.into_unit()?;
                let ancestors = lineages.remove(&id).unwrap_or_default();
                let parent_name = ancestors
                    .iter()
                    .find(|a| a.depth == 1)
                    .map(|a| a.name.clone());
                let mut lineage: Vec<String> = ancestors.into_iter().map(|a| a.code).collect();
                lineage.push(unit.code.clone());
                Ok(FoundUnit {
                    unit,
                    lineage,
                    parent_name,
                })
            })
            .collect()
    }

    /// Fills in the search key of units written before it existed.
    pub(crate) async fn backfill_search_names(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        fill_search_names(&mut tx.conn()).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Writes the search key of every unit that has none (written before the key existed, or
/// imported from an archive, which leaves it out).
pub(crate) async fn fill_search_names(conn: &mut Conn<'_>) -> Result<()> {
    #[derive(sqlx::FromRow)]
    struct Named {
        id: i64,
        name: String,
    }
    let stale = sql!(&mut *conn, fetch_all Named,
        "SELECT id, name FROM units WHERE search_name = ''")?;
    for unit in &stale {
        sql!(&mut *conn, execute "UPDATE units SET search_name = $1 WHERE id = $2",
            text::fold(&unit.name), unit.id)?;
    }
    Ok(())
}

/// Adds or updates units (parents before children) and rebuilds the ancestry, on the caller's
/// transaction; the units' ids and kinds, in order.
pub(crate) async fn put_units_in(
    conn: &mut Conn<'_>,
    units: &[Unit],
) -> Result<Vec<(i64, UnitKind)>> {
    let mut touched: Vec<(i64, UnitKind)> = Vec::with_capacity(units.len());
    // Parents written earlier in this list need no query.
    let mut ids: HashMap<&str, i64> = HashMap::with_capacity(units.len());
    for unit in units {
        let parent_id = match &unit.parent_code {
            None => None,
            Some(parent) if ids.contains_key(parent.as_str()) => Some(ids[parent.as_str()]),
            Some(parent) => Some(
                sql!(&mut *conn, fetch_optional_scalar i64,
                    "SELECT id FROM units WHERE code = $1", parent.as_str())?
                .ok_or_else(|| {
                    StorageError::invalid(
                        format!("đơn vị {} có đơn vị cấp trên «{parent}» chưa tồn tại (cần thêm đơn vị cấp trên trước)", unit.code),
                        format!("unit {} names parent «{parent}», which does not exist (add parents before children)", unit.code),
                    )
                })?,
            ),
        };
        let id = sql!(&mut *conn, fetch_one_scalar i64,
            "INSERT INTO units (code, name, kind, parent_id, valid_from, valid_until, search_name)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                 parent_id = excluded.parent_id, valid_from = excluded.valid_from,
                 valid_until = excluded.valid_until, search_name = excluded.search_name
             RETURNING id",
            unit.code.as_str(), unit.name.as_str(), unit.kind.code(), parent_id,
            unit.valid_from.map(|d| d.to_string()), unit.valid_until.map(|d| d.to_string()),
            text::fold(&unit.name))?;
        ids.insert(unit.code.as_str(), id);
        touched.push((id, unit.kind));
    }
    rebuild_ancestry(&mut *conn).await?;
    Ok(touched)
}

/// Recomputes the unit → ancestor table from the parent links.
pub(crate) async fn rebuild_ancestry(conn: &mut Conn<'_>) -> Result<()> {
    #[derive(sqlx::FromRow)]
    struct Link {
        id: i64,
        parent_id: Option<i64>,
    }
    let links = sql!(&mut *conn, fetch_all Link, "SELECT id, parent_id FROM units")?;
    let parent: HashMap<i64, Option<i64>> = links.iter().map(|l| (l.id, l.parent_id)).collect();
    let mut rows: Vec<(i64, i64, i64)> = Vec::new();
    for link in &links {
        let (mut current, mut depth) = (Some(link.id), 0);
        while let Some(ancestor) = current {
            rows.push((ancestor, link.id, depth));
            depth += 1;
            if depth > 64 {
                return Err(StorageError::invalid(
                    "cây đơn vị hành chính có vòng lặp",
                    "the unit tree has a cycle",
                ));
            }
            current = parent.get(&ancestor).copied().flatten();
        }
    }
    sql!(&mut *conn, execute "DELETE FROM unit_ancestors")?;
    for chunk in rows.chunks(CHUNK_ROWS) {
        let q = format!(
            "INSERT INTO unit_ancestors (ancestor_id, unit_id, depth) VALUES {}",
            placeholders(chunk.len(), 3)
        );
        sql!(&mut *conn, execute_with q.as_str(), |q| {
            let mut q = q;
            for &(a, u, d) in chunk {
                q = q.bind(a).bind(u).bind(d);
            }
            q
        })?;
    }
    Ok(())
}
