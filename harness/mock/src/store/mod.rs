//! The tenant's state: the token inventory and each user's hardware OATH methods, with the
//! invariants every change keeps (see [`Store::check_invariants`]).

mod activation;
mod error;
mod inventory;
mod visibility;

use std::collections::BTreeSet;
use std::time::Instant;

use hwoath_graph::{Device, Identity, Method, Timestamp, TokenStatus};

pub use activation::ACTIVATION_WINDOW_STEPS;
pub(crate) use error::StoreError;
pub(crate) use inventory::Seq;

use crate::fixture::{Fixture, User};
use crate::invariants::{self, InvariantViolation, MAX_METHODS_PER_USER};
use crate::options::{Behaviour, PolicyDisabled, StatusAfterAssignTo};
use crate::policy::{HardwareOathPolicy, POLICY_DISABLED_MESSAGE, PolicyPatch};
use crate::records::{DevicePatch, DeviceRecord, MethodRecord, NewDevice};
use inventory::Inventory;
use visibility::Visibility;

/// How assign-and-activate names its token.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DeviceSelector<'a> {
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
    inventory: Inventory,
    policy: HardwareOathPolicy,
    /// What reads still see of recent writes (only with a visibility delay).
    visibility: Visibility,
    /// What changed since the last [`Store::take_changes`] (only while tracking, for the database).
    dirty: Option<Dirty>,
}

/// The changes a tracking store has seen since they were last taken.
#[derive(Debug, Clone, Default)]
struct Dirty {
    seqs: BTreeSet<Seq>,
    policy: bool,
    replaced: bool,
}

/// What one or more changes did, as the state database stores it: the tokens' states after them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ChangeSet {
    /// The whole inventory was replaced (a reset): `upserts` holds every token and nothing else stays.
    pub(crate) replaced: bool,
    /// Tokens added or changed, with their new state.
    pub(crate) upserts: Vec<(Seq, DeviceRecord)>,
    /// Tokens removed.
    pub(crate) removed: Vec<Seq>,
    /// The policy entry, when it changed.
    pub(crate) policy: Option<HardwareOathPolicy>,
}

impl ChangeSet {
    /// Whether nothing changed.
    pub(crate) fn is_empty(&self) -> bool {
        !self.replaced
            && self.upserts.is_empty()
            && self.removed.is_empty()
            && self.policy.is_none()
    }
}

