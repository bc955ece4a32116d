//! The derived status spans: recomputed from the figures by the domain rules and written in the
//! caller's transaction, so they never disagree with the figures they come from.

use std::collections::{HashMap, HashSet};

use tiendo_domain::{
    Date, Decimal, Figure, Framework, Indicator, Observation, Rules, Status, UnitKind,
};

use crate::conn::{CHUNK_ROWS, Cell, Conn, bulk_insert};
use crate::counts::{self, CountSteps, Lineages, SPAN_FACT_COLUMNS, SpanFact, SpanFactRow};
use crate::units::parse_date;
use crate::{Result, StorageError};

#[derive(sqlx::FromRow)]
pub(crate) struct ObservationRow {
    pub id: i64,
    pub unit_id: i64,
    pub indicator_id: i64,
    pub observed_on: String,
    pub yes_no: Option<bool>,
    pub amount_thousandths: Option<i64>,
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    pub planned_by: Option<String>,
    pub note: String,
    pub version: i64,
    pub recorded_at: String,
}

pub(crate) const OBSERVATION_COLUMNS: &str = "o.id, o.unit_id, o.indicator_id, o.observed_on, o.yes_no, o.amount_thousandths, o.numerator, o.denominator, o.planned_by, o.note, o.version, o.recorded_at";

impl ObservationRow {
    pub(crate) fn to_observation(&self) -> Result<Observation> {
        let figure = figure_from_columns(
            self.id,
            self.yes_no,
            self.amount_thousandths,
            self.numerator,
            self.denominator,
        )?;
        Ok(Observation {
            observed_on: parse_date(&self.observed_on, "observed_on")?,
            figure,
            planned_by: self
                .planned_by
                .as_deref()
                .map(|d| parse_date(d, "planned_by"))
                .transpose()?,
            note: self.note.clone(),
        })
    }
}

/// The one figure an observation's columns hold (observation `id`, for the error).
pub(crate) fn figure_from_columns(
    id: i64,
    yes_no: Option<bool>,
    amount_thousandths: Option<i64>,
    numerator: Option<i64>,
    denominator: Option<i64>,
) -> Result<Figure> {
    match (yes_no, amount_thousandths, numerator, denominator) {
        (Some(b), None, None, None) => Ok(Figure::YesNo(b)),
        (None, Some(t), None, None) => Ok(Figure::Amount(Decimal::from_thousandths(t))),
        (None, None, Some(numerator), Some(denominator)) => Ok(Figure::Ratio {
            numerator,
            denominator,
        }),
        _ => Err(StorageError::Corrupt(format!(
            "observation {id} has no single figure"
        ))),
    }
}

