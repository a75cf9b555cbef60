//! Group commit: writers stage their changes on a copy of the store, one thread writes whatever has
//! queued up in one transaction (one fsync for many changes), and only then do the changes reach the
//! copy that reads see and the writers get their answers.
//!
//! When a write fails (a full disk, say), every change staged since the last good commit fails with
//! it: those changes may depend on one another, so none of them is kept, the writers' copy goes back
//! to the saved state, and reads never saw any of them.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, mpsc};

use tokio::sync::oneshot;

use super::StateDb;
use crate::store::{ChangeSet, Store};

/// Most changes one transaction takes (more wait for the next one).
const MAX_BATCH: usize = 4096;

/// A change could not be saved: it was not applied, and the caller should answer 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the change could not be saved to the state file")]
pub(crate) struct SaveFailed;

/// A staged change waiting for its commit.
struct Pending {
    changes: ChangeSet,
    done: oneshot::Sender<Result<(), SaveFailed>>,
}

/// The writers' side of a state database: see the module documentation.
///
/// Dropping it lets the commit thread finish what is queued, close the database (releasing its
/// lock, so the same file can be opened again at once) and end; the drop waits for that.
#[derive(Debug)]
pub(crate) struct Committer {
    staged: Arc<Mutex<Store>>,
    queue: Option<mpsc::Sender<Pending>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Committer {
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Committer {
    /// Starts the commit thread, which owns `db` and applies committed changes to `committed`.
    pub(crate) fn start(db: StateDb, committed: Arc<RwLock<Store>>) -> std::io::Result<Self> {
        let staged = Arc::new(Mutex::new(
            committed
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .staging_copy(),
        ));
        let (queue, received) = mpsc::channel();
        let writer = Writer {
            db,
            committed,
            staged: Arc::clone(&staged),
            received,
        };
        let writer = std::thread::Builder::new()
            .name("hwoath-state-writer".into())
            .spawn(move || writer.run())?;
        Ok(Self {
            staged,
            queue: Some(queue),
            writer: Some(writer),
        })
    }

    /// Runs `change` on the writers' copy of the store, then waits until the change is saved and
    /// visible to reads; its result is returned only then. A change that touched nothing still waits
    /// for the changes staged before it, since its answer may rest on them.
    pub(crate) async fn commit<T>(
        &self,
        change: impl FnOnce(&mut Store) -> T,
    ) -> Result<T, SaveFailed> {
        let (out, saved) = {
            let mut staged = lock(&self.staged);
            let out = change(&mut staged);
            let changes = staged.take_changes();
            let (done, saved) = oneshot::channel();
            // Sent under the lock, so the queue holds changes in the order they were staged.
            self.queue
                .as_ref()
                .ok_or(SaveFailed)?
                .send(Pending { changes, done })
                .map_err(|_| SaveFailed)?;
            (out, saved)
        };
        saved.await.map_err(|_| SaveFailed)??;
        Ok(out)
    }
}

/// The commit thread.
struct Writer {
    db: StateDb,
    committed: Arc<RwLock<Store>>,
    staged: Arc<Mutex<Store>>,
    received: mpsc::Receiver<Pending>,
}

impl Writer {
    fn run(mut self) {
        while let Ok(first) = self.received.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match self.received.try_recv() {
                    Ok(more) => batch.push(more),
                    Err(_) => break,
                }
            }
            let writes: Vec<&ChangeSet> = batch
                .iter()
                .map(|p| &p.changes)
                .filter(|c| !c.is_empty())
                .collect();
            let written = if writes.is_empty() {
                Ok(())
            } else {
                self.db.write(&writes)
            };
            match written {
                Ok(()) => self.publish(batch),
                Err(err) => {
                    tracing::error!(error = %err, "could not save a change; refusing it with 503");
                    self.refuse(batch);
                }
            }
        }
    }

    /// Makes a saved batch visible, then answers its writers.
    fn publish(&self, mut batch: Vec<Pending>) {
        {
            let mut committed = self
                .committed
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            for pending in &mut batch {
                committed.apply(std::mem::take(&mut pending.changes));
            }
        }
        for pending in batch {
            let _ = pending.done.send(Ok(()));
        }
    }

    /// Refuses a batch that could not be saved and everything staged after it, and puts the writers'
    /// copy back to the saved state.
    fn refuse(&self, mut batch: Vec<Pending>) {
        let mut staged = lock(&self.staged);
        // Writers send while holding the staging lock: with it held here, the queue is complete.
        batch.extend(self.received.try_iter());
        *staged = self
            .committed
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .staging_copy();
        drop(staged);
        for pending in batch {
            let _ = pending.done.send(Err(SaveFailed));
        }
    }
}
