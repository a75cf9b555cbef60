//! The mock's clock: wall time by default, settable (and freezable) through the test controls.

use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The tenant clock that TOTP verification, timestamps and the activation throttle read.
///
/// Bearer-token lifetimes deliberately follow the wall clock instead, so moving this clock (for example
/// to an RFC 6238 vector time) never invalidates the tokens a test already holds.
#[derive(Debug)]
pub struct Clock {
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
    pub fn system() -> Self {
        Self::starting_at_millis(wall_millis(), false)
    }

    /// A clock set to `unix` seconds, frozen there or running on from it.
    pub fn at(unix: i64, frozen: bool) -> Self {
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
    pub fn now_millis(&self) -> i64 {
        let state = *self.lock();
        if state.frozen {
            state.base_millis
        } else {
            let elapsed = i64::try_from(state.anchor.elapsed().as_millis()).unwrap_or(i64::MAX);
            state.base_millis.saturating_add(elapsed)
        }
    }

    /// Whole seconds since the Unix epoch on this clock.
    pub fn now_unix(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// The current reading (seconds and frozen flag).
    pub fn reading(&self) -> ClockReading {
        ClockReading {
            unix: self.now_unix(),
            frozen: self.lock().frozen,
        }
    }

    /// Sets the clock to `unix` seconds; `frozen` keeps it there, otherwise it runs on from there.
    pub fn set(&self, unix: i64, frozen: bool) {
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
pub fn wall_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Seconds since the Unix epoch on the system clock.
pub fn wall_unix() -> i64 {
    wall_millis().div_euclid(1000)
}

/// Formats milliseconds since the Unix epoch as an ISO 8601 UTC timestamp (`2024-05-01T12:00:00Z`).
pub fn format_timestamp(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil conversion (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
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

    #[test]
    fn timestamps_format_as_utc() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_timestamp(59_000), "1970-01-01T00:00:59Z");
        assert_eq!(format_timestamp(1_111_111_109_000), "2005-03-18T01:58:29Z");
        assert_eq!(format_timestamp(20_000_000_000_000), "2603-10-11T11:33:20Z");
        assert_eq!(format_timestamp(951_782_400_000), "2000-02-29T00:00:00Z");
    }
}