/// `$from, $from+1, …` for `n` values.
pub(crate) fn in_list(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rewrites the status spans of `framework` for `units` (every indicator, or only those in
/// `only_indicators`), from the figures and exclusions in the database, and changes the status
/// counts of the units and their ancestors by the difference.
pub(crate) async fn refresh(
    conn: &mut Conn<'_>,
    framework_id: i64,
    framework: &Framework,
    units: &[(i64, UnitKind)],
    only_indicators: Option<&[IndicatorIds]>,
) -> Result<()> {
    refresh_with(conn, framework_id, framework, units, only_indicators, true).await
}

/// [`refresh`] without the counts, for a caller that rebuilds them afterwards
/// ([`crate::counts::rebuild`]) because the unit tree itself changed.
pub(crate) async fn refresh_spans(
    conn: &mut Conn<'_>,
    framework_id: i64,
    framework: &Framework,
    units: &[(i64, UnitKind)],
) -> Result<()> {
    refresh_with(conn, framework_id, framework, units, None, false).await
}

async fn refresh_with(
    conn: &mut Conn<'_>,
    framework_id: i64,
    framework: &Framework,
    units: &[(i64, UnitKind)],
    only_indicators: Option<&[IndicatorIds]>,
    keep_counts: bool,
) -> Result<()> {
    let ids = match only_indicators {
        None => indicator_ids(&mut *conn, framework_id).await?,
        // A figure's write touches one indicator, which the caller knows already.
        Some(only) => only.to_vec(),
    };
    let indicators = with_rules(framework, &ids)?;
    let indicator_filter: Vec<i64> = ids.iter().map(|i| i.id).collect();
    for chunk in units.chunks(CHUNK_ROWS) {
        let unit_ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
        // The same scope in every statement: units, then indicators, from parameter $1 on.
        let scope = format!(
            "unit_id IN ({}) AND indicator_id IN ({})",
            in_list(1, unit_ids.len()),
            in_list(1 + unit_ids.len(), indicator_filter.len())
        );
        let scope_ids: Vec<i64> = unit_ids.iter().chain(&indicator_filter).copied().collect();

        let mut steps = CountSteps::default();
        let delete = format!(
            "DELETE FROM indicator_status WHERE {scope} AND framework_id = ${}",
            scope_ids.len() + 1
        );
        let lineages = if keep_counts && !indicator_filter.is_empty() {
            let lineages = Lineages::read(&mut *conn, &unit_ids).await?;
            // The spans the counts lose are the ones deleted: one statement for both.
            let delete = format!("{delete} RETURNING {SPAN_FACT_COLUMNS}");
            let removed = sql!(&mut *conn, fetch_all_with SpanFactRow, &delete, |q| {
                let mut q = q;
                for id in &scope_ids {
                    q = q.bind(*id);
                }
                q.bind(framework_id)
            })?;
            for old in removed {
                steps.add(&lineages, &old.into_fact()?, -1)?;
            }
            Some(lineages)
        } else {
            sql!(&mut *conn, execute_with delete.as_str(), |q| {
                let mut q = q;
                for id in &scope_ids {
                    q = q.bind(*id);
                }
                q.bind(framework_id)
            })?;
            None
        };
        if indicator_filter.is_empty() {
            continue;
        }

        let select = format!(
            "SELECT {OBSERVATION_COLUMNS} FROM observations o WHERE o.{scope}
             ORDER BY o.unit_id, o.indicator_id, o.observed_on, o.id"
        );
        let rows = sql!(&mut *conn, fetch_all_with ObservationRow, &select, |q| {
            let mut q = q;
            for id in &scope_ids {
                q = q.bind(*id);
            }
            q
        })?;
        let mut histories: Histories = HashMap::new();
        for row in &rows {
            let entry = histories
                .entry((row.unit_id, row.indicator_id))
                .or_default();
            entry.0.push(row.id);
            entry.1.push(row.to_observation()?);
        }

        #[derive(sqlx::FromRow)]
        struct Exclusion {
            unit_id: i64,
            indicator_id: i64,
            reason: String,
        }
        let select = format!("SELECT unit_id, indicator_id, reason FROM exclusions WHERE {scope}");
        let exclusions: HashMap<(i64, i64), String> =
            sql!(&mut *conn, fetch_all_with Exclusion, &select, |q| {
                let mut q = q;
                for id in &scope_ids {
                    q = q.bind(*id);
                }
                q
            })?
            .into_iter()
            .map(|e| ((e.unit_id, e.indicator_id), e.reason))
            .collect();

        let spans = spans_of(framework, &indicators, chunk, &histories, &exclusions);
        insert_spans(conn, framework_id, &spans).await?;
        if let Some(lineages) = lineages {
            for s in &spans {
                steps.add(&lineages, &s.fact(), 1)?;
            }
            counts::apply(&mut *conn, framework_id, steps.rolled_up(&lineages)?).await?;
        }
    }
    Ok(())
}

/// A framework's indicator as the database knows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(crate) struct IndicatorIds {
    pub id: i64,
    pub group_id: i64,
    pub code: String,
}

/// The indicators of a framework, in framework order.
pub(crate) async fn indicator_ids(
    conn: &mut Conn<'_>,
    framework_id: i64,
) -> Result<Vec<IndicatorIds>> {
    Ok(sql!(&mut *conn, fetch_all IndicatorIds,
        "SELECT id, group_id, code FROM indicators WHERE framework_id = $1 ORDER BY position",
        framework_id)?)
}

/// Each indicator with its rules from the framework.
pub(crate) fn with_rules<'a>(
    framework: &'a Framework,
    ids: &'a [IndicatorIds],
) -> Result<Vec<(&'a IndicatorIds, &'a Indicator)>> {
    ids.iter()
        .map(|ids| {
            let indicator = framework.indicator(&ids.code).ok_or_else(|| {
                StorageError::Corrupt(format!(
                    "indicator {} is in the database but not in framework {}",
                    ids.code, framework.code
                ))
            })?;
            Ok((ids, indicator))
        })
        .collect()
}

