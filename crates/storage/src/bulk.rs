//! A whole dataset loaded at once into an empty database (the national benchmark dataset): one
//! transaction, each database's fast way of writing many rows, and the status spans and counts
//! derived chunk by chunk as the figures go in, by the same rules and code as every other write.

use std::collections::HashMap;
use std::sync::Arc;

use tiendo_domain::{Framework, Indicator, Observation, Unit, UnitKind};

use crate::accounts::audit;
use crate::conn::{CHUNK_ROWS, Cell, bulk_insert};
use crate::counts::{self, CountSteps, Lineages};
use crate::derive::{
    Histories, IndicatorIds, SpanRow, indicator_ids, insert_spans, spans_of, with_rules,
};
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

/// Gives each unit of a dataset its figures: indicator code and figure.
pub type DatasetFigures = Arc<dyn Fn(&Unit) -> Vec<(String, Observation)> + Send + Sync>;

/// One chunk of units made ready for the database away from it: the figures numbered and
/// checked, and the status spans the rules derive from them.
struct PreparedChunk {
    units: Vec<(i64, UnitKind)>,
    /// Figure id, unit id, indicator id and the figure, in id order.
    rows: Vec<(i64, i64, i64, Observation)>,
    spans: Vec<SpanRow>,
}

impl Store {
    /// Loads `units` (parents before children), the framework `framework_source` and, for each
    /// unit, the figures `figures` gives it into an empty database, in one transaction: nothing
    /// is written if anything is wrong. `progress` hears after every chunk of units.
    ///
    /// The figures of the next chunk and their spans are made on a thread of their own while
    /// the database writes the chunk before, so the rules and the database each keep a core.
    pub async fn load_dataset(
        &self,
        units: &[Unit],
        framework_source: &str,
        figures: DatasetFigures,
        progress: &mut (dyn FnMut(DatasetProgress) + Send),
        actor: &Actor,
    ) -> Result<DatasetReport> {
        let framework = Arc::new(parse_source(framework_source)?);
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
        // Indexes first, so that they are built again before the keys check the rows.
        let mut set_aside = set_aside_indexes(&mut tx.conn()).await?;
        set_aside.extend(set_aside_foreign_keys(&mut tx.conn()).await?);
        let framework_id = insert_framework(&mut tx.conn(), &framework, framework_source).await?;
        let indicator_rows = indicator_ids(&mut tx.conn(), framework_id).await?;
        with_rules(&framework, &indicator_rows)?;
        let first_id = sql!(tx.conn(), fetch_one_scalar i64,
            "SELECT COALESCE(MAX(id), 0) + 1 FROM observations")?;
        let recorded_at = now_utc();
        let (mut figures_done, mut spans_done) = (0u64, 0u64);

        let numbered: Vec<(Unit, (i64, UnitKind))> =
            units.iter().cloned().zip(ids.iter().copied()).collect();
        let (sender, mut prepared) = tokio::sync::mpsc::channel::<Result<PreparedChunk>>(1);
        let maker = {
            let framework = Arc::clone(&framework);
            tokio::task::spawn_blocking(move || {
                let indicators = with_rules(&framework, &indicator_rows)
                    .expect("checked before the thread started");
                let by_code: HashMap<&str, (&IndicatorIds, &Indicator)> = indicators
                    .iter()
                    .map(|&(ids, indicator)| (ids.code.as_str(), (ids, indicator)))
                    .collect();
                let mut next_id = first_id;
                for chunk in numbered.chunks(CHUNK_ROWS) {
                    let chunk = prepare_chunk(
                        &framework,
                        &indicators,
                        &by_code,
                        chunk,
                        &*figures,
                        &mut next_id,
                    );
                    let failed = chunk.is_err();
                    // A closed channel: the load has already failed and stopped listening.
                    if sender.blocking_send(chunk).is_err() || failed {
                        return;
                    }
                }
            })
        };

        let mut chunk_index = 0;
        while let Some(chunk) = prepared.recv().await {
            let PreparedChunk {
                units: chunk_units,
                rows,
                spans,
            } = chunk?;
            let days: Vec<String> = rows
                .iter()
                .map(|(.., o)| o.observed_on.to_string())
                .collect();
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
                units_done: (chunk_index * CHUNK_ROWS + chunk_units.len()),
                units_total: units.len(),
                figures_done,
            });
            chunk_index += 1;
        }
        maker
            .await
            .map_err(|e| StorageError::Corrupt(format!("the dataset's figures failed: {e}")))?;
        put_back(&mut tx.conn(), &set_aside).await?;
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
            let mut c = self.pool.acquire().await?;
            let journal = sql!(c.conn(), fetch_one_scalar String, "PRAGMA journal_mode")?;
            if journal.eq_ignore_ascii_case("wal") {
                // The one transaction went through the write-ahead log whole: copy it into the
                // database and give the disk back, rather than leave a log as large as the data.
                sql!(c.conn(), execute "PRAGMA wal_checkpoint(TRUNCATE)")?;
            } else {
                // Loaded through the rollback journal (`Store::open_for_load`): the database
                // goes back to the log that readers and writers share.
                sql!(c.conn(), execute "PRAGMA journal_mode = WAL")?;
            }
        }
        self.frameworks
            .lock()
            .expect("framework cache")
            .insert(framework_id, framework);
        Ok(DatasetReport {
            framework: row.into_ref()?,
            units: units.len(),
            figures: figures_done,
            spans: spans_done,
        })
    }
}

/// The tables a dataset fills row by row.
const LOADED_TABLES: [&str; 3] = ["observations", "indicator_status", "status_counts"];

