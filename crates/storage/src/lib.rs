//! tiendo's storage: the only crate that knows SQL.
//!
//! One code path serves SQLite (the embedded default) and PostgreSQL. Every statement is written
//! once; the `sql!` macro compiles it for each backend and runs it on whichever the store
//! was opened with (the backend is picked once, from the URL scheme). The two migration folders
//! differ only in identity columns and one check; a test keeps their file lists in step.
//!
//! The derived status spans (`indicator_status`) are rewritten in the same transaction as the
//! figures and exclusions they come from, so summaries for any date read only that table.

#[macro_use]
mod conn;
mod accounts;
mod archive;
mod bulk;
mod cache;
mod counts;
mod derive;
mod evidence;
mod exclusions;
mod files;
mod frameworks;
mod meetings;
mod notifications;
mod observations;
mod organisations;
mod reads;
mod recognition;
mod submissions;
mod tasks;
pub mod testing;
mod trainings;
mod units;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tiendo_domain::{Date, Framework, Unit};

pub use accounts::{Actor, AuditEntry, NewUser, User, grant};
pub use archive::{
    ARCHIVE_FORMAT, ARCHIVE_VERSION, ArchiveProgress, ArchiveSummary, ArchivedTable,
};
pub use bulk::{DatasetFigures, DatasetProgress, DatasetReport};
pub use cache::at_one_revision;
pub use evidence::{Evidence, EvidenceItem};
pub use exclusions::ExclusionRequest;
pub use files::{FileStore, StoredFile};
pub use frameworks::FrameworkRef;
pub use meetings::{
    Conclusion, ConclusionTask, Meeting, MeetingItem, MeetingSnapshot, NewMeeting, SnapshotGroup,
    SnapshotIndicator, SnapshotUnit,
};
pub use notifications::{Notice, Notification, PendingEmail};
pub use observations::NewObservation;
pub use organisations::{
    NewOrganisation, ORGANISATION_KINDS, Organisation, organisation_kind_label,
};
pub use reads::{
    CountSeries, DatedFigure, GroupSummary, IndicatorRow, StatusMatrix, StatusSpan, Summary,
    UnitCounts, UnitInputs, UnitStanding,
};
pub use recognition::{
    Application, ApplicationItem, Appraisal, Decision, Recognition, RecognitionYear,
};
pub use submissions::{Change, Period, Submission};
pub use tasks::{NewTask, Task, TaskFilter, TaskNote, TaskUnit};
pub use trainings::{
    NewTraining, NewTrainingAttendee, Training, TrainingAttendee, TrainingFigure, TrainingItem,
    default_training_indicator, training_indicator_choices,
};
pub use units::FoundUnit;

use cache::{Revision, RevisionCache};
use conn::Pool;

/// Where the data lives: `sqlite://PATH` or `postgres://...`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres(_))
    }
}

/// Shows the URL with any password replaced, so it can be logged.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl DatabaseUrl {
    /// The URL with the password (if any) replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{path}"),
            DatabaseUrl::Postgres(url) if url.contains("password=") => mask_password(url),
            DatabaseUrl::Postgres(url) => {
                let Some(scheme_end) = url.find("://") else {
                    return url.clone();
                };
                let rest = &url[scheme_end + 3..];
                let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
                match rest[..authority_end].rfind('@') {
                    Some(at) => {
                        let userinfo = &rest[..at];
                        let user = userinfo.split(':').next().unwrap_or("");
                        let masked = if userinfo.contains(':') {
                            format!("{user}:***")
                        } else {
                            user.to_string()
                        };
                        format!("{}{masked}{}", &url[..scheme_end + 3], &rest[at..])
                    }
                    None => url.clone(),
                }
            }
        }
    }
}

/// `scheme://user:***@host…`, and `password=***` in the query: safe to print.
fn mask_password(url: &str) -> String {
    let mut out = match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    };
    if let Some(i) = out.find("password=") {
        let end = out[i..].find('&').map_or(out.len(), |e| i + e);
        out.replace_range(i + "password=".len()..end, "***");
    }
    out
}

