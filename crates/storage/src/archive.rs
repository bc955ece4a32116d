//! A whole dataset as one archive, to move it between installations and between databases
//! (SQLite → PostgreSQL) without loss. The format is described in `docs/ARCHIVE.md`.
//!
//! [`TABLES`] is the one description of what an archive holds: each source table, its columns
//! and their types. The export's SELECTs and the import's INSERTs are built from it, and
//! [`Store::check_archive_schema`] compares it with the live schema before either runs, so a
//! column added by a migration and forgotten here stops the export instead of being lost.
//! Derived tables and columns are not archived: the import rebuilds them through the code that
//! maintains them.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Display;
use std::io::{BufRead, BufReader, Read, Seek, Write};

use serde_json::{Value, json};
use sqlx::Row;
use tiendo_domain::framework_file::parse_framework;
use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::accounts::{audit, utc_in};
use crate::conn::{CHUNK_ROWS, Conn, Pool, placeholders};
use crate::derive::in_list;
use crate::{Actor, Result, StorageError, Store};

/// The `format` of every archive's manifest.
pub const ARCHIVE_FORMAT: &str = "tiendo-archive";
/// The version of the archive layout this code writes and reads.
pub const ARCHIVE_VERSION: u64 = 1;

const MANIFEST_PATH: &str = "manifest.json";
/// The manifest lists tables and columns only; anything larger is not one.
const MANIFEST_MAX_BYTES: u64 = 1 << 20;
/// Rows per page read by the export, so memory stays bounded whatever the size of a table.
const EXPORT_PAGE_ROWS: usize = 2000;
/// The progress step after the tables: the status spans recomputed, counted in units per
/// framework.
const DERIVED_STEP: &str = "indicator_status";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ColumnType {
    Text,
    Integer,
    Boolean,
}

impl ColumnType {
    /// The type's name in the manifest.
    fn name(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Integer => "integer",
            ColumnType::Boolean => "boolean",
        }
    }

    /// Whether a column declared as `declared` (as SQLite's or PostgreSQL's catalogue spells
    /// it) holds values of this type.
    fn is_declared_as(self, declared: &str) -> bool {
        let declared = declared.to_ascii_uppercase();
        match self {
            ColumnType::Text => declared == "TEXT",
            ColumnType::Integer => declared == "INTEGER" || declared == "BIGINT",
            ColumnType::Boolean => declared == "BOOLEAN",
        }
    }

    fn expected(self) -> (&'static str, &'static str) {
        match self {
            ColumnType::Text => ("một chuỗi hoặc null", "a string or null"),
            ColumnType::Integer => ("một số nguyên hoặc null", "an integer or null"),
            ColumnType::Boolean => ("true, false hoặc null", "true, false or null"),
        }
    }
}

struct Column {
    name: &'static str,
    kind: ColumnType,
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        kind: ColumnType::Text,
    }
}

const fn integer(name: &'static str) -> Column {
    Column {
        name,
        kind: ColumnType::Integer,
    }
}

const fn boolean(name: &'static str) -> Column {
    Column {
        name,
        kind: ColumnType::Boolean,
    }
}

struct Table {
    name: &'static str,
    /// The primary key: the export pages through the table in its order.
    key: &'static [&'static str],
    columns: &'static [Column],
    /// A column naming another row of the same table by `id` (a unit's parent). That row may
    /// come later in the file, so the import fills the column in once every row is in.
    self_reference: Option<&'static str>,
}

