//! The tenant's state: the token inventory and each user's hardware OATH methods, with the
//! invariants every change keeps (see [`Store::check_invariants`]).

use hwoath_graph::{Device, HashFunction, Identity, Method, SecretText, Timestamp, TokenStatus};
use hwoath_otp::{Algorithm, Secret, Totp, Verifier, VerifyError};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::fixture::{Fixture, User};

/// Most hardware OATH methods one user may hold (Entra's limit).
pub const MAX_METHODS_PER_USER: usize = 5;

/// One inventory token as the tenant stores it, secret included (never returned on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceRecord {
    /// Token id (also the id of its method when assigned).
    pub id: String,
    /// Optional name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Serial number, unique in the tenant.
    pub serial_number: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// The Base32 seed as received.
    pub secret_key: SecretText,
    /// 30 or 60.
    pub time_interval_in_seconds: i32,
    /// HMAC of the codes.
    pub hash_function: HashFunction,
    /// Lifecycle status.
    pub status: TokenStatus,
    /// Last successful activation (Unix milliseconds).
    #[serde(default)]
    pub last_used_millis: Option<i64>,
    /// Object id of the user holding the token.
    #[serde(default)]
    pub assigned_to: Option<String>,
    /// The user's method for this token, present exactly when assigned.
    #[serde(default)]
    pub method: Option<MethodRecord>,
    /// The last TOTP step accepted for this token (replay guard).
    #[serde(default)]
    pub last_accepted_step: Option<u64>,
}

/// The per-user method of an assigned token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MethodRecord {
    /// When the token was assigned (Unix milliseconds).
    pub created_millis: i64,
}

/// A validated create request.
#[derive(Debug, Clone)]
pub struct NewDevice {
    /// Optional name.
    pub display_name: Option<String>,
    /// Serial number.
    pub serial_number: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// Base32 seed.
    pub secret_key: SecretText,
    /// 30 or 60.
    pub time_interval_in_seconds: i32,
    /// HMAC of the codes.
    pub hash_function: HashFunction,
    /// Assign at once to this user (id or UPN).
    pub assign_to: Option<String>,
}

/// A validated update: `Some` replaces the property (`display_name: Some(None)` clears it).
#[derive(Debug, Clone, Default)]
pub struct DevicePatch {
    /// New name.
    pub display_name: Option<Option<String>>,
    /// New manufacturer.
    pub manufacturer: Option<String>,
    /// New model.
    pub model: Option<String>,
    /// New interval.
    pub time_interval_in_seconds: Option<i32>,
    /// New hash function.
    pub hash_function: Option<HashFunction>,
}

/// Why a store operation was refused; each maps to one Graph error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A named resource does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// The resource's state forbids the change, or a serial is taken (409).
    #[error("{0}")]
    Conflict(String),
    /// The request is well-formed but not allowed (400).
    #[error("{0}")]
    Invalid(String),
    /// The verification code is wrong or replayed (400; the token records `failedActivation`).
    #[error("The verification code is invalid or has already been used.")]
    WrongCode,
}

/// An invariant the store broke (only a bug can cause one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("store invariant violated: {0}")]
pub struct InvariantViolation(pub String);

/// How assign-and-activate names its token.
#[derive(Debug, Clone, Copy)]
pub enum DeviceSelector<'a> {
    /// By token id.
    Id(&'a str),
    /// By serial number.
    Serial(&'a str),
}

/// The tenant: directory (from the fixture) plus the mutable inventory.
#[derive(Debug, Clone)]
pub struct Store {
    fixture: Fixture,
    devices: Vec<DeviceRecord>,
    /// Position of each token by lower-case id, and by serial number, kept in step with `devices`.
    by_id: HashMap<String, usize>,
    by_serial: HashMap<String, usize>,
}

/// What the state file holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersistedState {
    /// Format version (1).
    pub version: u32,
    /// Every inventory token, secrets included.
    pub devices: Vec<DeviceRecord>,
}

