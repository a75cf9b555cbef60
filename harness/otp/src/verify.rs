//! Verification of submitted codes: a window of steps either side, constant-time comparison and a
//! replay guard (RFC 6238 §5.2).

use subtle::ConstantTimeEq;

use crate::{Code, OtpError, Totp};

/// Why a submitted code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// Not exactly the generator's number of ASCII digits.
    #[error("the code is not {digits} digits")]
    Malformed {
        /// The digit count the generator expects.
        digits: u8,
    },
    /// No step in the window has this code.
    #[error("the code matches no time step in the window")]
    Mismatch,
    /// The code belongs to a step at or below the last accepted one.
    #[error("the code of step {step} was already used or is older than the last accepted step")]
    Replayed {
        /// The step the code belongs to.
        step: u64,
    },
    /// The verification time could not be turned into a step.
    #[error(transparent)]
    Time(#[from] OtpError),
}

/// The steps of the window `current ± window` (clamped to the u64 range), nearest to `current` first:
/// `current, current - 1, current + 1, current - 2, ...`.
fn nearest_first(current: u64, window: u64) -> impl Iterator<Item = u64> {
    std::iter::once(current).chain((1..=window).flat_map(move |distance| {
        let behind = current.checked_sub(distance);
        let ahead = current.checked_add(distance);
        behind.into_iter().chain(ahead)
    }))
}

/// Checks codes against a TOTP generator with a window of ±`window` steps and a replay guard.
#[derive(Debug, Clone)]
pub struct Verifier {
    totp: Totp,
    window: u64,
    last_accepted: Option<u64>,
}

impl Verifier {
    /// A verifier accepting the current step and `window` steps either side, nothing accepted yet.
    pub fn new(totp: Totp, window: u64) -> Self {
        Self {
            totp,
            window,
            last_accepted: None,
        }
    }

    /// The same verifier remembering `step` as the last accepted one (for state kept between requests).
    pub fn with_last_accepted(mut self, step: Option<u64>) -> Self {
        self.last_accepted = step;
        self
    }

    /// The last step accepted, if any.
    pub fn last_accepted(&self) -> Option<u64> {
        self.last_accepted
    }

    /// The generator codes are checked against.
    pub fn totp(&self) -> &Totp {
        &self.totp
    }

    /// Checks `code` at `unix` without recording it; returns the matched step.
    ///
    /// Steps are tried nearest to the current one first (`t, t-1, t+1, ...`), each compared in constant
    /// time, and the first one not yet used wins. A wrong code always costs the whole window, so its
    /// timing says nothing about how close it came; a right code returns at its step, which tells an
    /// observer only which step of the window the (already valid) code belonged to.
    pub fn check(&self, code: &str, unix: u64) -> Result<u64, VerifyError> {
        let digits = self.totp.hotp().digits();
        let submitted = Code::parse(code, digits).ok_or(VerifyError::Malformed { digits })?;
        let current = self.totp.step_at(unix)?;
        let floor = self.last_accepted;
        let mut used_step = None;
        for step in nearest_first(current, self.window) {
            let matches = self
                .totp
                .generate_step(step)
                .value()
                .ct_eq(&submitted.value());
            if bool::from(matches) {
                if floor.is_none_or(|floor| step > floor) {
                    return Ok(step);
                }
                used_step.get_or_insert(step);
            }
        }
        match used_step {
            Some(step) => Err(VerifyError::Replayed { step }),
            None => Err(VerifyError::Mismatch),
        }
    }

    /// Checks `code` at `unix` and, when accepted, records its step so it and older steps are refused.
    pub fn verify(&mut self, code: &str, unix: u64) -> Result<u64, VerifyError> {
        let step = self.check(code, unix)?;
        self.last_accepted = Some(step);
        Ok(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Algorithm, Secret};

    fn verifier(window: u64) -> Verifier {
        let secret = Secret::from_bytes(b"12345678901234567890".to_vec());
        Verifier::new(Totp::new(&secret, Algorithm::Sha1, 6, 30).unwrap(), window)
    }

    #[test]
    fn accepts_the_window_and_refuses_beyond_it() {
        let verifier = verifier(1);
        let totp = verifier.totp().clone();
        let now = 1_111_111_111;
        let step = totp.step_at(now).unwrap();
        for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let target = step.checked_add_signed(offset).unwrap();
            let code = totp.generate_step(target).to_string();
            let result = verifier.check(&code, now);
            if accepted {
                assert_eq!(result, Ok(target), "offset {offset}");
            } else {
                assert!(result.is_err(), "offset {offset} should be refused");
            }
        }
    }

    #[test]
    fn replayed_and_older_steps_are_refused() {
        let mut verifier = verifier(1);
        let now = 1_234_567_890;
        let step = verifier.totp().step_at(now).unwrap();
        let code = verifier.totp().generate_step(step).to_string();
        assert_eq!(verifier.verify(&code, now), Ok(step));
        assert_eq!(
            verifier.verify(&code, now),
            Err(VerifyError::Replayed { step })
        );
        let older = verifier.totp().generate_step(step - 1).to_string();
        assert_eq!(
            verifier.verify(&older, now),
            Err(VerifyError::Replayed { step: step - 1 })
        );
        let newer = verifier.totp().generate_step(step + 1).to_string();
        assert_eq!(verifier.verify(&newer, now), Ok(step + 1));
    }

    #[test]
    fn malformed_codes_are_named_as_such() {
        let verifier = verifier(1);
        for code in ["", "12345", "1234567", "12345a", " 23456"] {
            assert_eq!(
                verifier.check(code, 59),
                Err(VerifyError::Malformed { digits: 6 })
            );
        }
    }

    #[test]
    fn every_window_width_accepts_exactly_its_steps() {
        let secret = Secret::from_bytes(b"12345678901234567890".to_vec());
        let totp = Totp::new(&secret, Algorithm::Sha1, 8, 30).unwrap();
        let now = 2_000_000_000;
        let step = totp.step_at(now).unwrap();
        for window in 0..=7u64 {
            let verifier = Verifier::new(totp.clone(), window);
            for offset in -9i64..=9 {
                let target = step.checked_add_signed(offset).unwrap();
                let code = totp.generate_step(target).to_string();
                let inside = offset.unsigned_abs() <= window;
                let result = verifier.check(&code, now);
                assert_eq!(result.is_ok(), inside, "window {window}, offset {offset}");
                if inside {
                    assert_eq!(result, Ok(target), "window {window}, offset {offset}");
                }
            }
        }
    }

    #[test]
    fn the_window_stops_at_the_largest_step() {
        let verifier = verifier(2);
        let last = u64::MAX / 30;
        let code = verifier.totp().generate_step(last).to_string();
        assert_eq!(verifier.check(&code, u64::MAX), Ok(last));
    }

    #[test]
    fn the_window_stops_at_step_zero() {
        let verifier = verifier(3);
        let code = verifier.totp().generate_step(0).to_string();
        assert_eq!(verifier.check(&code, 0), Ok(0));
    }
}

#[cfg(test)]
mod order_tests {
    use super::nearest_first;

    #[test]
    fn steps_come_nearest_first_and_stay_in_range() {
        assert_eq!(nearest_first(10, 2).collect::<Vec<_>>(), [10, 9, 11, 8, 12]);
        assert_eq!(nearest_first(0, 2).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(
            nearest_first(u64::MAX, 1).collect::<Vec<_>>(),
            [u64::MAX, u64::MAX - 1]
        );
        assert_eq!(nearest_first(5, 0).collect::<Vec<_>>(), [5]);
    }
}