/// Every source table, in an order in which each row's references point at rows already
/// imported (a unit's parent aside: see [`Table::self_reference`]).
const TABLES: &[Table] = &[
    Table {
        name: "units",
        key: &["id"],
        columns: &[
            integer("id"),
            text("code"),
            text("name"),
            text("kind"),
            integer("parent_id"),
            text("valid_from"),
            text("valid_until"),
        ],
        self_reference: Some("parent_id"),
    },
    Table {
        name: "frameworks",
        key: &["id"],
        columns: &[
            integer("id"),
            text("code"),
            integer("version"),
            text("name"),
            text("name_en"),
            text("period_start"),
            text("period_end"),
            text("source"),
            text("loaded_at"),
        ],
        self_reference: None,
    },
    Table {
        name: "framework_groups",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("framework_id"),
            text("code"),
            text("name"),
            text("name_en"),
            integer("position"),
        ],
        self_reference: None,
    },
    Table {
        name: "indicators",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("framework_id"),
            integer("group_id"),
            text("code"),
            text("name"),
            text("name_en"),
            text("measure"),
            text("target"),
            text("deadline"),
            integer("position"),
        ],
        self_reference: None,
    },
    Table {
        name: "settings",
        key: &["key"],
        columns: &[text("key"), text("value")],
        self_reference: None,
    },
    Table {
        name: "users",
        key: &["id"],
        columns: &[
            integer("id"),
            text("username"),
            text("display_name"),
            text("organisation"),
            text("password_hash"),
            text("lang"),
            boolean("active"),
            text("created_at"),
            text("email"),
        ],
        self_reference: None,
    },
    Table {
        name: "user_roles",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("user_id"),
            text("role"),
            integer("unit_id"),
        ],
        self_reference: None,
    },
    Table {
        name: "exclusions",
        key: &["unit_id", "indicator_id"],
        columns: &[integer("unit_id"), integer("indicator_id"), text("reason")],
        self_reference: None,
    },
    Table {
        name: "observations",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("unit_id"),
            integer("indicator_id"),
            text("observed_on"),
            boolean("yes_no"),
            integer("amount_thousandths"),
            integer("numerator"),
            integer("denominator"),
            text("planned_by"),
            text("note"),
            text("recorded_at"),
            integer("version"),
            integer("recorded_by"),
        ],
        self_reference: None,
    },
    Table {
        name: "evidence",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("observation_id"),
            text("kind"),
            text("title"),
            text("url"),
            text("content_hash"),
            text("media_type"),
            integer("size_bytes"),
            text("file_name"),
            text("doc_number"),
            text("doc_date"),
            text("issuer"),
            text("created_at"),
            integer("created_by"),
        ],
        self_reference: None,
    },
    Table {
        name: "exclusion_requests",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("unit_id"),
            integer("indicator_id"),
            text("reason"),
            text("state"),
            integer("requested_by"),
            text("requested_at"),
            integer("decided_by"),
            text("decided_at"),
            text("decision_note"),
        ],
        self_reference: None,
    },
    Table {
        name: "periods",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("framework_id"),
            text("code"),
            text("name"),
            text("starts_on"),
            text("ends_on"),
            text("deadline"),
        ],
        self_reference: None,
    },
    Table {
        name: "submissions",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("unit_id"),
            integer("period_id"),
            text("state"),
            text("submitted_on"),
            integer("submitted_by"),
            boolean("late"),
            text("decided_at"),
            integer("decided_by"),
            text("snapshot"),
            text("previous_snapshot"),
        ],
        self_reference: None,
    },
    Table {
        name: "submission_returns",
        key: &["submission_id", "indicator_code"],
        columns: &[
            integer("submission_id"),
            text("indicator_code"),
            text("reason"),
        ],
        self_reference: None,
    },
    Table {
        name: "unlocks",
        key: &["submission_id", "indicator_code"],
        columns: &[
            integer("submission_id"),
            text("indicator_code"),
            text("reason"),
            integer("unlocked_by"),
            text("unlocked_at"),
        ],
        self_reference: None,
    },
    Table {
        name: "organisations",
        key: &["id"],
        columns: &[
            integer("id"),
            text("code"),
            text("name"),
            text("name_en"),
            text("kind"),
            integer("unit_id"),
            text("supports"),
            text("created_at"),
        ],
        self_reference: None,
    },
    Table {
        name: "organisation_members",
        key: &["organisation_id", "user_id"],
        columns: &[integer("organisation_id"), integer("user_id")],
        self_reference: None,
    },
    Table {
        name: "meetings",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("unit_id"),
            integer("framework_id"),
            text("held_on"),
            text("title"),
            text("chair"),
            text("place"),
            text("attendees"),
            text("as_of"),
            text("snapshot"),
            integer("created_by"),
            text("created_at"),
            integer("version"),
        ],
        self_reference: None,
    },
    Table {
        name: "meeting_units",
        key: &["meeting_id", "unit_id"],
        columns: &[
            integer("meeting_id"),
            integer("unit_id"),
            integer("position"),
        ],
        self_reference: None,
    },
    Table {
        name: "conclusions",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("meeting_id"),
            integer("position"),
            text("text"),
        ],
        self_reference: None,
    },
    Table {
        name: "tasks",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("framework_id"),
            text("title"),
            text("description"),
            integer("assignee_organisation_id"),
            integer("assignee_unit_id"),
            text("due_on"),
            text("status"),
            integer("conclusion_id"),
            integer("created_by"),
            text("created_on"),
            text("created_at"),
            text("updated_at"),
            integer("version"),
        ],
        self_reference: None,
    },
    Table {
        name: "task_units",
        key: &["task_id", "unit_id"],
        columns: &[integer("task_id"), integer("unit_id")],
        self_reference: None,
    },
    Table {
        name: "task_indicators",
        key: &["task_id", "indicator_id"],
        columns: &[integer("task_id"), integer("indicator_id")],
        self_reference: None,
    },
    Table {
        name: "task_notes",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("task_id"),
            text("at"),
            integer("user_id"),
            text("status"),
            text("note"),
        ],
        self_reference: None,
    },
    Table {
        name: "trainings",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("framework_id"),
            integer("organiser_organisation_id"),
            text("organiser"),
            text("held_on"),
            text("topic"),
            text("place"),
            integer("indicator_id"),
            integer("conclusion_id"),
            integer("created_by"),
            text("created_at"),
        ],
        self_reference: None,
    },
    Table {
        name: "training_attendees",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("training_id"),
            integer("unit_id"),
            text("name"),
            text("position"),
        ],
        self_reference: None,
    },
    Table {
        name: "training_observations",
        key: &["training_id", "observation_id"],
        columns: &[integer("training_id"), integer("observation_id")],
        self_reference: None,
    },
    Table {
        name: "applications",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("unit_id"),
            integer("framework_id"),
            text("applied_on"),
            integer("applied_by"),
            text("state"),
            text("note"),
            text("created_at"),
            integer("version"),
        ],
        self_reference: None,
    },
    Table {
        name: "application_items",
        key: &["application_id", "indicator_id"],
        columns: &[
            integer("application_id"),
            integer("indicator_id"),
            text("applied_status"),
            text("applied_figure"),
            text("decision"),
            text("reason"),
            integer("decided_by"),
            text("decided_at"),
        ],
        self_reference: None,
    },
    Table {
        name: "recognitions",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("application_id"),
            integer("unit_id"),
            integer("framework_id"),
            text("decision_number"),
            text("decided_on"),
            text("signer"),
            text("recognised_from"),
            integer("created_by"),
            text("created_at"),
        ],
        self_reference: None,
    },
    Table {
        name: "recognition_quotas",
        key: &["unit_id", "year"],
        columns: &[integer("unit_id"), integer("year"), integer("quota")],
        self_reference: None,
    },
    Table {
        name: "notifications",
        key: &["id"],
        columns: &[
            integer("id"),
            integer("user_id"),
            text("at"),
            text("kind"),
            text("title"),
            text("title_en"),
            text("body"),
            text("body_en"),
            text("link"),
            text("read_at"),
            text("emailed_at"),
        ],
        self_reference: None,
    },
    Table {
        name: "audit_log",
        key: &["id"],
        columns: &[
            integer("id"),
            text("at"),
            integer("user_id"),
            text("username"),
            text("address"),
            text("action"),
            text("unit_code"),
            text("indicator_code"),
            integer("entity_id"),
            text("old_value"),
            text("new_value"),
        ],
        self_reference: None,
    },
];