impl Store {
    /// A store holding the fixture's directory and devices.
    pub fn new(fixture: Fixture) -> Self {
        let devices = fixture.devices.clone();
        let mut store = Self {
            fixture,
            devices,
            by_id: HashMap::new(),
            by_serial: HashMap::new(),
        };
        store.reindex();
        store
    }

    /// Rebuilds the id and serial indexes from `devices`.
    fn reindex(&mut self) {
        self.by_id = self
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.to_ascii_lowercase(), i))
            .collect();
        self.by_serial = self
            .devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.serial_number.clone(), i))
            .collect();
    }

    /// The directory this store was built from.
    pub fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    /// Puts the inventory back to the fixture's devices.
    pub fn reset(&mut self) {
        self.devices = self.fixture.devices.clone();
        self.reindex();
    }

    /// Replaces the inventory with a persisted one, refusing it if it breaks an invariant.
    pub fn restore(&mut self, state: PersistedState) -> Result<(), InvariantViolation> {
        let mut candidate = self.clone();
        candidate.devices = state.devices;
        candidate.reindex();
        candidate.check_invariants()?;
        *self = candidate;
        Ok(())
    }

    /// The inventory as the state file stores it.
    pub fn snapshot(&self) -> PersistedState {
        PersistedState {
            version: 1,
            devices: self.devices.clone(),
        }
    }

    /// The user whose id or UPN is `key`.
    pub fn user(&self, key: &str) -> Option<&User> {
        self.fixture.user(key)
    }

    /// Every inventory token in creation order.
    pub fn devices(&self) -> &[DeviceRecord] {
        &self.devices
    }

    /// The token with this id.
    pub fn device(&self, id: &str) -> Option<&DeviceRecord> {
        self.by_id
            .get(&id.to_ascii_lowercase())
            .map(|&index| &self.devices[index])
    }

    fn device_index(&self, id: &str) -> Result<usize, StoreError> {
        self.by_id
            .get(&id.to_ascii_lowercase())
            .copied()
            .ok_or_else(|| {
                StoreError::NotFound(format!("Hardware OATH token '{id}' was not found."))
            })
    }

    /// The tokens assigned to `user_id`, in creation order.
    pub fn methods_of<'a>(
        &'a self,
        user_id: &'a str,
    ) -> impl Iterator<Item = &'a DeviceRecord> + 'a {
        self.devices
            .iter()
            .filter(move |d| d.assigned_to.as_deref() == Some(user_id))
    }

    fn method_index(&self, user_id: &str, method_id: &str) -> Result<usize, StoreError> {
        self.by_id
            .get(&method_id.to_ascii_lowercase())
            .copied()
            .filter(|&index| self.devices[index].assigned_to.as_deref() == Some(user_id))
            .ok_or_else(|| {
                StoreError::NotFound(format!(
                    "Hardware OATH method '{method_id}' was not found for the user."
                ))
            })
    }

    fn resolve_user(&self, key: &str) -> Result<User, StoreError> {
        self.user(key)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(format!("User '{key}' does not exist.")))
    }

    fn check_method_room(&self, user_id: &str) -> Result<(), StoreError> {
        if self.methods_of(user_id).count() >= MAX_METHODS_PER_USER {
            return Err(StoreError::Invalid(format!(
                "The user already holds {MAX_METHODS_PER_USER} hardware OATH methods."
            )));
        }
        Ok(())
    }

    /// Adds a token (assigned at once when `assign_to` is set) and returns it.
    pub fn create_device(
        &mut self,
        new: NewDevice,
        now_millis: i64,
    ) -> Result<&DeviceRecord, StoreError> {
        if self.by_serial.contains_key(&new.serial_number) {
            return Err(StoreError::Conflict(format!(
                "A hardware OATH token with serial number '{}' already exists.",
                new.serial_number
            )));
        }
        let assignee = match new.assign_to.as_deref() {
            Some(key) => {
                let user = self.resolve_user(key)?;
                self.check_method_room(&user.id)?;
                Some(user.id)
            }
            None => None,
        };
        let record = DeviceRecord {
            id: uuid::Uuid::new_v4().to_string(),
            display_name: new.display_name,
            serial_number: new.serial_number,
            manufacturer: new.manufacturer,
            model: new.model,
            secret_key: new.secret_key,
            time_interval_in_seconds: new.time_interval_in_seconds,
            hash_function: new.hash_function,
            status: if assignee.is_some() {
                TokenStatus::Assigned
            } else {
                TokenStatus::Available
            },
            last_used_millis: None,
            method: assignee.as_ref().map(|_| MethodRecord {
                created_millis: now_millis,
            }),
            assigned_to: assignee,
            last_accepted_step: None,
        };
        self.by_id
            .insert(record.id.to_ascii_lowercase(), self.devices.len());
        self.by_serial
            .insert(record.serial_number.clone(), self.devices.len());
        self.devices.push(record);
        Ok(self.devices.last().expect("just pushed"))
    }

    /// Changes an unassigned token's mutable properties.
    pub fn update_device(&mut self, id: &str, patch: DevicePatch) -> Result<(), StoreError> {
        let index = self.device_index(id)?;
        let device = &mut self.devices[index];
        if device.assigned_to.is_some() {
            return Err(StoreError::Conflict(
                "The hardware OATH token is assigned to a user; unassign it before updating it."
                    .into(),
            ));
        }
        if let Some(name) = patch.display_name {
            device.display_name = name;
        }
        if let Some(manufacturer) = patch.manufacturer {
            device.manufacturer = manufacturer;
        }
        if let Some(model) = patch.model {
            device.model = model;
        }
        if let Some(interval) = patch.time_interval_in_seconds {
            device.time_interval_in_seconds = interval;
        }
        if let Some(hash) = patch.hash_function {
            device.hash_function = hash;
        }
        Ok(())
    }

    /// Removes an unassigned token.
    pub fn delete_device(&mut self, id: &str) -> Result<(), StoreError> {
        let index = self.device_index(id)?;
        if self.devices[index].assigned_to.is_some() {
            return Err(StoreError::Conflict(
                "The hardware OATH token is assigned to a user; unassign it before deleting it."
                    .into(),
            ));
        }
        self.devices.remove(index);
        self.reindex();
        Ok(())
    }

    /// Assigns an available token to `user_id` and returns it.
    pub fn assign(
        &mut self,
        user_id: &str,
        device_id: &str,
        now_millis: i64,
    ) -> Result<&DeviceRecord, StoreError> {
        let index = self.device_index(device_id)?;
        self.assign_at(index, user_id, now_millis)?;
        Ok(&self.devices[index])
    }

    fn assign_at(
        &mut self,
        index: usize,
        user_id: &str,
        now_millis: i64,
    ) -> Result<(), StoreError> {
        if self.devices[index].assigned_to.is_some() {
            return Err(StoreError::Conflict(
                "The hardware OATH token is already assigned to a user.".into(),
            ));
        }
        self.check_method_room(user_id)?;
        let device = &mut self.devices[index];
        device.assigned_to = Some(user_id.to_owned());
        device.method = Some(MethodRecord {
            created_millis: now_millis,
        });
        device.status = TokenStatus::Assigned;
        Ok(())
    }

    /// Removes `user_id`'s method; the token returns to the inventory as `available`.
    pub fn unassign(&mut self, user_id: &str, method_id: &str) -> Result<(), StoreError> {
        let index = self.method_index(user_id, method_id)?;
        let device = &mut self.devices[index];
        device.assigned_to = None;
        device.method = None;
        device.status = TokenStatus::Available;
        Ok(())
    }

    /// Verifies `code` against `user_id`'s method and activates it; a wrong or replayed code leaves the
    /// token in `failedActivation` (an already activated token keeps its status).
    pub fn activate(
        &mut self,
        user_id: &str,
        method_id: &str,
        code: &str,
        display_name: Option<String>,
        now_millis: i64,
    ) -> Result<(), StoreError> {
        let index = self.method_index(user_id, method_id)?;
        let device = &mut self.devices[index];
        match verify_code(device, code, now_millis) {
            Ok(step) => {
                device.last_accepted_step = Some(step);
                device.status = TokenStatus::Activated;
                device.last_used_millis = Some(now_millis);
                if display_name.is_some() {
                    device.display_name = display_name;
                }
                Ok(())
            }
            Err(err) => {
                if err == StoreError::WrongCode && device.status != TokenStatus::Activated {
                    device.status = TokenStatus::FailedActivation;
                }
                Err(err)
            }
        }
    }

    /// Returns `user_id`'s activated method to `assigned`.
    pub fn deactivate(&mut self, user_id: &str, method_id: &str) -> Result<(), StoreError> {
        let index = self.method_index(user_id, method_id)?;
        self.devices[index].status = TokenStatus::Assigned;
        Ok(())
    }

    /// Assigns and activates in one step; a wrong code changes nothing (the token stays unassigned).
    pub fn assign_and_activate(
        &mut self,
        user_id: &str,
        selector: DeviceSelector<'_>,
        code: &str,
        display_name: Option<String>,
        now_millis: i64,
    ) -> Result<(), StoreError> {
        let index = match selector {
            DeviceSelector::Id(id) => self.device_index(id)?,
            DeviceSelector::Serial(serial) => {
                self.by_serial.get(serial).copied().ok_or_else(|| {
                    StoreError::NotFound(format!(
                        "No hardware OATH token has serial number '{serial}'."
                    ))
                })?
            }
        };
        let already_mine = self.devices[index].assigned_to.as_deref() == Some(user_id);
        if !already_mine {
            if self.devices[index].assigned_to.is_some() {
                return Err(StoreError::Conflict(
                    "The hardware OATH token is already assigned to a user.".into(),
                ));
            }
            self.check_method_room(user_id)?;
        }
        let step = verify_code(&self.devices[index], code, now_millis)?;
        if !already_mine {
            self.assign_at(index, user_id, now_millis)?;
        }
        let device = &mut self.devices[index];
        device.last_accepted_step = Some(step);
        device.status = TokenStatus::Activated;
        device.last_used_millis = Some(now_millis);
        if display_name.is_some() {
            device.display_name = display_name;
        }
        Ok(())
    }

    /// Checks the store's invariants: serials unique, ids unique, every assigned token has exactly
    /// one method and a user that exists, statuses match assignment, at most five methods per user.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        let mut serials = std::collections::HashSet::new();
        let mut ids = std::collections::HashSet::new();
        for device in &self.devices {
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
            let assigned_status = matches!(
                device.status,
                TokenStatus::Assigned | TokenStatus::Activated | TokenStatus::FailedActivation
            );
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

    /// The wire form of a token (`secretKey` null, `assignedTo` resolved to the user's name).
    pub fn device_wire(&self, device: &DeviceRecord) -> Device {
        Device {
            id: device.id.clone(),
            display_name: device.display_name.clone(),
            serial_number: device.serial_number.clone(),
            manufacturer: device.manufacturer.clone(),
            model: device.model.clone(),
            time_interval_in_seconds: device.time_interval_in_seconds,
            hash_function: Some(device.hash_function),
            status: Some(device.status),
            last_used_date_time: device.last_used_millis.map(timestamp),
            assigned_to: device.assigned_to.as_ref().map(|id| Identity {
                id: id.clone(),
                display_name: self.user(id).map(|u| u.display_name.clone()),
            }),
        }
    }

    /// The wire form of an assigned token's method, with the device expanded.
    pub fn method_wire(&self, device: &DeviceRecord) -> Method {
        Method {
            id: device.id.clone(),
            created_date_time: device.method.map(|m| timestamp(m.created_millis)),
            last_used_date_time: device.last_used_millis.map(timestamp),
            device: Some(self.device_wire(device)),
        }
    }
}

