//! The two backends behind one interface. A statement is written once, in the SQL both
//! PostgreSQL and SQLite accept (numbered `$1` parameters, `ON CONFLICT`, `RETURNING`), and
//! [`sql!`] compiles it for both and runs it on the one in use.

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

#[derive(Clone)]
pub(crate) enum Pool {
    /// With the gate this process's writers queue at, one at a time, in order.
    Sqlite(SqlitePool, WriteGate),
    Postgres(PgPool),
}

/// SQLite lets one writer in at a time, and a writer that finds the database busy sleeps and
/// retries (up to 100 ms a try), so under load the unlucky wait far longer than their turn.
/// Queueing this process's writers here first gives each its turn in order, with no sleeping.
pub(crate) type WriteGate = std::sync::Arc<tokio::sync::Mutex<()>>;

pub(crate) enum PooledConn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

pub(crate) enum Tx {
    /// With the writer's turn at the gate (none for a reader).
    Sqlite(
        Transaction<'static, Sqlite>,
        Option<tokio::sync::OwnedMutexGuard<()>>,
    ),
    Postgres(Transaction<'static, Postgres>),
}

/// A borrowed connection on either backend, what [`sql!`] runs statements on.
pub(crate) enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

/// Lets [`sql!`] take a connection by value or by `&mut`.
pub(crate) trait IntoConn<'b> {
    fn into_conn(self) -> Conn<'b>;
}

impl<'a> IntoConn<'a> for Conn<'a> {
    fn into_conn(self) -> Conn<'a> {
        self
    }
}

impl<'b, 'a: 'b> IntoConn<'b> for &'b mut Conn<'a> {
    fn into_conn(self) -> Conn<'b> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

impl Pool {
    /// Connections open, of which idle, and the most the pool opens.
    pub(crate) fn usage(&self) -> (u32, u32, u32) {
        match self {
            Pool::Sqlite(p, _) => (
                p.size(),
                p.num_idle() as u32,
                p.options().get_max_connections(),
            ),
            Pool::Postgres(p) => (
                p.size(),
                p.num_idle() as u32,
                p.options().get_max_connections(),
            ),
        }
    }

    pub(crate) async fn acquire(&self) -> sqlx::Result<PooledConn> {
        Ok(match self {
            Pool::Sqlite(p, _) => PooledConn::Sqlite(p.acquire().await?),
            Pool::Postgres(p) => PooledConn::Postgres(p.acquire().await?),
        })
    }

    pub(crate) async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            // IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout
            // instead of one failing when it upgrades from a read.
            Pool::Sqlite(p, gate) => {
                let turn = gate.clone().lock_owned().await;
                // sqlx checks a custom BEGIN with one more await after running it; a request
                // dropped there (its client gone) would leave the connection in a transaction
                // that holds the write lock forever. In a task of its own the begin always
                // finishes, and a transaction nobody waits for any more is rolled back.
                let pool = p.clone();
                let tx = tokio::spawn(async move { pool.begin_with("BEGIN IMMEDIATE").await })
                    .await
                    .map_err(|e| sqlx::Error::Protocol(format!("beginning a write: {e}")))??;
                Tx::Sqlite(tx, Some(turn))
            }
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A read-only transaction in which every statement sees the same state (for an export):
    /// PostgreSQL's repeatable read; on SQLite a deferred transaction, whose first read fixes
    /// the snapshot (WAL mode) without holding the write lock.
    pub(crate) async fn begin_snapshot(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            // A reader: it needs no turn at the gate. SQLite's plain BEGIN is deferred, and
            // sqlx's own begin is safe to drop half-way, unlike a custom one (see `begin`).
            Pool::Sqlite(p, _) => Tx::Sqlite(p.begin().await?, None),
            Pool::Postgres(p) => Tx::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?,
            ),
        })
    }
}

impl PooledConn {
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match self {
            PooledConn::Sqlite(c) => Conn::Sqlite(c),
            PooledConn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

impl Tx {
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t, _) => Conn::Sqlite(t),
            Tx::Postgres(t) => Conn::Postgres(t),
        }
    }

    pub(crate) async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t, _turn) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        crate::cache::forget_request_revision();
        Ok(())
    }
}

