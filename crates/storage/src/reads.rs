//! Summaries and indicator lists for any date, read from the derived status spans only.

use std::collections::HashMap;
use std::fmt::Write;

use tiendo_domain::scoring::IndicatorInput;
use tiendo_domain::{
    Bilingual, Counts, Date, Figure, Group, Indicator, Observation, Status, Unit, UnitKind,
};

use crate::cache::Revision;
use crate::counts::{COUNTS_IN_FORCE, SUMS, SummedRow};
use crate::derive::{OBSERVATION_COLUMNS, ObservationRow, figure_from_columns};
use crate::units::{UNIT_COLUMNS, UnitRow, parse_date, parse_span_day};
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

/// A figure and the day it was observed: a point of a trend line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatedFigure {
    pub observed_on: Date,
    pub figure: Figure,
}

impl From<&Observation> for DatedFigure {
    fn from(o: &Observation) -> Self {
        DatedFigure {
            observed_on: o.observed_on,
            figure: o.figure,
        }
    }
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
    /// How many pieces of evidence that figure has.
    pub evidence: i64,
}

/// The id of the group `code` of the framework, to filter by; `None` for every group.
async fn group_filter(
    conn: &mut crate::conn::Conn<'_>,
    framework: &FrameworkRef,
    group: Option<&str>,
) -> Result<Option<i64>> {
    let Some(code) = group else {
        return Ok(None);
    };
    let id = sql!(&mut *conn, fetch_optional_scalar i64,
        "SELECT id FROM framework_groups WHERE framework_id = $1 AND code = $2",
        framework.id, code)?;
    id.map(Some).ok_or_else(|| {
        StorageError::not_found(
            format!("bộ chỉ tiêu {} không có nhóm «{code}»", framework.code),
            format!("framework {} has no group «{code}»", framework.code),
        )
    })
}

fn status_of(text: &str) -> Result<Status> {
    text.parse().map_err(StorageError::Corrupt)
}

/// Spans in force on `$2` for framework `$1`: for many indicators of a unit, read from the
/// index by framework, unit and end day alone.
pub(crate) const IN_FORCE: &str =
    "s.framework_id = $1 AND s.valid_from <= $2 AND s.valid_until > $2";
/// The span in force on `$2` of one indicator `i` of framework `$1`, found through the key
/// (unit, indicator, first day): the framework is asked of the indicator, not of the span, so
/// the planner seeks each unit's few spans of the one indicator instead of all of its spans.
const ONE_INDICATOR_IN_FORCE: &str =
    "i.framework_id = $1 AND s.valid_from <= $2 AND s.valid_until > $2";
/// Units that exist on `$2`.
pub(crate) const UNIT_EXISTS: &str = "(d.valid_from IS NULL OR d.valid_from <= $2) AND (d.valid_until IS NULL OR d.valid_until > $2)";

impl Store {
    /// The unit's counts, per group and per direct sub-unit (each summing the units below it),
    /// for `framework` on `as_of`. Three queries (two for a unit without sub-units), whatever the
    /// size of the tree.
    pub async fn summary(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        as_of: Date,
    ) -> Result<Summary> {
        self.summary_in_group(unit_code, framework, as_of, None)
            .await
    }

