//! A tokio runtime of its own, on a thread of its own, for the PostgreSQL store.
//!
//! The async client's connections live as tasks on this runtime, whichever runtime
//! (or none) the caller has. So the store can be created, used and dropped anywhere:
//! async callers await a task's handle (which works across runtimes), sync callers
//! wait on a channel (never `block_on`, which panics inside a runtime), and the
//! runtime is dropped on its own thread (dropping one inside async code panics).

use super::ledger::StoreError;
use std::future::Future;
use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

/// The runtime's handle; dropping the last clone of `_stop` ends the thread, which
/// drops the runtime and with it every connection.
#[derive(Debug)]
pub(crate) struct Driver {
    handle: Handle,
    _stop: oneshot::Sender<()>,
}

impl Driver {
    pub(crate) fn start(name: &str) -> Result<Self, StoreError> {
        let failed = |e: std::io::Error| StoreError::new("start the PostgreSQL driver thread", e);
        let runtime = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(failed)?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                // Runs the connections' tasks until the store is dropped.
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })
            .map_err(failed)?;
        Ok(Self {
            handle,
            _stop: stop,
        })
    }

    /// Runs `work` on the driver and awaits it from any runtime. Dropping the
    /// returned future leaves `work` running to its end.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.handle.spawn(work).await.map_err(stopped)?
    }

    /// Runs `work` on the driver and waits for it, blocking this thread: for sync
    /// callers (from async code, use [`Driver::run`]).
    pub(crate) fn block<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(work.await);
        });
        rx.recv().map_err(stopped)?
    }
}

fn stopped(e: impl std::fmt::Display) -> StoreError {
    StoreError::new(
        "PostgreSQL driver",
        format!("the store's runtime stopped: {e}"),
    )
}