/// Tables deliberately left out, and why.
const NOT_ARCHIVED: &[(&str, &str)] = &[
    ("unit_ancestors", "derived from units.parent_id; rebuilt"),
    (
        "indicator_status",
        "derived from figures and exclusions by the rules; rebuilt",
    ),
    (
        "status_counts",
        "derived from the status spans, summed up the unit tree; rebuilt",
    ),
    (
        "revisions",
        "stamps of this installation's caches; moved on by the import itself",
    ),
    ("sessions", "sign-ins of one installation, secrets"),
    ("api_tokens", "secrets of one installation; issued anew"),
    ("login_attempts", "short-lived sign-in throttling"),
    (
        "_sqlx_migrations",
        "schema bookkeeping; the manifest's schema_version",
    ),
];

/// Columns of archived tables deliberately left out: derived, and rebuilt by the import.
const DERIVED_COLUMNS: &[(&str, &str)] = &[("units", "search_name")];

impl Table {
    fn position(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == column)
    }

    fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The archive entry holding the table's rows.
    fn path(&self) -> String {
        format!("tables/{}.jsonl", self.name)
    }

    /// An `id` key is an identity column on PostgreSQL (a rowid on SQLite).
    fn has_identity(&self) -> bool {
        *self.key == ["id"]
    }

    fn manifest_columns(&self) -> Value {
        self.columns
            .iter()
            .map(|c| json!({ "name": c.name, "type": c.kind.name() }))
            .collect()
    }
}

/// One value of a row, typed by its column (so that a NULL is a typed NULL on PostgreSQL).
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Text(Option<String>),
    Integer(Option<i64>),
    Boolean(Option<bool>),
}

impl Cell {
    fn to_json(&self) -> Value {
        match self {
            Cell::Text(v) => v.as_deref().map_or(Value::Null, Value::from),
            Cell::Integer(v) => v.map_or(Value::Null, Value::from),
            Cell::Boolean(v) => v.map_or(Value::Null, Value::from),
        }
    }

    /// The value as a cell of `kind`, or `None` when its JSON type does not fit.
    fn from_json(kind: ColumnType, value: Value) -> Option<Cell> {
        match (kind, value) {
            (ColumnType::Text, Value::Null) => Some(Cell::Text(None)),
            (ColumnType::Integer, Value::Null) => Some(Cell::Integer(None)),
            (ColumnType::Boolean, Value::Null) => Some(Cell::Boolean(None)),
            (ColumnType::Text, Value::String(s)) => Some(Cell::Text(Some(s))),
            (ColumnType::Integer, Value::Number(n)) => n.as_i64().map(|n| Cell::Integer(Some(n))),
            (ColumnType::Boolean, Value::Bool(b)) => Some(Cell::Boolean(Some(b))),
            _ => None,
        }
    }

    fn integer(&self) -> Option<i64> {
        match self {
            Cell::Integer(v) => *v,
            _ => None,
        }
    }
}

/// Binds cells in order to a query on either backend.
macro_rules! bind_cells {
    ($query:expr, $cells:expr) => {{
        let mut query = $query;
        for cell in $cells {
            query = match cell {
                Cell::Text(v) => query.bind(v.as_deref()),
                Cell::Integer(v) => query.bind(*v),
                Cell::Boolean(v) => query.bind(*v),
            };
        }
        query
    }};
}

/// What an archive holds, as exported or imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveSummary {
    /// When the archive was made (UTC, ISO-8601).
    pub created_at: String,
    /// The database it was exported from: `sqlite` or `postgres`.
    pub source_backend: String,
    /// The number of the latest migration of the database it was exported from.
    pub schema_version: i64,
    /// Every table, in the order the import writes them.
    pub tables: Vec<ArchivedTable>,
}

/// A table of an archive and its number of rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchivedTable {
    pub name: &'static str,
    pub rows: u64,
}

impl ArchiveSummary {
    /// The number of rows of `table`, if the archive has that table.
    pub fn rows(&self, table: &str) -> Option<u64> {
        self.tables.iter().find(|t| t.name == table).map(|t| t.rows)
    }

    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    fn manifest(&self) -> Value {
        let tables: Vec<Value> = TABLES
            .iter()
            .zip(&self.tables)
            .map(|(table, archived)| {
                json!({
                    "name": table.name,
                    "columns": table.manifest_columns(),
                    "rows": archived.rows,
                })
            })
            .collect();
        json!({
            "format": ARCHIVE_FORMAT,
            "version": ARCHIVE_VERSION,
            "created_at": self.created_at,
            "source_backend": self.source_backend,
            "schema_version": self.schema_version,
            "tables": tables,
        })
    }
}

/// How far an import has come: rows of `table` written so far out of its total. After the
/// tables, the step `indicator_status` counts units (per framework) whose statuses have been
/// recomputed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArchiveProgress {
    pub table: &'static str,
    pub rows_done: u64,
    pub rows_total: u64,
}

