//! The activation throttle: at most N activation attempts per window per tenant. The default, 200 per
//! 5 minutes, is the mock's decision: no public source gives a number (docs/spec.md, "Activation and
//! time drift").

use std::collections::VecDeque;

/// Limits and window of the activation throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ThrottleConfig {
    /// Activation attempts allowed inside one window.
    pub(crate) limit: u32,
    /// Window length in seconds.
    pub(crate) window_seconds: u32,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            limit: 200,
            window_seconds: 300,
        }
    }
}

/// A sliding-window counter of activation attempts, read against the tenant clock.
///
/// The attempts are kept sorted by time, so expiring old ones (and ones left in the future by a clock
/// set back) only looks at the ends: an attempt costs O(log n) however large the limit.
#[derive(Debug)]
pub(crate) struct ActivationThrottle {
    config: ThrottleConfig,
    hits: VecDeque<i64>,
}

impl ActivationThrottle {
    /// An empty throttle with the given limits.
    pub(crate) fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            hits: VecDeque::new(),
        }
    }

    /// Records one attempt at `now_millis`, or refuses it with the seconds to wait before retrying.
    ///
    /// Attempts inside `(now - window, now + window]` count against the limit.
    pub(crate) fn try_acquire(&mut self, now_millis: i64) -> Result<(), f64> {
        let window = i64::from(self.config.window_seconds) * 1000;
        while self.hits.front().is_some_and(|&t| t <= now_millis - window) {
            self.hits.pop_front();
        }
        while self.hits.back().is_some_and(|&t| t > now_millis + window) {
            self.hits.pop_back();
        }
        if self.hits.len() < self.config.limit as usize {
            let at = self.hits.partition_point(|&t| t <= now_millis);
            self.hits.insert(at, now_millis);
            return Ok(());
        }
        let oldest = self.hits.front().copied().unwrap_or(now_millis);
        let wait = (oldest + window - now_millis).clamp(1, window.max(1));
        Err(wait as f64 / 1000.0)
    }

    /// Forgets every recorded attempt.
    pub(crate) fn clear(&mut self) {
        self.hits.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_until_the_window_slides() {
        let mut throttle = ActivationThrottle::new(ThrottleConfig {
            limit: 2,
            window_seconds: 300,
        });
        assert!(throttle.try_acquire(0).is_ok());
        assert!(throttle.try_acquire(1000).is_ok());
        assert_eq!(throttle.try_acquire(100_000), Err(200.0));
        assert!(throttle.try_acquire(300_000).is_ok());
        throttle.clear();
        assert!(throttle.try_acquire(300_001).is_ok());
    }

    #[test]
    fn a_clock_set_back_keeps_the_attempts_inside_the_window() {
        let mut throttle = ActivationThrottle::new(ThrottleConfig {
            limit: 3,
            window_seconds: 10,
        });
        assert!(throttle.try_acquire(50_000).is_ok());
        assert!(throttle.try_acquire(45_000).is_ok(), "clock set back 5 s");
        assert!(throttle.try_acquire(47_000).is_ok());
        assert_eq!(
            throttle.try_acquire(48_000),
            Err(7.0),
            "the oldest is at 45 s"
        );
        // Set back by more than a window: the attempts "in the future" no longer count.
        assert!(throttle.try_acquire(20_000).is_ok());
        assert_eq!(throttle.hits, [20_000]);
        // Forward past the window: everything expires.
        assert!(throttle.try_acquire(100_000).is_ok());
        assert_eq!(throttle.hits, [100_000]);
    }

    #[test]
    fn a_large_limit_stays_cheap_and_exact() {
        let mut throttle = ActivationThrottle::new(ThrottleConfig {
            limit: 100_000,
            window_seconds: 300,
        });
        for _ in 0..100_000 {
            assert!(throttle.try_acquire(1_000).is_ok());
        }
        assert_eq!(throttle.try_acquire(1_000), Err(300.0));
        assert!(throttle.try_acquire(301_000).is_ok());
    }
}
