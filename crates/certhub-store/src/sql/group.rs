//! Group commit for SQLite certificate inserts.
//!
//! With `synchronous=FULL` every SQLite commit waits for the disk, and SQLite has
//! one writer: committing each issued certificate alone caps issuance at the
//! disk's sync rate. Inserts are instead handed to one writer task that takes
//! whatever has queued up while the previous commit was syncing and commits it
//! in a single transaction. Each caller still hears back only after its own row
//! is durable. Because the task owns the batch, a caller that goes away (a
//! dropped request) cannot leave a transaction half done.

use std::sync::Arc;

use certhub_core::StoreError;
use sqlx::SqlitePool;
use tokio::sync::{Mutex, mpsc, oneshot};

use super::rows::{PreparedInsert, db, next_seq};
use super::tx::Tx;

/// Most inserts committed in one transaction.
const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<(), StoreError>>;

/// The sending side of the writer task; the task ends when this is dropped.
pub(super) struct GroupCommit {
    tx: mpsc::UnboundedSender<(PreparedInsert, Reply)>,
}

impl GroupCommit {
    /// Starts the writer task; `write_lock` is the lock every other SQLite writer takes.
    pub(super) fn start(pool: SqlitePool, write_lock: Arc<Mutex<()>>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(writer(pool, write_lock, rx));
        Self { tx }
    }

    /// Queues one insert and waits until it is committed (or refused).
    pub(super) async fn insert(&self, row: PreparedInsert) -> Result<(), StoreError> {
        let (reply, done) = oneshot::channel();
        self.tx.send((row, reply)).map_err(|_| StoreError::Backend("the store is closed".into()))?;
        done.await.map_err(|_| StoreError::Backend("the store writer stopped".into()))?
    }
}

async fn writer(pool: SqlitePool, write_lock: Arc<Mutex<()>>, mut rx: mpsc::UnboundedReceiver<(PreparedInsert, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let _writer = write_lock.lock().await;
        match commit(&pool, batch.iter().map(|(row, _)| row)).await {
            Ok(()) => {
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Ok(()));
                }
            }
            // One bad row (a duplicate ID, say) must not fail its neighbours:
            // the batch rolled back, so each row is retried on its own.
            Err(_) if batch.len() > 1 => {
                for (row, reply) in batch.drain(..) {
                    let _ = reply.send(commit(&pool, std::iter::once(&row)).await);
                }
            }
            Err(e) => {
                if let Some((_, reply)) = batch.pop() {
                    let _ = reply.send(Err(e));
                }
            }
        }
    }
}

async fn commit<'a>(pool: &SqlitePool, rows: impl Iterator<Item = &'a PreparedInsert>) -> Result<(), StoreError> {
    let mut tx = Tx::begin(pool).await.map_err(db)?;
    for row in rows {
        insert_prepared!(tx, row);
    }
    tx.commit().await.map_err(db)
}
