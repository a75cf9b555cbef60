//! Eventual consistency on request (`visibility_delay`): for that long (wall time, monotonic) after a
//! write, reads see the token as it was before the write; a token just created is not seen at all.
//! The write itself, and every later write, acts on the current state.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::records::DeviceRecord;

/// The longest visibility delay: longer ones are cut to it (a day is far beyond any eventual
/// consistency worth testing, and keeps instant arithmetic in range).
pub(crate) const MAX_VISIBILITY_DELAY: Duration = Duration::from_secs(86_400);

/// What reads still see of one recently written token.
#[derive(Debug, Clone)]
struct Pending {
    /// When reads start to see the current state.
    until: Instant,
    /// The state reads see until then (`None`: the token did not exist).
    before: Option<Box<DeviceRecord>>,
}

/// The recently written tokens, by lower-case id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Visibility {
    delay: Duration,
    pending: HashMap<String, Pending>,
}

impl Visibility {
    /// No write is hidden when `delay` is zero; a delay above [`MAX_VISIBILITY_DELAY`] is cut to it.
    pub(crate) fn new(delay: Duration) -> Self {
        Self {
            delay: delay.min(MAX_VISIBILITY_DELAY),
            pending: HashMap::new(),
        }
    }

    /// Whether writes are hidden at all (a non-zero delay).
    pub(crate) fn is_delayed(&self) -> bool {
        !self.delay.is_zero()
    }

    /// Whether a read at `now` may see an earlier state of some token.
    pub(crate) fn has_pending(&self, now: Instant) -> bool {
        self.pending.values().any(|p| p.until > now)
    }

    /// Records a write of token `id` at `now`; `before` is what reads saw just before it (`None`: the
    /// token is new). A token already hidden keeps showing its older state, for longer.
    pub(crate) fn hold(&mut self, id: &str, before: Option<DeviceRecord>, now: Instant) {
        if !self.is_delayed() {
            return;
        }
        self.pending.retain(|_, p| p.until > now);
        let until = now + self.delay;
        self.pending
            .entry(id.to_ascii_lowercase())
            .and_modify(|p| p.until = until)
            .or_insert_with(|| Pending {
                until,
                before: before.map(Box::new),
            });
    }

    /// Forgets token `id` (deleted: a delete is seen at once).
    pub(crate) fn forget(&mut self, id: &str) {
        self.pending.remove(&id.to_ascii_lowercase());
    }

    /// Forgets every write.
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    /// What a read at `now` sees of `device`: itself, its state before a recent write, or nothing.
    pub(crate) fn view<'a>(
        &'a self,
        device: &'a DeviceRecord,
        now: Instant,
    ) -> Option<&'a DeviceRecord> {
        if self.pending.is_empty() {
            return Some(device);
        }
        match self.pending.get(&device.id.to_ascii_lowercase()) {
            Some(pending) if pending.until > now => pending.before.as_deref(),
            _ => Some(device),
        }
    }
}
