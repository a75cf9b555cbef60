//! The run's tally of retried requests: every attempt the client answered with a retry (429 or 503
//! with `Retry-After`), what became of each retried request, and the time spent waiting. Shared by
//! every clone of the client, so requests no case records (generated bodies, setup, cleanup) count too.

use std::sync::Mutex;
use std::time::Duration;

use crate::report::model::RetrySummary;

/// Statuses the client retries: Graph documents both as transient, sent with `Retry-After`.
pub const RETRYABLE: [u16; 2] = [429, 503];

/// Whether an answer with `status` is one the client may send again.
pub fn is_retryable(status: Option<u16>) -> bool {
    status.is_some_and(|status| RETRYABLE.contains(&status))
}

/// Counts of retries, updated as requests are sent.
#[derive(Debug, Default)]
pub struct RetryLog {
    summary: Mutex<RetrySummary>,
}

impl RetryLog {
    /// Notes an attempt answered `status` that will be sent again after `wait`.
    pub fn retried(&self, status: u16, wait: Duration) {
        if let Ok(mut summary) = self.summary.lock() {
            summary.retried += 1;
            *summary.by_status.entry(status).or_default() += 1;
            summary.waited_ms += wait.as_millis() as u64;
        }
    }

    /// Notes the last attempt of a request: answered `status` after `retries` retries.
    pub fn finished(&self, status: Option<u16>, retries: usize) {
        let exhausted = is_retryable(status);
        if !exhausted && retries == 0 {
            return;
        }
        if let Ok(mut summary) = self.summary.lock() {
            if exhausted {
                summary.exhausted += 1;
            } else {
                summary.recovered += 1;
            }
        }
    }

    /// The counts so far.
    pub fn summary(&self) -> RetrySummary {
        self.summary
            .lock()
            .map(|summary| summary.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_retries_recoveries_and_exhausted_budgets() {
        let log = RetryLog::default();
        log.retried(503, Duration::from_millis(250));
        log.retried(429, Duration::from_secs(1));
        log.finished(Some(200), 2);
        log.retried(503, Duration::ZERO);
        log.finished(Some(503), 1);
        log.finished(Some(503), 0);
        log.finished(Some(500), 0);
        let summary = log.summary();
        assert_eq!(summary.retried, 3);
        assert_eq!(summary.by_status.get(&503), Some(&2));
        assert_eq!(summary.by_status.get(&429), Some(&1));
        assert_eq!((summary.recovered, summary.exhausted), (1, 2));
        assert_eq!(summary.waited_ms, 1250);
        assert_eq!(summary.statuses(), "429 x1, 503 x2");
    }
}