impl Store {
    /// Writes the whole dataset as an archive (ZIP: `manifest.json` and one
    /// `tables/<name>.jsonl` per table), read in one snapshot so that it is consistent even
    /// while others write. Evidence files stay in the file store: copy its directory separately.
    pub async fn export_archive(&self, out: impl Write + Seek + Send) -> Result<ArchiveSummary> {
        self.check_archive_schema().await?;
        let mut tx = self.pool.begin_snapshot().await?;
        let created_at = utc_in(0);
        let mut conn = tx.conn();
        let schema_version = self.ensure_current_schema(&mut conn).await?;
        let mut zip = ZipWriter::new(out);
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            // A table may pass 4 GiB; ZIP64 then keeps its size.
            .large_file(true);
        let mut tables = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            zip.start_file(table.path(), options)
                .map_err(archive_write_error)?;
            let rows = export_table(&mut conn, table, &mut zip).await?;
            tables.push(ArchivedTable {
                name: table.name,
                rows,
            });
        }
        // Every table is read: the snapshot can go.
        drop(tx);
        let summary = ArchiveSummary {
            created_at,
            source_backend: self.backend().to_string(),
            schema_version,
            tables,
        };
        zip.start_file(MANIFEST_PATH, options.large_file(false))
            .map_err(archive_write_error)?;
        serde_json::to_writer_pretty(&mut zip, &summary.manifest()).map_err(archive_write_error)?;
        zip.finish()
            .map_err(archive_write_error)?
            .flush()
            .map_err(archive_write_error)?;
        Ok(summary)
    }

    /// Imports an archive into this database, which must be migrated and empty, in one
    /// transaction: ids are kept, the derived tables rebuilt, identity sequences moved past
    /// the imported ids, and one `archive.import` entry appended to the audit log. A bad row
    /// imports nothing; the error names its table and line. `progress` is called as each table
    /// starts and after each chunk of rows, then while the statuses are recomputed.
    pub async fn import_archive(
        &self,
        input: impl Read + Seek + Send,
        progress: &(dyn Fn(ArchiveProgress) + Sync),
        actor: &Actor,
    ) -> Result<ArchiveSummary> {
        let mut zip = ZipArchive::new(input).map_err(|e| {
            StorageError::invalid(
                format!("tệp này không phải tệp lưu trữ tiendo (không đọc được dạng ZIP: {e})"),
                format!("this file is not a tiendo archive (it does not read as a ZIP file: {e})"),
            )
        })?;
        let summary = read_manifest(&mut zip, self.schema_version())?;
        self.check_archive_schema().await?;
        let mut tx = self.pool.begin().await?;
        let mut conn = tx.conn();
        self.ensure_current_schema(&mut conn).await?;
        ensure_empty(&mut conn).await?;
        for (table, archived) in TABLES.iter().zip(&summary.tables) {
            let entry = zip.by_name(&table.path()).map_err(|e| match e {
                ZipError::FileNotFound => StorageError::invalid(
                    format!("tệp lưu trữ thiếu {}; không có gì được nhập", table.path()),
                    format!("the archive lacks {}; nothing was imported", table.path()),
                ),
                e => damaged_archive(&table.path(), &e.to_string()),
            })?;
            import_table(&mut conn, table, entry, archived.rows, progress).await?;
        }
        rebuild_derived(&mut conn, progress).await?;
        reset_identities(&mut conn).await?;
        let rows: serde_json::Map<String, Value> = summary
            .tables
            .iter()
            .map(|t| (t.name.to_string(), Value::from(t.rows)))
            .collect();
        let record = json!({
            "created_at": summary.created_at,
            "source_backend": summary.source_backend,
            "schema_version": summary.schema_version,
            "rows": rows,
        });
        audit(
            &mut conn,
            actor,
            "archive.import",
            None,
            None,
            None,
            None,
            Some(record.to_string()),
        )
        .await?;
        tx.commit().await?;
        self.analyze().await?;
        Ok(summary)
    }

    /// Checks the archive's column list against the database: every column of every table is
    /// archived with a type that fits, or deliberately left out (derived, secret or
    /// short-lived). Export and import run it first, so a column added by a migration and
    /// not listed stops them instead of being lost.
    pub async fn check_archive_schema(&self) -> Result<()> {
        let mut live: BTreeMap<String, Vec<CatalogueColumn>> = BTreeMap::new();
        let mut c = self.pool.acquire().await?;
        for column in catalogue(&mut c.conn()).await? {
            live.entry(column.table_name.clone())
                .or_default()
                .push(column);
        }
        drop(c);
        let mut problems = Vec::new();
        for (table_name, columns) in &live {
            if NOT_ARCHIVED.iter().any(|(t, _)| t == table_name) {
                continue;
            }
            let Some(table) = TABLES.iter().find(|t| t.name == table_name) else {
                problems.push(format!(
                    "table {table_name} is neither archived nor listed as left out"
                ));
                continue;
            };
            for live_column in columns {
                let name = live_column.column_name.as_str();
                if DERIVED_COLUMNS.contains(&(table.name, name)) {
                    continue;
                }
                match table.columns.iter().find(|c| c.name == name) {
                    None => problems.push(format!(
                        "column {table_name}.{name} is neither archived nor listed as derived"
                    )),
                    Some(c) if !c.kind.is_declared_as(&live_column.column_type) => {
                        problems.push(format!(
                            "column {table_name}.{name} is {} in the database but {} in the archive",
                            live_column.column_type,
                            c.kind.name()
                        ))
                    }
                    Some(_) => {}
                }
            }
            for c in table.columns {
                if !columns.iter().any(|l| l.column_name == c.name) {
                    problems.push(format!(
                        "column {table_name}.{} is archived but not in the database",
                        c.name
                    ));
                }
            }
        }
        for table in TABLES {
            if !live.contains_key(table.name) {
                problems.push(format!(
                    "table {} is archived but not in the database",
                    table.name
                ));
            }
            let named = table.key.iter().chain(&table.self_reference);
            for column in named.filter(|k| table.position(k).is_none()) {
                problems.push(format!(
                    "table {}: key or reference {column} is not among its archived columns",
                    table.name
                ));
            }
        }
        for (table, _) in NOT_ARCHIVED {
            if !live.contains_key(*table) {
                problems.push(format!(
                    "table {table} is listed as left out but not in the database"
                ));
            }
        }
        for (table, column) in DERIVED_COLUMNS {
            let present = live
                .get(*table)
                .is_some_and(|columns| columns.iter().any(|c| c.column_name == *column));
            if !present {
                problems.push(format!(
                    "column {table}.{column} is listed as derived but not in the database"
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StorageError::Corrupt(format!(
                "the archive's column list (crates/storage/src/archive.rs) does not match the database schema: {}",
                problems.join("; ")
            )))
        }
    }

    /// The number of the latest migration this build knows.
    fn schema_version(&self) -> i64 {
        let migrator = match self.pool {
            Pool::Sqlite(..) => sqlx::migrate!("migrations/sqlite"),
            Pool::Postgres(_) => sqlx::migrate!("migrations/postgres"),
        };
        migrator.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// The database's schema version, refused unless it is the one this build knows (the
    /// archive's column list describes that schema only).
    async fn ensure_current_schema(&self, conn: &mut Conn<'_>) -> Result<i64> {
        let expected = self.schema_version();
        let applied = sql!(&mut *conn, fetch_one_scalar Option<i64>,
            "SELECT MAX(version) FROM _sqlx_migrations WHERE success")?
        .unwrap_or(0);
        if applied < expected {
            return Err(StorageError::invalid(
                format!(
                    "lược đồ cơ sở dữ liệu ở phiên bản {applied}, tiendo này cần phiên bản {expected}: hãy chạy `tiendo migrate` trước"
                ),
                format!(
                    "the database schema is at version {applied}, this tiendo needs version {expected}: run `tiendo migrate` first"
                ),
            ));
        }
        if applied > expected {
            return Err(StorageError::invalid(
                format!(
                    "lược đồ cơ sở dữ liệu (phiên bản {applied}) do một bản tiendo mới hơn tạo; bản này chỉ biết đến phiên bản {expected}: hãy nâng cấp tiendo"
                ),
                format!(
                    "the database schema (version {applied}) was made by a newer tiendo; this one knows up to version {expected}: upgrade tiendo"
                ),
            ));
        }
        Ok(applied)
    }
}

/// Writes the table's rows as JSON lines, a page at a time in key order. Returns the count.
async fn export_table(conn: &mut Conn<'_>, table: &Table, out: &mut impl Write) -> Result<u64> {
    let key_positions = table
        .key
        .iter()
        .map(|k| table.position(k))
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| StorageError::Corrupt(format!("table {}: key not archived", table.name)))?;
    let (columns, order) = (table.column_list(), table.key.join(", "));
    let first = format!(
        "SELECT {columns} FROM {} ORDER BY {order} LIMIT {EXPORT_PAGE_ROWS}",
        table.name
    );
    // Keyset paging: each page starts after the last key of the one before.
    let next = format!(
        "SELECT {columns} FROM {} WHERE ({order}) > ({}) ORDER BY {order} LIMIT {EXPORT_PAGE_ROWS}",
        table.name,
        in_list(1, table.key.len())
    );
    let mut after: Option<Vec<Cell>> = None;
    let mut rows = 0u64;
    let mut lines = Vec::new();
    loop {
        let page = match &after {
            None => fetch_page(conn, table, &first, &[]).await?,
            Some(key) => fetch_page(conn, table, &next, key).await?,
        };
        lines.clear();
        for row in &page {
            let values: Vec<Value> = row.iter().map(Cell::to_json).collect();
            serde_json::to_writer(&mut lines, &values).map_err(archive_write_error)?;
            lines.push(b'\n');
        }
        out.write_all(&lines).map_err(archive_write_error)?;
        rows += page.len() as u64;
        match page.last() {
            Some(last) if page.len() == EXPORT_PAGE_ROWS => {
                after = Some(key_positions.iter().map(|&i| last[i].clone()).collect());
            }
            _ => return Ok(rows),
        }
    }
}

/// One page of rows, each value decoded by its column's declared type.
async fn fetch_page(
    conn: &mut Conn<'_>,
    table: &Table,
    select: &str,
    after: &[Cell],
) -> Result<Vec<Vec<Cell>>> {
    let decode_error = |column: &Column, e: sqlx::Error| {
        StorageError::Corrupt(format!(
            "{}.{} does not read as {}: {e}",
            table.name,
            column.name,
            column.kind.name()
        ))
    };
    let page = sql!(@both &mut *conn, |c| {
        let rows = bind_cells!(sqlx::query(select), after).fetch_all(&mut *c).await?;
        let mut page = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut cells = Vec::with_capacity(table.columns.len());
            for (i, column) in table.columns.iter().enumerate() {
                let cell = match column.kind {
                    ColumnType::Text => row.try_get(i).map(Cell::Text),
                    ColumnType::Integer => row.try_get(i).map(Cell::Integer),
                    ColumnType::Boolean => row.try_get(i).map(Cell::Boolean),
                };
                cells.push(cell.map_err(|e| decode_error(column, e))?);
            }
            page.push(cells);
        }
        page
    });
    Ok(page)
}

