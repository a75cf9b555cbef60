//! The activation throttle: at most N activation attempts per window per tenant (Graph documents 200 per 5 minutes).

use std::collections::VecDeque;

/// Limits and window of the activation throttle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleConfig {
    /// Activation attempts allowed inside one window.
    pub limit: u32,
    /// Window length in seconds.
    pub window_seconds: u32,
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
#[derive(Debug)]
pub struct ActivationThrottle {
    config: ThrottleConfig,
    hits: VecDeque<i64>,
}

impl ActivationThrottle {
    /// An empty throttle with the given limits.
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            hits: VecDeque::new(),
        }
    }

    /// Records one attempt at `now_millis`, or refuses it with the seconds to wait before retrying.
    pub fn try_acquire(&mut self, now_millis: i64) -> Result<(), f64> {
        let window = i64::from(self.config.window_seconds) * 1000;
        self.hits
            .retain(|&t| t > now_millis - window && t <= now_millis + window);
        if self.hits.len() < self.config.limit as usize {
            self.hits.push_back(now_millis);
            return Ok(());
        }
        let oldest = self.hits.iter().copied().min().unwrap_or(now_millis);
        let wait = (oldest + window - now_millis).clamp(1, window.max(1));
        Err(wait as f64 / 1000.0)
    }

    /// Forgets every recorded attempt.
    pub fn clear(&mut self) {
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
}