impl FromStr for DatabaseUrl {
    type Err = StorageError;
    fn from_str(s: &str) -> Result<Self, StorageError> {
        let bad = || StorageError::BadUrl(mask_password(s));
        if let Some(path) = s.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or("");
            if path.is_empty() {
                return Err(bad());
            }
            Ok(DatabaseUrl::Sqlite(path.to_string()))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(s.to_string()))
        } else {
            Err(bad())
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(
        "không nhận địa chỉ cơ sở dữ liệu «{0}»: dùng sqlite://ĐƯỜNG_DẪN hoặc postgres://...\n\
         unsupported database URL «{0}»: use sqlite://PATH (e.g. sqlite://tiendo.db) or postgres://USER@HOST/DB"
    )]
    /// The URL as given, with any password masked.
    BadUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// Something named in the request does not exist.
    #[error("{en}")]
    NotFound { vi: String, en: String },
    /// The request is well-formed but not acceptable; the message says what to fix.
    #[error("{en}")]
    Invalid { vi: String, en: String },
    /// Someone else changed the record first; nothing was written.
    #[error("{en}")]
    Conflict { vi: String, en: String },
    /// Data in the database that the current code cannot read (e.g. a stored framework).
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

impl StorageError {
    pub(crate) fn not_found(vi: impl Into<String>, en: impl Into<String>) -> Self {
        StorageError::NotFound {
            vi: vi.into(),
            en: en.into(),
        }
    }
    pub(crate) fn invalid(vi: impl Into<String>, en: impl Into<String>) -> Self {
        StorageError::Invalid {
            vi: vi.into(),
            en: en.into(),
        }
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// A framework's indicators as the database knows them, by code.
type IndicatorIdsByCode = HashMap<String, derive::IndicatorIds>;

/// The store: a connection pool on one of the two backends, and the frameworks read so far.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// Frameworks are immutable once loaded (a change is a new version), so parsed copies can
    /// be kept for the life of the process, even with several instances sharing a database.
    frameworks: Arc<Mutex<HashMap<i64, Arc<Framework>>>>,
    /// The database ids of each framework's indicators, by code: as immutable as the framework.
    indicator_ids: Arc<Mutex<HashMap<i64, Arc<IndicatorIdsByCode>>>>,
    /// What every request asks again (its token, the unit and its ancestors, a setting, the
    /// frameworks, a summary), kept while the database's revisions say it still holds.
    caches: Arc<Caches>,
}

/// The revision caches of one store; see [`cache`].
pub(crate) struct Caches {
    pub(crate) summaries: RevisionCache<(i64, String, Date, Option<String>), Summary>,
    pub(crate) token_users: RevisionCache<String, User>,
    pub(crate) lineages: RevisionCache<String, (Unit, Vec<Unit>)>,
    pub(crate) units: RevisionCache<String, (i64, Unit)>,
    pub(crate) settings: RevisionCache<String, Option<String>>,
    pub(crate) frameworks: RevisionCache<(), Vec<FrameworkRef>>,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            // A national summary holds 63 provinces (about 12 kB): at most some 12 MB of them.
            summaries: RevisionCache::new(1024),
            token_users: RevisionCache::new(1024),
            lineages: RevisionCache::new(16384),
            units: RevisionCache::new(16384),
            settings: RevisionCache::new(64),
            frameworks: RevisionCache::new(1),
        }
    }
}

impl Caches {
    fn clear(&self) {
        self.summaries.clear();
        self.token_users.clear();
        self.lineages.clear();
        self.units.clear();
        self.settings.clear();
        self.frameworks.clear();
    }
}

/// How the store's connection pool is used at a moment, for monitoring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolUsage {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