/// A row read from an archive, with its line number in the table's file.
struct ArchiveRow {
    line: u64,
    cells: Vec<Cell>,
}

/// A self-reference put off until every row of the table is in.
struct PendingReference {
    line: u64,
    id: i64,
    target: i64,
}

/// Reads a table's lines, checks each against the column list and inserts them in chunks.
async fn import_table(
    conn: &mut Conn<'_>,
    table: &'static Table,
    entry: impl Read,
    rows_total: u64,
    progress: &(dyn Fn(ArchiveProgress) + Sync),
) -> Result<()> {
    let report = |rows_done| {
        progress(ArchiveProgress {
            table: table.name,
            rows_done,
            rows_total,
        })
    };
    report(0);
    let self_reference = match table.self_reference {
        None => None,
        Some(column) => match (table.position("id"), table.position(column)) {
            (Some(id), Some(reference)) => Some((id, reference)),
            _ => {
                return Err(StorageError::Corrupt(format!(
                    "table {}: its self-reference needs archived id and reference columns",
                    table.name
                )));
            }
        },
    };
    let mut ids = HashSet::new();
    let mut pending = Vec::new();
    let mut reader = BufReader::new(entry);
    let mut text = String::new();
    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
    let mut line = 0u64;
    loop {
        text.clear();
        let read = reader
            .read_line(&mut text)
            .map_err(|e| damaged_archive(&table.path(), &e.to_string()))?;
        if read == 0 {
            break;
        }
        line += 1;
        let mut cells = parse_row(table, line, text.trim_end_matches(['\n', '\r']))?;
        if let Some((id_at, reference_at)) = self_reference {
            let id = cells[id_at].integer();
            if let Some(id) = id {
                ids.insert(id);
            }
            if let (Some(id), Some(target)) = (id, cells[reference_at].integer()) {
                pending.push(PendingReference { line, id, target });
                cells[reference_at] = Cell::Integer(None);
            }
        }
        chunk.push(ArchiveRow { line, cells });
        if chunk.len() == CHUNK_ROWS {
            insert_chunk(conn, table, &chunk).await?;
            chunk.clear();
            report(line);
        }
    }
    if !chunk.is_empty() {
        insert_chunk(conn, table, &chunk).await?;
        report(line);
    }
    if line != rows_total {
        return Err(StorageError::invalid(
            format!(
                "{} có {line} hàng nhưng manifest.json ghi {rows_total}: tệp lưu trữ không trọn vẹn; không có gì được nhập",
                table.path()
            ),
            format!(
                "{} has {line} rows but manifest.json says {rows_total}: the archive is incomplete; nothing was imported",
                table.path()
            ),
        ));
    }
    if let Some((_, reference_at)) = self_reference {
        let column = table.columns[reference_at].name;
        if let Some(dangling) = pending.iter().find(|p| !ids.contains(&p.target)) {
            return Err(row_error(
                table,
                dangling.line,
                &format!(
                    "cột {column} trỏ tới hàng {} không có trong bảng",
                    dangling.target
                ),
                &format!(
                    "column {column} names row {}, which the table does not have",
                    dangling.target
                ),
            ));
        }
        fill_references(conn, table, column, &pending).await?;
    }
    Ok(())
}

