//! The mock's clock: wall time by default, settable (and freezable) through the test controls.

use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use hwoath_graph::Timestamp;

/// The tenant clock that TOTP verification, timestamps and the activation throttle read.
///
/// Bearer-token lifetimes deliberately follow the wall clock instead, so moving this clock (for example
/// to an RFC 6238 vector time) never invalidates the tokens a test already holds.
#[derive(Debug)]
pub(crate) struct Clock {
    state: Mutex<ClockState>,
}

#[derive(Debug, Clone, Copy)]
struct ClockState {
    /// Milliseconds since the Unix epoch at `anchor`.
    base_millis: i64,
    anchor: Instant,
    frozen: bool,
}

/// A reading of the clock as the controls API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClockReading {
    /// Seconds since the Unix epoch.
    pub unix: i64,
    /// Whether the clock stands still.
    pub frozen: bool,
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl Clock {
    /// A clock that follows the system time.
    pub(crate) fn system() -> Self {
        Self::starting_at_millis(wall_millis(), false)
    }

    /// A clock set to `unix` seconds, frozen there or running on from it.
    pub(crate) fn at(unix: i64, frozen: bool) -> Self {
        Self::starting_at_millis(unix.saturating_mul(1000), frozen)
    }

    fn starting_at_millis(base_millis: i64, frozen: bool) -> Self {
        Self {
            state: Mutex::new(ClockState {
                base_millis,
                anchor: Instant::now(),
                frozen,
            }),
        }
    }

    /// Milliseconds since the Unix epoch on this clock.
    pub(crate) fn now_millis(&self) -> i64 {
        let state = *self.lock();
        if state.frozen {
            state.base_millis
        } else {
            let elapsed = i64::try_from(state.anchor.elapsed().as_millis()).unwrap_or(i64::MAX);
            state.base_millis.saturating_add(elapsed)
        }
    }

    /// Whole seconds since the Unix epoch on this clock.
    pub(crate) fn now_unix(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// The current reading (seconds and frozen flag).
    pub(crate) fn reading(&self) -> ClockReading {
        ClockReading {
            unix: self.now_unix(),
            frozen: self.lock().frozen,
        }
    }

    /// Sets the clock to `unix` seconds; `frozen` keeps it there, otherwise it runs on from there.
    pub(crate) fn set(&self, unix: i64, frozen: bool) {
        let mut state = self.lock();
        state.base_millis = unix.saturating_mul(1000);
        state.anchor = Instant::now();
        state.frozen = frozen;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Milliseconds since the Unix epoch on the system clock.
pub(crate) fn wall_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Seconds since the Unix epoch on the system clock.
pub(crate) fn wall_unix() -> i64 {
    wall_millis().div_euclid(1000)
}

/// The system clock's time as a UTC timestamp (`2024-05-01T12:00:00Z`), for error answers.
pub(crate) fn wall_timestamp() -> Timestamp {
    Timestamp::from_unix_seconds(wall_unix())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_stands_still_and_can_be_moved() {
        let clock = Clock::at(59, true);
        assert_eq!(clock.now_unix(), 59);
        clock.set(1_111_111_109, true);
        assert_eq!(
            clock.reading(),
            ClockReading {
                unix: 1_111_111_109,
                frozen: true
            }
        );
    }

    #[test]
    fn running_clock_starts_where_it_was_set() {
        let clock = Clock::at(1000, false);
        let now = clock.now_unix();
        assert!((1000..1010).contains(&now));
        assert!(!clock.reading().frozen);
    }
}
