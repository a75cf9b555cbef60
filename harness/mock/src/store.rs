//! The tenant's state: the token inventory and each user's hardware OATH methods, with the
//! invariants every change keeps (see [`Store::check_invariants`]).

use std::collections::HashMap;
use std::time::Instant;

use hwoath_graph::{Device, HashFunction, Identity, Method, SecretText, Timestamp, TokenStatus};
use serde::{Deserialize, Serialize};

use crate::activation;
use crate::fixture::{Fixture, User};
use crate::options::{Behaviour, PolicyDisabled, StatusAfterAssignTo};
use crate::policy::{HardwareOathPolicy, POLICY_DISABLED_MESSAGE, PolicyPatch};
use crate::visibility::Visibility;

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
    /// Drift found at the last activation: the accepted step minus the tenant clock's step (internal
    /// state, as in Entra, which applies it at later sign-ins; Graph does not expose it).
    #[serde(default)]
    pub drift_steps: Option<i64>,
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

/// The tenant: directory (from the fixture) plus the mutable inventory and policy.
#[derive(Debug, Clone)]
pub struct Store {
    fixture: Fixture,
    behaviour: Behaviour,
    devices: Vec<DeviceRecord>,
    policy: HardwareOathPolicy,
    /// Position of each token by lower-case id, and by serial number, kept in step with `devices`.
    by_id: HashMap<String, usize>,
    by_serial: HashMap<String, usize>,
    /// What reads still see of recent writes (only with a visibility delay).
    visibility: Visibility,
}

/// What the state file holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersistedState {
    /// Format version (1).
    pub version: u32,
    /// Every inventory token, secrets included.
    pub devices: Vec<DeviceRecord>,
    /// The hardware OATH entry of the authentication methods policy (absent in older files: enabled).
    #[serde(default)]
    pub policy: HardwareOathPolicy,
}

impl Store {
    /// A store holding the fixture's directory and devices, with the default behaviour.
    pub fn new(fixture: Fixture) -> Self {
        Self::with_behaviour(fixture, Behaviour::default())
    }

