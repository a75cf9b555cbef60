//! Errors of generator construction and time arithmetic.

/// Why a generator could not be built or a time could not be turned into a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OtpError {
    /// Codes have 6 to 9 digits (RFC 4226 §5.3 asks for at least 6; a 31-bit value has at most 10).
    #[error("{0} digits requested; codes have 6 to 9 digits")]
    Digits(u8),
    /// A TOTP period of zero seconds.
    #[error("the period must be at least one second")]
    ZeroPeriod,
    /// A key of zero bytes.
    #[error("the secret is empty")]
    EmptySecret,
    /// A time earlier than the TOTP epoch T0.
    #[error("time {time} is before the TOTP epoch T0 = {t0}")]
    BeforeEpoch {
        /// The time asked for, in Unix seconds.
        time: u64,
        /// The generator's T0, in Unix seconds.
        t0: u64,
    },
}