impl Store {
    /// Forgets every cached read of this process, as after the database was changed by hand
    /// with the triggers off; what is asked next is read from the database.
    pub fn forget_caches(&self) {
        self.caches.clear();
    }

    /// The connection pool right now (no database round trip).
    pub fn pool_usage(&self) -> PoolUsage {
        let (open, idle, max) = self.pool.usage();
        PoolUsage { open, idle, max }
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the database (creating an SQLite file if it does not exist) without migrating.
    pub async fn connect(url: &DatabaseUrl) -> Result<Store> {
        Store::connect_with(url, false).await
    }

    /// Opens and migrates the database for one [`Store::load_dataset`] and nothing else at the
    /// same time. On SQLite: one connection with a large page cache, and the rollback journal
    /// instead of the write-ahead log, so the loaded pages are written once into the database
    /// rather than into the log and then copied over (the pages of an empty database need no
    /// journal). The load leaves the database in write-ahead-log mode, as every other use
    /// expects.
    pub async fn open_for_load(url: &DatabaseUrl) -> Result<Store> {
        let store = Store::connect_with(url, true).await?;
        if let Pool::Sqlite(p, _) = &store.pool {
            // Refused while another process has the database open; the load then goes
            // through the log.
            let _ = sqlx::query("PRAGMA journal_mode = DELETE").execute(p).await;
        }
        store.migrate().await?;
        Ok(store)
    }

    async fn connect_with(url: &DatabaseUrl, for_load: bool) -> Result<Store> {
        let pool = match url {
            DatabaseUrl::Sqlite(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                let (options, connections) = if for_load {
                    // 128 MB of pages, in KiB.
                    (options.pragma("cache_size", "-131072"), 1)
                } else {
                    (options.journal_mode(SqliteJournalMode::Wal), 8)
                };
                Pool::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(connections)
                        .connect_with(options)
                        .await?,
                    Default::default(),
                )
            }
            DatabaseUrl::Postgres(url) => {
                let options: PgConnectOptions = url.parse()?;
                Pool::Postgres(
                    PgPoolOptions::new()
                        .max_connections(16)
                        .connect_with(options)
                        .await?,
                )
            }
        };
        Ok(Store {
            pool,
            frameworks: Arc::default(),
            indicator_ids: Arc::default(),
            caches: Arc::default(),
        })
    }

