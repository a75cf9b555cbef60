//! Stopping a run early: why it stops (a signal, `--max-time`, `--fail-fast`) and the signal the
//! runner and running cases share. A stop keeps new cases from starting; a signal or the time limit
//! also cancels the cases running.

use std::fmt::{self, Display, Formatter};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::wording;

/// Why a run stops before every selected case ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// The run reached its time limit (`--max-time`).
    MaxTime(Duration),
    /// `--fail-fast`: this case failed or could not be carried out.
    FailFast(String),
}

impl Display for StopReason {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Interrupted => f.write_str("the run was interrupted (Ctrl-C or SIGTERM)"),
            StopReason::MaxTime(limit) => {
                write!(
                    f,
                    "the run reached --max-time {}",
                    wording::duration(*limit)
                )
            }
            StopReason::FailFast(case) => write!(f, "--fail-fast: {case} did not pass"),
        }
    }
}

impl StopReason {
    /// Whether cases already running are cancelled too (a signal or the time limit), not only kept
    /// from starting (`--fail-fast`).
    pub fn cancels_running(&self) -> bool {
        !matches!(self, StopReason::FailFast(_))
    }

    /// The reason a case that never started is skipped with.
    pub fn not_started(&self) -> String {
        format!("not started: {self}")
    }

    /// The reason a case cancelled after running for `ran` ends as an error with.
    pub fn cancelled(&self, ran: Duration) -> String {
        format!("cancelled after {}: {self}", wording::duration(ran))
    }
}

/// The stop signal of one run; clones share it.
#[derive(Debug, Clone)]
pub struct Stop {
    reason: Arc<watch::Sender<Option<StopReason>>>,
}

impl Default for Stop {
    fn default() -> Self {
        Self {
            reason: Arc::new(watch::channel(None).0),
        }
    }
}

impl Stop {
    /// A signal not given yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops the run for `reason`. The first reason stays, except that a reason which cancels
    /// running cases replaces one that does not (Ctrl-C after `--fail-fast` still cancels).
    pub fn stop(&self, reason: StopReason) {
        self.reason.send_if_modified(|current| match current {
            Some(old) if old.cancels_running() || !reason.cancels_running() => false,
            _ => {
                *current = Some(reason);
                true
            }
        });
    }

    /// Why the run stops, once it does.
    pub fn reason(&self) -> Option<StopReason> {
        self.reason.borrow().clone()
    }

    /// Completes when running cases must be cancelled, with the reason.
    pub async fn cancelled(&self) -> StopReason {
        let mut receiver = self.reason.subscribe();
        let cancels =
            |reason: &Option<StopReason>| reason.as_ref().is_some_and(StopReason::cancels_running);
        let reason = receiver
            .wait_for(cancels)
            .await
            .map(|reason| reason.clone());
        match reason {
            Ok(reason) => reason.unwrap_or(StopReason::Interrupted),
            // The sender lives as long as `self`: this cannot happen while we hold it.
            Err(_) => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_signal_after_fail_fast_cancels_running_cases() {
        let stop = Stop::new();
        assert_eq!(stop.reason(), None);
        stop.stop(StopReason::FailFast("validation/x".into()));
        let waiting = tokio::time::timeout(Duration::from_millis(20), stop.cancelled()).await;
        assert!(waiting.is_err(), "--fail-fast lets running cases finish");
        stop.stop(StopReason::Interrupted);
        assert_eq!(stop.cancelled().await, StopReason::Interrupted);
        stop.stop(StopReason::MaxTime(Duration::from_secs(5)));
        assert_eq!(
            stop.reason(),
            Some(StopReason::Interrupted),
            "the first cancel stays"
        );
    }

    #[test]
    fn reasons_read_for_people() {
        let limit = StopReason::MaxTime(Duration::from_secs(5));
        assert_eq!(
            limit.not_started(),
            "not started: the run reached --max-time 5 s"
        );
        assert_eq!(
            limit.cancelled(Duration::from_millis(1500)),
            "cancelled after 1.5 s: the run reached --max-time 5 s"
        );
    }
}
