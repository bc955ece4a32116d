//! Figures and exclusions: every write recomputes the derived statuses it touches, in the same
//! transaction.

use std::collections::{BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use tiendo_domain::{Figure, Measure, Observation, UnitKind};

use crate::conn::{CHUNK_ROWS, Conn, placeholders};
use crate::derive::{OBSERVATION_COLUMNS, ObservationRow, in_list, refresh};
use crate::{FrameworkRef, Result, StorageError, Store};

/// A figure to record, naming its unit and indicator by code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewObservation {
    pub unit_code: String,
    pub indicator_code: String,
    pub observation: Observation,
}

/// A recorded figure with its id and when it was recorded (UTC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedObservation {
    pub id: i64,
    pub observation: Observation,
}

/// The current time as UTC ISO-8601 text, for `recorded_at` columns.
pub(crate) fn now_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let t =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
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

/// Resolves unit codes to ids and kinds in one query per chunk.
async fn unit_ids(
    conn: &mut Conn<'_>,
    codes: &BTreeSet<&str>,
) -> Result<HashMap<String, (i64, UnitKind)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        code: String,
        kind: String,
    }
    let codes: Vec<&str> = codes.iter().copied().collect();
    let mut out = HashMap::with_capacity(codes.len());
    for chunk in codes.chunks(CHUNK_ROWS) {
        let q = format!(
            "SELECT id, code, kind FROM units WHERE code IN ({})",
            in_list(1, chunk.len())
        );
        let rows = sql!(&mut *conn, fetch_all_with Row, &q, |q| {
            let mut q = q;
            for code in chunk {
                q = q.bind(*code);
            }
            q
        })?;
        for r in rows {
            let kind = r
                .kind
                .parse()
                .map_err(|e| StorageError::Corrupt(format!("unit {}: {e}", r.code)))?;
            out.insert(r.code, (r.id, kind));
        }
    }
    Ok(out)
}

async fn indicator_ids(conn: &mut Conn<'_>, framework_id: i64) -> Result<HashMap<String, i64>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        code: String,
    }
    Ok(sql!(&mut *conn, fetch_all Row, "SELECT id, code FROM indicators WHERE framework_id = $1", framework_id)?
        .into_iter()
        .map(|r| (r.code, r.id))
        .collect())
}

impl Store {
    /// Records figures, all or nothing: every item is checked first and every problem reported
    /// (numbered from 1); then all are written and the statuses they touch recomputed in one
    /// transaction. Returns how many were written.
    pub async fn record_observations(
        &self,
        framework: &FrameworkRef,
        items: &[NewObservation],
    ) -> Result<usize> {
        let rules = self.framework(framework).await?;
        let mut tx = self.pool.begin().await?;
        let unit_codes: BTreeSet<&str> = items.iter().map(|i| i.unit_code.as_str()).collect();
        let units = unit_ids(&mut tx.conn(), &unit_codes).await?;
        let indicators = indicator_ids(&mut tx.conn(), framework.id).await?;

        let mut problems_vi = Vec::new();
        let mut problems_en = Vec::new();
        let mut rows = Vec::with_capacity(items.len());
        for (n, item) in items.iter().enumerate() {
            let n = n + 1;
            let mut problem = |vi: String, en: String| {
                problems_vi.push(format!("mục {n}: {vi}"));
                problems_en.push(format!("item {n}: {en}"));
            };
            let unit = units.get(&item.unit_code);
            if unit.is_none() {
                problem(
                    format!("không có đơn vị mã «{}»", item.unit_code),
                    format!("no unit has the code «{}»", item.unit_code),
                );
            }
            let indicator = rules.indicator(&item.indicator_code);
            let Some(indicator) = indicator else {
                problem(
                    format!(
                        "khung {} không có chỉ tiêu «{}»",
                        framework.code, item.indicator_code
                    ),
                    format!(
                        "framework {} has no indicator «{}»",
                        framework.code, item.indicator_code
                    ),
                );
                continue;
            };
            let o = &item.observation;
            if let Err(e) = o.figure.check(indicator.measure) {
                problem(
                    format!("chỉ tiêu {}: {}", indicator.code, e.message_vi()),
                    format!("indicator {}: {e}", indicator.code),
                );
            }
            if o.observed_on < framework.period_start {
                problem(
                    format!(
                        "ngày số liệu {} trước kỳ của khung chỉ tiêu (từ {})",
                        o.observed_on.dmy(),
                        framework.period_start.dmy()
                    ),
                    format!(
                        "the figure's date {} is before the framework period (from {})",
                        o.observed_on.dmy(),
                        framework.period_start.dmy()
                    ),
                );
            }
            if o.planned_by.is_some() && indicator.measure != Measure::YesNo {
                problem(
                    "ngày kế hoạch chỉ dùng cho chỉ tiêu có/không".into(),
                    "a plan date is only for yes/no indicators".into(),
                );
            }
            if let (Some(&(unit_id, _)), Some(&indicator_id)) =
                (unit, indicators.get(&indicator.code))
            {
                rows.push((unit_id, indicator_id, o));
            }
        }
        if !problems_en.is_empty() {
            return Err(StorageError::invalid(
                problems_vi.join("\n"),
                problems_en.join("\n"),
            ));
        }

        let recorded_at = now_utc();
        for chunk in rows.chunks(CHUNK_ROWS) {
            let q = format!(
                "INSERT INTO observations (unit_id, indicator_id, observed_on, yes_no, amount_thousandths, numerator, denominator, planned_by, note, recorded_at) VALUES {}",
                placeholders(chunk.len(), 10)
            );
            sql!(tx.conn(), execute_with & q, |q| {
                let mut q = q;
                for (unit_id, indicator_id, o) in chunk {
                    let (yes_no, amount, numerator, denominator) = match o.figure {
                        Figure::YesNo(b) => (Some(b), None, None, None),
                        Figure::Amount(v) => (None, Some(v.thousandths()), None, None),
                        Figure::Ratio {
                            numerator,
                            denominator,
                        } => (None, None, Some(numerator), Some(denominator)),
                    };
                    q = q
                        .bind(*unit_id)
                        .bind(*indicator_id)
                        .bind(o.observed_on.to_string())
                        .bind(yes_no)
                        .bind(amount)
                        .bind(numerator)
                        .bind(denominator)
                        .bind(o.planned_by.map(|d| d.to_string()))
                        .bind(o.note.clone())
                        .bind(recorded_at.clone());
                }
                q
            })?;
        }
        let touched_units: Vec<(i64, UnitKind)> = {
            let ids: BTreeSet<i64> = rows.iter().map(|(u, _, _)| *u).collect();
            units
                .values()
                .filter(|(id, _)| ids.contains(id))
                .copied()
                .collect()
        };
        let touched_indicators: Vec<i64> = rows
            .iter()
            .map(|(_, i, _)| *i)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        refresh(
            &mut tx.conn(),
            framework.id,
            &rules,
            &touched_units,
            Some(&touched_indicators),
        )
        .await?;
        tx.commit().await?;
        if rows.len() >= crate::units::BULK {
            self.analyze().await?;
        }
        Ok(rows.len())
    }