    /// [`Store::summary`] counting only the indicators of one group, when `group` names one.
    pub async fn summary_in_group(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        as_of: Date,
        group: Option<&str>,
    ) -> Result<Summary> {
        let rules = self.framework(framework).await?;
        let mut c = self.pool.acquire().await?;
        // A summary reads the counts and the catalogue only, so it holds until either moves.
        let revision = Revision::current(&mut c.conn()).await?;
        let key = (
            framework.id,
            unit_code.to_string(),
            as_of,
            group.map(str::to_string),
        );
        if let Some(summary) = self.caches.summaries.get(revision, &key) {
            return Ok(summary);
        }
        let (unit_id, unit) = self.read_unit(&mut c.conn(), unit_code).await?;
        let day = as_of.to_string();

        let only_group = group_filter(&mut c.conn(), framework, group).await?;
        #[derive(sqlx::FromRow)]
        struct GroupSums {
            code: String,
            #[sqlx(flatten)]
            sums: SummedRow,
        }
        let by_group = sql!(c.conn(), fetch_all GroupSums,
            &format!("SELECT g.code, c.group_id AS key, {SUMS} FROM status_counts c
                      JOIN framework_groups g ON g.id = c.group_id
                      WHERE c.unit_id = $3 AND {COUNTS_IN_FORCE} AND ($4 IS NULL OR c.group_id = $4)
                      GROUP BY c.group_id, g.code"),
            framework.id, day.as_str(), unit_id, only_group)?;
        let mut group_counts: HashMap<&str, Counts> = HashMap::new();
        let mut counts = Counts::default();
        for row in &by_group {
            let row_counts = row.sums.counts()?;
            group_counts
                .entry(row.code.as_str())
                .or_default()
                .merge(&row_counts);
            counts.merge(&row_counts);
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
        // A commune has no sub-units, and so no counts of them to read.
        let by_child = if child_rows.is_empty() {
            Vec::new()
        } else {
            sql!(c.conn(), fetch_all SummedRow,
            &format!("SELECT c.unit_id AS key, {SUMS}
                      FROM units child
                      JOIN status_counts c ON c.unit_id = child.id
                      WHERE child.parent_id = $3 AND {COUNTS_IN_FORCE} AND ($4 IS NULL OR c.group_id = $4)
                      GROUP BY c.unit_id"),
            framework.id, day.as_str(), unit_id, only_group)?
        };
        let mut child_counts: HashMap<i64, Counts> = HashMap::new();
        for row in &by_child {
            child_counts.insert(row.key, row.counts()?);
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

        let summary = Summary {
            unit,
            framework: framework.clone(),
            as_of,
            counts,
            groups,
            children,
        };
        self.caches.summaries.put(revision, key, summary.clone());
        Ok(summary)
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
        self.indicator_rows(unit_code, framework, as_of, None).await
    }

    /// One indicator of [`Store::unit_indicators`], read alone (as after a write to it);
    /// `None` when the unit is not assessed on it.
    pub async fn unit_indicator(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        as_of: Date,
        indicator_code: &str,
    ) -> Result<Option<IndicatorRow>> {
        Ok(self
            .indicator_rows(unit_code, framework, as_of, Some(indicator_code))
            .await?
            .pop())
    }

    async fn indicator_rows(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        as_of: Date,
        only: Option<&str>,
    ) -> Result<Vec<IndicatorRow>> {
        let rules = self.framework(framework).await?;
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        // One row per indicator, with the figure the status rests on and its evidence: a unit
        // page, the indicators API and the answer to a write read them in one statement.
        #[derive(sqlx::FromRow)]
        struct Row {
            code: String,
            status: String,
            reason_vi: String,
            reason_en: String,
            observation_id: Option<i64>,
            observed_on: Option<String>,
            yes_no: Option<bool>,
            amount_thousandths: Option<i64>,
            numerator: Option<i64>,
            denominator: Option<i64>,
            planned_by: Option<String>,
            note: Option<String>,
            evidence: i64,
        }
        impl Row {
            fn figure(&self) -> Result<Option<Observation>> {
                let (Some(id), Some(observed_on)) = (self.observation_id, &self.observed_on) else {
                    return Ok(None);
                };
                Ok(Some(Observation {
                    observed_on: parse_date(observed_on, "observed_on")?,
                    figure: figure_from_columns(
                        id,
                        self.yes_no,
                        self.amount_thousandths,
                        self.numerator,
                        self.denominator,
                    )?,
                    planned_by: self
                        .planned_by
                        .as_deref()
                        .map(|d| parse_date(d, "planned_by"))
                        .transpose()?,
                    note: self.note.clone().unwrap_or_default(),
                }))
            }
        }
        let rows = sql!(c.conn(), fetch_all Row,
            &format!("SELECT i.code, s.status, s.reason_vi, s.reason_en, s.observation_id,
                        o.observed_on, o.yes_no, o.amount_thousandths, o.numerator, o.denominator,
                        o.planned_by, o.note,
                        (SELECT COUNT(*) FROM evidence e WHERE e.observation_id = s.observation_id) AS evidence
                      FROM indicator_status s JOIN indicators i ON i.id = s.indicator_id
                      LEFT JOIN observations o ON o.id = s.observation_id
                      WHERE s.unit_id = $3 AND {IN_FORCE} AND ($4 IS NULL OR i.code = $4)"),
            framework.id, as_of.to_string(), unit_id, only)?;
        let mut by_code: HashMap<String, Row> =
            rows.into_iter().map(|r| (r.code.clone(), r)).collect();
        let mut out = Vec::with_capacity(by_code.len());
        for group in &rules.groups {
            for indicator in rules.indicators.iter().filter(|i| i.group == group.code) {
                let Some(row) = by_code.remove(&indicator.code) else {
                    continue;
                };
                let latest = row.figure()?;
                out.push(IndicatorRow {
                    indicator: indicator.clone(),
                    group: group.clone(),
                    status: status_of(&row.status)?,
                    reason: Bilingual {
                        vi: row.reason_vi,
                        en: row.reason_en,
                    },
                    latest,
                    evidence: row.evidence,
                });
            }
        }
        Ok(out)
    }
}

/// One unit's standing on one indicator: a row of the indicator-across-units view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitStanding {
    pub unit: Unit,
    /// The name of the unit's parent (a district, when a province is in view).
    pub parent_name: Option<String>,
    pub status: Status,
    pub reason: Bilingual,
    pub latest: Option<Observation>,
}

/// The assessed units under a unit and the status of each indicator for each: the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusMatrix {
    /// The assessed units on this page, by parent and code, each with its parent's name.
    pub units: Vec<(Unit, Option<String>)>,
    /// Status by unit code, then indicator code.
    pub cells: HashMap<String, HashMap<String, Status>>,
    /// How many assessed units there are in all, over every page.
    pub total_units: usize,
}

/// Counts on each of several dates, for a unit and for each of its direct sub-units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountSeries {
    pub days: Vec<Date>,
    /// The unit's own counts, one per day.
    pub total: Vec<Counts>,
    /// Each direct sub-unit (by code) with its counts, one per day.
    pub children: HashMap<String, Vec<Counts>>,
}

/// The assessed descendants of `$1` that exist on `$3`, for framework `$2`.
const ASSESSED_UNDER: &str = "FROM unit_ancestors a JOIN units u ON u.id = a.unit_id
     LEFT JOIN units p ON p.id = u.parent_id
     WHERE a.ancestor_id = $1
       AND (u.valid_from IS NULL OR u.valid_from <= $3) AND (u.valid_until IS NULL OR u.valid_until > $3)
       AND EXISTS (SELECT 1 FROM indicator_status x WHERE x.unit_id = u.id AND x.framework_id = $2)";

impl Store {
    /// One indicator for every assessed unit under `unit_code` (or the unit itself, when it is
    /// assessed) on `as_of`: status, reason and figure. Two queries, whatever the size of the tree.
    pub async fn indicator_across(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        indicator_code: &str,
        as_of: Date,
    ) -> Result<Vec<UnitStanding>> {
        let rules = self.framework(framework).await?;
        if rules.indicator(indicator_code).is_none() {
            return Err(StorageError::not_found(
                format!(
                    "bộ chỉ tiêu {} không có chỉ tiêu «{indicator_code}»",
                    framework.code
                ),
                format!(
                    "framework {} has no indicator «{indicator_code}»",
                    framework.code
                ),
            ));
        }
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            unit: UnitRow,
            parent_name: Option<String>,
            status: String,
            reason_vi: String,
            reason_en: String,
            observation_id: Option<i64>,
        }
        // The spans in force of this indicator for the unit and every unit under it, with
        // whatever else a query joins to them.
        let spans = |joins: &str| {
            format!(
                "FROM unit_ancestors a
                 JOIN units d ON d.id = a.unit_id
                 JOIN indicator_status s ON s.unit_id = a.unit_id
                 JOIN indicators i ON i.id = s.indicator_id
                 {joins}
                 WHERE a.ancestor_id = $3 AND {ONE_INDICATOR_IN_FORCE} AND {UNIT_EXISTS} AND i.code = $4"
            )
        };
        let day = as_of.to_string();
        let rows = sql!(c.conn(), fetch_all Row,
            &format!("SELECT {UNIT_COLUMNS}, p.name AS parent_name, s.status, s.reason_vi, s.reason_en,
                             s.observation_id {} ORDER BY COALESCE(p.code, ''), u.code",
                     spans("JOIN units u ON u.id = a.unit_id LEFT JOIN units p ON p.id = u.parent_id")),
            framework.id, day.as_str(), unit_id, indicator_code)?;
        let figures: HashMap<i64, Observation> = sql!(c.conn(), fetch_all ObservationRow,
            &format!("SELECT {OBSERVATION_COLUMNS} {}",
                     spans("JOIN observations o ON o.id = s.observation_id")),
            framework.id, day.as_str(), unit_id, indicator_code)?
        .iter()
        .map(|r| Ok((r.id, r.to_observation()?)))
        .collect::<Result<_>>()?;
        rows.into_iter()
            .map(|r| {
                let (_, unit) = r.unit.into_unit()?;
                Ok(UnitStanding {
                    unit,
                    parent_name: r.parent_name,
                    status: status_of(&r.status)?,
                    reason: Bilingual {
                        vi: r.reason_vi,
                        en: r.reason_en,
                    },
                    latest: r.observation_id.and_then(|id| figures.get(&id).cloned()),
                })
            })
            .collect()
    }

    /// For each indicator (by code), how many units under `unit_code` (and itself) have each
    /// status on `as_of`: where support is needed. One query over the unit's counts.
    pub async fn indicator_counts(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        as_of: Date,
    ) -> Result<HashMap<String, Counts>> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            code: String,
            #[sqlx(flatten)]
            sums: SummedRow,
        }
        let rows = sql!(c.conn(), fetch_all Row,
            &format!("SELECT i.code, c.indicator_id AS key, {SUMS}
                      FROM status_counts c JOIN indicators i ON i.id = c.indicator_id
                      WHERE c.unit_id = $3 AND {COUNTS_IN_FORCE}
                      GROUP BY i.code, c.indicator_id"),
            framework.id, as_of.to_string(), unit_id)?;
        rows.into_iter()
            .map(|row| Ok((row.code, row.sums.counts()?)))
            .collect()
    }

