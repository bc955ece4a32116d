//! Figures and exclusions: every write recomputes the derived statuses it touches, in the same
//! transaction.

use std::collections::{BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use tiendo_domain::{Figure, Measure, Observation, UnitKind};

use crate::accounts::audit;
use crate::conn::{CHUNK_ROWS, Conn, placeholders};
use crate::derive::{IndicatorIds, OBSERVATION_COLUMNS, ObservationRow, in_list, refresh};
use crate::evidence::EvidenceItem;
use crate::{Actor, FrameworkRef, Result, StorageError, Store};

/// A figure to record, naming its unit and indicator by code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewObservation {
    pub unit_code: String,
    pub indicator_code: String,
    pub observation: Observation,
}

/// A recorded figure with its id, its version (for optimistic concurrency), and who recorded
/// it when (UTC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedObservation {
    pub id: i64,
    pub version: i64,
    pub recorded_at: String,
    pub recorded_by: Option<String>,
    pub observation: Observation,
}

/// The figure as the audit log keeps it: JSON with the date, figure, plan and note.
pub(crate) fn audit_json(o: &Observation) -> String {
    let figure = match o.figure {
        Figure::YesNo(b) => serde_json::json!({ "yes_no": b }),
        Figure::Amount(v) => serde_json::json!({ "amount": v.to_string() }),
        Figure::Ratio {
            numerator,
            denominator,
        } => serde_json::json!({ "numerator": numerator, "denominator": denominator }),
    };
    serde_json::json!({
        "observed_on": o.observed_on.to_string(),
        "figure": figure,
        "planned_by": o.planned_by.map(|d| d.to_string()),
        "note": o.note,
    })
    .to_string()
}

pub(crate) type FigureColumns = (Option<bool>, Option<i64>, Option<i64>, Option<i64>);

