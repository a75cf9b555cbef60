//! The invariants every change keeps, checked over a whole set of tokens: the store checks its
//! inventory with them, and a fixture its starting tokens.

use std::collections::{HashMap, HashSet};

use hwoath_graph::TokenStatus;

use crate::options::StatusAfterAssignTo;
use crate::records::DeviceRecord;

/// Most hardware OATH methods one user may hold (Entra's limit).
pub(crate) const MAX_METHODS_PER_USER: usize = 5;

/// An invariant the store broke (only a bug, or a state file that does not fit the directory, can
/// cause one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("store invariant violated: {0}")]
pub struct InvariantViolation(pub(crate) String);

/// Checks `devices` (in creation order) against the directory's `users` (object ids, in order):
/// serials unique, ids unique, every assigned token has exactly one method and a user that exists,
/// statuses match assignment (`available` while held only with [`StatusAfterAssignTo::Available`]),
/// and at most five methods per user.
pub(crate) fn check<'a>(
    devices: impl IntoIterator<Item = &'a DeviceRecord>,
    users: &[&str],
    status_after_assign_to: StatusAfterAssignTo,
) -> Result<(), InvariantViolation> {
    let mut serials = HashSet::new();
    let mut ids = HashSet::new();
    let mut held: HashMap<&str, usize> = HashMap::new();
    for device in devices {
        if !serials.insert(device.serial_number.as_str()) {
            return Err(InvariantViolation(format!(
                "serial {} appears twice",
                device.serial_number
            )));
        }
        if !ids.insert(device.id.to_ascii_lowercase()) {
            return Err(InvariantViolation(format!(
                "id {} appears twice",
                device.id
            )));
        }
        // A held token is `available` only right after a create with `assignTo` in the
        // `available` mode of that option.
        let assigned_status = match device.status {
            TokenStatus::Assigned | TokenStatus::Activated | TokenStatus::FailedActivation => true,
            TokenStatus::Available => status_after_assign_to == StatusAfterAssignTo::Available,
            _ => false,
        };
        match &device.assigned_to {
            Some(user) => {
                if device.method.is_none() {
                    return Err(InvariantViolation(format!(
                        "assigned token {} has no method",
                        device.id
                    )));
                }
                if !assigned_status {
                    return Err(InvariantViolation(format!(
                        "assigned token {} is {}",
                        device.id, device.status
                    )));
                }
                if !users.contains(&user.as_str()) {
                    return Err(InvariantViolation(format!(
                        "token {} is assigned to unknown user {user}",
                        device.id
                    )));
                }
                *held.entry(user.as_str()).or_default() += 1;
            }
            None => {
                if device.method.is_some() || device.status != TokenStatus::Available {
                    return Err(InvariantViolation(format!(
                        "unassigned token {} is {} or has a method",
                        device.id, device.status
                    )));
                }
            }
        }
        if !matches!(device.time_interval_in_seconds, 30 | 60) {
            return Err(InvariantViolation(format!(
                "token {} has interval {}",
                device.id, device.time_interval_in_seconds
            )));
        }
    }
    for user in users {
        let held = held.get(user).copied().unwrap_or(0);
        if held > MAX_METHODS_PER_USER {
            return Err(InvariantViolation(format!(
                "user {user} holds {held} methods"
            )));
        }
    }
    Ok(())
}
