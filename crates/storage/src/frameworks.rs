//! Frameworks: loaded from their file text, kept as that text (the one source of the rules)
//! plus the rows that joins need.

use std::collections::HashMap;
use std::sync::Arc;

use tiendo_domain::framework_file::parse_framework;
use tiendo_domain::{Date, Framework, UnitKind};

use crate::cache::Revision;
use crate::conn::Conn;
use crate::units::parse_date;
use crate::{Result, StorageError, Store};

/// A framework as listed: enough to name it and pick it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameworkRef {
    pub id: i64,
    pub code: String,
    pub version: i64,
    pub name: String,
    pub name_en: String,
    pub period_start: Date,
    pub period_end: Date,
}

#[derive(sqlx::FromRow)]
pub(crate) struct FrameworkRow {
    id: i64,
    code: String,
    version: i64,
    name: String,
    name_en: String,
    period_start: String,
    period_end: String,
}

pub(crate) const FRAMEWORK_COLUMNS: &str =
    "id, code, version, name, name_en, period_start, period_end";

impl FrameworkRow {
    pub(crate) fn into_ref(self) -> Result<FrameworkRef> {
        Ok(FrameworkRef {
            period_start: parse_date(&self.period_start, "period_start")?,
            period_end: parse_date(&self.period_end, "period_end")?,
            id: self.id,
            code: self.code,
            version: self.version,
            name: self.name,
            name_en: self.name_en,
        })
    }
}

impl Store {
    /// Loads a framework from the text of its file and computes the status of every unit it
    /// applies to, in one transaction. Loading the same text again changes nothing; a different
    /// text under a code and version already loaded is refused (publish a new version instead).
    pub async fn load_framework(&self, source: &str) -> Result<FrameworkRef> {
        let framework = parse_source(source)?;
        let mut tx = self.pool.begin().await?;
        let existing = sql!(tx.conn(), fetch_optional_scalar String,
            "SELECT source FROM frameworks WHERE code = $1 AND version = $2",
            framework.code.as_str(), i64::from(framework.version))?;
        if let Some(existing) = existing {
            if existing == source {
                let row = sql!(tx.conn(), fetch_one FrameworkRow,
                    &format!("SELECT {FRAMEWORK_COLUMNS} FROM frameworks WHERE code = $1 AND version = $2"),
                    framework.code.as_str(), i64::from(framework.version))?;
                return row.into_ref();
            }
            return Err(StorageError::invalid(
                format!(
                    "khung chỉ tiêu {} phiên bản {} đã được nạp với nội dung khác; hãy tăng `version`",
                    framework.code, framework.version
                ),
                format!(
                    "framework {} version {} is already loaded with different content; raise `version`",
                    framework.code, framework.version
                ),
            ));
        }
        let id = insert_framework(&mut tx.conn(), &framework, source).await?;
        let units = all_units(&mut tx.conn()).await?;
        crate::derive::refresh(&mut tx.conn(), id, &framework, &units, None).await?;
        let row = sql!(tx.conn(), fetch_one FrameworkRow,
            &format!("SELECT {FRAMEWORK_COLUMNS} FROM frameworks WHERE id = $1"), id)?;
        tx.commit().await?;
        self.analyze().await?;
        self.frameworks
            .lock()
            .expect("framework cache")
            .insert(id, Arc::new(framework));
        row.into_ref()
    }

    /// Every framework loaded, newest period first.
    pub async fn frameworks(&self) -> Result<Vec<FrameworkRef>> {
        let mut c = self.pool.acquire().await?;
        let revision = Revision::current(&mut c.conn()).await?.catalog_only();
        if let Some(all) = self.caches.frameworks.get(revision, &()) {
            return Ok(all);
        }
        let all = sql!(c.conn(), fetch_all FrameworkRow,
            &format!("SELECT {FRAMEWORK_COLUMNS} FROM frameworks ORDER BY period_start DESC, code, version DESC"))?
        .into_iter()
        .map(FrameworkRow::into_ref)
        .collect::<Result<Vec<_>>>()?;
        self.caches.frameworks.put(revision, (), all.clone());
        Ok(all)
    }

    /// Picks a framework: by code (its latest version), else the latest one whose period
    /// contains `as_of`, else the latest loaded.
    pub async fn framework_ref(
        &self,
        code: Option<&str>,
        as_of: Option<Date>,
    ) -> Result<FrameworkRef> {
        let all = self.frameworks().await?;
        let chosen = match code {
            Some(code) => all
                .into_iter()
                .filter(|f| f.code == code)
                .max_by_key(|f| f.version),
            None => {
                let current = as_of.and_then(|d| {
                    all.iter()
                        .find(|f| f.period_start <= d && d <= f.period_end)
                        .cloned()
                });
                current.or_else(|| all.into_iter().next())
            }
        };
        chosen.ok_or_else(|| match code {
            Some(code) => StorageError::not_found(
                format!("không có khung chỉ tiêu mã «{code}»"),
                format!("no framework has the code «{code}»"),
            ),
            None => StorageError::not_found(
                "chưa nạp khung chỉ tiêu nào",
                "no framework has been loaded",
            ),
        })
    }

