//! Grouping a function's own writes so they apply together, inside or outside a transaction.

use rusqlite::Connection;

use crate::StoreError;

/// Runs `f` inside a savepoint: its writes are kept if it succeeds and undone if it fails.
///
/// Works on a plain connection (the savepoint acts as a transaction) and inside a caller's
/// transaction (it nests, and the caller's commit or rollback decides).
pub(crate) fn atomically<T>(
    conn: &Connection,
    f: impl FnOnce() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.execute_batch("SAVEPOINT couplet_store")?;
    match f() {
        Ok(value) => {
            conn.execute_batch("RELEASE couplet_store")?;
            Ok(value)
        }
        Err(err) => {
            if let Err(undo) =
                conn.execute_batch("ROLLBACK TO couplet_store; RELEASE couplet_store")
            {
                tracing::error!(error = %undo, "could not undo a failed store operation");
            }
            Err(err)
        }
    }
}