    /// A store holding the fixture's directory and devices, behaving as `behaviour` says.
    pub fn with_behaviour(fixture: Fixture, behaviour: Behaviour) -> Self {
        let devices = fixture.devices.clone();
        let mut store = Self {
            fixture,
            behaviour,
            devices,
            policy: HardwareOathPolicy::default(),
            by_id: HashMap::new(),
            by_serial: HashMap::new(),
            visibility: Visibility::new(behaviour.visibility_delay),
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

    /// Puts the inventory back to the fixture's devices and the policy to its default.
    pub fn reset(&mut self) {
        self.devices = self.fixture.devices.clone();
        self.policy = HardwareOathPolicy::default();
        self.visibility.clear();
        self.reindex();
    }

    /// Replaces the inventory and policy with persisted ones, refusing them if they break an invariant.
    pub fn restore(&mut self, state: PersistedState) -> Result<(), InvariantViolation> {
        let mut candidate = self.clone();
        candidate.devices = state.devices;
        candidate.policy = state.policy;
        candidate.visibility.clear();
        candidate.reindex();
        candidate.check_invariants()?;
        *self = candidate;
        Ok(())
    }

    /// The inventory and policy as the state file stores them.
    pub fn snapshot(&self) -> PersistedState {
        PersistedState {
            version: 1,
            devices: self.devices.clone(),
            policy: self.policy.clone(),
        }
    }

    /// The hardware OATH entry of the authentication methods policy.
    pub fn policy(&self) -> &HardwareOathPolicy {
        &self.policy
    }

    /// Changes the policy entry.
    pub fn update_policy(&mut self, patch: PolicyPatch) {
        self.policy.apply(patch);
    }

    /// Refuses an assignment or activation while the policy is disabled, when the behaviour says so.
    fn check_policy(&self) -> Result<(), StoreError> {
        if self.policy.is_disabled() && self.behaviour.policy_disabled == PolicyDisabled::Refuse {
            return Err(StoreError::Invalid(POLICY_DISABLED_MESSAGE.into()));
        }
        Ok(())
    }

    /// Changes the token at `index` through `edit`; with a visibility delay, reads keep seeing its
    /// previous state for a while when `edit` changed anything.
    fn change<T>(&mut self, index: usize, edit: impl FnOnce(&mut DeviceRecord) -> T) -> T {
        let before = self
            .visibility
            .is_delayed()
            .then(|| self.devices[index].clone());
        let out = edit(&mut self.devices[index]);
        if let Some(before) = before
            && before != self.devices[index]
        {
            let id = before.id.clone();
            self.visibility.hold(&id, Some(before), Instant::now());
        }
        out
    }

    /// The tokens a read at `now` sees, in creation order (with a visibility delay, recent writes
    /// are seen as they were before, and tokens just created not at all).
    pub fn visible_devices(&self, now: Instant) -> impl Iterator<Item = &DeviceRecord> + '_ {
        self.devices
            .iter()
            .filter_map(move |d| self.visibility.view(d, now))
    }

    /// The token with this id, as a read at `now` sees it.
    pub fn visible_device(&self, id: &str, now: Instant) -> Option<&DeviceRecord> {
        self.device(id).and_then(|d| self.visibility.view(d, now))
    }

    /// The tokens assigned to `user_id`, as a read at `now` sees them.
    pub fn visible_methods_of<'a>(
        &'a self,
        user_id: &'a str,
        now: Instant,
    ) -> impl Iterator<Item = &'a DeviceRecord> + 'a {
        self.visible_devices(now)
            .filter(move |d| d.assigned_to.as_deref() == Some(user_id))
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
        if new.assign_to.is_some() {
            self.check_policy()?;
        }
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
        let held_status = match self.behaviour.status_after_assign_to {
            StatusAfterAssignTo::Assigned => TokenStatus::Assigned,
            StatusAfterAssignTo::Available => TokenStatus::Available,
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
                held_status
            } else {
                TokenStatus::Available
            },
            last_used_millis: None,
            method: assignee.as_ref().map(|_| MethodRecord {
                created_millis: now_millis,
            }),
            assigned_to: assignee,
            last_accepted_step: None,
            drift_steps: None,
        };
        self.visibility.hold(&record.id, None, Instant::now());
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
        if self.devices[index].assigned_to.is_some() {
            return Err(StoreError::Conflict(
                "The hardware OATH token is assigned to a user; unassign it before updating it."
                    .into(),
            ));
        }
        self.change(index, |device| {
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
        });
        Ok(())
    }

    /// Removes an unassigned token (reads stop seeing it at once, whatever the visibility delay).
    pub fn delete_device(&mut self, id: &str) -> Result<(), StoreError> {
        let index = self.device_index(id)?;
        if self.devices[index].assigned_to.is_some() {
            return Err(StoreError::Conflict(
                "The hardware OATH token is assigned to a user; unassign it before deleting it."
                    .into(),
            ));
        }
        let removed = self.devices.remove(index);
        self.visibility.forget(&removed.id);
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
        self.check_policy()?;
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
        self.change(index, |device| {
            device.assigned_to = Some(user_id.to_owned());
            device.method = Some(MethodRecord {
                created_millis: now_millis,
            });
            device.status = TokenStatus::Assigned;
        });
        Ok(())
    }

    /// Removes `user_id`'s method; the token returns to the inventory as `available`.
    pub fn unassign(&mut self, user_id: &str, method_id: &str) -> Result<(), StoreError> {
        let index = self.method_index(user_id, method_id)?;
        self.change(index, |device| {
            device.assigned_to = None;
            device.method = None;
            device.status = TokenStatus::Available;
        });
        Ok(())
    }

    /// Verifies `code` against `user_id`'s method and activates it, recording the step and the drift
    /// found; a wrong or replayed code leaves the token in `failedActivation` (an already activated
    /// token keeps its status).
    pub fn activate(
        &mut self,
        user_id: &str,
        method_id: &str,
        code: &str,
        display_name: Option<String>,
        now_millis: i64,
    ) -> Result<(), StoreError> {
        self.check_policy()?;
        let index = self.method_index(user_id, method_id)?;
        let verified = activation::verify(&self.devices[index], code, now_millis);
        self.change(index, |device| match verified {
            Ok(accepted) => {
                record_activation(device, accepted, display_name, now_millis);
                Ok(())
            }
            Err(err) => {
                if err == StoreError::WrongCode && device.status != TokenStatus::Activated {
                    device.status = TokenStatus::FailedActivation;
                }
                Err(err)
            }
        })
    }

    /// Returns `user_id`'s activated method to `assigned`.
    pub fn deactivate(&mut self, user_id: &str, method_id: &str) -> Result<(), StoreError> {
        let index = self.method_index(user_id, method_id)?;
        self.change(index, |device| device.status = TokenStatus::Assigned);
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
        self.check_policy()?;
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
        let accepted = activation::verify(&self.devices[index], code, now_millis)?;
        if !already_mine {
            self.assign_at(index, user_id, now_millis)?;
        }
        self.change(index, |device| {
            record_activation(device, accepted, display_name, now_millis);
        });
        Ok(())
    }

    /// Checks the store's invariants: serials unique, ids unique, every assigned token has exactly
    /// one method and a user that exists, statuses match assignment (`available` while held only with
    /// [`StatusAfterAssignTo::Available`]), at most five methods per user.
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