    /// The assessed units under `unit_code` that exist on `as_of` (the unit itself when it is
    /// assessed), by parent then code, each with its parent's name: the rows of a matrix or a
    /// league table. One query.
    pub async fn assessed_units(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        as_of: Date,
    ) -> Result<Vec<(Unit, Option<String>)>> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        let units = assessed_page(&mut c.conn(), unit_id, framework, as_of, 0, usize::MAX).await?;
        Ok(units.into_iter().map(|(_, unit)| unit).collect())
    }

    /// The status of every indicator for the assessed units under `unit_code` on `as_of`,
    /// `limit` units from `offset` (by parent, then code). Three queries per page.
    pub async fn status_matrix(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        as_of: Date,
        offset: usize,
        limit: usize,
    ) -> Result<StatusMatrix> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        let day = as_of.to_string();
        let total_units = sql!(c.conn(), fetch_one_scalar i64,
            &format!("SELECT COUNT(*) {ASSESSED_UNDER}"),
            unit_id, framework.id, day.as_str())? as usize;
        let page = assessed_page(&mut c.conn(), unit_id, framework, as_of, offset, limit).await?;
        let (ids, units): (Vec<i64>, Vec<_>) = page.into_iter().unzip();
        let mut cells: HashMap<String, HashMap<String, Status>> = HashMap::new();
        if !ids.is_empty() {
            #[derive(sqlx::FromRow)]
            struct Cell {
                unit_code: String,
                indicator_code: String,
                status: String,
            }
            let select = format!(
                "SELECT u.code AS unit_code, i.code AS indicator_code, s.status
                 FROM indicator_status s JOIN units u ON u.id = s.unit_id
                 JOIN indicators i ON i.id = s.indicator_id
                 WHERE {IN_FORCE} AND s.unit_id IN ({})",
                crate::derive::in_list(3, ids.len())
            );
            let found = sql!(c.conn(), fetch_all_with Cell, &select, |q| {
                let mut q = q.bind(framework.id).bind(day.as_str());
                for id in &ids {
                    q = q.bind(*id);
                }
                q
            })?;
            for cell in found {
                cells
                    .entry(cell.unit_code)
                    .or_default()
                    .insert(cell.indicator_code, status_of(&cell.status)?);
            }
        }
        Ok(StatusMatrix {
            units,
            cells,
            total_units,
        })
    }

    /// The counts of a unit and of each of its direct sub-units on each of `days` (in ascending
    /// order; of one group's indicators when `group` names one), in one query over the spans
    /// (never the figures).
    pub async fn count_series(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        days: &[Date],
        group: Option<&str>,
    ) -> Result<CountSeries> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, unit) = self.read_unit(&mut c.conn(), unit_code).await?;
        let only_group = group_filter(&mut c.conn(), framework, group).await?;
        let mut days = days.to_vec();
        days.sort();
        days.dedup();
        let mut series = CountSeries {
            days: days.clone(),
            total: vec![Counts::default(); days.len()],
            children: HashMap::new(),
        };
        if days.is_empty() {
            return Ok(series);
        }
        // One pass over the counts of the unit and of its direct sub-units, each row placed by
        // the days it is in force on: from the first day on or after it begins (`lo`, the
        // number of days before its start) to the last day before it ends (`hi`). Grouping by
        // those two numbers leaves a handful of rows whatever the size of the tree; the counts
        // of each day are then summed here.
        #[derive(sqlx::FromRow)]
        struct Row {
            code: String,
            lo: i64,
            hi: i64,
            #[sqlx(flatten)]
            sums: SummedRow,
        }
        let days_before = |x: &str| {
            let mut case = String::from("CASE");
            for i in 0..days.len() {
                let _ = write!(case, " WHEN {x} <= ${} THEN {i}", i + 4);
            }
            let _ = write!(case, " ELSE {} END", days.len());
            case
        };
        let (first, last) = (days.len() + 4, days.len() + 5);
        let select = format!(
            "SELECT k.code, CAST({lo} AS BIGINT) AS lo, CAST({hi} AS BIGINT) AS hi,
                    k.id AS key, {SUMS}
             FROM units k
             JOIN status_counts c ON c.unit_id = k.id AND c.framework_id = $1
             WHERE (k.parent_id = $2 OR k.id = $2) AND ($3 IS NULL OR c.group_id = $3)
               AND c.valid_until > ${first} AND c.valid_from <= ${last}
             GROUP BY k.code, k.id, lo, hi",
            lo = days_before("c.valid_from"),
            hi = days_before("c.valid_until"),
        );
        let texts: Vec<String> = days.iter().map(Date::to_string).collect();
        let rows = sql!(c.conn(), fetch_all_with Row, &select, |q| {
            let mut q = q.bind(framework.id).bind(unit_id).bind(only_group);
            for t in &texts {
                q = q.bind(t.as_str());
            }
            q.bind(texts[0].as_str()).bind(texts[texts.len() - 1].as_str())
        })?;
        for row in rows {
            let counts = row.sums.counts()?;
            let (lo, hi) = (
                row.lo.max(0) as usize,
                (row.hi.max(0) as usize).min(days.len()),
            );
            if row.code == unit.code {
                for total in &mut series.total[lo..hi.max(lo)] {
                    total.merge(&counts);
                }
            } else if lo < hi {
                let child = series
                    .children
                    .entry(row.code)
                    .or_insert_with(|| vec![Counts::default(); days.len()]);
                for c in &mut child[lo..hi] {
                    c.merge(&counts);
                }
            }
        }
        Ok(series)
    }

    /// A unit's figures for every indicator of the framework dated on or before `until`, oldest
    /// first, by indicator code: what trend lines are drawn from. One query, of the columns a
    /// trend needs only (a unit page reads a year of them for 40 indicators).
    pub async fn unit_figures(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        until: Date,
    ) -> Result<HashMap<String, Vec<DatedFigure>>> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            code: String,
            observed_on: String,
            yes_no: Option<bool>,
            amount_thousandths: Option<i64>,
            numerator: Option<i64>,
            denominator: Option<i64>,
        }
        let rows = sql!(c.conn(), fetch_all Row,
            "SELECT o.id, i.code, o.observed_on, o.yes_no, o.amount_thousandths, o.numerator, o.denominator
             FROM observations o JOIN indicators i ON i.id = o.indicator_id
             WHERE o.unit_id = $1 AND i.framework_id = $2 AND o.observed_on <= $3
             ORDER BY o.indicator_id, o.observed_on, o.id",
            unit_id, framework.id, until.to_string())?;
        let mut out: HashMap<String, Vec<DatedFigure>> = HashMap::new();
        for r in rows {
            let figure = DatedFigure {
                observed_on: parse_date(&r.observed_on, "observed_on")?,
                figure: figure_from_columns(
                    r.id,
                    r.yes_no,
                    r.amount_thousandths,
                    r.numerator,
                    r.denominator,
                )?,
            };
            out.entry(r.code).or_default().push(figure);
        }
        Ok(out)
    }
}

