//! The derived status counts (`status_counts`): for every unit, indicator and span of days, how
//! many units at or under it have each status. They are the status spans summed up the unit
//! tree, changed by the difference between the spans a write removes and the spans it adds, in
//! the same transaction. A roll-up on any date then reads one row per indicator of the unit,
//! however many units lie below it.

use std::collections::{BTreeMap, HashMap, HashSet};

use tiendo_domain::{Counts, Date, Status};

use crate::conn::{CHUNK_ROWS, Cell, Conn, bulk_insert, lock_counts};
use crate::derive::in_list;
use crate::units::{parse_date, parse_span_day};
use crate::{Result, StorageError};

/// Counts in the order of the table's columns: achieved, in progress, not achieved, no data,
/// not applicable.
pub(crate) type Tally = [i64; 5];

fn slot(status: Status) -> usize {
    match status {
        Status::Achieved => 0,
        Status::InProgress => 1,
        Status::NotAchieved => 2,
        Status::NoData => 3,
        Status::NotApplicable => 4,
    }
}

/// A tally as the domain's counts.
pub(crate) fn to_counts(t: &Tally) -> Result<Counts> {
    let mut counts = Counts::default();
    for (status, n) in [
        Status::Achieved,
        Status::InProgress,
        Status::NotAchieved,
        Status::NoData,
        Status::NotApplicable,
    ]
    .into_iter()
    .zip(t)
    {
        let n = u32::try_from(*n)
            .map_err(|_| StorageError::Corrupt(format!("a status count of {n}")))?;
        counts.add(status, n);
    }
    Ok(counts)
}

/// The sums of the count columns, for `SELECT`s that add rows up.
pub(crate) const SUMS: &str = "CAST(SUM(c.achieved) AS BIGINT) AS achieved,
    CAST(SUM(c.in_progress) AS BIGINT) AS in_progress,
    CAST(SUM(c.not_achieved) AS BIGINT) AS not_achieved,
    CAST(SUM(c.no_data) AS BIGINT) AS no_data,
    CAST(SUM(c.not_applicable) AS BIGINT) AS not_applicable";

/// Count rows in force on `$2` for framework `$1`.
pub(crate) const COUNTS_IN_FORCE: &str =
    "c.framework_id = $1 AND c.valid_until > $2 AND c.valid_from <= $2";

/// A key and the sums of [`SUMS`].
#[derive(sqlx::FromRow)]
pub(crate) struct SummedRow {
    pub key: i64,
    pub achieved: i64,
    pub in_progress: i64,
    pub not_achieved: i64,
    pub no_data: i64,
    pub not_applicable: i64,
}

impl SummedRow {
    pub(crate) fn counts(&self) -> Result<Counts> {
        to_counts(&[
            self.achieved,
            self.in_progress,
            self.not_achieved,
            self.no_data,
            self.not_applicable,
        ])
    }
}

/// One status span, as far as the counts are concerned.
pub(crate) struct SpanFact {
    pub unit_id: i64,
    pub indicator_id: i64,
    pub group_id: i64,
    pub from: Date,
    pub until: Date,
    pub status: Status,
}

/// Where each unit sits: its ancestors (itself first) and the days it exists.
#[derive(Default)]
pub(crate) struct Lineages {
    units: HashMap<i64, Lineage>,
}

struct Lineage {
    ancestors: Vec<i64>,
    from: Option<Date>,
    until: Option<Date>,
}

impl Lineages {
    /// The lineages of `unit_ids`, in one query per chunk.
    pub(crate) async fn read(conn: &mut Conn<'_>, unit_ids: &[i64]) -> Result<Lineages> {
        #[derive(sqlx::FromRow)]
        struct Row {
            unit_id: i64,
            ancestor_id: i64,
            depth: i64,
            valid_from: Option<String>,
            valid_until: Option<String>,
        }
        let mut lineages = Lineages::default();
        for chunk in unit_ids.chunks(CHUNK_ROWS) {
            let q = format!(
                "SELECT a.unit_id, a.ancestor_id, a.depth, u.valid_from, u.valid_until
                 FROM unit_ancestors a JOIN units u ON u.id = a.unit_id
                 WHERE a.unit_id IN ({}) ORDER BY a.unit_id, a.depth",
                in_list(1, chunk.len())
            );
            let rows = sql!(&mut *conn, fetch_all_with Row, &q, |q| {
                let mut q = q;
                for id in chunk {
                    q = q.bind(*id);
                }
                q
            })?;
            for row in rows {
                let lineage = match lineages.units.entry(row.unit_id) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => e.insert(Lineage {
                        ancestors: Vec::new(),
                        from: row
                            .valid_from
                            .as_deref()
                            .map(|d| parse_date(d, "valid_from"))
                            .transpose()?,
                        until: row
                            .valid_until
                            .as_deref()
                            .map(|d| parse_date(d, "valid_until"))
                            .transpose()?,
                    }),
                };
                debug_assert!(row.depth >= 0);
                lineage.ancestors.push(row.ancestor_id);
            }
        }
        Ok(lineages)
    }
}