/// Records an accepted activation code on `device`: activated, step and drift kept, last used now.
fn record_activation(
    device: &mut DeviceRecord,
    accepted: activation::Accepted,
    display_name: Option<String>,
    now_millis: i64,
) {
    device.last_accepted_step = Some(accepted.step);
    device.drift_steps = Some(accepted.drift_steps);
    device.status = TokenStatus::Activated;
    device.last_used_millis = Some(now_millis);
    if display_name.is_some() {
        device.display_name = display_name;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwoath_otp::{Algorithm, Secret, Totp};

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

    fn totp() -> Totp {
        Totp::new(
            &Secret::from_base32(SECRET).unwrap(),
            Algorithm::Sha1,
            6,
            30,
        )
        .unwrap()
    }

    fn code(unix: u64) -> String {
        totp().generate_at(unix).unwrap().to_string()
    }

    /// A six-digit code that no step of the activation window around `unix` has (nor one step past
    /// either edge): with 5761 steps, a fixed "wrong" code would activate about once in 174 tries.
    fn wrong_code(unix: u64) -> String {
        let totp = totp();
        let now = totp.step_at(unix).unwrap();
        let reach = activation::ACTIVATION_WINDOW_STEPS + 1;
        let taken: std::collections::HashSet<u32> = (now.saturating_sub(reach)..=now + reach)
            .map(|step| totp.generate_step(step).value())
            .collect();
        (0..1_000_000)
            .find(|c| !taken.contains(c))
            .map(|c| format!("{c:06}"))
            .unwrap()
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
        assert_eq!(
            store.activate(&user, &id, &wrong_code(59), None, 59_000),
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
    fn activation_accepts_a_day_either_way_and_records_the_drift() {
        const NOW: u64 = 1_700_000_000;
        let now_millis = NOW as i64 * 1000;
        let mut store = Store::new(Fixture::default());
        let user = store.fixture().users[0].id.clone();
        let id = store.create_device(new_device("S1"), 0).unwrap().id.clone();
        store.assign(&user, &id, 0).unwrap();
        let window = activation::ACTIVATION_WINDOW_STEPS * 30;
        // One step past either edge is refused; the edges themselves are accepted.
        for beyond in [NOW - window - 30, NOW + window + 30] {
            assert_eq!(
                store.activate(&user, &id, &code(beyond), None, now_millis),
                Err(StoreError::WrongCode)
            );
        }
        store
            .activate(&user, &id, &code(NOW - window), None, now_millis)
            .unwrap();
        let device = store.device(&id).unwrap();
        assert_eq!(device.drift_steps, Some(-2880));
        assert_eq!(device.last_accepted_step, Some(NOW / 30 - 2880));
        store
            .activate(&user, &id, &code(NOW + window), None, now_millis)
            .unwrap();
        assert_eq!(store.device(&id).unwrap().drift_steps, Some(2880));
        // Every step at or below the last accepted one is refused, however far inside the window.
        assert_eq!(
            store.activate(&user, &id, &code(NOW), None, now_millis),
            Err(StoreError::WrongCode)
        );
        store.check_invariants().unwrap();
    }

    #[test]
    fn a_held_available_token_is_consistent_only_in_that_mode() {
        let behaviour = Behaviour {
            status_after_assign_to: StatusAfterAssignTo::Available,
            ..Behaviour::default()
        };
        let mut store = Store::with_behaviour(Fixture::default(), behaviour);
        let user = store.fixture().users[0].id.clone();
        let mut new = new_device("S1");
        new.assign_to = Some(user.clone());
        let id = store.create_device(new, 0).unwrap().id.clone();
        let held = store.device(&id).unwrap();
        assert_eq!(held.status, TokenStatus::Available);
        assert_eq!(held.assigned_to.as_deref(), Some(user.as_str()));
        store.check_invariants().unwrap();
        assert!(
            Store::new(Fixture::default())
                .restore(store.snapshot())
                .is_err(),
            "the default mode refuses a held available token"
        );
        assert!(matches!(
            store.update_device(&id, DevicePatch::default()),
            Err(StoreError::Conflict(_))
        ));
        store.activate(&user, &id, &code(59), None, 59_000).unwrap();
        assert_eq!(store.device(&id).unwrap().status, TokenStatus::Activated);
        store.unassign(&user, &id).unwrap();
        store.check_invariants().unwrap();
    }

    #[test]
    fn a_disabled_policy_refuses_assignments_only_when_asked_to() {
        let disable = PolicyPatch {
            state: Some(crate::policy::PolicyState::Disabled),
            ..PolicyPatch::default()
        };
        let mut allowing = Store::new(Fixture::default());
        let user = allowing.fixture().users[0].id.clone();
        allowing.update_policy(disable.clone());
        let id = allowing
            .create_device(new_device("S1"), 0)
            .unwrap()
            .id
            .clone();
        allowing.assign(&user, &id, 0).unwrap();
        let behaviour = Behaviour {
            policy_disabled: PolicyDisabled::Refuse,
            ..Behaviour::default()
        };
        let mut refusing = Store::with_behaviour(Fixture::default(), behaviour);
        refusing.update_policy(disable);
        let id = refusing
            .create_device(new_device("S1"), 0)
            .unwrap()
            .id
            .clone();
        assert_eq!(
            refusing.assign(&user, &id, 0).map(|_| ()),
            Err(StoreError::Invalid(POLICY_DISABLED_MESSAGE.into()))
        );
        let mut assigned = new_device("S2");
        assigned.assign_to = Some(user.clone());
        assert!(matches!(
            refusing.create_device(assigned, 0),
            Err(StoreError::Invalid(_))
        ));
        assert!(refusing.snapshot().policy.is_disabled());
    }

    #[test]
    fn with_a_visibility_delay_reads_see_the_state_before_recent_writes() {
        let behaviour = Behaviour {
            visibility_delay: std::time::Duration::from_secs(3600),
            ..Behaviour::default()
        };
        let mut store = Store::with_behaviour(Fixture::default(), behaviour);
        let user = store.fixture().users[0].id.clone();
        let id = store.create_device(new_device("S1"), 0).unwrap().id.clone();
        let now = Instant::now();
        assert!(store.visible_device(&id, now).is_none(), "created: unseen");
        assert_eq!(store.visible_devices(now).count(), 0);
        let later = now + std::time::Duration::from_secs(3601);
        assert!(store.visible_device(&id, later).is_some());
        store.assign(&user, &id, 0).unwrap();
        assert!(
            store.visible_device(&id, now).is_none(),
            "a write while hidden keeps the token hidden"
        );
        let much_later = Instant::now() + std::time::Duration::from_secs(3601);
        let seen = store.visible_device(&id, much_later).unwrap();
        assert_eq!(seen.status, TokenStatus::Assigned);
        assert_eq!(store.visible_methods_of(&user, much_later).count(), 1);
        store.delete_device(&id).unwrap_err();
        store.unassign(&user, &id).unwrap();
        store.delete_device(&id).unwrap();
        assert!(store.visible_device(&id, much_later).is_none());
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