    /// Opens the database and brings its schema up to date.
    pub async fn open(url: &DatabaseUrl) -> Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p, _) => sqlx::migrate!("migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        self.backfill_search_names().await
    }

    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(..) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p, _) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    /// Empties every table but the audit log (which is append-only), for re-creating the demo.
    pub async fn clear(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for table in [
            "notifications",
            "recognition_quotas",
            "recognitions",
            "application_items",
            "applications",
            "training_observations",
            "training_attendees",
            "trainings",
            "task_notes",
            "task_indicators",
            "task_units",
            "tasks",
            "conclusions",
            "meeting_units",
            "meetings",
            "organisation_members",
            "organisations",
            "unlocks",
            "submission_returns",
            "submissions",
            "periods",
            "evidence",
            "exclusion_requests",
            "sessions",
            "api_tokens",
            "login_attempts",
            "status_counts",
            "indicator_status",
            "observations",
            "exclusions",
            "indicators",
            "framework_groups",
            "frameworks",
            "user_roles",
            "users",
            "unit_ancestors",
            "units",
            "settings",
        ] {
            sql!(tx.conn(), execute & format!("DELETE FROM {table}"))?;
        }
        cache::move_counts(&mut tx.conn()).await?;
        tx.commit().await?;
        self.frameworks.lock().expect("framework cache").clear();
        self.indicator_ids.lock().expect("indicator ids").clear();
        self.caches.clear();
        Ok(())
    }

    /// Refreshes the planner's statistics after a bulk change, so that roll-ups start from the
    /// unit tree rather than scanning every span.
    pub(crate) async fn analyze(&self) -> Result<()> {
        let mut c = self.pool.acquire().await?;
        sql!(c.conn(), execute "ANALYZE")?;
        Ok(())
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let mut c = self.pool.acquire().await?;
        let revision = Revision::current(&mut c.conn()).await?.catalog_only();
        if let Some(value) = self.caches.settings.get(revision, &key.to_string()) {
            return Ok(value);
        }
        let value = sql!(c.conn(), fetch_optional_scalar String,
            "SELECT value FROM settings WHERE key = $1", key)?;
        self.caches
            .settings
            .put(revision, key.to_string(), value.clone());
        Ok(value)
    }

    /// This installation's secret for `purpose` (e.g. signing what a form carries between two
    /// requests): `candidate` becomes it the first time it is asked for, and every instance
    /// sharing the database reads the same one afterwards. Kept in the settings, never in the
    /// audit log.
    pub async fn installation_secret(&self, purpose: &str, candidate: &str) -> Result<String> {
        let key = format!("secret:{purpose}");
        let mut c = self.pool.acquire().await?;
        sql!(c.conn(), execute
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            key.as_str(), candidate)?;
        crate::cache::forget_request_revision();
        Ok(sql!(c.conn(), fetch_one_scalar String,
            "SELECT value FROM settings WHERE key = $1", key.as_str())?)
    }

    /// Sets a setting, audited (opening the dashboard to the public is a change of access).
    pub async fn set_setting(&self, key: &str, value: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let old = sql!(tx.conn(), fetch_optional_scalar String,
            "SELECT value FROM settings WHERE key = $1", key)?;
        sql!(tx.conn(), execute
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            key, value)?;
        accounts::audit(
            &mut tx.conn(),
            actor,
            "setting.set",
            None,
            None,
            None,
            old.map(|o| format!("{key}={o}")),
            Some(format!("{key}={value}")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Named settings.
pub mod settings {
    /// `true` when the read API and pages are open without signing in.
    pub const PUBLIC_DASHBOARD: &str = "public_dashboard";
    /// The date views open on when none is asked for (`YYYY-MM-DD`); today when unset.
    pub const DEFAULT_AS_OF: &str = "default_as_of";
    /// The code of the unit the home page opens (e.g. the city); the root unit when unset.
    pub const HOME_UNIT: &str = "home_unit";
    /// `true` when the dataset is illustrative, so pages say so.
    pub const ILLUSTRATIVE: &str = "illustrative";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_url_forms_and_refuses_others() {
        assert_eq!(
            "sqlite://tiendo.db".parse::<DatabaseUrl>().unwrap(),
            DatabaseUrl::Sqlite("tiendo.db".into())
        );
        assert!(
            "postgres://u@localhost/db"
                .parse::<DatabaseUrl>()
                .unwrap()
                .is_postgres()
        );
        for bad in ["mysql://x", "tiendo.db", "sqlite://", ""] {
            let err = bad.parse::<DatabaseUrl>().unwrap_err().to_string();
            assert!(
                err.contains("sqlite://") && err.contains("postgres://"),
                "{err}"
            );
        }
    }

    #[test]
    fn refused_urls_do_not_show_passwords() {
        let err = "mysql://root:hunter2@db/x"
            .parse::<DatabaseUrl>()
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("hunter2") && err.contains("root:***@db"),
            "{err}"
        );
        let url: DatabaseUrl = "postgres://db/x?user=a&password=hunter2&sslmode=require"
            .parse()
            .unwrap();
        assert_eq!(
            url.redacted(),
            "postgres://db/x?user=a&password=***&sslmode=require"
        );
    }

    #[test]
    fn redacts_passwords() {
        let url: DatabaseUrl = "postgres://tiendo:s3cret@db.example:5432/tiendo?sslmode=require"
            .parse()
            .unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert_eq!(
            shown,
            "postgres://tiendo:***@db.example:5432/tiendo?sslmode=require"
        );
    }
}
