//! Transactions that never hand a doubtful connection back to the pool.
//!
//! When COMMIT or ROLLBACK fails (disk full, "database is locked", an I/O
//! error, a deferred constraint), the connection's real transaction state and
//! sqlx's idea of it can part ways: SQLite may keep the transaction open while
//! sqlx counts it as still active, so the next `BEGIN` on that connection
//! becomes a SAVEPOINT inside the dead transaction and its "commit" only
//! releases the savepoint. That answered uploads with success and lost them at
//! the next restart, and the forgotten transaction held the write lock so no
//! other writer could commit again. A connection is therefore closed, never
//! reused, once its COMMIT fails (`Tx::commit`) or it comes back to the pool
//! still inside a transaction (`release_check`, the pool's `after_release`).

use sqlx::pool::{PoolConnection, PoolConnectionMetadata};
use sqlx::{Connection, Database, Pool, TransactionManager};
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;

/// A transaction on a pooled connection; rolled back when dropped uncommitted.
pub(super) struct Tx<DB: Database> {
    conn: PoolConnection<DB>,
    open: bool,
}

impl<DB: Database> Tx<DB> {
    /// Takes a connection from the pool and begins a transaction on it.
    pub(super) async fn begin(pool: &Pool<DB>) -> Result<Self, sqlx::Error> {
        let mut conn = pool.acquire().await?;
        if let Err(e) = DB::TransactionManager::begin(&mut *conn, None).await {
            conn.close_on_drop();
            return Err(e);
        }
        Ok(Self { conn, open: true })
    }

    /// Commits; on failure the connection is closed (its transaction rolled back by the database) instead of reused.
    pub(super) async fn commit(mut self) -> Result<(), sqlx::Error> {
        match DB::TransactionManager::commit(&mut *self.conn).await {
            Ok(()) => {
                self.open = false;
                Ok(())
            }
            Err(e) => {
                self.conn.close_on_drop();
                Err(e)
            }
        }
    }
}

impl<DB: Database> Drop for Tx<DB> {
    fn drop(&mut self) {
        if self.open {
            // Queued, and run before the connection's next use; `release_check` sees whether it worked.
            DB::TransactionManager::start_rollback(&mut *self.conn);
        }
    }
}

impl<DB: Database> Deref for Tx<DB> {
    type Target = DB::Connection;

    fn deref(&self) -> &Self::Target {
        &self.conn
    }
}

impl<DB: Database> DerefMut for Tx<DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

/// The pool's `after_release` check: lets any queued ROLLBACK run, then keeps the connection only when it is
/// outside every transaction. A failed ROLLBACK, or a transaction abandoned mid-way, closes the connection.
pub(super) fn release_check<C: Connection>(
    conn: &mut C,
    _meta: PoolConnectionMetadata,
) -> Pin<Box<dyn Future<Output = Result<bool, sqlx::Error>> + Send + '_>> {
    Box::pin(async move {
        // On SQLite sqlx's depth drops only once a ROLLBACK has succeeded; on PostgreSQL it drops when the
        // ROLLBACK is queued, and the pool's own ping after this check closes the connection if it fails.
        // Either way zero needs no round trip, which is the common case.
        if !conn.is_in_transaction() {
            return Ok(true);
        }
        conn.ping().await?;
        if conn.is_in_transaction() {
            tracing::warn!("closing a database connection left inside a transaction (a failed COMMIT or ROLLBACK)");
            return Ok(false);
        }
        Ok(true)
    })
}
