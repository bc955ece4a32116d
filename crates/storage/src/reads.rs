//! Summaries and indicator lists for any date, read from the derived status spans only.

use std::collections::HashMap;

use tiendo_domain::{Bilingual, Counts, Date, Group, Indicator, Observation, Status, Unit};

use crate::derive::{OBSERVATION_COLUMNS, ObservationRow};
use crate::units::{UNIT_COLUMNS, UnitRow};
use crate::{FrameworkRef, Result, StorageError, Store};

/// A unit's standing on a date: its counts, per group, and per direct sub-unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub unit: Unit,
    pub framework: FrameworkRef,
    pub as_of: Date,
    pub counts: Counts,
    pub groups: Vec<GroupSummary>,
    pub children: Vec<UnitCounts>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSummary {
    pub group: Group,
    pub counts: Counts,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitCounts {
    pub unit: Unit,
    pub counts: Counts,
}

/// One indicator for one unit on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorRow {
    pub indicator: Indicator,
    pub group: Group,
    pub status: Status,
    pub reason: Bilingual,
    /// The figure the status rests on, if any.
    pub latest: Option<Observation>,
}

#[derive(sqlx::FromRow)]
struct CountRow {
    key: i64,
    status: String,
    n: i64,
}

fn status_of(text: &str) -> Result<Status> {
    text.parse().map_err(StorageError::Corrupt)
}

/// Spans in force on `$2` for framework `$1`.
const IN_FORCE: &str = "s.framework_id = $1 AND s.valid_from <= $2 AND s.valid_until > $2";
/// Units that exist on `$2`.
const UNIT_EXISTS: &str = "(d.valid_from IS NULL OR d.valid_from <= $2) AND (d.valid_until IS NULL OR d.valid_until > $2)";

impl Store {
    /// The unit's counts, per group and per direct sub-unit (each summing the units below it),
    /// for `framework` on `as_of`. Four queries, whatever the size of the tree.
    pub async fn summary(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        as_of: Date,
    ) -> Result<Summary> {
        let rules = self.framework(framework).await?;
        let mut c = self.pool.acquire().await?;
        let (unit_id, unit) = Store::unit_with_id(&mut c.conn(), unit_code).await?;
        let day = as_of.to_string();

        let by_group = sql!(c.conn(), fetch_all CountRow,
            &format!("SELECT s.group_id AS key, s.status, COUNT(*) AS n
                      FROM unit_ancestors a
                      JOIN units d ON d.id = a.unit_id
                      JOIN indicator_status s ON s.unit_id = a.unit_id
                      WHERE a.ancestor_id = $3 AND {IN_FORCE} AND {UNIT_EXISTS}
                      GROUP BY s.group_id, s.status"),
            framework.id, day.as_str(), unit_id)?;
        #[derive(sqlx::FromRow)]
        struct GroupRow {
            id: i64,
            code: String,
        }
        let group_ids: HashMap<i64, String> = sql!(c.conn(), fetch_all GroupRow,
            "SELECT id, code FROM framework_groups WHERE framework_id = $1", framework.id)?
        .into_iter()
        .map(|g| (g.id, g.code))
        .collect();
        let mut group_counts: HashMap<&str, Counts> = HashMap::new();
        let mut counts = Counts::default();
        for row in &by_group {
            let status = status_of(&row.status)?;
            let code = group_ids
                .get(&row.key)
                .ok_or_else(|| StorageError::Corrupt(format!("group {} is gone", row.key)))?;
            group_counts
                .entry(code)
                .or_default()
                .add(status, row.n as u32);
            counts.add(status, row.n as u32);
        }
        let groups = rules
            .groups
            .iter()
            .map(|g| GroupSummary {
                counts: group_counts
                    .get(g.code.as_str())
                    .copied()
                    .unwrap_or_default(),
                group: g.clone(),
            })
            .collect();

        let child_rows = sql!(c.conn(), fetch_all UnitRow,
            &format!("SELECT {UNIT_COLUMNS} FROM units u LEFT JOIN units p ON p.id = u.parent_id
                      JOIN units d ON d.id = u.id
                      WHERE u.parent_id = $1 AND {UNIT_EXISTS}
                      ORDER BY u.code"),
            unit_id, day.as_str())?;
        let by_child = sql!(c.conn(), fetch_all CountRow,
            &format!("SELECT a.ancestor_id AS key, s.status, COUNT(*) AS n
                      FROM units child
                      JOIN unit_ancestors a ON a.ancestor_id = child.id
                      JOIN units d ON d.id = a.unit_id
                      JOIN indicator_status s ON s.unit_id = a.unit_id
                      WHERE child.parent_id = $3 AND {IN_FORCE} AND {UNIT_EXISTS}
                      GROUP BY a.ancestor_id, s.status"),
            framework.id, day.as_str(), unit_id)?;
        let mut child_counts: HashMap<i64, Counts> = HashMap::new();
        for row in &by_child {
            child_counts
                .entry(row.key)
                .or_default()
                .add(status_of(&row.status)?, row.n as u32);
        }
        let children = child_rows
            .into_iter()
            .map(|row| {
                let (id, unit) = row.into_unit()?;
                Ok(UnitCounts {
                    unit,
                    counts: child_counts.get(&id).copied().unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>>>()?;

        Ok(Summary {
            unit,
            framework: framework.clone(),
            as_of,
            counts,
            groups,
            children,
        })
    }

    /// Every indicator of the framework for a unit on `as_of`, in framework order, with its
    /// status, reason and the figure it rests on. Empty when the framework does not assess
    /// units of this kind.
    pub async fn unit_indicators(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        as_of: Date,
    ) -> Result<Vec<IndicatorRow>> {
        let rules = self.framework(framework).await?;
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = Store::unit_with_id(&mut c.conn(), unit_code).await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            code: String,
            status: String,
            reason_vi: String,
            reason_en: String,
            observation_id: Option<i64>,
        }
        let rows = sql!(c.conn(), fetch_all Row,
            &format!("SELECT i.code, s.status, s.reason_vi, s.reason_en, s.observation_id
                      FROM indicator_status s JOIN indicators i ON i.id = s.indicator_id
                      WHERE s.unit_id = $3 AND {IN_FORCE}"),
            framework.id, as_of.to_string(), unit_id)?;
        let figures: HashMap<i64, Observation> = sql!(c.conn(), fetch_all ObservationRow,
            &format!("SELECT {OBSERVATION_COLUMNS} FROM indicator_status s
                      JOIN observations o ON o.id = s.observation_id
                      WHERE s.unit_id = $3 AND {IN_FORCE}"),
            framework.id, as_of.to_string(), unit_id)?
        .iter()
        .map(|r| Ok((r.id, r.to_observation()?)))
        .collect::<Result<_>>()?;
        let mut by_code: HashMap<String, Row> =
            rows.into_iter().map(|r| (r.code.clone(), r)).collect();
        let mut out = Vec::with_capacity(by_code.len());
        for group in &rules.groups {
            for indicator in rules.indicators.iter().filter(|i| i.group == group.code) {
                let Some(row) = by_code.remove(&indicator.code) else {
                    continue;
                };
                out.push(IndicatorRow {
                    indicator: indicator.clone(),
                    group: group.clone(),
                    status: status_of(&row.status)?,
                    reason: Bilingual {
                        vi: row.reason_vi,
                        en: row.reason_en,
                    },
                    latest: row.observation_id.and_then(|id| figures.get(&id).cloned()),
                });
            }
        }
        Ok(out)
    }
}