pub(crate) fn figure_columns(f: &Figure) -> FigureColumns {
    match *f {
        Figure::YesNo(b) => (Some(b), None, None, None),
        Figure::Amount(v) => (None, Some(v.thousandths()), None, None),
        Figure::Ratio {
            numerator,
            denominator,
        } => (None, None, Some(numerator), Some(denominator)),
    }
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
pub(crate) async fn unit_ids(
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

/// Indicator `code` of a framework, if it has one.
async fn indicator_id(
    conn: &mut Conn<'_>,
    framework_id: i64,
    code: &str,
) -> Result<Option<IndicatorIds>> {
    Ok(sql!(&mut *conn, fetch_optional IndicatorIds,
        "SELECT id, group_id, code FROM indicators WHERE framework_id = $1 AND code = $2",
        framework_id, code)?)
}

impl Store {
    /// Records figures, all or nothing: every item is checked first and every problem reported
    /// (numbered from 1); then all are written and the statuses they touch recomputed in one
    /// transaction. Returns the ids of the figures written (in input order for a single one).
    pub async fn record_observations(
        &self,
        framework: &FrameworkRef,
        items: &[NewObservation],
        actor: &Actor,
    ) -> Result<Vec<i64>> {
        self.record_observations_with_evidence(framework, items, &[], actor)
            .await
    }

    /// As [`Store::record_observations`], with `evidence[i]` attached to `items[i]` (an empty
    /// slice attaches nothing), in the same transaction: a bad piece of evidence writes nothing.
    pub async fn record_observations_with_evidence(
        &self,
        framework: &FrameworkRef,
        items: &[NewObservation],
        evidence: &[Vec<EvidenceItem>],
        actor: &Actor,
    ) -> Result<Vec<i64>> {
        self.write_observations(framework, items, evidence, actor, None)
            .await
    }

    /// As [`Store::record_observations`], for figures taken from an uploaded file (a data-entry
    /// template, a CSV): each figure is audited as `observation.import`, and one more entry,
    /// `import`, names the file and how many figures it brought, all in the same transaction.
    pub async fn import_observations(
        &self,
        framework: &FrameworkRef,
        items: &[NewObservation],
        actor: &Actor,
        file_name: &str,
    ) -> Result<Vec<i64>> {
        self.write_observations(framework, items, &[], actor, Some(file_name))
            .await
    }

    async fn write_observations(
        &self,
        framework: &FrameworkRef,
        items: &[NewObservation],
        evidence: &[Vec<EvidenceItem>],
        actor: &Actor,
        imported_from: Option<&str>,
    ) -> Result<Vec<i64>> {
        let rules = self.framework(framework).await?;
        let indicators = self.indicator_ids(framework.id).await?;
        let mut tx = self.pool.begin().await?;
        let ids = write_observations_in(
            &mut tx.conn(),
            framework,
            &rules,
            &indicators,
            items,
            evidence,
            actor,
            imported_from,
        )
        .await?;
        tx.commit().await?;
        if ids.len() >= crate::units::BULK {
            self.analyze().await?;
        }
        Ok(ids)
    }

    /// A unit's figures for one indicator, in the order they take effect.
    pub async fn history(
        &self,
        framework: &FrameworkRef,
        unit_code: &str,
        indicator_code: &str,
    ) -> Result<Vec<RecordedObservation>> {
        let mut c = self.pool.acquire().await?;
        let (unit_id, _) = self.read_unit(&mut c.conn(), unit_code).await?;
        let indicator_id = indicator_id(&mut c.conn(), framework.id, indicator_code)
            .await?
            .ok_or_else(|| unknown_indicator(framework, indicator_code))?
            .id;
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            row: ObservationRow,
            recorded_by: Option<String>,
        }
        let rows = sql!(c.conn(), fetch_all Row,
            &format!("SELECT {OBSERVATION_COLUMNS}, usr.username AS recorded_by FROM observations o
                      LEFT JOIN users usr ON usr.id = o.recorded_by
                      WHERE o.unit_id = $1 AND o.indicator_id = $2 ORDER BY o.observed_on, o.id"),
            unit_id, indicator_id)?;
        rows.into_iter()
            .map(|r| {
                Ok(RecordedObservation {
                    observation: r.row.to_observation()?,
                    id: r.row.id,
                    version: r.row.version,
                    recorded_at: r.row.recorded_at,
                    recorded_by: r.recorded_by,
                })
            })
            .collect()
    }

    /// Corrects a recorded figure. `expected_version` is the version the editor saw: if someone
    /// saved in between, nothing changes, the attempt is audited, and a conflict naming both
    /// figures is returned. The unit and indicator must match the figure's own.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_observation(
        &self,
        framework: &FrameworkRef,
        unit_code: &str,
        indicator_code: &str,
        id: i64,
        expected_version: i64,
        new: &Observation,
        actor: &Actor,
    ) -> Result<i64> {
        let rules = self.framework(framework).await?;
        let indicator = rules
            .indicator(indicator_code)
            .ok_or_else(|| unknown_indicator(framework, indicator_code))?;
        if let Err(e) = new.figure.check(indicator.measure) {
            return Err(StorageError::invalid(
                format!("chỉ tiêu {indicator_code}: {}", e.message_vi()),
                format!("indicator {indicator_code}: {e}"),
            ));
        }
        if new.observed_on < framework.period_start {
            return Err(StorageError::invalid(
                format!(
                    "ngày số liệu {} trước kỳ của khung chỉ tiêu (từ {})",
                    new.observed_on.dmy(),
                    framework.period_start.dmy()
                ),
                format!(
                    "the figure's date {} is before the framework period (from {})",
                    new.observed_on.dmy(),
                    framework.period_start.dmy()
                ),
            ));
        }
        if new.planned_by.is_some() && indicator.measure != Measure::YesNo {
            return Err(StorageError::invalid(
                "ngày kế hoạch chỉ dùng cho chỉ tiêu có/không",
                "a plan date is only for yes/no indicators",
            ));
        }
        let mut tx = self.pool.begin().await?;
        let (unit_id, unit) = Store::unit_with_id(&mut tx.conn(), unit_code).await?;
        let known = indicator_id(&mut tx.conn(), framework.id, indicator_code)
            .await?
            .ok_or_else(|| unknown_indicator(framework, indicator_code))?;
        let indicator_id = known.id;
        let current = sql!(tx.conn(), fetch_optional ObservationRow,
            &format!("SELECT {OBSERVATION_COLUMNS} FROM observations o
                      WHERE o.id = $1 AND o.unit_id = $2 AND o.indicator_id = $3"),
            id, unit_id, indicator_id)?
        .ok_or_else(|| {
            StorageError::not_found(
                format!(
                    "không có số liệu số {id} của chỉ tiêu {indicator_code} tại đơn vị {unit_code}"
                ),
                format!("no figure {id} of indicator {indicator_code} at unit {unit_code}"),
            )
        })?;
        let old = current.to_observation()?;
        crate::conn::lock_units(&mut tx.conn(), &[unit_id]).await?;
        crate::submissions::check_unlocked(
            &mut tx.conn(),
            framework.id,
            &[
                (unit_id, indicator_code, old.observed_on),
                (unit_id, indicator_code, new.observed_on),
            ],
        )
        .await?;
        let show = |o: &Observation, lang| {
            format!(
                "{} ({})",
                o.figure
                    .describe(indicator.measure, indicator.count_unit_in(lang), lang),
                o.observed_on.dmy()
            )
        };
        // The version decides, in the UPDATE itself: on PostgreSQL a concurrent writer waits
        // for the first to commit and then matches no row.
        let (yes_no, amount, numerator, denominator) = figure_columns(&new.figure);
        let changed = sql!(tx.conn(), execute
            "UPDATE observations SET observed_on = $1, yes_no = $2, amount_thousandths = $3,
                 numerator = $4, denominator = $5, planned_by = $6, note = $7,
                 recorded_at = $8, recorded_by = $9, version = version + 1
             WHERE id = $10 AND version = $11",
            new.observed_on.to_string(), yes_no, amount, numerator, denominator,
            new.planned_by.map(|d| d.to_string()), new.note.as_str(), now_utc(), actor.user_id,
            id, expected_version)?;
        if changed == 0 {
            let saved = sql!(tx.conn(), fetch_one ObservationRow,
                &format!("SELECT {OBSERVATION_COLUMNS} FROM observations o WHERE o.id = $1"), id)?;
            let saved_figure = saved.to_observation()?;
            audit(
                &mut tx.conn(),
                actor,
                "observation.update_refused",
                Some(unit_code),
                Some(indicator_code),
                Some(id),
                Some(audit_json(&saved_figure)),
                Some(audit_json(new)),
            )
            .await?;
            tx.commit().await?;
            return Err(StorageError::Conflict {
                vi: format!(
                    "Người khác đã lưu số liệu này trước (phiên bản {}). Giá trị đang lưu: {}; giá trị của bạn: {}. Không có gì bị ghi đè; hãy tải lại và nhập lại nếu cần.",
                    saved.version,
                    show(&saved_figure, tiendo_domain::Lang::Vi),
                    show(new, tiendo_domain::Lang::Vi)
                ),
                en: format!(
                    "Someone else saved this figure first (version {}). Saved value: {}; yours: {}. Nothing was overwritten; reload and enter it again if needed.",
                    saved.version,
                    show(&saved_figure, tiendo_domain::Lang::En),
                    show(new, tiendo_domain::Lang::En)
                ),
            });
        }
        audit(
            &mut tx.conn(),
            actor,
            "observation.update",
            Some(unit_code),
            Some(indicator_code),
            Some(id),
            Some(audit_json(&old)),
            Some(audit_json(new)),
        )
        .await?;
        refresh(
            &mut tx.conn(),
            framework.id,
            &rules,
            &[(unit_id, unit.kind)],
            Some(std::slice::from_ref(&known)),
        )
        .await?;
        tx.commit().await?;
        Ok(expected_version + 1)
    }

    /// Excuses a unit from an indicator with a reason (or, with `None`, withdraws the excuse),
    /// and recomputes that indicator's status for the unit.
    pub async fn set_exclusion(
        &self,
        framework: &FrameworkRef,
        unit_code: &str,
        indicator_code: &str,
        reason: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        let rules = self.framework(framework).await?;
        let mut tx = self.pool.begin().await?;
        apply_exclusion(
            &mut tx.conn(),
            framework,
            &rules,
            unit_code,
            indicator_code,
            reason,
            actor,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Sets (or with `None` withdraws) an exclusion on the caller's transaction, audited, and
/// recomputes the indicator's status for the unit.
pub(crate) async fn apply_exclusion(
    conn: &mut Conn<'_>,
    framework: &FrameworkRef,
    rules: &tiendo_domain::Framework,
    unit_code: &str,
    indicator_code: &str,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<()> {
    let (unit_id, unit) = Store::unit_with_id(&mut *conn, unit_code).await?;
    crate::conn::lock_units(&mut *conn, &[unit_id]).await?;
    let known = indicator_id(&mut *conn, framework.id, indicator_code)
        .await?
        .ok_or_else(|| unknown_indicator(framework, indicator_code))?;
    let indicator_id = known.id;
    match reason.map(str::trim) {
        Some("") => {
            return Err(StorageError::invalid(
                "cần ghi lý do miễn chỉ tiêu",
                "an exclusion needs a reason",
            ));
        }
        Some(reason) => {
            sql!(&mut *conn, execute
                "INSERT INTO exclusions (unit_id, indicator_id, reason) VALUES ($1, $2, $3)
                 ON CONFLICT (unit_id, indicator_id) DO UPDATE SET reason = excluded.reason",
                unit_id, indicator_id, reason)?;
        }
        None => {
            sql!(&mut *conn, execute
                "DELETE FROM exclusions WHERE unit_id = $1 AND indicator_id = $2",
                unit_id, indicator_id)?;
        }
    }
    audit(
        &mut *conn,
        actor,
        if reason.is_some() {
            "exclusion.set"
        } else {
            "exclusion.withdraw"
        },
        Some(unit_code),
        Some(indicator_code),
        None,
        None,
        reason.map(str::to_string),
    )
    .await?;
    refresh(
        &mut *conn,
        framework.id,
        rules,
        &[(unit_id, unit.kind)],
        Some(std::slice::from_ref(&known)),
    )
    .await?;
    Ok(())
}

fn unknown_indicator(framework: &FrameworkRef, code: &str) -> StorageError {
    StorageError::not_found(
        format!("khung {} không có chỉ tiêu «{code}»", framework.code),
        format!("framework {} has no indicator «{code}»", framework.code),
    )
}

/// The one write path of figures, on the caller's transaction: checks every item (reporting
/// every problem), refuses figures in submitted periods, writes and audits them with their
/// evidence, and rewrites the status spans they touch. Trainings write their figures through it.
#[allow(clippy::too_many_arguments)] // the one write path: each argument is part of the write
pub(crate) async fn write_observations_in(
    conn: &mut Conn<'_>,
    framework: &FrameworkRef,
    rules: &tiendo_domain::Framework,
    indicators: &HashMap<String, IndicatorIds>,
    items: &[NewObservation],
    evidence: &[Vec<EvidenceItem>],
    actor: &Actor,
    imported_from: Option<&str>,
) -> Result<Vec<i64>> {
    let action = if imported_from.is_some() {
        "observation.import"
    } else {
        "observation.create"
    };
    let unit_codes: BTreeSet<&str> = items.iter().map(|i| i.unit_code.as_str()).collect();
    let units = unit_ids(&mut *conn, &unit_codes).await?;

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
        if let Some(&(_, kind)) = unit
            && !indicator.applies_to.contains(&kind)
        {
            problem(
                format!(
                    "chỉ tiêu {} không áp dụng cho đơn vị loại {}",
                    indicator.code,
                    kind.label(tiendo_domain::Lang::Vi)
                ),
                format!(
                    "indicator {} does not apply to a unit of kind {}",
                    indicator.code,
                    kind.label(tiendo_domain::Lang::En)
                ),
            );
        }
        if o.planned_by.is_some() && indicator.measure != Measure::YesNo {
            problem(
                "ngày kế hoạch chỉ dùng cho chỉ tiêu có/không".into(),
                "a plan date is only for yes/no indicators".into(),
            );
        }
        if let (Some(&(unit_id, _)), Some(ids)) = (unit, indicators.get(&indicator.code)) {
            rows.push((unit_id, ids.id, o, item));
        }
    }
    if !problems_en.is_empty() {
        return Err(StorageError::invalid(
            problems_vi.join("\n"),
            problems_en.join("\n"),
        ));
    }
    let writes: Vec<(i64, &str, tiendo_domain::Date)> = rows
        .iter()
        .map(|(unit_id, _, o, item)| (*unit_id, item.indicator_code.as_str(), o.observed_on))
        .collect();
    let unit_ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    crate::conn::lock_units(&mut *conn, &unit_ids).await?;
    crate::submissions::check_unlocked(&mut *conn, framework.id, &writes).await?;

    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let recorded_at = now_utc();
    let mut ids = Vec::with_capacity(rows.len());
    // Evidence is matched to figures by id, and neither database promises the order of
    // RETURNING rows: with evidence, figures go in one at a time.
    let chunk_rows = if evidence.iter().any(|e| !e.is_empty()) {
        1
    } else {
        CHUNK_ROWS
    };
    for chunk in rows.chunks(chunk_rows) {
        let q = format!(
            "INSERT INTO observations (unit_id, indicator_id, observed_on, yes_no, amount_thousandths, numerator, denominator, planned_by, note, recorded_at, recorded_by) VALUES {} RETURNING id",
            placeholders(chunk.len(), 11)
        );
        let written = sql!(&mut *conn, fetch_all_with Id, q.as_str(), |q| {
            let mut q = q;
            for (unit_id, indicator_id, o, _) in chunk {
                let (yes_no, amount, numerator, denominator) = figure_columns(&o.figure);
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
                    .bind(recorded_at.clone())
                    .bind(actor.user_id);
            }
            q
        })?;
        ids.extend(written.into_iter().map(|r| r.id));
        let q = format!(
            "INSERT INTO audit_log (at, user_id, username, address, action, unit_code, indicator_code, new_value) VALUES {}",
            placeholders(chunk.len(), 8)
        );
        sql!(&mut *conn, execute_with q.as_str(), |q| {
            let mut q = q;
            for (_, _, o, item) in chunk {
                q = q
                    .bind(recorded_at.clone())
                    .bind(actor.user_id)
                    .bind(actor.username.clone())
                    .bind(actor.address.clone())
                    .bind(action)
                    .bind(item.unit_code.clone())
                    .bind(item.indicator_code.clone())
                    .bind(audit_json(o));
            }
            q
        })?;
    }
    let touched_units: Vec<(i64, UnitKind)> = {
        let ids: BTreeSet<i64> = rows.iter().map(|(u, _, _, _)| *u).collect();
        units
            .values()
            .filter(|(id, _)| ids.contains(id))
            .copied()
            .collect()
    };
    let touched_indicators: Vec<IndicatorIds> = {
        let codes: BTreeSet<&str> = rows.iter().map(|r| r.3.indicator_code.as_str()).collect();
        codes
            .into_iter()
            .filter_map(|code| indicators.get(code).cloned())
            .collect()
    };
    for ((id, pieces), item) in ids.iter().zip(evidence).zip(items) {
        crate::evidence::insert(
            &mut *conn,
            *id,
            &item.unit_code,
            &item.indicator_code,
            pieces,
            actor,
        )
        .await?;
    }
    refresh(
        &mut *conn,
        framework.id,
        rules,
        &touched_units,
        Some(&touched_indicators),
    )
    .await?;
    if let Some(file_name) = imported_from {
        let units: BTreeSet<&str> = items.iter().map(|i| i.unit_code.as_str()).collect();
        let single_unit = match units.len() {
            1 => units.first().copied(),
            _ => None,
        };
        let summary = serde_json::json!({
            "file": file_name,
            "framework": framework.code,
            "version": framework.version,
            "figures": ids.len(),
            "units": units.len(),
        });
        audit(
            &mut *conn,
            actor,
            "import",
            single_unit,
            None,
            None,
            None,
            Some(summary.to_string()),
        )
        .await?;
    }
    Ok(ids)
}
