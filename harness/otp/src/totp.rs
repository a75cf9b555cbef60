//! TOTP (RFC 6238): HOTP over the count of periods since T0.

use crate::{Algorithm, Code, Hotp, OtpError, Secret};

/// A keyed TOTP generator with its period and epoch T0.
#[derive(Debug, Clone)]
pub struct Totp {
    hotp: Hotp,
    period: u64,
    t0: u64,
}

impl Totp {
    /// Keys a generator with T0 = 0; `period` is in seconds and must be positive.
    pub fn new(
        secret: &Secret,
        algorithm: Algorithm,
        digits: u8,
        period: u64,
    ) -> Result<Self, OtpError> {
        if period == 0 {
            return Err(OtpError::ZeroPeriod);
        }
        Ok(Self {
            hotp: Hotp::new(secret, algorithm, digits)?,
            period,
            t0: 0,
        })
    }

    /// The same generator counting from epoch `t0` (Unix seconds).
    pub fn with_t0(mut self, t0: u64) -> Self {
        self.t0 = t0;
        self
    }

    /// The time step holding `unix` (RFC 6238 §4.2), 64-bit so the year-2603 vector works.
    pub fn step_at(&self, unix: u64) -> Result<u64, OtpError> {
        unix.checked_sub(self.t0)
            .map(|elapsed| elapsed / self.period)
            .ok_or(OtpError::BeforeEpoch {
                time: unix,
                t0: self.t0,
            })
    }

    /// The code valid at `unix`.
    pub fn generate_at(&self, unix: u64) -> Result<Code, OtpError> {
        Ok(self.hotp.generate(self.step_at(unix)?))
    }

    /// The code of time step `step`.
    #[inline]
    pub fn generate_step(&self, step: u64) -> Code {
        self.hotp.generate(step)
    }

    /// How many seconds, counting `unix` itself, the code of `unix` stays valid.
    pub fn remaining_at(&self, unix: u64) -> Result<u64, OtpError> {
        self.step_at(unix)?;
        Ok(self.period - (unix - self.t0) % self.period)
    }

    /// The period in seconds.
    pub fn period(&self) -> u64 {
        self.period
    }

    /// The epoch T0 in Unix seconds.
    pub fn t0(&self) -> u64 {
        self.t0
    }

    /// The underlying HOTP generator.
    pub fn hotp(&self) -> &Hotp {
        &self.hotp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totp() -> Totp {
        Totp::new(
            &Secret::from_bytes(b"12345678901234567890".to_vec()),
            Algorithm::Sha1,
            6,
            30,
        )
        .unwrap()
    }

    #[test]
    fn time_before_t0_is_an_error_not_an_underflow() {
        let totp = totp().with_t0(100);
        assert_eq!(
            totp.step_at(99),
            Err(OtpError::BeforeEpoch { time: 99, t0: 100 })
        );
        assert_eq!(totp.step_at(100), Ok(0));
        assert_eq!(totp.step_at(130), Ok(1));
        assert!(totp.generate_at(0).is_err());
        assert!(totp.remaining_at(0).is_err());
    }

    #[test]
    fn remaining_counts_down_within_a_period() {
        let totp = totp();
        assert_eq!(totp.remaining_at(0), Ok(30));
        assert_eq!(totp.remaining_at(29), Ok(1));
        assert_eq!(totp.remaining_at(59), Ok(1));
        assert_eq!(totp.remaining_at(60), Ok(30));
    }

    #[test]
    fn zero_period_is_refused() {
        let secret = Secret::from_bytes(b"k".to_vec());
        assert_eq!(
            Totp::new(&secret, Algorithm::Sha1, 6, 0).unwrap_err(),
            OtpError::ZeroPeriod
        );
    }

    #[test]
    fn the_largest_time_has_a_step() {
        let totp = totp();
        assert_eq!(totp.step_at(u64::MAX), Ok(u64::MAX / 30));
        assert!(totp.generate_at(u64::MAX).is_ok());
    }
}