/// Each unit's figures for one indicator (`(unit, indicator)` ids), oldest first, with their ids.
pub(crate) type Histories = HashMap<(i64, i64), (Vec<i64>, Vec<Observation>)>;

/// The status spans of `indicators` for the units of `units` the framework assesses, by the
/// rules, from their figures and exclusions.
pub(crate) fn spans_of(
    framework: &Framework,
    indicators: &[(&IndicatorIds, &Indicator)],
    units: &[(i64, UnitKind)],
    histories: &Histories,
    exclusions: &HashMap<(i64, i64), String>,
) -> Vec<SpanRow> {
    let assessed: HashSet<UnitKind> = framework
        .indicators
        .iter()
        .flat_map(|i| i.applies_to.iter().copied())
        .collect();
    let mut spans: Vec<SpanRow> = Vec::new();
    let empty = (Vec::new(), Vec::new());
    for &(unit_id, kind) in units.iter().filter(|(_, kind)| assessed.contains(kind)) {
        for (ids, indicator) in indicators {
            let exclusion = exclusions.get(&(unit_id, ids.id)).map(String::as_str);
            let applicability = indicator.applicability(kind, exclusion);
            let rules = Rules {
                indicator,
                applicability: &applicability,
                period_start: framework.period_start,
            };
            let (observation_ids, history) = histories.get(&(unit_id, ids.id)).unwrap_or(&empty);
            for span in rules.timeline(history) {
                let a = span.assessment;
                spans.push(SpanRow {
                    unit_id,
                    indicator_id: ids.id,
                    group_id: ids.group_id,
                    from: span.from,
                    until: span.until,
                    status: a.status,
                    reason: a.reason.bilingual(),
                    observation_id: a.latest.map(|i| observation_ids[i]),
                });
            }
        }
    }
    spans
}

pub(crate) struct SpanRow {
    unit_id: i64,
    indicator_id: i64,
    group_id: i64,
    from: Date,
    until: Date,
    status: Status,
    reason: tiendo_domain::Bilingual,
    observation_id: Option<i64>,
}

impl SpanRow {
    pub(crate) fn fact(&self) -> SpanFact {
        SpanFact {
            unit_id: self.unit_id,
            indicator_id: self.indicator_id,
            group_id: self.group_id,
            from: self.from,
            until: self.until,
            status: self.status,
        }
    }
}

pub(crate) async fn insert_spans(
    conn: &mut Conn<'_>,
    framework_id: i64,
    spans: &[SpanRow],
) -> Result<()> {
    let days: Vec<(String, String)> = spans
        .iter()
        .map(|s| (s.from.to_string(), s.until.to_string()))
        .collect();
    let mut cells = Vec::with_capacity(spans.len() * 10);
    for (s, (from, until)) in spans.iter().zip(&days) {
        cells.extend([
            Cell::Int(Some(s.unit_id)),
            Cell::Int(Some(s.indicator_id)),
            Cell::Int(Some(framework_id)),
            Cell::Int(Some(s.group_id)),
            Cell::Text(Some(from)),
            Cell::Text(Some(until)),
            Cell::Text(Some(s.status.code())),
            Cell::Text(Some(&s.reason.vi)),
            Cell::Text(Some(&s.reason.en)),
            Cell::Int(s.observation_id),
        ]);
    }
    bulk_insert(
        conn,
        "indicator_status",
        &[
            "unit_id",
            "indicator_id",
            "framework_id",
            "group_id",
            "valid_from",
            "valid_until",
            "status",
            "reason_vi",
            "reason_en",
            "observation_id",
        ],
        &cells,
    )
    .await?;
    Ok(())
}