    /// The framework's rules, read from its stored file once per process.
    pub async fn framework(&self, framework: &FrameworkRef) -> Result<Arc<Framework>> {
        if let Some(f) = self
            .frameworks
            .lock()
            .expect("framework cache")
            .get(&framework.id)
        {
            return Ok(f.clone());
        }
        let mut c = self.pool.acquire().await?;
        self.framework_by_id(&mut c.conn(), framework.id).await
    }

    /// The ids of the framework's indicators, by code, read once per process: a write finds
    /// its indicators here instead of in its transaction.
    pub(crate) async fn indicator_ids(
        &self,
        framework_id: i64,
    ) -> Result<Arc<HashMap<String, crate::derive::IndicatorIds>>> {
        if let Some(ids) = self
            .indicator_ids
            .lock()
            .expect("indicator ids")
            .get(&framework_id)
        {
            return Ok(ids.clone());
        }
        let mut c = self.pool.acquire().await?;
        let ids: Arc<HashMap<_, _>> = Arc::new(
            crate::derive::indicator_ids(&mut c.conn(), framework_id)
                .await?
                .into_iter()
                .map(|i| (i.code.clone(), i))
                .collect(),
        );
        self.indicator_ids
            .lock()
            .expect("indicator ids")
            .insert(framework_id, ids.clone());
        Ok(ids)
    }

    pub(crate) async fn framework_by_id(
        &self,
        conn: &mut Conn<'_>,
        id: i64,
    ) -> Result<Arc<Framework>> {
        if let Some(f) = self.frameworks.lock().expect("framework cache").get(&id) {
            return Ok(f.clone());
        }
        let source = sql!(&mut *conn, fetch_optional_scalar String,
            "SELECT source FROM frameworks WHERE id = $1", id)?
        .ok_or_else(|| StorageError::Corrupt(format!("framework {id} is gone")))?;
        let framework = Arc::new(parse_framework(&source).map_err(|d| {
            StorageError::Corrupt(format!("stored framework {id} no longer reads: {d:?}"))
        })?);
        self.frameworks
            .lock()
            .expect("framework cache")
            .insert(id, framework.clone());
        Ok(framework)
    }
}

/// A framework file parsed, or every mistake in it with its line and column, in both languages.
pub(crate) fn parse_source(source: &str) -> Result<Framework> {
    parse_framework(source).map_err(|diagnostics| {
        let render = |vi: bool| {
            diagnostics
                .iter()
                .map(|d| {
                    let m = if vi { &d.message.vi } else { &d.message.en };
                    format!("{}:{}: {m}", d.line, d.column)
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        StorageError::invalid(
            format!("tệp khung chỉ tiêu có lỗi:\n{}", render(true)),
            format!("the framework file has errors:\n{}", render(false)),
        )
    })
}

/// Writes a parsed framework (groups, indicators, one reporting period over the whole period)
/// on the caller's transaction, without deriving any status; its id.
pub(crate) async fn insert_framework(
    conn: &mut Conn<'_>,
    framework: &Framework,
    source: &str,
) -> Result<i64> {
    let id = sql!(&mut *conn, fetch_one_scalar i64,
        "INSERT INTO frameworks (code, version, name, name_en, period_start, period_end, source, loaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        framework.code.as_str(), i64::from(framework.version), framework.name.as_str(),
        framework.name_en.as_str(), framework.period_start.to_string(),
        framework.period_end.to_string(), source, crate::observations::now_utc())?;
    for (position, group) in framework.groups.iter().enumerate() {
        let group_id = sql!(&mut *conn, fetch_one_scalar i64,
            "INSERT INTO framework_groups (framework_id, code, name, name_en, position)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            id, group.code.as_str(), group.name.as_str(), group.name_en.as_str(), position as i64)?;
        for (position, ind) in framework
            .indicators
            .iter()
            .enumerate()
            .filter(|(_, i)| i.group == group.code)
        {
            sql!(&mut *conn, execute
                "INSERT INTO indicators (framework_id, group_id, code, name, name_en, measure, target, deadline, position)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                id, group_id, ind.code.as_str(), ind.name.as_str(), ind.name_en.as_str(),
                ind.measure.code(), ind.target.rule_text(ind.measure),
                ind.deadline.to_string(), position as i64)?;
        }
    }
    // One reporting period covering the framework, due when it ends; more can be added.
    let (start, end) = (framework.period_start, framework.period_end);
    let code = if start.year() == end.year() {
        start.year().to_string()
    } else {
        format!("{}-{}", start.year(), end.year())
    };
    sql!(&mut *conn, execute
        "INSERT INTO periods (framework_id, code, name, starts_on, ends_on, deadline) VALUES ($1, $2, $3, $4, $5, $6)",
        id, code.as_str(), format!("Kỳ {} – {}", start.dmy(), end.dmy()), start.to_string(), end.to_string(), end.to_string())?;
    Ok(id)
}

pub(crate) async fn all_units(conn: &mut Conn<'_>) -> Result<Vec<(i64, UnitKind)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        kind: String,
    }
    sql!(&mut *conn, fetch_all Row, "SELECT id, kind FROM units")?
        .into_iter()
        .map(|r| {
            r.kind
                .parse()
                .map(|k| (r.id, k))
                .map_err(|e| StorageError::Corrupt(format!("unit {}: {e}", r.id)))
        })
        .collect()
}
