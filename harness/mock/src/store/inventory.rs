//! The token inventory as an indexed collection: records in creation order (a B-tree keyed by a
//! sequence number), with hash indexes by id, by serial number and by holder, so that every lookup,
//! insert, change and removal costs O(1) or O(log n) in the inventory size, and a page of the listing
//! costs O(log n) plus its length.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::records::DeviceRecord;

/// A token's place in creation order: unique, never reused while the tenant runs, and the key a
/// listing page resumes after.
pub(crate) type Seq = u64;

/// The inventory with its indexes, always in step with the records.
#[derive(Debug, Clone, Default)]
pub(crate) struct Inventory {
    records: BTreeMap<Seq, DeviceRecord>,
    next: Seq,
    /// Lower-case id to sequence number.
    by_id: HashMap<String, Seq>,
    /// Lower-case serial number to the tokens with it (serials are unique as sent, so two entries
    /// only ever differ in letter case).
    by_serial: HashMap<String, Vec<Seq>>,
    /// Lower-case user id to the tokens the user holds, in creation order.
    by_holder: HashMap<String, BTreeSet<Seq>>,
}

impl Inventory {
    /// An inventory holding `records` in this order.
    pub(crate) fn from_records(records: impl IntoIterator<Item = DeviceRecord>) -> Self {
        let mut inventory = Self::default();
        for record in records {
            inventory.insert(record);
        }
        inventory
    }

    /// An inventory holding each record at its own sequence number (as saved).
    pub(crate) fn from_numbered(records: impl IntoIterator<Item = (Seq, DeviceRecord)>) -> Self {
        let mut inventory = Self::default();
        for (seq, record) in records {
            inventory.put(seq, record);
        }
        inventory
    }

    /// How many tokens there are.
    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// The sequence number of the token with this id (any letter case).
    pub(crate) fn seq_of(&self, id: &str) -> Option<Seq> {
        self.by_id.get(&id.to_ascii_lowercase()).copied()
    }

    /// The sequence number of the token with exactly this serial number.
    pub(crate) fn seq_of_serial(&self, serial: &str) -> Option<Seq> {
        self.by_serial
            .get(&serial.to_ascii_lowercase())?
            .iter()
            .copied()
            .find(|seq| self.records[seq].serial_number == serial)
    }

    /// The tokens whose serial number equals `serial` in any letter case, in creation order.
    pub(crate) fn serial_matches(&self, serial: &str) -> Vec<Seq> {
        let mut seqs = self
            .by_serial
            .get(&serial.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default();
        seqs.sort_unstable();
        seqs
    }

    /// The token at `seq`.
    pub(crate) fn get(&self, seq: Seq) -> Option<&DeviceRecord> {
        self.records.get(&seq)
    }

    /// The token with this id (any letter case).
    pub(crate) fn by_id(&self, id: &str) -> Option<&DeviceRecord> {
        self.seq_of(id).and_then(|seq| self.records.get(&seq))
    }

    /// Every token with its sequence number, in creation order.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = (Seq, &DeviceRecord)> + '_ {
        self.records.iter().map(|(&seq, record)| (seq, record))
    }