    /// A unit's figures for one indicator, in the order they take effect.
    pub async fn history(
        &self,
        framework: &FrameworkRef,
        unit_code: &str,
        indicator_code: &str,
    ) -> Result<Vec<RecordedObservation>> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = Store::unit_with_id(&mut c.conn(), unit_code).await?;
        let indicator_id = indicator_ids(&mut c.conn(), framework.id)
            .await?
            .get(indicator_code)
            .copied()
            .ok_or_else(|| unknown_indicator(framework, indicator_code))?;
        let rows = sql!(c.conn(), fetch_all ObservationRow,
            &format!("SELECT {OBSERVATION_COLUMNS} FROM observations o
                      WHERE o.unit_id = $1 AND o.indicator_id = $2 ORDER BY o.observed_on, o.id"),
            unit_id, indicator_id)?;
        rows.iter()
            .map(|r| {
                Ok(RecordedObservation {
                    id: r.id,
                    observation: r.to_observation()?,
                })
            })
            .collect()
    }

    /// Excuses a unit from an indicator with a reason (or, with `None`, withdraws the excuse),
    /// and recomputes that indicator's status for the unit.
    pub async fn set_exclusion(
        &self,
        framework: &FrameworkRef,
        unit_code: &str,
        indicator_code: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        let rules = self.framework(framework).await?;
        let mut tx = self.pool.begin().await?;
        let (unit_id, unit) = Store::unit_with_id(&mut tx.conn(), unit_code).await?;
        let indicator_id = indicator_ids(&mut tx.conn(), framework.id)
            .await?
            .get(indicator_code)
            .copied()
            .ok_or_else(|| unknown_indicator(framework, indicator_code))?;
        match reason.map(str::trim) {
            Some("") => {
                return Err(StorageError::invalid(
                    "cần ghi lý do miễn chỉ tiêu",
                    "an exclusion needs a reason",
                ));
            }
            Some(reason) => {
                sql!(tx.conn(), execute
                    "INSERT INTO exclusions (unit_id, indicator_id, reason) VALUES ($1, $2, $3)
                     ON CONFLICT (unit_id, indicator_id) DO UPDATE SET reason = excluded.reason",
                    unit_id, indicator_id, reason)?;
            }
            None => {
                sql!(tx.conn(), execute
                    "DELETE FROM exclusions WHERE unit_id = $1 AND indicator_id = $2",
                    unit_id, indicator_id)?;
            }
        }
        refresh(
            &mut tx.conn(),
            framework.id,
            &rules,
            &[(unit_id, unit.kind)],
            Some(&[indicator_id]),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn unknown_indicator(framework: &FrameworkRef, code: &str) -> StorageError {
    StorageError::not_found(
        format!("khung {} không có chỉ tiêu «{code}»", framework.code),
        format!("framework {} has no indicator «{code}»", framework.code),
    )
}