/// Runs one statement on a [`Conn`]:
///
/// - `sql!(&mut *conn, execute "…", binds…)` → rows affected;
/// - `sql!(&mut *conn, execute_with "…", |q| q.bind(…)…)` → rows affected, binds built in code;
/// - `sql!(&mut *conn, fetch_all Row, "…", binds…)`, `fetch_optional`, `fetch_one` → `FromRow` rows;
/// - `sql!(&mut *conn, fetch_all_with Row, "…", |q| q.bind(…)…)` → rows, binds built in code;
/// - `fetch_one_scalar T`, `fetch_optional_scalar T`, `fetch_all_scalar T` → single columns.
macro_rules! sql {
    (@both $conn:expr, |$c:ident| $body:expr) => {
        match $crate::conn::IntoConn::into_conn($conn) {
            $crate::conn::Conn::Sqlite($c) => $body,
            $crate::conn::Conn::Postgres($c) => $body,
        }
    };
    ($conn:expr, execute $q:expr $(, $b:expr)* $(,)?) => {
        sql!(@both $conn, |c| sqlx::query($q)$(.bind($b))*.execute(&mut *c).await.map(|r| r.rows_affected()))
    };
    ($conn:expr, execute_with $q:expr, |$query:ident| $binder:expr) => {
        sql!(@both $conn, |c| {
            let $query = sqlx::query($q);
            $binder.execute(&mut *c).await.map(|r| r.rows_affected())
        })
    };
    ($conn:expr, fetch_all_with $t:ty, $q:expr, |$query:ident| $binder:expr) => {
        sql!(@both $conn, |c| {
            let $query = sqlx::query_as::<_, $t>($q);
            $binder.fetch_all(&mut *c).await
        })
    };
    ($conn:expr, fetch_all $t:ty, $q:expr $(, $b:expr)* $(,)?) => {
        sql!(@both $conn, |c| sqlx::query_as::<_, $t>($q)$(.bind($b))*.fetch_all(&mut *c).await)
    };
    ($conn:expr, fetch_optional $t:ty, $q:expr $(, $b:expr)* $(,)?) => {
        sql!(@both $conn, |c| sqlx::query_as::<_, $t>($q)$(.bind($b))*.fetch_optional(&mut *c).await)
    };
    ($conn:expr, fetch_one $t:ty, $q:expr $(, $b:expr)* $(,)?) => {
        sql!(@both $conn, |c| sqlx::query_as::<_, $t>($q)$(.bind($b))*.fetch_one(&mut *c).await)
    };
    ($conn:expr, fetch_one_scalar $t:ty, $q:expr $(, $b:expr)* $(,)?) => {
        sql!(@both $conn, |c| sqlx::query_scalar::<_, $t>($q)$(.bind($b))*.fetch_one(&mut *c).await)
    };
    ($conn:expr, fetch_optional_scalar $t:ty, $q:expr $(, $b:expr)* $(,)?) => {
        sql!(@both $conn, |c| sqlx::query_scalar::<_, $t>($q)$(.bind($b))*.fetch_optional(&mut *c).await)
    };
    ($conn:expr, fetch_all_scalar $t:ty, $q:expr $(, $b:expr)* $(,)?) => {
        sql!(@both $conn, |c| sqlx::query_scalar::<_, $t>($q)$(.bind($b))*.fetch_all(&mut *c).await)
    };
}

