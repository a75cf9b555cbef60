//! State shared by every request: the store, clock, key, throttle, faults, counters and the state
//! database's writer.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use crate::auth::jwt::SigningKey;
use crate::clock::Clock;
use crate::counters::Counters;
use crate::errors::ApiError;
use crate::faults::FaultInjector;
use crate::options::Behaviour;
use crate::persist::{Committer, StateDb};
use crate::store::{Store, StoreError};
use crate::throttle::{ActivationThrottle, ThrottleConfig};

/// Settings fixed when the server starts.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Whether `/_hwoath` test controls are served.
    pub(crate) controls: bool,
    /// Page size when the client gives no `$top`.
    pub(crate) page_size: usize,
    /// Lifetime of tokens from the token endpoint, in seconds.
    pub(crate) token_lifetime: i64,
    /// The activation throttle's limits.
    pub(crate) throttle: ThrottleConfig,
    /// `http://host:port` (or `https://` with TLS) the server is bound to (used when a request has no
    /// usable `Host`).
    pub(crate) root_url: String,
    /// The behaviour options (also held by the store).
    pub(crate) behaviour: Behaviour,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            controls: false,
            page_size: 100,
            token_lifetime: 3599,
            throttle: ThrottleConfig::default(),
            root_url: "http://127.0.0.1".into(),
            behaviour: Behaviour::default(),
        }
    }
}

/// Everything behind the [`AppState`] handle.
#[derive(Debug)]
pub struct Shared {
    /// The store reads see: with a state database, only saved changes reach it.
    store: Arc<RwLock<Store>>,
    /// The state database's writer, when persisting.
    committer: Option<Committer>,
    /// The tenant clock.
    pub(crate) clock: Clock,
    /// The token signing key.
    pub(crate) key: SigningKey,
    /// The activation throttle.
    pub(crate) throttle: Mutex<ActivationThrottle>,
    /// The fault injector.
    pub(crate) faults: Mutex<FaultInjector>,
    /// Counters.
    pub(crate) counters: Mutex<Counters>,
    /// Start-time settings.
    pub(crate) settings: Settings,
}

/// A cheap handle on the shared state, given to every handler.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Locks a mutex, recovering the data if a previous holder panicked.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AppState {
    /// Builds the shared state; with a state database, `store` must be what it holds.
    pub(crate) fn new(
        store: Store,
        clock: Clock,
        key: SigningKey,
        state_db: Option<StateDb>,
        settings: Settings,
    ) -> std::io::Result<Self> {
        let store = Arc::new(RwLock::new(store));
        let committer = state_db
            .map(|db| Committer::start(db, Arc::clone(&store)))
            .transpose()?;
        Ok(Self(Arc::new(Shared {
            store,
            committer,
            clock,
            key,
            throttle: Mutex::new(ActivationThrottle::new(settings.throttle)),
            faults: Mutex::new(FaultInjector::default()),
            counters: Mutex::new(Counters::default()),
            settings,
        })))
    }

    /// Runs `read` on the store as reads see it.
    pub fn read<T>(&self, read: impl FnOnce(&Store) -> T) -> T {
        read(&self.store.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs `change` on the store. With a state database the answer waits until the change is saved
    /// (whether or not `change` failed, since a failed activation still records
    /// `failedActivation`): an answer sent is a change saved, and a change that could not be saved
    /// is answered 503 and never seen.
    pub(crate) async fn mutate<T>(
        &self,
        change: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, ApiError> {
        let result = match &self.committer {
            Some(committer) => committer
                .commit(change)
                .await
                .map_err(|_| ApiError::not_saved())?,
            None => change(&mut self.store.write().unwrap_or_else(PoisonError::into_inner)),
        };
        result.map_err(ApiError::from)
    }

    /// Puts devices, throttle, faults and counters back to the fixture's start; fails (changing
    /// nothing in the inventory) when the state database cannot save the reset.
    pub(crate) async fn reset(&self) -> Result<(), ApiError> {
        self.mutate(|store| {
            store.reset();
            Ok(())
        })
        .await?;
        lock(&self.throttle).clear();
        lock(&self.faults).clear();
        *lock(&self.counters) = Counters::default();
        Ok(())
    }

    /// Records a request in the counters.
    pub(crate) fn count<F: FnOnce(&mut Counters)>(&self, update: F) {
        update(&mut lock(&self.counters));
    }
}