impl Store {
    /// [`Store::unit_figures`] for several units at once, by unit code: one query per chunk of
    /// units, whatever their number (an import of a province's figures names hundreds).
    pub async fn units_figures(
        &self,
        unit_codes: &[&str],
        framework: &FrameworkRef,
        until: Date,
    ) -> Result<HashMap<String, HashMap<String, Vec<Observation>>>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            row: ObservationRow,
            code: String,
            unit_code: String,
        }
        let mut c = self.pool.acquire().await?;
        let mut out: HashMap<String, HashMap<String, Vec<Observation>>> = HashMap::new();
        for chunk in unit_codes.chunks(crate::conn::CHUNK_ROWS) {
            let q = format!(
                "SELECT {OBSERVATION_COLUMNS}, i.code, u.code AS unit_code FROM observations o
                 JOIN indicators i ON i.id = o.indicator_id JOIN units u ON u.id = o.unit_id
                 WHERE i.framework_id = $1 AND o.observed_on <= $2 AND u.code IN ({})
                 ORDER BY o.unit_id, o.indicator_id, o.observed_on, o.id",
                crate::derive::in_list(3, chunk.len())
            );
            let rows = sql!(c.conn(), fetch_all_with Row, q.as_str(), |q| {
                let mut q = q.bind(framework.id).bind(until.to_string());
                for code in chunk {
                    q = q.bind(*code);
                }
                q
            })?;
            for r in rows {
                out.entry(r.unit_code)
                    .or_default()
                    .entry(r.code)
                    .or_default()
                    .push(r.row.to_observation()?);
            }
        }
        Ok(out)
    }
}

