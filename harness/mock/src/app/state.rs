//! State shared by every request: the store, clock, key, throttle, faults, counters and state file.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::auth::jwt::SigningKey;
use crate::clock::Clock;
use crate::counters::Counters;
use crate::errors::ApiError;
use crate::faults::FaultInjector;
use crate::options::Behaviour;
use crate::persist::StateFile;
use crate::store::{Store, StoreError};
use crate::throttle::{ActivationThrottle, ThrottleConfig};

/// Settings fixed when the server starts.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whether `/_hwoath` test controls are served.
    pub controls: bool,
    /// Page size when the client gives no `$top`.
    pub page_size: usize,
    /// Lifetime of tokens from the token endpoint, in seconds.
    pub token_lifetime: i64,
    /// The activation throttle's limits.
    pub throttle: ThrottleConfig,
    /// `http://host:port` the server is bound to (used when a request has no usable `Host`).
    pub root_url: String,
    /// The behaviour options (also held by the store).
    pub behaviour: Behaviour,
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
    store: Mutex<Store>,
    generation: AtomicU64,
    /// The tenant clock.
    pub clock: Clock,
    /// The token signing key.
    pub key: SigningKey,
    /// The activation throttle.
    pub throttle: Mutex<ActivationThrottle>,
    /// The fault injector.
    pub faults: Mutex<FaultInjector>,
    /// Counters.
    pub counters: Mutex<Counters>,
    /// The state file, when persisting.
    pub state_file: Option<StateFile>,
    /// Start-time settings.
    pub settings: Settings,
}

/// A cheap handle on the shared state, given to every handler.
#[derive(Debug, Clone)]
pub struct AppState(pub Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// Locks a mutex, recovering the data if a previous holder panicked.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AppState {
    /// Builds the shared state.
    pub fn new(
        store: Store,
        clock: Clock,
        key: SigningKey,
        state_file: Option<StateFile>,
        settings: Settings,
    ) -> Self {
        Self(Arc::new(Shared {
            store: Mutex::new(store),
            generation: AtomicU64::new(0),
            clock,
            key,
            throttle: Mutex::new(ActivationThrottle::new(settings.throttle)),
            faults: Mutex::new(FaultInjector::default()),
            counters: Mutex::new(Counters::default()),
            state_file,
            settings,
        }))
    }

    /// Runs `read` on the store.
    pub fn read<T>(&self, read: impl FnOnce(&Store) -> T) -> T {
        read(&lock(&self.store))
    }

    /// Runs `change` on the store, then, when persisting, returns only once a snapshot holding the
    /// change is durably written (whether or not `change` failed, since a failed activation still
    /// records `failedActivation`): an answer sent is a change saved.
    pub async fn mutate<T>(
        &self,
        change: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, ApiError> {
        let (result, generation) = {
            let mut store = lock(&self.store);
            let result = change(&mut store);
            (result, self.generation.fetch_add(1, Ordering::SeqCst) + 1)
        };
        if self.state_file.is_some() {
            self.persist(generation).await;
        }
        result.map_err(ApiError::from)
    }

    /// The generation and serialized snapshot of the store as it is now (read under its lock).
    fn latest_snapshot(&self) -> (u64, Vec<u8>) {
        let store = lock(&self.store);
        let generation = self.generation.load(Ordering::SeqCst);
        let bytes = serde_json::to_vec_pretty(&store.snapshot()).unwrap_or_default();
        (generation, bytes)
    }

    async fn persist(&self, generation: u64) {
        let this = self.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            this.state_file
                .as_ref()
                .map(|file| file.save(generation, || this.latest_snapshot()))
        })
        .await;
        match outcome {
            Ok(Some(Err(err))) => tracing::error!(error = %err, "could not save the state file"),
            Err(err) => tracing::error!(error = %err, "state file writer failed"),
            _ => {}
        }
    }

    /// Puts devices, throttle, faults and counters back to the fixture's start.
    pub async fn reset(&self) {
        lock(&self.throttle).clear();
        lock(&self.faults).clear();
        *lock(&self.counters) = Counters::default();
        let _ = self
            .mutate(|store| {
                store.reset();
                Ok(())
            })
            .await;
    }

    /// Records a request in the counters.
    pub fn count<F: FnOnce(&mut Counters)>(&self, update: F) {
        update(&mut lock(&self.counters));
    }
}
