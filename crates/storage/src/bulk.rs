//! A whole dataset loaded at once into an empty database (the national benchmark dataset): one
//! transaction, each database's fast way of writing many rows, and the status spans and counts
//! derived chunk by chunk as the figures go in, by the same rules and code as every other write.

use std::collections::HashMap;
use std::sync::Arc;

use tiendo_domain::{Observation, Unit};

use crate::accounts::audit;
use crate::conn::{CHUNK_ROWS, Cell, bulk_insert};
use crate::counts::{self, CountSteps, Lineages};
use crate::derive::{Histories, indicator_ids, insert_spans, spans_of, with_rules};
use crate::frameworks::{FRAMEWORK_COLUMNS, FrameworkRow, insert_framework, parse_source};
use crate::observations::{figure_columns, now_utc};
use crate::units::put_units_in;
use crate::{Actor, FrameworkRef, Result, StorageError, Store};

/// How far a [`Store::load_dataset`] has gone.
#[derive(Clone, Copy, Debug)]
pub struct DatasetProgress {
    pub units_done: usize,
    pub units_total: usize,
    pub figures_done: u64,
}

/// What a [`Store::load_dataset`] wrote.
#[derive(Clone, Debug)]
pub struct DatasetReport {
    pub framework: FrameworkRef,
    pub units: usize,
    pub figures: u64,
    pub spans: u64,
}