/// A status over a stretch of days, `[from, until)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusSpan {
    pub from: Date,
    pub until: Date,
    pub status: Status,
}

impl Store {
    /// How each indicator's status for a unit changed over time, up to `until`: the derived
    /// spans themselves (no figures), by indicator code, oldest first. One query.
    pub async fn unit_status_history(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        until: Date,
    ) -> Result<HashMap<String, Vec<StatusSpan>>> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            code: String,
            valid_from: String,
            valid_until: String,
            status: String,
        }
        let rows = sql!(c.conn(), fetch_all Row,
            "SELECT i.code, s.valid_from, s.valid_until, s.status
             FROM indicator_status s JOIN indicators i ON i.id = s.indicator_id
             WHERE s.unit_id = $1 AND s.framework_id = $2 AND s.valid_from <= $3
             ORDER BY i.code, s.valid_from",
            unit_id, framework.id, until.to_string())?;
        let mut out: HashMap<String, Vec<StatusSpan>> = HashMap::new();
        for r in rows {
            out.entry(r.code).or_default().push(StatusSpan {
                from: parse_span_day(&r.valid_from, "valid_from")?,
                until: parse_span_day(&r.valid_until, "valid_until")?,
                status: status_of(&r.status)?,
            });
        }
        Ok(out)
    }

    /// What every assessed unit under `unit_code` (itself included when assessed; only down to
    /// `max_depth` levels below it, when given) stands at on `as_of`: its kind, and per
    /// indicator code the status and, for the indicators in `figures_of`, the figure that
    /// status rests on (the others' figure is left out: reading 22,000 figures for a province
    /// costs more than its spans). Over the derived status spans only, whatever the tree; it
    /// never reads history.
    ///
    /// The statuses come one row per unit, each unit's packed into one text by the database
    /// (`"<indicator id> <status>,…"`): a province's 22,360 statuses as 559 rows. Handing rows
    /// over from the database one at a time cost five times the query itself.
    pub async fn indicator_inputs_under(
        &self,
        unit_code: &str,
        framework: &FrameworkRef,
        as_of: Date,
        max_depth: Option<u32>,
        figures_of: &[&str],
    ) -> Result<HashMap<String, UnitInputs>> {
        #[derive(sqlx::FromRow)]
        struct Packed {
            unit_code: String,
            kind: String,
            statuses: String,
        }
        #[derive(sqlx::FromRow)]
        struct FigureRow {
            unit_code: String,
            code: String,
            observation_id: i64,
            yes_no: Option<bool>,
            amount_thousandths: Option<i64>,
            numerator: Option<i64>,
            denominator: Option<i64>,
        }
        // One snapshot, so that each figure is the one its status rests on.
        let mut c = self.pool.begin_snapshot().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        let codes: HashMap<i64, String> = crate::derive::indicator_ids(&mut c.conn(), framework.id)
            .await?
            .into_iter()
            .map(|i| (i.id, i.code))
            .collect();
        // The one aggregate the two databases name differently.
        let packed_of = match self.pool {
            crate::conn::Pool::Postgres(_) => "string_agg",
            crate::conn::Pool::Sqlite(..) => "group_concat",
        };
        // The spans in force of every unit asked for, with whatever a query joins to them.
        let spans = |joins: &str| {
            format!(
                "FROM unit_ancestors a JOIN units u ON u.id = a.unit_id
                 JOIN indicator_status s ON s.unit_id = a.unit_id {joins}
                 WHERE a.ancestor_id = $3 AND ($4 IS NULL OR a.depth <= $4) AND {IN_FORCE}"
            )
        };
        let day = as_of.to_string();
        let depth = max_depth.map(i64::from);
        let packed = sql!(c.conn(), fetch_all Packed,
            &format!("SELECT u.code AS unit_code, u.kind,
                             {packed_of}(CAST(s.indicator_id AS TEXT) || ' ' || s.status, ',') AS statuses
                      {} GROUP BY u.id, u.code, u.kind", spans("")),
            framework.id, day.as_str(), unit_id, depth)?;
        let mut out: HashMap<String, UnitInputs> = HashMap::with_capacity(packed.len());
        for row in packed {
            let mut indicators = HashMap::new();
            for pair in row.statuses.split(',') {
                let corrupt = || StorageError::Corrupt(format!("packed status «{pair}»"));
                let (id, status) = pair.split_once(' ').ok_or_else(corrupt)?;
                let id: i64 = id.parse().map_err(|_| corrupt())?;
                let code = codes.get(&id).ok_or_else(corrupt)?;
                let status = status_of(status)?;
                indicators.insert(
                    code.clone(),
                    IndicatorInput {
                        status,
                        figure: None,
                    },
                );
            }
            let kind = row
                .kind
                .parse()
                .map_err(|e| StorageError::Corrupt(format!("unit kind: {e}")))?;
            out.insert(row.unit_code, UnitInputs { kind, indicators });
        }
        if figures_of.is_empty() {
            c.commit().await?;
            return Ok(out);
        }
        let select = format!(
            "SELECT u.code AS unit_code, i.code, o.id AS observation_id, o.yes_no,
                    o.amount_thousandths, o.numerator, o.denominator
             {} AND i.code IN ({})",
            spans(
                "JOIN indicators i ON i.id = s.indicator_id
                 JOIN observations o ON o.id = s.observation_id"
            ),
            crate::derive::in_list(5, figures_of.len())
        );
        let figures = sql!(c.conn(), fetch_all_with FigureRow, &select, |q| {
            let mut q = q
                .bind(framework.id)
                .bind(day.as_str())
                .bind(unit_id)
                .bind(depth);
            for code in figures_of {
                q = q.bind(*code);
            }
            q
        })?;
        for r in figures {
            let figure = figure_from_columns(
                r.observation_id,
                r.yes_no,
                r.amount_thousandths,
                r.numerator,
                r.denominator,
            )?;
            if let Some(input) = out
                .get_mut(&r.unit_code)
                .and_then(|u| u.indicators.get_mut(&r.code))
            {
                input.figure = Some(figure);
            }
        }
        c.commit().await?;
        Ok(out)
    }
}

/// `limit` assessed units under `unit_id` from `offset` (see [`Store::assessed_units`]), each
/// with its row id.
async fn assessed_page(
    conn: &mut crate::conn::Conn<'_>,
    unit_id: i64,
    framework: &FrameworkRef,
    as_of: Date,
    offset: usize,
    limit: usize,
) -> Result<Vec<(i64, (Unit, Option<String>))>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        unit: UnitRow,
        parent_name: Option<String>,
    }
    let rows = sql!(&mut *conn, fetch_all Row,
        &format!("SELECT {UNIT_COLUMNS}, p.name AS parent_name {ASSESSED_UNDER}
                  ORDER BY COALESCE(p.code, ''), u.code LIMIT $4 OFFSET $5"),
        unit_id, framework.id, as_of.to_string(), i64::try_from(limit).unwrap_or(i64::MAX),
        offset as i64)?;
    rows.into_iter()
        .map(|r| {
            let (id, unit) = r.unit.into_unit()?;
            Ok((id, (unit, r.parent_name)))
        })
        .collect()
}

/// A unit's kind and what it stands at on each assessed indicator (see
/// [`Store::indicator_inputs_under`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitInputs {
    pub kind: UnitKind,
    pub indicators: HashMap<String, IndicatorInput>,
}
