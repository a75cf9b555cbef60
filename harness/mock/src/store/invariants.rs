//! The invariants every change keeps, checked over the whole store.

use hwoath_graph::TokenStatus;

use super::{InvariantViolation, MAX_METHODS_PER_USER, Store};
use crate::options::StatusAfterAssignTo;

impl Store {
    /// Checks the store's invariants: serials unique, ids unique, every assigned token has exactly
    /// one method and a user that exists, statuses match assignment (`available` while held only with
    /// [`StatusAfterAssignTo::Available`]), at most five methods per user, and the inventory's
    /// indexes agree with its records. It reads the whole inventory: a check for tests and start-up.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        self.inventory.indexes_agree().map_err(InvariantViolation)?;
        let mut serials = std::collections::HashSet::new();
        let mut ids = std::collections::HashSet::new();
        for device in self.devices() {
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
                TokenStatus::Assigned | TokenStatus::Activated | TokenStatus::FailedActivation => {
                    true
                }
                TokenStatus::Available => {
                    self.behaviour.status_after_assign_to == StatusAfterAssignTo::Available
                }
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
                    if self.fixture.users.iter().all(|u| &u.id != user) {
                        return Err(InvariantViolation(format!(
                            "token {} is assigned to unknown user {user}",
                            device.id
                        )));
                    }
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
        for user in &self.fixture.users {
            let held = self.methods_of(&user.id).count();
            if held > MAX_METHODS_PER_USER {
                return Err(InvariantViolation(format!(
                    "user {} holds {held} methods",
                    user.id
                )));
            }
        }
        Ok(())
    }
}