fn timestamp(millis: i64) -> Timestamp {
    Timestamp::from_unix_seconds(millis.div_euclid(1000))
}

/// Checks `code` against the token at `now_millis` with a window of one step either side.
fn verify_code(device: &DeviceRecord, code: &str, now_millis: i64) -> Result<u64, StoreError> {
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
    Verifier::new(totp, 1)
        .with_last_accepted(device.last_accepted_step)
        .verify(code, unix)
        .map_err(|err| match err {
            VerifyError::Malformed { .. } => {
                StoreError::Invalid("verificationCode must be a string of 6 digits.".into())
            }
            _ => StoreError::WrongCode,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    fn new_device(serial: &str) -> NewDevice {
        NewDevice {
            display_name: None,
            serial_number: serial.into(),
            manufacturer: "Contoso".into(),
            model: "M".into(),
            secret_key: SecretText::new(SECRET),
            time_interval_in_seconds: 30,
            hash_function: HashFunction::Hmacsha1,
            assign_to: None,
        }
    }

    fn code(unix: u64) -> String {
        let secret = Secret::from_base32(SECRET).unwrap();
        Totp::new(&secret, Algorithm::Sha1, 6, 30)
            .unwrap()
            .generate_at(unix)
            .unwrap()
            .to_string()
    }

    #[test]
    fn lifecycle_keeps_the_invariants() {
        let mut store = Store::new(Fixture::default());
        let user = store.fixture().users[0].id.clone();
        let id = store.create_device(new_device("S1"), 0).unwrap().id.clone();
        assert!(matches!(
            store.create_device(new_device("S1"), 0),
            Err(StoreError::Conflict(_))
        ));
        store.assign(&user, &id, 1000).unwrap();
        store.check_invariants().unwrap();
        let wrong = if code(59) == "000000" {
            "000001"
        } else {
            "000000"
        };
        assert_eq!(
            store.activate(&user, &id, wrong, None, 59_000),
            Err(StoreError::WrongCode)
        );
        assert_eq!(
            store.device(&id).unwrap().status,
            TokenStatus::FailedActivation
        );
        store
            .activate(&user, &id, &code(59), Some("Mine".into()), 59_000)
            .unwrap();
        assert_eq!(store.device(&id).unwrap().status, TokenStatus::Activated);
        assert_eq!(
            store.activate(&user, &id, &code(59), None, 59_000),
            Err(StoreError::WrongCode),
            "replay"
        );
        assert!(matches!(
            store.delete_device(&id),
            Err(StoreError::Conflict(_))
        ));
        store.deactivate(&user, &id).unwrap();
        store.unassign(&user, &id).unwrap();
        store.check_invariants().unwrap();
        store.delete_device(&id).unwrap();
        assert!(store.devices().is_empty());
    }

    #[test]
    fn invariants_catch_inconsistent_records() {
        let mut store = Store::new(Fixture::default());
        let id = store.create_device(new_device("S1"), 0).unwrap().id.clone();
        let mut broken = store.snapshot();
        broken.devices[0].status = TokenStatus::Activated;
        assert!(store.clone().restore(broken).is_err());
        let mut duplicated = store.snapshot();
        let mut twin = duplicated.devices[0].clone();
        twin.id = "other".into();
        duplicated.devices.push(twin);
        assert!(store.clone().restore(duplicated).is_err());
        let mut orphan = store.snapshot();
        orphan.devices[0].assigned_to = Some("nobody".into());
        orphan.devices[0].method = Some(MethodRecord { created_millis: 0 });
        orphan.devices[0].status = TokenStatus::Assigned;
        assert!(store.restore(orphan).is_err());
        assert_eq!(
            store.devices()[0].id,
            id,
            "a refused restore changes nothing"
        );
    }

    #[test]
    fn debug_output_hides_secrets() {
        let mut store = Store::new(Fixture::default());
        store.create_device(new_device("S1"), 0).unwrap();
        assert!(!format!("{store:?}").contains(SECRET));
    }
}
