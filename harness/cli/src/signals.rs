//! Ctrl-C and SIGTERM during a run: the first asks the run to stop (it cancels what runs, cleans up
//! within a few seconds and writes its report); a second one exits at once with status 130, without
//! cleanup. Should the run still be going [`GRACE`] after the first (a target that hangs while the run
//! connects to it), the process exits then, saying so.

use std::future::Future;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::sync::oneshot;

/// Exit status of a run stopped by a signal (128 + SIGINT, as shells report Ctrl-C).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Longest a run may take to stop after the first signal before the process exits anyway.
pub const GRACE: Duration = Duration::from_secs(14);

/// Starts listening for Ctrl-C and SIGTERM (call inside the runtime). The returned future completes
/// on the first signal; a second signal ends the process at once.
pub fn install() -> Result<impl Future<Output = ()>> {
    let mut signals = Signals::new()?;
    let (first, first_received) = oneshot::channel();
    tokio::spawn(async move {
        signals.next().await;
        eprintln!(
            "interrupted: stopping, cleaning up and writing the report of what finished \
             (a second Ctrl-C or SIGTERM exits at once, without cleanup)"
        );
        let _ = first.send(());
        tokio::select! {
            () = signals.next() => eprintln!("interrupted again: exiting without cleanup"),
            () = tokio::time::sleep(GRACE) => eprintln!(
                "interrupted: the run did not stop within {} s; exiting without its report",
                GRACE.as_secs()
            ),
        }
        std::process::exit(i32::from(EXIT_INTERRUPTED));
    });
    Ok(async move {
        if first_received.await.is_err() {
            // The listener is gone without a signal: nothing will interrupt this run.
            std::future::pending::<()>().await;
        }
    })
}

/// The signals that interrupt a run, as one stream.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?,
            terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> Result<Self> {
        Ok(Self {})
    }

    /// Waits for the next signal.
    #[cfg(unix)]
    async fn next(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