/// The line's values, checked against the table's columns.
fn parse_row(table: &Table, line: u64, text: &str) -> Result<Vec<Cell>> {
    let values: Vec<Value> = serde_json::from_str(text).map_err(|e| {
        row_error(
            table,
            line,
            &format!("không phải một mảng JSON ({e})"),
            &format!("is not a JSON array ({e})"),
        )
    })?;
    if values.len() != table.columns.len() {
        return Err(row_error(
            table,
            line,
            &format!(
                "có {} giá trị, cần {} ({})",
                values.len(),
                table.columns.len(),
                table.column_list()
            ),
            &format!(
                "has {} values, expected {} ({})",
                values.len(),
                table.columns.len(),
                table.column_list()
            ),
        ));
    }
    table
        .columns
        .iter()
        .zip(values)
        .map(|(column, value)| {
            // SQLite would give a row with a NULL id a new one; PostgreSQL would refuse it.
            if value.is_null() && table.key.contains(&column.name) {
                return Err(row_error(
                    table,
                    line,
                    &format!("cột {} thuộc khóa chính, không được là null", column.name),
                    &format!(
                        "column {} is part of the key and must not be null",
                        column.name
                    ),
                ));
            }
            let shown = shorten(&value.to_string());
            Cell::from_json(column.kind, value).ok_or_else(|| {
                let (vi, en) = column.kind.expected();
                row_error(
                    table,
                    line,
                    &format!("cột {} cần {vi}, nhưng có {shown}", column.name),
                    &format!("column {} must be {en}, found {shown}", column.name),
                )
            })
        })
        .collect()
}

fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Inserts rows in one statement inside a savepoint; if the database refuses it, replays the
/// rows one at a time to name the one at fault (PostgreSQL's transaction survives a failed
/// statement only through the savepoint).
async fn insert_chunk(conn: &mut Conn<'_>, table: &Table, rows: &[ArchiveRow]) -> Result<()> {
    sql!(&mut *conn, execute "SAVEPOINT archive_chunk")?;
    let refused = match insert_rows(conn, table, rows).await {
        Ok(()) => {
            sql!(&mut *conn, execute "RELEASE SAVEPOINT archive_chunk")?;
            return Ok(());
        }
        Err(e) => e,
    };
    sql!(&mut *conn, execute "ROLLBACK TO SAVEPOINT archive_chunk")?;
    for row in rows {
        if let Err(e) = insert_rows(conn, table, std::slice::from_ref(row)).await {
            return Err(refused_row(table, row.line, &e));
        }
    }
    // Every row went in alone: the statement as a whole was at fault.
    Err(refused_row(
        table,
        rows.first().map_or(0, |r| r.line),
        &refused,
    ))
}

async fn insert_rows(conn: &mut Conn<'_>, table: &Table, rows: &[ArchiveRow]) -> sqlx::Result<()> {
    let insert = format!(
        "INSERT INTO {} ({}) VALUES {}",
        table.name,
        table.column_list(),
        placeholders(rows.len(), table.columns.len())
    );
    sql!(&mut *conn, execute_with insert.as_str(), |q| bind_cells!(
        q,
        rows.iter().flat_map(|r| &r.cells)
    ))?;
    Ok(())
}