/// How the counts of each (unit, indicator) rise and fall, day by day: the difference a write
/// makes, or, from nothing, the counts themselves.
#[derive(Default)]
pub(crate) struct CountSteps {
    steps: HashMap<(i64, i64), (i64, BTreeMap<Date, Tally>)>,
}

impl CountSteps {
    /// Adds (`sign` 1) or takes away (`sign` -1) a span of one unit, counted while the unit
    /// exists, for the unit only; [`CountSteps::rolled_up`] carries it up the tree.
    pub(crate) fn add(&mut self, lineages: &Lineages, span: &SpanFact, sign: i64) -> Result<()> {
        let lineage = lineages.units.get(&span.unit_id).ok_or_else(|| {
            StorageError::Corrupt(format!("unit {} has no ancestry", span.unit_id))
        })?;
        let from = lineage.from.map_or(span.from, |f| f.max(span.from));
        let until = lineage.until.map_or(span.until, |u| u.min(span.until));
        if from >= until {
            return Ok(());
        }
        let (_, days) = self
            .steps
            .entry((span.unit_id, span.indicator_id))
            .or_insert_with(|| (span.group_id, BTreeMap::new()));
        days.entry(from).or_default()[slot(span.status)] += sign;
        days.entry(until).or_default()[slot(span.status)] -= sign;
        Ok(())
    }

