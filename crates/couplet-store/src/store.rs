//! The shared handle on the database.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode};

use crate::{StoreError, migrations};

/// How long a statement waits for another connection's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Pages of the state database SQLite keeps in memory, in KiB (a negative `cache_size`).
const STATE_CACHE_KIB: i64 = -16 * 1024;

/// Runs `f` again while SQLite answers "busy" without having waited, up to [`BUSY_TIMEOUT`].
fn retry_while_busy<T>(mut f: impl FnMut() -> Result<T, StoreError>) -> Result<T, StoreError> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match f() {
            Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)))
                if e.code == ErrorCode::DatabaseBusy && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// A cheap, cloneable handle on Couplet's database, usable from any thread.
///
/// Calls are serialized on one connection. From async code use [`Store::run`], which runs the
/// closure on tokio's blocking pool; from blocking code (CLI set-up, tests) use
/// [`Store::blocking`].
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed, with its parent directories) the database at `path` and
    /// brings its schema up to date.
    ///
    /// Refuses a database written by a newer Couplet with [`StoreError::TooNew`].
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let opened = Connection::open(path).map_err(StoreError::from);
        opened.and_then(Store::prepare).map_err(|e| match e {
            StoreError::Sqlite(source) => StoreError::Open {
                path: path.to_path_buf(),
                source,
            },
            other => other,
        })
    }

    /// Opens a private in-memory database with the current schema (for tests and dry runs).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::prepare(Connection::open_in_memory()?)
    }

    fn prepare(mut conn: Connection) -> Result<Store, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Switching to WAL and migrating take locks that SQLite may refuse at once (without
        // waiting) while another process opens the same new database; retry those briefly.
        let mode: String = retry_while_busy(|| {
            Ok(conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?)
        })?;
        // In-memory databases answer "memory"; both are fine.
        tracing::debug!(journal_mode = %mode, "database opened");
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // A million couplings make indexes of some 100 MB; keep more of them at hand than
        // SQLite's default 2 MB (memory stays bounded by this).
        conn.pragma_update(None, "cache_size", STATE_CACHE_KIB)?;
        retry_while_busy(|| migrations::migrate(&mut conn))?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on tokio's blocking pool and returns its result.
    ///
    /// Group writes with `let tx = conn.transaction()?; …; tx.commit()?` inside `f`. Never hold
    /// a transaction across network calls: do the calls first, then one `run` to write.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.blocking(f))
            .await
            .map_err(|e| StoreError::Join(e.to_string()))?
    }

    /// Runs `f` with the connection on the current thread. Do not call it from async code.
    pub fn blocking<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        f(&mut conn)
    }
}