/// Sets the self-references put off by [`import_table`], a chunk at a time.
async fn fill_references(
    conn: &mut Conn<'_>,
    table: &Table,
    column: &str,
    pending: &[PendingReference],
) -> Result<()> {
    for chunk in pending.chunks(CHUNK_ROWS) {
        let cases: String = (0..chunk.len())
            .map(|i| format!(" WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2))
            .collect();
        let ids = (0..chunk.len())
            .map(|i| format!("${}", 2 * i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let update = format!(
            "UPDATE {} SET {column} = CASE id{cases} END WHERE id IN ({ids})",
            table.name
        );
        sql!(&mut *conn, execute_with update.as_str(), |q| {
            let mut q = q;
            for p in chunk {
                q = q.bind(p.id).bind(p.target);
            }
            q
        })?;
    }
    Ok(())
}

/// Refuses a target that holds anything an archive would collide with or mix into.
async fn ensure_empty(conn: &mut Conn<'_>) -> Result<()> {
    let mut held = Vec::new();
    for table in TABLES {
        let rows = sql!(&mut *conn, fetch_one_scalar i64,
            &format!("SELECT COUNT(*) FROM {}", table.name))?;
        if rows > 0 {
            held.push(format!("{}: {rows}", table.name));
        }
    }
    if held.is_empty() {
        return Ok(());
    }
    let held = held.join(", ");
    Err(StorageError::invalid(
        format!(
            "cơ sở dữ liệu đích đã có dữ liệu ({held}); chỉ nhập được vào một cơ sở dữ liệu mới, trống (nhật ký kiểm tra không xóa được, nên cần một cơ sở dữ liệu mới chứ không phải một cơ sở dữ liệu đã làm trống); không có gì được nhập"
        ),
        format!(
            "the target database already holds data ({held}); an archive is imported only into a new, empty database (the audit log cannot be emptied, so a new database rather than a cleared one); nothing was imported"
        ),
    ))
}

/// Rebuilds what the archive leaves out: search keys, the unit tree's ancestry, and every
/// unit's status spans for every framework.
async fn rebuild_derived(
    conn: &mut Conn<'_>,
    progress: &(dyn Fn(ArchiveProgress) + Sync),
) -> Result<()> {
    crate::units::fill_search_names(conn).await?;
    crate::units::rebuild_ancestry(conn).await?;
    let units = crate::frameworks::all_units(conn).await?;
    #[derive(sqlx::FromRow)]
    struct StoredFramework {
        id: i64,
        code: String,
        version: i64,
        source: String,
    }
    let frameworks = sql!(&mut *conn, fetch_all StoredFramework,
        "SELECT id, code, version, source FROM frameworks ORDER BY id")?;
    let rows_total = (units.len() * frameworks.len()) as u64;
    let mut rows_done = 0;
    let report = |rows_done| {
        progress(ArchiveProgress {
            table: DERIVED_STEP,
            rows_done,
            rows_total,
        })
    };
    report(0);
    for stored in &frameworks {
        // Parsed here, not through the store's cache: were the import to roll back, the cache
        // would keep a framework under an id that was never committed.
        let framework = parse_framework(&stored.source).map_err(|diagnostics| {
            let first = diagnostics.first();
            let (line, vi, en) = first.map_or((0, "", ""), |d| {
                (d.line, d.message.vi.as_str(), d.message.en.as_str())
            });
            StorageError::invalid(
                format!(
                    "khung chỉ tiêu {} phiên bản {} trong tệp lưu trữ không đọc được (dòng {line}: {vi}); không có gì được nhập",
                    stored.code, stored.version
                ),
                format!(
                    "framework {} version {} in the archive does not read (line {line}: {en}); nothing was imported",
                    stored.code, stored.version
                ),
            )
        })?;
        for chunk in units.chunks(CHUNK_ROWS) {
            crate::derive::refresh(conn, stored.id, &framework, chunk, None).await?;
            rows_done += chunk.len() as u64;
            report(rows_done);
        }
    }
    Ok(())
}

/// Moves each identity sequence past the imported ids. SQLite gives a new row the largest
/// rowid plus one by itself; PostgreSQL's sequences do not see ids inserted explicitly.
async fn reset_identities(conn: &mut Conn<'_>) -> Result<()> {
    if !matches!(conn, Conn::Postgres(_)) {
        return Ok(());
    }
    for table in TABLES.iter().filter(|t| t.has_identity()) {
        let reset = format!(
            "SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {}",
            table.name
        );
        sql!(&mut *conn, execute reset.as_str(), table.name)?;
    }
    Ok(())
}

/// Reads and checks the manifest: format, version, schema, and every table with exactly the
/// columns of [`TABLES`].
fn read_manifest<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    schema_version: i64,
) -> Result<ArchiveSummary> {
    let mut text = String::new();
    match zip.by_name(MANIFEST_PATH) {
        Ok(entry) => {
            entry
                .take(MANIFEST_MAX_BYTES)
                .read_to_string(&mut text)
                .map_err(|e| damaged_archive(MANIFEST_PATH, &e.to_string()))?;
        }
        Err(ZipError::FileNotFound) => {
            return Err(StorageError::invalid(
                "tệp ZIP này không phải tệp lưu trữ tiendo: không có manifest.json",
                "this ZIP file is not a tiendo archive: it has no manifest.json",
            ));
        }
        Err(e) => return Err(damaged_archive(MANIFEST_PATH, &e.to_string())),
    }
    let manifest: Value = serde_json::from_str(&text).map_err(|e| {
        bad_manifest(
            &format!("không phải JSON ({e})"),
            &format!("is not JSON ({e})"),
        )
    })?;
    let format = manifest.get("format").and_then(Value::as_str);
    if format != Some(ARCHIVE_FORMAT) {
        let found = format.unwrap_or("");
        return Err(StorageError::invalid(
            format!(
                "tệp này không phải tệp lưu trữ tiendo (manifest.json ghi format «{found}», cần «{ARCHIVE_FORMAT}»)"
            ),
            format!(
                "this file is not a tiendo archive (manifest.json says format «{found}», not «{ARCHIVE_FORMAT}»)"
            ),
        ));
    }
    match manifest.get("version").and_then(Value::as_u64) {
        Some(ARCHIVE_VERSION) => {}
        Some(v) if v > ARCHIVE_VERSION => {
            return Err(StorageError::invalid(
                format!(
                    "tệp lưu trữ theo định dạng phiên bản {v}, do một bản tiendo mới hơn tạo; bản này đọc phiên bản {ARCHIVE_VERSION}: hãy nâng cấp tiendo"
                ),
                format!(
                    "the archive is in format version {v}, made by a newer tiendo; this one reads version {ARCHIVE_VERSION}: upgrade tiendo"
                ),
            ));
        }
        _ => {
            return Err(bad_manifest(
                &format!("có version không hợp lệ (cần {ARCHIVE_VERSION})"),
                &format!("has an invalid version (expected {ARCHIVE_VERSION})"),
            ));
        }
    }
    let Some(archived_schema) = manifest.get("schema_version").and_then(Value::as_i64) else {
        return Err(bad_manifest("thiếu schema_version", "lacks schema_version"));
    };
    if archived_schema > schema_version {
        return Err(StorageError::invalid(
            format!(
                "dữ liệu trong tệp lưu trữ theo lược đồ phiên bản {archived_schema}, mới hơn lược đồ {schema_version} của bản tiendo này: hãy nâng cấp tiendo rồi nhập lại"
            ),
            format!(
                "the archive's data has schema version {archived_schema}, newer than this tiendo's {schema_version}: upgrade tiendo, then import it"
            ),
        ));
    }
    if archived_schema < schema_version {
        return Err(StorageError::invalid(
            format!(
                "dữ liệu trong tệp lưu trữ theo lược đồ cũ (phiên bản {archived_schema}; bản này dùng {schema_version}): hãy mở cơ sở dữ liệu nguồn bằng bản tiendo này (nó tự nâng lược đồ) rồi xuất lại"
            ),
            format!(
                "the archive's data has an older schema (version {archived_schema}; this tiendo uses {schema_version}): open the source database with this tiendo (which migrates it) and export again"
            ),
        ));
    }
    let text_field = |name: &str| {
        manifest
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| bad_manifest(&format!("thiếu {name}"), &format!("lacks {name}")))
    };
    let (created_at, source_backend) = (text_field("created_at")?, text_field("source_backend")?);
    let listed = manifest
        .get("tables")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_manifest("thiếu danh sách tables", "lacks the list of tables"))?;
    let mut tables = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let matching: Vec<&Value> = listed
            .iter()
            .filter(|t| t.get("name").and_then(Value::as_str) == Some(table.name))
            .collect();
        let [entry] = matching[..] else {
            return Err(bad_manifest(
                &format!(
                    "cần đúng một mục cho bảng {}, có {}",
                    table.name,
                    matching.len()
                ),
                &format!(
                    "needs exactly one entry for table {}, has {}",
                    table.name,
                    matching.len()
                ),
            ));
        };
        let expected = table.manifest_columns();
        if entry.get("columns") != Some(&expected) {
            return Err(bad_manifest(
                &format!(
                    "ghi các cột của bảng {} khác với lược đồ của bản tiendo này ({})",
                    table.name,
                    table.column_list()
                ),
                &format!(
                    "lists columns of table {} other than this tiendo's schema ({})",
                    table.name,
                    table.column_list()
                ),
            ));
        }
        let rows = entry.get("rows").and_then(Value::as_u64).ok_or_else(|| {
            bad_manifest(
                &format!("thiếu số hàng của bảng {}", table.name),
                &format!("lacks the row count of table {}", table.name),
            )
        })?;
        tables.push(ArchivedTable {
            name: table.name,
            rows,
        });
    }
    if let Some(unknown) = listed
        .iter()
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .find(|name| !TABLES.iter().any(|t| t.name == *name))
    {
        return Err(bad_manifest(
            &format!("có bảng «{unknown}» mà bản tiendo này không biết"),
            &format!("has a table «{unknown}» this tiendo does not know"),
        ));
    }
    Ok(ArchiveSummary {
        created_at,
        source_backend,
        schema_version: archived_schema,
        tables,
    })
}