    /// The steps of every unit added to each of its ancestors too, once the steps that cancel
    /// out (a span removed and written again unchanged) are gone.
    pub(crate) fn rolled_up(mut self, lineages: &Lineages) -> Result<CountSteps> {
        let mut out = CountSteps::default();
        for ((unit_id, indicator_id), (group_id, mut days)) in self.steps.drain() {
            days.retain(|_, t| t.iter().any(|n| *n != 0));
            if days.is_empty() {
                continue;
            }
            let lineage = lineages
                .units
                .get(&unit_id)
                .ok_or_else(|| StorageError::Corrupt(format!("unit {unit_id} has no ancestry")))?;
            for ancestor in &lineage.ancestors {
                let (_, into) = out
                    .steps
                    .entry((*ancestor, indicator_id))
                    .or_insert_with(|| (group_id, BTreeMap::new()));
                for (day, t) in &days {
                    let e = into.entry(*day).or_default();
                    for (a, b) in e.iter_mut().zip(t) {
                        *a += b;
                    }
                }
            }
        }
        for (_, days) in out.steps.values_mut() {
            days.retain(|_, t| t.iter().any(|n| *n != 0));
        }
        out.steps.retain(|_, (_, days)| !days.is_empty());
        Ok(out)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// A stored count row: `[from, until)` with its tally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CountSpan {
    pub from: Date,
    pub until: Date,
    pub tally: Tally,
}

/// The rows that replace `rows` (contiguous or with gaps, in any order) once `steps` are added:
/// non-zero tallies only, neighbours with equal tallies merged. `None` when a count would fall
/// below zero, which means the derived data disagree with the spans.
pub(crate) fn merge(rows: &[CountSpan], steps: &BTreeMap<Date, Tally>) -> Option<Vec<CountSpan>> {
    let mut all: BTreeMap<Date, Tally> = steps.clone();
    for row in rows {
        let e = all.entry(row.from).or_default();
        for (a, b) in e.iter_mut().zip(&row.tally) {
            *a += b;
        }
        let e = all.entry(row.until).or_default();
        for (a, b) in e.iter_mut().zip(&row.tally) {
            *a -= b;
        }
    }
    let mut out: Vec<CountSpan> = Vec::new();
    let mut current: Tally = [0; 5];
    let mut days = all.into_iter().peekable();
    while let Some((day, step)) = days.next() {
        for (a, b) in current.iter_mut().zip(&step) {
            *a += b;
        }
        if current.iter().any(|n| *n < 0) {
            return None;
        }
        let Some((next, _)) = days.peek() else {
            // Every span ends, so the counts are back at zero after the last day.
            return current.iter().all(|n| *n == 0).then_some(out);
        };
        if current.iter().all(|n| *n == 0) {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.until == day && last.tally == current => last.until = *next,
            _ => out.push(CountSpan {
                from: day,
                until: *next,
                tally: current,
            }),
        }
    }
    Some(out)
}

/// Adds `steps` to the stored counts of framework `framework_id`, on the caller's transaction:
/// for each chunk of units, the rows the steps reach (and their neighbours, to merge) are read,
/// deleted and written again. Writers take the framework's counts lock first on PostgreSQL,
/// since every write changes the rows of the units at the top of the tree.
pub(crate) async fn apply(conn: &mut Conn<'_>, framework_id: i64, steps: CountSteps) -> Result<()> {
    if steps.is_empty() {
        return Ok(());
    }
    lock_counts(&mut *conn, framework_id).await?;
    crate::cache::move_counts(&mut *conn).await?;
    // Per unit: each indicator, its group and its steps.
    type Changes = Vec<(i64, i64, BTreeMap<Date, Tally>)>;
    let mut by_unit: BTreeMap<i64, Changes> = BTreeMap::new();
    for ((unit_id, indicator_id), (group_id, days)) in steps.steps {
        by_unit
            .entry(unit_id)
            .or_default()
            .push((indicator_id, group_id, days));
    }
    let units: Vec<i64> = by_unit.keys().copied().collect();
    for chunk in units.chunks(CHUNK_ROWS) {
        let mut indicators: Vec<i64> = chunk
            .iter()
            .flat_map(|u| by_unit[u].iter().map(|(i, _, _)| *i))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        indicators.sort_unstable();
        let (mut lo, mut hi) = (Date::MAX, Date::MIN);
        for unit in chunk {
            for (_, _, days) in &by_unit[unit] {
                if let (Some((first, _)), Some((last, _))) =
                    (days.first_key_value(), days.last_key_value())
                {
                    lo = lo.min(*first);
                    hi = hi.max(*last);
                }
            }
        }
        let n = chunk.len() + indicators.len();
        // The rows the steps reach, read as they are deleted (one statement for both): the units
        // and indicators of the chunk, from the spans ending on the first day the steps reach to
        // those starting on the last.
        let scope = format!(
            "framework_id = ${} AND unit_id IN ({}) AND indicator_id IN ({})
             AND valid_until >= ${} AND valid_from <= ${}",
            n + 1,
            in_list(1, chunk.len()),
            in_list(1 + chunk.len(), indicators.len()),
            n + 2,
            n + 3
        );
        let (lo_text, hi_text) = (lo.to_string(), hi.to_string());
        #[derive(sqlx::FromRow)]
        struct Row {
            unit_id: i64,
            indicator_id: i64,
            group_id: i64,
            valid_from: String,
            valid_until: String,
            achieved: i64,
            in_progress: i64,
            not_achieved: i64,
            no_data: i64,
            not_applicable: i64,
        }
        let delete = format!(
            "DELETE FROM status_counts WHERE {scope}
             RETURNING unit_id, indicator_id, group_id, valid_from, valid_until, achieved,
                       in_progress, not_achieved, no_data, not_applicable"
        );
        let rows = sql!(&mut *conn, fetch_all_with Row, &delete, |q| {
            let mut q = q;
            for id in chunk.iter().chain(&indicators) {
                q = q.bind(*id);
            }
            q.bind(framework_id)
                .bind(lo_text.as_str())
                .bind(hi_text.as_str())
        })?;
        let mut stored: HashMap<(i64, i64), (i64, Vec<CountSpan>)> = HashMap::new();
        for row in rows {
            stored
                .entry((row.unit_id, row.indicator_id))
                .or_insert_with(|| (row.group_id, Vec::new()))
                .1
                .push(CountSpan {
                    from: parse_span_day(&row.valid_from, "valid_from")?,
                    until: parse_span_day(&row.valid_until, "valid_until")?,
                    tally: [
                        row.achieved,
                        row.in_progress,
                        row.not_achieved,
                        row.no_data,
                        row.not_applicable,
                    ],
                });
        }

        let mut written: Vec<(i64, i64, i64, CountSpan)> = Vec::new();
        let empty = BTreeMap::new();
        let mut keys: Vec<(i64, i64, i64)> = chunk
            .iter()
            .flat_map(|u| by_unit[u].iter().map(move |(i, g, _)| (*u, *i, *g)))
            .collect();
        keys.extend(
            stored
                .iter()
                .map(|((unit, indicator), (group, _))| (*unit, *indicator, *group)),
        );
        keys.sort_unstable();
        keys.dedup();
        let steps_of: HashMap<(i64, i64), &BTreeMap<Date, Tally>> = chunk
            .iter()
            .flat_map(|u| by_unit[u].iter().map(move |(i, _, d)| ((*u, *i), d)))
            .collect();
        for (unit_id, indicator_id, group_id) in keys {
            let rows = stored
                .get(&(unit_id, indicator_id))
                .map_or(&[][..], |(_, r)| r.as_slice());
            let steps = steps_of
                .get(&(unit_id, indicator_id))
                .copied()
                .unwrap_or(&empty);
            let merged = merge(rows, steps).ok_or_else(|| {
                StorageError::Corrupt(format!(
                    "the status counts of unit {unit_id}, indicator {indicator_id} disagree with its status spans"
                ))
            })?;
            written.extend(
                merged
                    .into_iter()
                    .map(|s| (unit_id, indicator_id, group_id, s)),
            );
        }
        insert(&mut *conn, framework_id, &written).await?;
    }
    Ok(())
}

async fn insert(
    conn: &mut Conn<'_>,
    framework_id: i64,
    rows: &[(i64, i64, i64, CountSpan)],
) -> Result<()> {
    let days: Vec<(String, String)> = rows
        .iter()
        .map(|(_, _, _, s)| (s.from.to_string(), s.until.to_string()))
        .collect();
    let mut cells = Vec::with_capacity(rows.len() * 11);
    for ((unit_id, indicator_id, group_id, s), (from, until)) in rows.iter().zip(&days) {
        cells.extend([
            Cell::Int(Some(framework_id)),
            Cell::Int(Some(*unit_id)),
            Cell::Int(Some(*indicator_id)),
            Cell::Int(Some(*group_id)),
            Cell::Text(Some(from)),
            Cell::Text(Some(until)),
        ]);
        cells.extend(s.tally.iter().map(|n| Cell::Int(Some(*n))));
    }
    bulk_insert(
        conn,
        "status_counts",
        &[
            "framework_id",
            "unit_id",
            "indicator_id",
            "group_id",
            "valid_from",
            "valid_until",
            "achieved",
            "in_progress",
            "not_achieved",
            "no_data",
            "not_applicable",
        ],
        &cells,
    )
    .await?;
    Ok(())
}

/// Recomputes every count of framework `framework_id` from its status spans (after the unit
/// tree or the days units exist changed), a chunk of units at a time.
pub(crate) async fn rebuild(conn: &mut Conn<'_>, framework_id: i64) -> Result<()> {
    lock_counts(&mut *conn, framework_id).await?;
    crate::cache::move_counts(&mut *conn).await?;
    sql!(&mut *conn, execute "DELETE FROM status_counts WHERE framework_id = $1", framework_id)?;
    let units = sql!(&mut *conn, fetch_all_scalar i64,
        "SELECT DISTINCT unit_id FROM indicator_status WHERE framework_id = $1 ORDER BY unit_id",
        framework_id)?;
    for chunk in units.chunks(CHUNK_ROWS) {
        let lineages = Lineages::read(&mut *conn, chunk).await?;
        let spans = read_spans(&mut *conn, framework_id, chunk, None).await?;
        let mut steps = CountSteps::default();
        for span in &spans {
            steps.add(&lineages, span, 1)?;
        }
        apply(&mut *conn, framework_id, steps.rolled_up(&lineages)?).await?;
    }
    Ok(())
}

/// The status spans of `units` (of `indicators` only, when given) for a framework.
pub(crate) async fn read_spans(
    conn: &mut Conn<'_>,
    framework_id: i64,
    units: &[i64],
    indicators: Option<&[i64]>,
) -> Result<Vec<SpanFact>> {
    let only = indicators.unwrap_or(&[]);
    let q = format!(
        "SELECT {SPAN_FACT_COLUMNS}
         FROM indicator_status WHERE framework_id = $1 AND unit_id IN ({}){}",
        in_list(2, units.len()),
        if indicators.is_some() {
            format!(
                " AND indicator_id IN ({})",
                in_list(2 + units.len(), only.len())
            )
        } else {
            String::new()
        }
    );
    let rows = sql!(&mut *conn, fetch_all_with SpanFactRow, &q, |q| {
        let mut q = q.bind(framework_id);
        for id in units.iter().chain(only) {
            q = q.bind(*id);
        }
        q
    })?;
    rows.into_iter().map(SpanFactRow::into_fact).collect()
}

/// The columns of `indicator_status` a [`SpanFactRow`] reads.
pub(crate) const SPAN_FACT_COLUMNS: &str =
    "unit_id, indicator_id, group_id, valid_from, valid_until, status";

/// A status span as stored, for what the counts need of it.
#[derive(sqlx::FromRow)]
pub(crate) struct SpanFactRow {
    unit_id: i64,
    indicator_id: i64,
    group_id: i64,
    valid_from: String,
    valid_until: String,
    status: String,
}

impl SpanFactRow {
    pub(crate) fn into_fact(self) -> Result<SpanFact> {
        Ok(SpanFact {
            unit_id: self.unit_id,
            indicator_id: self.indicator_id,
            group_id: self.group_id,
            from: parse_span_day(&self.valid_from, "valid_from")?,
            until: parse_span_day(&self.valid_until, "valid_until")?,
            status: self.status.parse().map_err(StorageError::Corrupt)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        if s == "end" {
            Date::MAX
        } else {
            s.parse().unwrap()
        }
    }

    fn steps(changes: &[(&str, usize, i64)]) -> BTreeMap<Date, Tally> {
        let mut out: BTreeMap<Date, Tally> = BTreeMap::new();
        for (day, slot, n) in changes {
            out.entry(d(day)).or_default()[*slot] += n;
        }
        out
    }

    #[test]
    fn merging_splits_adds_and_joins_equal_neighbours() {
        let rows = vec![CountSpan {
            from: Date::MIN,
            until: Date::MAX,
            tally: [0, 0, 0, 2, 0],
        }];
        // One unit moves from no data to achieved on 2022-06-30.
        let moved = merge(
            &rows,
            &steps(&[
                ("2022-06-30", 3, -1),
                ("2022-06-30", 0, 1),
                ("end", 3, 1),
                ("end", 0, -1),
            ]),
        )
        .unwrap();
        assert_eq!(
            moved,
            vec![
                CountSpan {
                    from: Date::MIN,
                    until: d("2022-06-30"),
                    tally: [0, 0, 0, 2, 0]
                },
                CountSpan {
                    from: d("2022-06-30"),
                    until: Date::MAX,
                    tally: [1, 0, 0, 1, 0]
                },
            ]
        );
        // Moving it back leaves one row again, not two equal ones.
        let back = merge(
            &moved,
            &steps(&[
                ("2022-06-30", 3, 1),
                ("2022-06-30", 0, -1),
                ("end", 3, -1),
                ("end", 0, 1),
            ]),
        )
        .unwrap();
        assert_eq!(back, rows);
    }

    #[test]
    fn zero_counts_leave_no_row_and_negative_ones_are_refused() {
        let one = steps(&[("2022-01-01", 1, 1), ("2022-03-01", 1, -1)]);
        let rows = merge(&[], &one).unwrap();
        assert_eq!(rows.len(), 1);
        let gone = merge(
            &rows,
            &steps(&[("2022-01-01", 1, -1), ("2022-03-01", 1, 1)]),
        )
        .unwrap();
        assert!(gone.is_empty());
        assert_eq!(
            merge(&[], &steps(&[("2022-01-01", 1, -1), ("2022-03-01", 1, 1)])),
            None
        );
    }
}