/// `($1, $2, $3), ($4, $5, $6), …` for a multi-row `VALUES` list.
pub(crate) fn placeholders(rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..columns {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(r * columns + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// `rows` tuples of `columns` bare `?` parameters, bound in order.
fn anonymous_placeholders(rows: usize, columns: usize) -> String {
    let tuple = format!("({})", vec!["?"; columns].join(", "));
    vec![tuple.as_str(); rows].join(", ")
}

/// Parameters per multi-row `INSERT` of [`bulk_insert`] on SQLite.
const ROW_PARAMETERS: usize = 2000;

/// Rows per multi-row statement: well inside SQLite's and PostgreSQL's parameter limits.
pub(crate) const CHUNK_ROWS: usize = 400;

/// Serialises writers of the same units until the transaction ends, so that two requests never
/// rewrite one unit's derived statuses or submission at once. SQLite needs nothing: `BEGIN
/// IMMEDIATE` already lets one writer in at a time. On PostgreSQL a transaction-scoped advisory
/// lock per unit, taken in id order so that two writers cannot deadlock.
pub(crate) async fn lock_units(conn: &mut Conn<'_>, unit_ids: &[i64]) -> sqlx::Result<()> {
    /// The advisory-lock namespace of units (the first of the two keys).
    const UNITS: i32 = 0x7469; // "ti"
    let Conn::Postgres(c) = conn else {
        return Ok(());
    };
    let mut ids = unit_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(UNITS)
            .bind(id as i32)
            .execute(&mut **c)
            .await?;
    }
    Ok(())
}

/// Serialises the writers of one framework's status counts until the transaction ends: every
/// write changes the rows of the units at the top of the tree, and each reads them before it
/// writes them back. SQLite's single writer needs nothing. Taken after the unit locks, and no
/// unit lock is taken after it, so the two cannot deadlock.
pub(crate) async fn lock_counts(conn: &mut Conn<'_>, framework_id: i64) -> sqlx::Result<()> {
    /// The advisory-lock namespace of status counts.
    const COUNTS: i32 = 0x7463; // "tc"
    let Conn::Postgres(c) = conn else {
        return Ok(());
    };
    sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
        .bind(COUNTS)
        .bind(framework_id as i32)
        .execute(&mut **c)
        .await?;
    Ok(())
}

/// One value of a row given to [`bulk_insert`].
pub(crate) enum Cell<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
    Bool(Option<bool>),
}

/// Inserts many rows of `columns` (`cells` row after row) in each database's fast way: `COPY …
/// FROM STDIN` on PostgreSQL; on SQLite multi-row `INSERT`s of one shape, prepared once and
/// reused. On the caller's transaction.
pub(crate) async fn bulk_insert(
    conn: &mut Conn<'_>,
    table: &str,
    columns: &[&str],
    cells: &[Cell<'_>],
) -> sqlx::Result<()> {
    let width = columns.len();
    debug_assert_eq!(cells.len() % width, 0);
    if cells.is_empty() {
        return Ok(());
    }
    let names = columns.join(", ");
    // COPY costs a few more round trips than an INSERT; it pays from a few dozen rows on.
    if let Conn::Postgres(c) = &mut *conn
        && cells.len() / width >= 64
    {
        let mut copy = c
            .copy_in_raw(&format!("COPY {table} ({names}) FROM STDIN"))
            .await?;
        let mut buffer = String::with_capacity(1 << 20);
        for row in cells.chunks(width) {
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    buffer.push('\t');
                }
                copy_text(&mut buffer, cell);
            }
            buffer.push('\n');
            if buffer.len() >= 1 << 20 {
                copy.send(buffer.as_bytes()).await?;
                buffer.clear();
            }
        }
        if !buffer.is_empty() {
            copy.send(buffer.as_bytes()).await?;
        }
        copy.finish().await?;
        return Ok(());
    }
    // On SQLite bare `?` parameters: SQLite looks a numbered or named parameter up by a linear
    // search of the statement's names each time one is bound, which makes binding quadratic in
    // their number. PostgreSQL knows only numbered ones (and gets here with a few rows only).
    let sqlite = matches!(conn, Conn::Sqlite(_));
    let rows_per_statement = (ROW_PARAMETERS / width).max(1);
    for chunk in cells.chunks(rows_per_statement * width) {
        let rows = chunk.len() / width;
        let q = format!(
            "INSERT INTO {table} ({names}) VALUES {}",
            if sqlite {
                anonymous_placeholders(rows, width)
            } else {
                placeholders(rows, width)
            }
        );
        sql!(&mut *conn, execute_with q.as_str(), |query| {
            let mut query = query;
            for cell in chunk {
                query = match cell {
                    Cell::Int(v) => query.bind(*v),
                    Cell::Text(v) => query.bind(*v),
                    Cell::Bool(v) => query.bind(*v),
                };
            }
            query
        })?;
    }
    Ok(())
}

/// A value in `COPY`'s text format: `\N` for NULL, with backslash, tab and line ends escaped.
fn copy_text(out: &mut String, cell: &Cell<'_>) {
    use std::fmt::Write;
    match cell {
        Cell::Int(Some(n)) => {
            let _ = write!(out, "{n}");
        }
        Cell::Bool(Some(b)) => out.push(if *b { 't' } else { 'f' }),
        Cell::Text(Some(text)) => {
            for ch in text.chars() {
                match ch {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
        Cell::Int(None) | Cell::Bool(None) | Cell::Text(None) => out.push_str("\\N"),
    }
}