impl Store {
    /// Loads `units` (parents before children), the framework `framework_source` and, for each
    /// unit, the figures `figures` gives it (indicator code and figure) into an empty database,
    /// in one transaction: nothing is written if anything is wrong. `progress` hears after
    /// every chunk of units.
    pub async fn load_dataset(
        &self,
        units: &[Unit],
        framework_source: &str,
        figures: &mut (dyn FnMut(&Unit) -> Vec<(String, Observation)> + Send),
        progress: &mut (dyn FnMut(DatasetProgress) + Send),
        actor: &Actor,
    ) -> Result<DatasetReport> {
        let framework = parse_source(framework_source)?;
        let mut tx = self.pool.begin().await?;
        let held = sql!(tx.conn(), fetch_one_scalar i64,
            "SELECT (SELECT COUNT(*) FROM units) + (SELECT COUNT(*) FROM frameworks)")?;
        if held > 0 {
            return Err(StorageError::invalid(
                "cơ sở dữ liệu đã có dữ liệu; bộ dữ liệu chỉ nạp vào cơ sở dữ liệu trống",
                "the database already holds data; a dataset loads only into an empty database",
            ));
        }
        let ids = put_units_in(&mut tx.conn(), units).await?;
        let framework_id = insert_framework(&mut tx.conn(), &framework, framework_source).await?;
        let indicator_rows = indicator_ids(&mut tx.conn(), framework_id).await?;
        let indicators = with_rules(&framework, &indicator_rows)?;
        let by_code: HashMap<&str, usize> = indicators
            .iter()
            .enumerate()
            .map(|(i, (ids, _))| (ids.code.as_str(), i))
            .collect();
        let mut next_id = sql!(tx.conn(), fetch_one_scalar i64,
            "SELECT COALESCE(MAX(id), 0) + 1 FROM observations")?;
        let recorded_at = now_utc();
        let no_exclusions = HashMap::new();
        let (mut figures_done, mut spans_done) = (0u64, 0u64);

        let numbered: Vec<(&Unit, (i64, tiendo_domain::UnitKind))> =
            units.iter().zip(ids.iter().copied()).collect();
        for (chunk_index, chunk) in numbered.chunks(CHUNK_ROWS).enumerate() {
            let mut histories: Histories = HashMap::new();
            let mut days: Vec<String> = Vec::new();
            let mut rows: Vec<(i64, i64, i64, Observation)> = Vec::new();
            for (unit, (unit_id, _)) in chunk {
                for (code, observation) in figures(unit) {
                    let &i = by_code.get(code.as_str()).ok_or_else(|| {
                        StorageError::invalid(
                            format!(
                                "đơn vị {}: khung chỉ tiêu không có chỉ tiêu «{code}»",
                                unit.code
                            ),
                            format!(
                                "unit {}: the framework has no indicator «{code}»",
                                unit.code
                            ),
                        )
                    })?;
                    let (ids, indicator) = indicators[i];
                    if let Err(e) = observation.figure.check(indicator.measure) {
                        return Err(StorageError::invalid(
                            format!("đơn vị {}, chỉ tiêu {code}: {}", unit.code, e.message_vi()),
                            format!("unit {}, indicator {code}: {e}", unit.code),
                        ));
                    }
                    if observation.observed_on < framework.period_start {
                        return Err(StorageError::invalid(
                            format!(
                                "đơn vị {}, chỉ tiêu {code}: ngày số liệu {} trước kỳ của khung chỉ tiêu",
                                unit.code,
                                observation.observed_on.dmy()
                            ),
                            format!(
                                "unit {}, indicator {code}: the figure's date {} is before the framework period",
                                unit.code, observation.observed_on
                            ),
                        ));
                    }
                    rows.push((next_id, *unit_id, ids.id, observation));
                    next_id += 1;
                }
            }
            for (_, _, _, o) in &rows {
                days.push(o.observed_on.to_string());
            }
            let mut cells = Vec::with_capacity(rows.len() * 12);
            for ((id, unit_id, indicator_id, o), day) in rows.iter().zip(&days) {
                let (yes_no, amount, numerator, denominator) = figure_columns(&o.figure);
                cells.extend([
                    Cell::Int(Some(*id)),
                    Cell::Int(Some(*unit_id)),
                    Cell::Int(Some(*indicator_id)),
                    Cell::Text(Some(day)),
                    Cell::Bool(yes_no),
                    Cell::Int(amount),
                    Cell::Int(numerator),
                    Cell::Int(denominator),
                    Cell::Text(None),
                    Cell::Text(Some(&o.note)),
                    Cell::Text(Some(&recorded_at)),
                    Cell::Int(actor.user_id),
                ]);
            }
            bulk_insert(
                &mut tx.conn(),
                "observations",
                &[
                    "id",
                    "unit_id",
                    "indicator_id",
                    "observed_on",
                    "yes_no",
                    "amount_thousandths",
                    "numerator",
                    "denominator",
                    "planned_by",
                    "note",
                    "recorded_at",
                    "recorded_by",
                ],
                &cells,
            )
            .await?;
            drop(cells);
            figures_done += rows.len() as u64;
            // Each history in the order figures take effect: by date, then as written.
            rows.sort_by_key(|(id, unit_id, indicator_id, o)| {
                (*unit_id, *indicator_id, o.observed_on, *id)
            });
            for (id, unit_id, indicator_id, o) in rows {
                let entry = histories.entry((unit_id, indicator_id)).or_default();
                entry.0.push(id);
                entry.1.push(o);
            }

            let chunk_units: Vec<(i64, tiendo_domain::UnitKind)> =
                chunk.iter().map(|(_, ids)| *ids).collect();
            let spans = spans_of(
                &framework,
                &indicators,
                &chunk_units,
                &histories,
                &no_exclusions,
            );
            insert_spans(&mut tx.conn(), framework_id, &spans).await?;
            spans_done += spans.len() as u64;
            let unit_ids: Vec<i64> = chunk_units.iter().map(|(id, _)| *id).collect();
            let lineages = Lineages::read(&mut tx.conn(), &unit_ids).await?;
            let mut steps = CountSteps::default();
            for span in &spans {
                steps.add(&lineages, &span.fact(), 1)?;
            }
            counts::apply(&mut tx.conn(), framework_id, steps.rolled_up(&lineages)?).await?;
            if chunk_index % 8 == 0 && matches!(tx.conn(), crate::conn::Conn::Postgres(_)) {
                // Without statistics on the table it is filling, PostgreSQL's planner would
                // read the counts of the units at the top of the tree by scanning all of it.
                sql!(tx.conn(), execute "ANALYZE status_counts")?;
            }
            progress(DatasetProgress {
                units_done: (chunk_index * CHUNK_ROWS + chunk.len()),
                units_total: units.len(),
                figures_done,
            });
        }
        audit(
            &mut tx.conn(),
            actor,
            "dataset.load",
            None,
            None,
            Some(framework_id),
            None,
            Some(format!(
                r#"{{"units":{},"figures":{figures_done},"framework":"{}"}}"#,
                units.len(),
                framework.code
            )),
        )
        .await?;
        if let crate::conn::Conn::Postgres(_) = tx.conn() {
            // The figures were numbered here; the sequence must start after them.
            sql!(tx.conn(), execute
                "SELECT setval(pg_get_serial_sequence('observations', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM observations")?;
        }
        let row = sql!(tx.conn(), fetch_one FrameworkRow,
            &format!("SELECT {FRAMEWORK_COLUMNS} FROM frameworks WHERE id = $1"), framework_id)?;
        tx.commit().await?;
        self.analyze().await?;
        if self.backend() == "sqlite" {
            // The one transaction went through the write-ahead log whole: copy it into the
            // database and give the disk back, rather than leave a log as large as the data.
            let mut c = self.pool.acquire().await?;
            sql!(c.conn(), execute "PRAGMA wal_checkpoint(TRUNCATE)")?;
        }
        self.frameworks
            .lock()
            .expect("framework cache")
            .insert(framework_id, Arc::new(framework));
        Ok(DatasetReport {
            framework: row.into_ref()?,
            units: units.len(),
            figures: figures_done,
            spans: spans_done,
        })
    }
}