    /// The tokens created after `seq`, in creation order.
    pub(crate) fn after(&self, seq: Seq) -> impl Iterator<Item = (Seq, &DeviceRecord)> + '_ {
        self.records
            .range(seq.saturating_add(1)..)
            .map(|(&seq, record)| (seq, record))
    }

    /// The sequence numbers of the tokens `user_id` holds (any letter case), in creation order.
    pub(crate) fn held_by(&self, user_id: &str) -> impl Iterator<Item = Seq> + '_ {
        self.by_holder
            .get(&user_id.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .copied()
    }

    /// How many tokens `user_id` holds.
    pub(crate) fn held_count(&self, user_id: &str) -> usize {
        self.by_holder
            .get(&user_id.to_ascii_lowercase())
            .map_or(0, BTreeSet::len)
    }

    /// Adds a token after every other and returns its sequence number.
    pub(crate) fn insert(&mut self, record: DeviceRecord) -> Seq {
        let seq = self.next.max(1);
        self.put(seq, record);
        seq
    }

    /// Sets the token at `seq` (added, or replacing the one there), keeping every index in step.
    pub(crate) fn put(&mut self, seq: Seq, record: DeviceRecord) {
        self.remove(seq);
        self.by_id.insert(record.id.to_ascii_lowercase(), seq);
        self.by_serial
            .entry(record.serial_number.to_ascii_lowercase())
            .or_default()
            .push(seq);
        if let Some(holder) = &record.assigned_to {
            self.by_holder
                .entry(holder.to_ascii_lowercase())
                .or_default()
                .insert(seq);
        }
        self.records.insert(seq, record);
        self.next = self.next.max(seq.saturating_add(1));
    }

    /// Changes the token at `seq` through `edit` (which must keep its id and serial number) and
    /// returns what `edit` returned, or `None` when there is no such token.
    pub(crate) fn edit<T>(
        &mut self,
        seq: Seq,
        edit: impl FnOnce(&mut DeviceRecord) -> T,
    ) -> Option<T> {
        let record = self.records.get_mut(&seq)?;
        let holder_before = record.assigned_to.clone();
        let out = edit(record);
        debug_assert!(self.by_id.get(&record.id.to_ascii_lowercase()) == Some(&seq));
        if record.assigned_to != holder_before {
            let holder_after = record.assigned_to.clone();
            if let Some(user) = holder_before {
                self.unhold(&user, seq);
            }
            if let Some(user) = holder_after {
                self.by_holder
                    .entry(user.to_ascii_lowercase())
                    .or_default()
                    .insert(seq);
            }
        }
        Some(out)
    }

    /// Removes the token at `seq` and returns it.
    pub(crate) fn remove(&mut self, seq: Seq) -> Option<DeviceRecord> {
        let record = self.records.remove(&seq)?;
        self.by_id.remove(&record.id.to_ascii_lowercase());
        let serial = record.serial_number.to_ascii_lowercase();
        if let Some(seqs) = self.by_serial.get_mut(&serial) {
            seqs.retain(|&s| s != seq);
            if seqs.is_empty() {
                self.by_serial.remove(&serial);
            }
        }
        if let Some(user) = &record.assigned_to {
            self.unhold(user, seq);
        }
        Some(record)
    }

    fn unhold(&mut self, user: &str, seq: Seq) {
        let key = user.to_ascii_lowercase();
        if let Some(held) = self.by_holder.get_mut(&key) {
            held.remove(&seq);
            if held.is_empty() {
                self.by_holder.remove(&key);
            }
        }
    }

    /// Whether every index agrees with the records (a check for tests and start-up, O(n)); the
    /// answer names the first disagreement.
    pub(crate) fn indexes_agree(&self) -> Result<(), String> {
        let rebuilt = Self::from_numbered(self.iter().map(|(seq, r)| (seq, r.clone())));
        if rebuilt.by_id != self.by_id {
            return Err("the id index disagrees with the records".into());
        }
        let sorted = |index: &HashMap<String, Vec<Seq>>| -> BTreeMap<String, Vec<Seq>> {
            index
                .iter()
                .map(|(k, v)| {
                    let mut v = v.clone();
                    v.sort_unstable();
                    (k.clone(), v)
                })
                .collect()
        };
        if sorted(&rebuilt.by_serial) != sorted(&self.by_serial) {
            return Err("the serial index disagrees with the records".into());
        }
        if rebuilt.by_holder != self.by_holder {
            return Err("the holder index disagrees with the records".into());
        }
        if self.records.keys().any(|&seq| seq >= self.next) {
            return Err("a sequence number is at or past the next one".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwoath_graph::{HashFunction, SecretText, TokenStatus};

    fn record(id: &str, serial: &str, holder: Option<&str>) -> DeviceRecord {
        DeviceRecord {
            id: id.into(),
            display_name: None,
            serial_number: serial.into(),
            manufacturer: "C".into(),
            model: "M".into(),
            secret_key: SecretText::new("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            time_interval_in_seconds: 30,
            hash_function: HashFunction::Hmacsha1,
            status: if holder.is_some() {
                TokenStatus::Assigned
            } else {
                TokenStatus::Available
            },
            last_used_millis: None,
            assigned_to: holder.map(Into::into),
            method: None,
            last_accepted_step: None,
            drift_steps: None,
        }
    }

    #[test]
    fn indexes_follow_every_change() {
        let mut inventory = Inventory::default();
        let a = inventory.insert(record("A", "s1", None));
        let b = inventory.insert(record("b", "S2", Some("U1")));
        assert!(a < b);
        assert_eq!(inventory.seq_of("a"), Some(a));
        assert_eq!(inventory.seq_of_serial("S2"), Some(b));
        assert_eq!(inventory.seq_of_serial("s2"), None, "exact serial only");
        assert_eq!(inventory.serial_matches("s2"), [b]);
        assert_eq!(inventory.held_by("u1").collect::<Vec<_>>(), [b]);
        inventory.edit(a, |r| r.assigned_to = Some("U1".into()));
        assert_eq!(inventory.held_count("U1"), 2);
        inventory.edit(b, |r| r.assigned_to = None);
        assert_eq!(inventory.held_by("U1").collect::<Vec<_>>(), [a]);
        inventory.indexes_agree().unwrap();
        assert_eq!(inventory.remove(a).unwrap().id, "A");
        assert_eq!(inventory.held_count("U1"), 0);
        assert!(inventory.by_id("a").is_none());
        inventory.indexes_agree().unwrap();
        let c = inventory.insert(record("C", "s1", None));
        assert!(c > b, "sequence numbers are never reused");
        assert_eq!(
            inventory.after(b).map(|(s, _)| s).collect::<Vec<_>>(),
            [c],
            "a page resumes after a key, whatever was removed before it"
        );
    }

    #[test]
    fn numbered_records_keep_their_numbers() {
        let inventory =
            Inventory::from_numbered([(7, record("x", "1", None)), (3, record("y", "2", None))]);
        assert_eq!(inventory.iter().map(|(s, _)| s).collect::<Vec<_>>(), [3, 7]);
        let mut inventory = inventory;
        assert_eq!(inventory.insert(record("z", "3", None)), 8);
        inventory.indexes_agree().unwrap();
    }
}