/// Which tokens a listing has to look at: all of them, or those an index finds for a `$filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup<'a> {
    /// Every token.
    All,
    /// The token with this id (any letter case).
    Id(&'a str),
    /// The tokens with this serial number (any letter case).
    Serial(&'a str),
    /// The tokens held by this user id (any letter case).
    Holder(&'a str),
}

impl Store {
    /// A store holding the fixture's directory and devices, behaving as `behaviour` says.
    pub(crate) fn with_behaviour(fixture: Fixture, behaviour: Behaviour) -> Self {
        Self {
            inventory: Inventory::from_records(fixture.devices.iter().cloned()),
            fixture,
            behaviour,
            policy: HardwareOathPolicy::default(),
            visibility: Visibility::new(behaviour.visibility_delay),
            dirty: None,
        }
    }

    /// A copy for writers to stage changes on before they are saved: it records what changes (see
    /// [`Store::take_changes`]) and hides nothing (reads go to the saved copy).
    pub(crate) fn staging_copy(&self) -> Self {
        Self {
            visibility: Visibility::new(std::time::Duration::ZERO),
            dirty: Some(Dirty::default()),
            ..self.clone()
        }
    }

    /// The directory this store was built from.
    pub fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    fn mark(&mut self, seq: Seq) {
        if let Some(dirty) = &mut self.dirty {
            dirty.seqs.insert(seq);
        }
    }

    /// The whole store as one change that replaces everything (what a new state database starts with).
    pub(crate) fn everything(&self) -> ChangeSet {
        ChangeSet {
            replaced: true,
            upserts: self.inventory.iter().map(|(s, r)| (s, r.clone())).collect(),
            removed: Vec::new(),
            policy: Some(self.policy.clone()),
        }
    }

    /// What changed since the last call (empty when the store does not track changes).
    pub(crate) fn take_changes(&mut self) -> ChangeSet {
        let Some(dirty) = self.dirty.as_mut().map(std::mem::take) else {
            return ChangeSet::default();
        };
        if dirty.replaced {
            return self.everything();
        }
        let policy = dirty.policy.then(|| self.policy.clone());
        let mut changes = ChangeSet {
            policy,
            ..ChangeSet::default()
        };
        for seq in dirty.seqs {
            match self.inventory.get(seq) {
                Some(record) => changes.upserts.push((seq, record.clone())),
                None => changes.removed.push(seq),
            }
        }
        changes
    }

    /// Applies changes staged on another copy (see [`Store::staging_copy`]); with a visibility
    /// delay, reads keep seeing the tokens' earlier states for a while, as after a direct change.
    pub(crate) fn apply(&mut self, changes: ChangeSet) {
        if changes.replaced {
            self.inventory = Inventory::from_numbered(changes.upserts);
            self.visibility.clear();
        } else {
            let now = Instant::now();
            for (seq, record) in changes.upserts {
                if self.visibility.is_delayed() {
                    let before = self.inventory.get(seq);
                    if before != Some(&record) {
                        self.visibility.hold(&record.id, before.cloned(), now);
                    }
                }
                self.inventory.put(seq, record);
            }
            for seq in changes.removed {
                if let Some(removed) = self.inventory.remove(seq) {
                    self.visibility.forget(&removed.id);
                }
            }
        }
        if let Some(policy) = changes.policy {
            self.policy = policy;
        }
    }

    /// Puts the inventory back to the fixture's devices and the policy to its default.
    pub(crate) fn reset(&mut self) {
        self.inventory = Inventory::from_records(self.fixture.devices.iter().cloned());
        self.policy = HardwareOathPolicy::default();
        self.visibility.clear();
        if let Some(dirty) = &mut self.dirty {
            dirty.replaced = true;
        }
    }

    /// Replaces the inventory (each token at its saved sequence number) and the policy with saved
    /// ones, refusing them if they break an invariant.
    pub(crate) fn restore(
        &mut self,
        devices: Vec<(Seq, DeviceRecord)>,
        policy: HardwareOathPolicy,
    ) -> Result<(), InvariantViolation> {
        let mut candidate = self.clone();
        candidate.inventory = Inventory::from_numbered(devices);
        candidate.policy = policy;
        candidate.visibility.clear();
        candidate.check_invariants()?;
        *self = candidate;
        Ok(())
    }

    /// Checks the store's invariants: those of [`invariants::check`] over the whole inventory, and
    /// that the inventory's indexes agree with its records. It reads the whole inventory: a check for
    /// tests and start-up.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        self.inventory.indexes_agree().map_err(InvariantViolation)?;
        let users: Vec<&str> = self.fixture.users.iter().map(|u| u.id.as_str()).collect();
        invariants::check(
            self.devices(),
            &users,
            self.behaviour.status_after_assign_to,
        )
    }

    /// The hardware OATH entry of the authentication methods policy.
    pub(crate) fn policy(&self) -> &HardwareOathPolicy {
        &self.policy
    }

    /// Changes the policy entry.
    pub(crate) fn update_policy(&mut self, patch: PolicyPatch) {
        self.policy.apply(patch);
        if let Some(dirty) = &mut self.dirty {
            dirty.policy = true;
        }
    }

    /// Refuses an assignment or activation while the policy is disabled, when the behaviour says so.
    fn check_policy(&self) -> Result<(), StoreError> {
        if self.policy.is_disabled() && self.behaviour.policy_disabled == PolicyDisabled::Refuse {
            return Err(StoreError::Invalid(POLICY_DISABLED_MESSAGE.into()));
        }
        Ok(())
    }

    /// Changes the token at `seq` through `edit`; with a visibility delay, reads keep seeing its
    /// previous state for a while when `edit` changed anything.
    fn change<T>(&mut self, seq: Seq, edit: impl FnOnce(&mut DeviceRecord) -> T) -> T {
        self.mark(seq);
        let before = if self.visibility.is_delayed() {
            self.inventory.get(seq).cloned()
        } else {
            None
        };
        let out = self
            .inventory
            .edit(seq, edit)
            .expect("changed a token that exists");
        if let Some(before) = before
            && Some(&before) != self.inventory.get(seq)
        {
            let id = before.id.clone();
            self.visibility.hold(&id, Some(before), Instant::now());
        }
        out
    }

    fn record(&self, seq: Seq) -> &DeviceRecord {
        self.inventory
            .get(seq)
            .expect("a sequence number just looked up")
    }

    /// Whether reads may see anything other than the current state (a visibility delay with recent
    /// writes pending): then no index answers a listing, since an index knows only the present.
    fn reads_lag(&self, now: Instant) -> bool {
        self.visibility.has_pending(now)
    }

    /// The tokens a read at `now` sees, in creation order, with their sequence numbers, starting
    /// after `after` and narrowed by `lookup` (with a visibility delay, recent writes are seen as
    /// they were before, and tokens just created not at all).
    pub(crate) fn visible_after<'a>(
        &'a self,
        lookup: Lookup<'a>,
        after: Seq,
        now: Instant,
    ) -> Box<dyn Iterator<Item = (Seq, &'a DeviceRecord)> + 'a> {
        let seqs: Vec<Seq> = match lookup {
            _ if self.reads_lag(now) => return Box::new(self.visible_scan(after, now)),
            Lookup::All => return Box::new(self.visible_scan(after, now)),
            Lookup::Id(id) => self.inventory.seq_of(id).into_iter().collect(),
            Lookup::Serial(serial) => self.inventory.serial_matches(serial),
            Lookup::Holder(user) => self.inventory.held_by(user).collect(),
        };
        Box::new(
            seqs.into_iter()
                .filter(move |&seq| seq > after)
                .filter_map(move |seq| Some((seq, self.inventory.get(seq)?))),
        )
    }

    fn visible_scan(
        &self,
        after: Seq,
        now: Instant,
    ) -> impl Iterator<Item = (Seq, &DeviceRecord)> + '_ {
        self.inventory
            .after(after)
            .filter_map(move |(seq, d)| Some((seq, self.visibility.view(d, now)?)))
    }

    /// How many tokens a read at `now` sees (O(1) unless recent writes are hidden).
    pub(crate) fn visible_count(&self, now: Instant) -> usize {
        if self.reads_lag(now) {
            self.visible_scan(0, now).count()
        } else {
            self.inventory.len()
        }
    }

    /// The token with this id, as a read at `now` sees it.
    pub(crate) fn visible_device(&self, id: &str, now: Instant) -> Option<&DeviceRecord> {
        self.device(id).and_then(|d| self.visibility.view(d, now))
    }

    /// The tokens assigned to `user_id`, as a read at `now` sees them, in creation order.
    pub(crate) fn visible_methods_of<'a>(
        &'a self,
        user_id: &'a str,
        now: Instant,
    ) -> impl Iterator<Item = &'a DeviceRecord> + 'a {
        self.visible_after(Lookup::Holder(user_id), 0, now)
            .map(|(_, d)| d)
            .filter(move |d| d.assigned_to.as_deref() == Some(user_id))
    }

    /// The user whose id or UPN is `key`.
    pub(crate) fn user(&self, key: &str) -> Option<&User> {
        self.fixture.user(key)
    }

    /// Every inventory token in creation order.
    pub fn devices(&self) -> impl Iterator<Item = &DeviceRecord> + '_ {
        self.inventory.iter().map(|(_, d)| d)
    }

    /// The token with this id.
    pub(crate) fn device(&self, id: &str) -> Option<&DeviceRecord> {
        self.inventory.by_id(id)
    }

    fn device_seq(&self, id: &str) -> Result<Seq, StoreError> {
        self.inventory.seq_of(id).ok_or_else(|| {
            StoreError::NotFound(format!("Hardware OATH token '{id}' was not found."))
        })
    }

    /// The tokens assigned to `user_id`, in creation order.
    pub(crate) fn methods_of<'a>(
        &'a self,
        user_id: &'a str,
    ) -> impl Iterator<Item = &'a DeviceRecord> + 'a {
        self.inventory
            .held_by(user_id)
            .map(|seq| self.record(seq))
            .filter(move |d| d.assigned_to.as_deref() == Some(user_id))
    }

    fn method_seq(&self, user_id: &str, method_id: &str) -> Result<Seq, StoreError> {
        self.inventory
            .seq_of(method_id)
            .filter(|&seq| self.record(seq).assigned_to.as_deref() == Some(user_id))
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
        if self.inventory.held_count(user_id) >= MAX_METHODS_PER_USER {
            return Err(StoreError::Invalid(format!(
                "The user already holds {MAX_METHODS_PER_USER} hardware OATH methods."
            )));
        }
        Ok(())
    }

    /// Adds a token (assigned at once when `assign_to` is set) and returns it.
    pub(crate) fn create_device(
        &mut self,
        new: NewDevice,
        now_millis: i64,
    ) -> Result<&DeviceRecord, StoreError> {
        if new.assign_to.is_some() {
            self.check_policy()?;
        }
        if self.inventory.seq_of_serial(&new.serial_number).is_some() {
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
        let seq = self.inventory.insert(record);
        self.mark(seq);
        Ok(self.record(seq))
    }

    /// Changes an unassigned token's mutable properties.
    pub(crate) fn update_device(&mut self, id: &str, patch: DevicePatch) -> Result<(), StoreError> {
        let seq = self.device_seq(id)?;
        if self.record(seq).assigned_to.is_some() {
            return Err(StoreError::Conflict(
                "The hardware OATH token is assigned to a user; unassign it before updating it."
                    .into(),
            ));
        }
        self.change(seq, |device| {
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
    pub(crate) fn delete_device(&mut self, id: &str) -> Result<(), StoreError> {
        let seq = self.device_seq(id)?;
        if self.record(seq).assigned_to.is_some() {
            return Err(StoreError::Conflict(
                "The hardware OATH token is assigned to a user; unassign it before deleting it."
                    .into(),
            ));
        }
        if let Some(removed) = self.inventory.remove(seq) {
            self.visibility.forget(&removed.id);
        }
        self.mark(seq);
        Ok(())
    }

    /// Assigns an available token to `user_id` and returns it.
    pub(crate) fn assign(
        &mut self,
        user_id: &str,
        device_id: &str,
        now_millis: i64,
    ) -> Result<&DeviceRecord, StoreError> {
        self.check_policy()?;
        let seq = self.device_seq(device_id)?;
        self.assign_at(seq, user_id, now_millis)?;
        Ok(self.record(seq))
    }

    fn assign_at(&mut self, seq: Seq, user_id: &str, now_millis: i64) -> Result<(), StoreError> {
        if self.record(seq).assigned_to.is_some() {
            return Err(StoreError::Conflict(
                "The hardware OATH token is already assigned to a user.".into(),
            ));
        }
        self.check_method_room(user_id)?;
        self.change(seq, |device| {
            device.assigned_to = Some(user_id.to_owned());
            device.method = Some(MethodRecord {
                created_millis: now_millis,
            });
            device.status = TokenStatus::Assigned;
        });
        Ok(())
    }

    /// Removes `user_id`'s method; the token returns to the inventory as `available`.
    pub(crate) fn unassign(&mut self, user_id: &str, method_id: &str) -> Result<(), StoreError> {
        let seq = self.method_seq(user_id, method_id)?;
        self.change(seq, |device| {
            device.assigned_to = None;
            device.method = None;
            device.status = TokenStatus::Available;
        });
        Ok(())
    }

    /// Verifies `code` against `user_id`'s method and activates it, recording the step and the drift
    /// found; a wrong or replayed code leaves the token in `failedActivation` (an already activated
    /// token keeps its status).
    pub(crate) fn activate(
        &mut self,
        user_id: &str,
        method_id: &str,
        code: &str,
        display_name: Option<String>,
        now_millis: i64,
    ) -> Result<(), StoreError> {
        self.check_policy()?;
        let seq = self.method_seq(user_id, method_id)?;
        let verified = activation::verify(self.record(seq), code, now_millis);
        self.change(seq, |device| match verified {
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
    pub(crate) fn deactivate(&mut self, user_id: &str, method_id: &str) -> Result<(), StoreError> {
        let seq = self.method_seq(user_id, method_id)?;
        self.change(seq, |device| device.status = TokenStatus::Assigned);
        Ok(())
    }

    /// Assigns and activates in one step; a wrong code changes nothing (the token stays unassigned).
    pub(crate) fn assign_and_activate(
        &mut self,
        user_id: &str,
        selector: DeviceSelector<'_>,
        code: &str,
        display_name: Option<String>,
        now_millis: i64,
    ) -> Result<(), StoreError> {
        self.check_policy()?;
        let seq = match selector {
            DeviceSelector::Id(id) => self.device_seq(id)?,
            DeviceSelector::Serial(serial) => {
                self.inventory.seq_of_serial(serial).ok_or_else(|| {
                    StoreError::NotFound(format!(
                        "No hardware OATH token has serial number '{serial}'."
                    ))
                })?
            }
        };
        let already_mine = self.record(seq).assigned_to.as_deref() == Some(user_id);
        if !already_mine {
            if self.record(seq).assigned_to.is_some() {
                return Err(StoreError::Conflict(
                    "The hardware OATH token is already assigned to a user.".into(),
                ));
            }
            self.check_method_room(user_id)?;
        }
        let accepted = activation::verify(self.record(seq), code, now_millis)?;
        if !already_mine {
            self.assign_at(seq, user_id, now_millis)?;
        }
        self.change(seq, |device| {
            record_activation(device, accepted, display_name, now_millis);
        });
        Ok(())
    }

    /// The wire form of a token (`secretKey` null, `assignedTo` resolved to the user's name).
    pub(crate) fn device_wire(&self, device: &DeviceRecord) -> Device {
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
    pub(crate) fn method_wire(&self, device: &DeviceRecord) -> Method {
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
    use hwoath_graph::{HashFunction, SecretText};
    use hwoath_otp::{Algorithm, Secret, Totp};

    const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    /// The inventory as the state database saves it.
    fn saved(store: &Store) -> Vec<(Seq, DeviceRecord)> {
        store.everything().upserts
    }

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
        let mut store = Store::with_behaviour(Fixture::default(), Behaviour::default());
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
        assert_eq!(store.devices().count(), 0);
    }

    #[test]
    fn activation_accepts_a_day_either_way_and_records_the_drift() {
        const NOW: u64 = 1_700_000_000;
        let now_millis = NOW as i64 * 1000;
        let mut store = Store::with_behaviour(Fixture::default(), Behaviour::default());
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
            Store::with_behaviour(Fixture::default(), Behaviour::default())
                .restore(saved(&store), HardwareOathPolicy::default())
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
        let mut allowing = Store::with_behaviour(Fixture::default(), Behaviour::default());
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
        assert!(refusing.policy().is_disabled());
    }

    /// A store whose reads lag an hour behind its writes, holding one new token `serial`: the store,
    /// the fixture's first user and the token's id.
    fn delayed_store_with_token(serial: &str) -> (Store, String, String) {
        let behaviour = Behaviour {
            visibility_delay: std::time::Duration::from_secs(3600),
            ..Behaviour::default()
        };
        let mut store = Store::with_behaviour(Fixture::default(), behaviour);
        let user = store.fixture().users[0].id.clone();
        let id = store
            .create_device(new_device(serial), 0)
            .unwrap()
            .id
            .clone();
        (store, user, id)
    }

    #[test]
    fn with_a_visibility_delay_reads_see_the_state_before_recent_writes() {
        let (mut store, user, id) = delayed_store_with_token("S1");
        let now = Instant::now();
        assert!(store.visible_device(&id, now).is_none(), "created: unseen");
        assert_eq!(store.visible_count(now), 0);
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
        let mut store = Store::with_behaviour(Fixture::default(), Behaviour::default());
        let id = store.create_device(new_device("S1"), 0).unwrap().id.clone();
        let policy = HardwareOathPolicy::default;
        let mut broken = saved(&store);
        broken[0].1.status = TokenStatus::Activated;
        assert!(store.clone().restore(broken, policy()).is_err());
        let mut duplicated = saved(&store);
        let mut twin = duplicated[0].clone();
        twin.0 += 1;
        twin.1.id = "other".into();
        duplicated.push(twin);
        assert!(store.clone().restore(duplicated, policy()).is_err());
        let mut orphan = saved(&store);
        orphan[0].1.assigned_to = Some("nobody".into());
        orphan[0].1.method = Some(MethodRecord { created_millis: 0 });
        orphan[0].1.status = TokenStatus::Assigned;
        assert!(store.restore(orphan, policy()).is_err());
        assert_eq!(
            store.devices().next().unwrap().id,
            id,
            "a refused restore changes nothing"
        );
    }

    /// Applies one of a few changes chosen by `choice` (some refused, which must record nothing).
    fn some_change(store: &mut Store, choice: u64, user: &str) {
        let ids: Vec<String> = store.devices().map(|d| d.id.clone()).collect();
        let pick = |n: u64| {
            ids.get(n as usize % ids.len().max(1))
                .cloned()
                .unwrap_or_default()
        };
        let _ = match choice % 7 {
            0 | 1 => store
                .create_device(new_device(&format!("S{choice}")), 0)
                .map(|_| ()),
            2 => store.delete_device(&pick(choice / 7)),
            3 => store.assign(user, &pick(choice / 7), 0).map(|_| ()),
            4 => store.unassign(user, &pick(choice / 7)),
            5 => store.activate(user, &pick(choice / 7), &wrong_code(59), None, 59_000),
            _ => {
                store.update_policy(PolicyPatch {
                    state: Some(crate::policy::PolicyState::Disabled),
                    ..PolicyPatch::default()
                });
                Ok(())
            }
        };
    }

    #[test]
    fn changes_staged_on_a_copy_and_applied_give_the_same_store() {
        let mut direct = Store::with_behaviour(Fixture::default(), Behaviour::default());
        let user = direct.fixture().users[0].id.clone();
        let mut staged = direct.staging_copy();
        let mut published = direct.clone();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for round in 0..400 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let choice = seed % 1000;
            if round == 200 {
                direct.reset();
                staged.reset();
            } else {
                some_change(&mut direct, choice, &user);
                some_change(&mut staged, choice, &user);
            }
            // Changes are taken now and then, as the commit thread batches them.
            if round % 3 == 0 {
                published.apply(staged.take_changes());
            }
        }
        published.apply(staged.take_changes());
        assert!(staged.take_changes().is_empty(), "taken changes are gone");
        // The two stores drew different random ids; everything else must agree.
        let records = |s: &Store| {
            saved(s)
                .into_iter()
                .map(|(seq, mut d)| {
                    d.id.clear();
                    (seq, d)
                })
                .collect::<Vec<_>>()
        };
        let (published_records, direct_records) = (records(&published), records(&direct));
        assert!(published_records == direct_records, "the stores differ");
        assert_eq!(published.policy(), direct.policy());
        published.check_invariants().unwrap();
        assert!(
            direct.take_changes().is_empty(),
            "a store that does not track records nothing"
        );
    }

    #[test]
    fn an_index_answers_a_listing_only_when_reads_see_the_present() {
        let (mut store, user, id) = delayed_store_with_token("S1");
        let later = Instant::now() + std::time::Duration::from_secs(3601);
        store.visibility.clear();
        store.assign(&user, &id, 0).unwrap();
        let now = Instant::now();
        // Reads still see the token unassigned: the holder index (which knows only the present)
        // must not be what answers.
        assert_eq!(store.visible_methods_of(&user, now).count(), 0);
        assert_eq!(
            store.visible_after(Lookup::Holder(&user), 0, now).count(),
            1,
            "a lookup narrows nothing while reads lag; the filter decides"
        );
        assert_eq!(
            store.visible_after(Lookup::Serial("s1"), 0, now).count(),
            1,
            "the scan still finds it by serial"
        );
        assert_eq!(store.visible_methods_of(&user, later).count(), 1);
        assert_eq!(
            store
                .visible_after(Lookup::Id(&id.to_uppercase()), 0, later)
                .count(),
            1
        );
        let seq = store.visible_after(Lookup::All, 0, later).next().unwrap().0;
        assert_eq!(store.visible_after(Lookup::All, seq, later).count(), 0);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let mut store = Store::with_behaviour(Fixture::default(), Behaviour::default());
        store.create_device(new_device("S1"), 0).unwrap();
        assert!(!format!("{store:?}").contains(SECRET));
    }
}