/// A foreign key or an index taken off a loaded table for the load: the statements that drop
/// it and put it back.
#[derive(sqlx::FromRow)]
struct SetAside {
    take_off: String,
    put_back: String,
}

/// On PostgreSQL, takes the foreign keys off the loaded tables for the rest of the transaction:
/// each would check every row it gets with a query of its own, which costs more than the row.
/// [`put_back`] adds them again, which checks all the rows at once. SQLite checks a key with a
/// lookup in the same B-tree pass, as cheap as checking them afterwards.
async fn set_aside_foreign_keys(conn: &mut crate::conn::Conn<'_>) -> Result<Vec<SetAside>> {
    if !matches!(conn, crate::conn::Conn::Postgres(_)) {
        return Ok(Vec::new());
    }
    let keys = sql!(&mut *conn, fetch_all SetAside,
        "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS take_off,
                format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
                       pg_get_constraintdef(c.oid)) AS put_back
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.conrelid = ANY (ARRAY[$1, $2, $3]::regclass[])
         ORDER BY c.conrelid::regclass::text, c.conname",
        LOADED_TABLES[0], LOADED_TABLES[1], LOADED_TABLES[2])?;
    drop_all(conn, keys).await
}

/// Takes the secondary indexes (neither primary keys nor unique) off the loaded tables for the
/// rest of the transaction. Kept up row by row they cost each row a B-tree descent and, on
/// PostgreSQL, a log record per index; built once by [`put_back`] they are one sort each. The
/// load itself reads none of them: it looks up only primary keys and the counts' key.
async fn set_aside_indexes(conn: &mut crate::conn::Conn<'_>) -> Result<Vec<SetAside>> {
    let indexes = match conn {
        crate::conn::Conn::Postgres(_) => sql!(&mut *conn, fetch_all SetAside,
            "SELECT format('DROP INDEX %I', c.relname) AS take_off,
                    pg_get_indexdef(i.indexrelid) AS put_back
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE NOT i.indisunique AND i.indrelid = ANY (ARRAY[$1, $2, $3]::regclass[])
             ORDER BY c.relname",
            LOADED_TABLES[0], LOADED_TABLES[1], LOADED_TABLES[2])?,
        crate::conn::Conn::Sqlite(_) => sql!(&mut *conn, fetch_all SetAside,
            "SELECT 'DROP INDEX \"' || m.name || '\"' AS take_off, m.sql AS put_back
             FROM sqlite_master m
             WHERE m.type = 'index' AND m.sql IS NOT NULL AND m.tbl_name IN ($1, $2, $3)
               AND NOT EXISTS (SELECT 1 FROM pragma_index_list(m.tbl_name) l
                               WHERE l.name = m.name AND l.\"unique\")
             ORDER BY m.name",
            LOADED_TABLES[0], LOADED_TABLES[1], LOADED_TABLES[2])?,
    };
    drop_all(conn, indexes).await
}

async fn drop_all(conn: &mut crate::conn::Conn<'_>, all: Vec<SetAside>) -> Result<Vec<SetAside>> {
    for one in &all {
        sql!(&mut *conn, execute one.take_off.as_str())?;
    }
    Ok(all)
}

/// Puts back, in order, what the load set aside. Each index is built from the loaded rows in
/// one sort and each key checks them in one query; the load fails whole if a key does not hold.
async fn put_back(conn: &mut crate::conn::Conn<'_>, set_aside: &[SetAside]) -> Result<()> {
    if !set_aside.is_empty() && matches!(conn, crate::conn::Conn::Postgres(_)) {
        // PostgreSQL's default of 64 MB would sort each index in many runs on disk.
        sql!(&mut *conn, execute "SET LOCAL maintenance_work_mem = '256MB'")?;
    }
    for one in set_aside {
        sql!(&mut *conn, execute one.put_back.as_str())?;
    }
    Ok(())
}

/// Numbers and checks the figures of one chunk of units, from `next_id` on, and derives their
/// status spans.
fn prepare_chunk(
    framework: &Framework,
    indicators: &[(&IndicatorIds, &Indicator)],
    by_code: &HashMap<&str, (&IndicatorIds, &Indicator)>,
    chunk: &[(Unit, (i64, UnitKind))],
    figures: &(dyn Fn(&Unit) -> Vec<(String, Observation)> + Send + Sync),
    next_id: &mut i64,
) -> Result<PreparedChunk> {
    let mut rows: Vec<(i64, i64, i64, Observation)> = Vec::new();
    for (unit, (unit_id, _)) in chunk {
        for (code, observation) in figures(unit) {
            let Some(&(ids, indicator)) = by_code.get(code.as_str()) else {
                return Err(StorageError::invalid(
                    format!(
                        "đơn vị {}: khung chỉ tiêu không có chỉ tiêu «{code}»",
                        unit.code
                    ),
                    format!(
                        "unit {}: the framework has no indicator «{code}»",
                        unit.code
                    ),
                ));
            };
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
            rows.push((*next_id, *unit_id, ids.id, observation));
            *next_id += 1;
        }
    }
    // Each history in the order figures take effect: by date, then as written.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| {
        let (id, unit_id, indicator_id, o) = &rows[i];
        (*unit_id, *indicator_id, o.observed_on, *id)
    });
    let mut histories: Histories = HashMap::new();
    for i in order {
        let (id, unit_id, indicator_id, o) = &rows[i];
        let entry = histories.entry((*unit_id, *indicator_id)).or_default();
        entry.0.push(*id);
        entry.1.push(o.clone());
    }
    let units: Vec<(i64, UnitKind)> = chunk.iter().map(|(_, ids)| *ids).collect();
    let spans = spans_of(framework, indicators, &units, &histories, &HashMap::new());
    Ok(PreparedChunk { units, rows, spans })
}
