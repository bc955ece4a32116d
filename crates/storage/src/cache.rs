//! Reads kept in the process for as long as the database says that nothing they rest on has
//! changed. Each cached read first reads the current revisions (one row each, see migration
//! 0008), and answers from memory only what was read at exactly those revisions. Every change
//! moves its revision on in its own transaction, so a cached answer is never older than the
//! last committed change, whichever process made it.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Mutex;

use crate::conn::Conn;
use crate::{Result, StorageError};

/// Where the database stood when something was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Revision {
    /// Units, frameworks, settings, users, their roles and API tokens.
    pub catalog: i64,
    /// The status counts.
    pub counts: i64,
}

tokio::task_local! {
    /// The revision the request has read since its last write, so that its other cached
    /// reads need no round trip of their own.
    static REQUEST_REVISION: Cell<Option<Revision>>;
}

/// Runs `request` reading the revisions at most once between its writes: every cached read in
/// it answers as of that one moment, as if the request ran there. A write of its own (every
/// commit, and the few writes made outside a transaction) forgets the revision, so what the
/// request reads after it is read anew.
pub async fn at_one_revision<F: Future>(request: F) -> F::Output {
    REQUEST_REVISION.scope(Cell::new(None), request).await
}

/// Forgets the request's revision after a commit of its own.
pub(crate) fn forget_request_revision() {
    let _ = REQUEST_REVISION.try_with(|r| r.set(None));
}

impl Revision {
    /// The current revisions (the request's, within [`at_one_revision`]). Read before the data
    /// they stamp, so that the data is at least as new as the stamp.
    pub(crate) async fn current(conn: &mut Conn<'_>) -> Result<Revision> {
        if let Ok(Some(revision)) = REQUEST_REVISION.try_with(Cell::get) {
            return Ok(revision);
        }
        #[derive(sqlx::FromRow)]
        struct Row {
            name: String,
            revision: i64,
        }
        let rows = sql!(&mut *conn, fetch_all Row, "SELECT name, revision FROM revisions")?;
        let (mut catalog, mut counts) = (None, None);
        for row in rows {
            match row.name.as_str() {
                "catalog" => catalog = Some(row.revision),
                "counts" => counts = Some(row.revision),
                _ => {}
            }
        }
        // Without its rows nothing would move the stamps on, and every cache would go stale.
        let (Some(catalog), Some(counts)) = (catalog, counts) else {
            return Err(StorageError::Corrupt(
                "the table of revisions has lost its rows".into(),
            ));
        };
        let revision = Revision { catalog, counts };
        let _ = REQUEST_REVISION.try_with(|r| r.set(Some(revision)));
        Ok(revision)
    }

    /// The same revision, for a read that rests on the catalogue only.
    pub(crate) fn catalog_only(self) -> Revision {
        Revision { counts: 0, ..self }
    }

    fn not_after(self, other: Revision) -> bool {
        self.catalog <= other.catalog && self.counts <= other.counts
    }
}

/// Moves the counts revision on, in the transaction that changes the status counts. PostgreSQL
/// holds the row until the transaction ends; writers of counts already queue on the counts lock
/// taken before it.
pub(crate) async fn move_counts(conn: &mut Conn<'_>) -> Result<()> {
    sql!(&mut *conn, execute
        "UPDATE revisions SET revision = revision + 1 WHERE name = 'counts'")?;
    Ok(())
}

/// Values read at one revision, dropped together when a newer revision is seen.
pub(crate) struct RevisionCache<K, V> {
    entries: Mutex<Entries<K, V>>,
    /// Beyond this many entries the cache starts again empty, so that no sequence of requests
    /// (every date of a year, every unit) can make it grow without bound.
    capacity: usize,
}

struct Entries<K, V> {
    revision: Revision,
    values: HashMap<K, V>,
}

impl<K: Eq + Hash, V: Clone> RevisionCache<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        RevisionCache {
            entries: Mutex::new(Entries {
                revision: Revision::default(),
                values: HashMap::new(),
            }),
            capacity,
        }
    }

    /// The value read at exactly `revision`, if one is kept.
    pub(crate) fn get(&self, revision: Revision, key: &K) -> Option<V> {
        let entries = self.entries.lock().expect("revision cache");
        if entries.revision != revision {
            return None;
        }
        entries.values.get(key).cloned()
    }

    /// Keeps `value`, read at `revision`, unless the cache already holds a newer revision (a
    /// slower reader finishing late).
    pub(crate) fn put(&self, revision: Revision, key: K, value: V) {
        let mut entries = self.entries.lock().expect("revision cache");
        if entries.revision != revision {
            if !entries.revision.not_after(revision) {
                return;
            }
            entries.revision = revision;
            entries.values.clear();
        }
        if entries.values.len() >= self.capacity {
            entries.values.clear();
        }
        entries.values.insert(key, value);
    }

    /// Forgets everything, as when the database is emptied under the process.
    pub(crate) fn clear(&self) {
        let mut entries = self.entries.lock().expect("revision cache");
        entries.values.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(catalog: i64, counts: i64) -> Revision {
        Revision { catalog, counts }
    }

    #[test]
    fn answers_only_at_the_revision_it_was_read_at() {
        let cache = RevisionCache::new(8);
        cache.put(at(1, 1), "VN", 10);
        assert_eq!(cache.get(at(1, 1), &"VN"), Some(10));
        assert_eq!(cache.get(at(1, 2), &"VN"), None);
        assert_eq!(cache.get(at(2, 1), &"VN"), None);
        assert_eq!(cache.get(at(1, 1), &"38"), None);
    }

    #[test]
    fn a_newer_revision_drops_the_older_values_and_a_late_older_one_is_not_kept() {
        let cache = RevisionCache::new(8);
        cache.put(at(1, 1), "VN", 10);
        cache.put(at(1, 2), "38", 20);
        assert_eq!(cache.get(at(1, 1), &"VN"), None);
        assert_eq!(cache.get(at(1, 2), &"38"), Some(20));
        cache.put(at(1, 1), "VN", 11);
        assert_eq!(cache.get(at(1, 1), &"VN"), None);
        assert_eq!(cache.get(at(1, 2), &"VN"), None);
    }

    #[test]
    fn never_holds_more_than_its_capacity() {
        let cache = RevisionCache::new(2);
        cache.put(at(0, 0), 1, 1);
        cache.put(at(0, 0), 2, 2);
        cache.put(at(0, 0), 3, 3);
        assert_eq!(cache.get(at(0, 0), &3), Some(3));
        assert_eq!(cache.get(at(0, 0), &1), None);
        cache.clear();
        assert_eq!(cache.get(at(0, 0), &3), None);
    }
}