#[derive(sqlx::FromRow)]
struct CatalogueColumn {
    table_name: String,
    column_name: String,
    column_type: String,
}

/// Every column of every table, as the database's catalogue declares it. The two catalogues
/// differ, so this is a statement per backend.
async fn catalogue(conn: &mut Conn<'_>) -> Result<Vec<CatalogueColumn>> {
    Ok(match conn {
        Conn::Sqlite(c) => {
            sqlx::query_as(
                "SELECT m.name AS table_name, p.name AS column_name, p.type AS column_type
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
                 ORDER BY m.name, p.cid",
            )
            .fetch_all(&mut **c)
            .await?
        }
        Conn::Postgres(c) => {
            sqlx::query_as(
                "SELECT CAST(table_name AS TEXT) AS table_name, CAST(column_name AS TEXT) AS column_name,
                        CAST(data_type AS TEXT) AS column_type
                 FROM information_schema.columns WHERE table_schema = current_schema()
                 ORDER BY table_name, ordinal_position",
            )
            .fetch_all(&mut **c)
            .await?
        }
    })
}

fn row_error(table: &Table, line: u64, vi: &str, en: &str) -> StorageError {
    StorageError::invalid(
        format!(
            "bảng {} ({}), dòng {line}: {vi}; không có gì được nhập",
            table.name,
            table.path()
        ),
        format!(
            "table {} ({}), line {line}: {en}; nothing was imported",
            table.name,
            table.path()
        ),
    )
}

fn refused_row(table: &Table, line: u64, e: &sqlx::Error) -> StorageError {
    row_error(
        table,
        line,
        &format!("cơ sở dữ liệu từ chối hàng này ({e})"),
        &format!("the database refused this row ({e})"),
    )
}

fn bad_manifest(vi: &str, en: &str) -> StorageError {
    StorageError::invalid(
        format!("manifest.json của tệp lưu trữ hỏng: {vi}"),
        format!("the archive's manifest.json is damaged: it {en}"),
    )
}

fn damaged_archive(entry: &str, e: &str) -> StorageError {
    StorageError::invalid(
        format!("tệp lưu trữ bị hỏng ({entry}: {e}); không có gì được nhập"),
        format!("the archive is damaged ({entry}: {e}); nothing was imported"),
    )
}

fn archive_write_error(e: impl Display) -> StorageError {
    StorageError::invalid(
        format!("không ghi được tệp lưu trữ: {e}"),
        format!("could not write the archive: {e}"),
    )
}
