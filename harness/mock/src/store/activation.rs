//! Checking an activation's verification code: the activation window, the replay guard and the drift
//! found (docs/spec.md, "Activation and time drift").

use hwoath_graph::HashFunction;
use hwoath_otp::{Algorithm, Secret, Totp, Verifier, VerifyError};

use super::error::StoreError;
use crate::records::DeviceRecord;

/// Steps either side of the current one an activation code may belong to: Entra accepts ±1 day for
/// 30-second tokens and ±2 days for 60-second tokens at activation, 2880 steps either way (documented:
/// Microsoft Entra, "OATH tokens authentication method", section "Time drift correction").
pub const ACTIVATION_WINDOW_STEPS: u64 = 2880;

/// A code accepted at activation: its step and how far it lies from the tenant clock's step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Accepted {
    /// The TOTP step the code belongs to.
    pub(crate) step: u64,
    /// `step` minus the current step (negative: the token runs behind the tenant clock).
    pub(crate) drift_steps: i64,
}

/// Checks `code` against `device` at `now_millis` (tenant clock) within ±[`ACTIVATION_WINDOW_STEPS`].
///
/// A step at or below the token's last accepted one is refused (RFC 6238 §5.2; the mock's decision:
/// Entra's docs do not say), so one code never activates twice, also across reassignments.
pub(crate) fn verify(
    device: &DeviceRecord,
    code: &str,
    now_millis: i64,
) -> Result<Accepted, StoreError> {
    let secret = Secret::from_base32(device.secret_key.expose())
        .map_err(|_| StoreError::Invalid("The token's secret key cannot be used.".into()))?;
    let algorithm = match device.hash_function {
        HashFunction::Hmacsha256 => Algorithm::Sha256,
        _ => Algorithm::Sha1,
    };
    let period = u64::try_from(device.time_interval_in_seconds).unwrap_or(30);
    let totp = Totp::new(&secret, algorithm, 6, period)
        .map_err(|_| StoreError::Invalid("The token's settings cannot be used.".into()))?;
    let unix = u64::try_from(now_millis.div_euclid(1000)).unwrap_or(0);
    let current = totp
        .step_at(unix)
        .map_err(|_| StoreError::Invalid("The tenant clock is out of range.".into()))?;
    let step = Verifier::new(totp, ACTIVATION_WINDOW_STEPS)
        .with_last_accepted(device.last_accepted_step)
        .verify(code, unix)
        .map_err(|err| match err {
            VerifyError::Malformed { .. } => {
                StoreError::Invalid("verificationCode must be a string of 6 digits.".into())
            }
            _ => StoreError::WrongCode,
        })?;
    let drift_steps = i64::try_from(i128::from(step) - i128::from(current)).unwrap_or(0);
    Ok(Accepted { step, drift_steps })
}
