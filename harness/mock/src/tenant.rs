//! [`MockTenant`]: start the mock from a test or a program, point a client at it, mint tokens, and
//! drive its clock, faults and state; it shuts down when dropped.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::state::{AppState, Settings, lock};
use crate::auth::jwt::SigningKey;
use crate::clock::{Clock, ClockReading};
use crate::counters::Counters;
use crate::faults::{FaultConfig, FaultConfigError};
use crate::fixture::{Fixture, FixtureError, User};
use crate::invariants::InvariantViolation;
use crate::options::{Behaviour, NumbersAsStrings, PolicyDisabled, StatusAfterAssignTo};
use crate::persist::{Opened, PersistError, StateDb, StateFile, read_state_file};
use crate::records::DeviceRecord;
use crate::router;
use crate::store::Store;
use crate::throttle::ThrottleConfig;
use crate::tls::{TlsConfig, TlsError, TlsListener};
use crate::token::TokenRequest;

/// Why a mock tenant could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The users fixture could not be read.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// The state file could not be read.
    #[error(transparent)]
    State(#[from] PersistError),
    /// The state file does not fit the fixture (for example a token assigned to an unknown user).
    #[error("the state file does not fit the directory: {0}")]
    StateMismatch(#[from] InvariantViolation),
    /// HTTPS could not be set up (a certificate or key that cannot be used).
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// Configures a [`MockTenant`] before it starts.
///
/// ```
/// use hwoath_mock::MockTenant;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), hwoath_mock::MockError> {
/// let tenant = MockTenant::builder()
///     .controls(true)          // serve /_hwoath test controls
///     .clock(1_111_111_109)    // freeze the tenant clock at an RFC 6238 vector time
///     .activation_limit(10, 60)
///     .start()
///     .await?;
/// assert!(tenant.base_url().ends_with("/beta"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct MockTenantBuilder {
    addr: SocketAddr,
    fixture: Option<Fixture>,
    users_file: Option<PathBuf>,
    state_file: Option<PathBuf>,
    clock: Option<(i64, bool)>,
    key: SigningKey,
    settings: Settings,
    tls: Option<TlsConfig>,
}

impl Default for MockTenantBuilder {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            fixture: None,
            users_file: None,
            state_file: None,
            clock: None,
            key: SigningKey::development(),
            settings: Settings::default(),
            tls: None,
        }
    }
}

impl MockTenantBuilder {
    /// Listens on `addr` (default `127.0.0.1:0`, a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Serves HTTPS instead of plain HTTP: every URL of the tenant then starts with `https://`.
    pub fn tls(mut self, config: TlsConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// Serves HTTPS with a CA made at start ([`MockTenant::ca_certificate_pem`]) and a certificate it
    /// signs for `localhost`, `127.0.0.1`, `::1` and the listening address.
    pub fn tls_self_signed(self) -> Self {
        self.tls(TlsConfig::self_signed())
    }

    /// Serves the `/_hwoath` test controls (off by default: they answer 404).
    pub fn controls(mut self, enabled: bool) -> Self {
        self.settings.controls = enabled;
        self
    }

    /// Freezes the tenant clock at `unix` seconds (TOTP checks and timestamps read it; token lifetimes
    /// follow the wall clock).
    pub fn clock(mut self, unix: i64) -> Self {
        self.clock = Some((unix, true));
        self
    }

    /// Sets the tenant clock to `unix` seconds and lets it run on from there.
    pub fn clock_running(mut self, unix: i64) -> Self {
        self.clock = Some((unix, false));
        self
    }

    /// Uses this directory instead of the embedded default fixture.
    pub fn fixture(mut self, fixture: Fixture) -> Self {
        self.fixture = Some(fixture);
        self
    }

    /// Reads the directory from a fixture JSON file at start.
    pub fn users_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.users_file = Some(path.into());
        self
    }

    /// Loads the inventory from `path` at start (if it exists) and saves it there after every change.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Signs and checks tokens with this key instead of the public development key.
    pub fn signing_key(mut self, key: SigningKey) -> Self {
        self.key = key;
        self
    }

    /// Allows `limit` activation attempts per `window_seconds` (default 200 per 300: the mock's
    /// decision, no public source gives a number).
    pub fn activation_limit(mut self, limit: u32, window_seconds: u32) -> Self {
        self.settings.throttle = ThrottleConfig {
            limit,
            window_seconds,
        };
        self
    }

    /// Page size when a client sends no `$top` (default 100).
    pub fn page_size(mut self, size: usize) -> Self {
        self.settings.page_size = size.max(1);
        self
    }

    /// Sets every behaviour option at once (default: [`Behaviour::default`]).
    pub fn behaviour(mut self, behaviour: Behaviour) -> Self {
        self.settings.behaviour = behaviour;
        self
    }

    /// The status of a token right after a create with `assignTo` (default `assigned`).
    pub fn status_after_assign_to(mut self, status: StatusAfterAssignTo) -> Self {
        self.settings.behaviour.status_after_assign_to = status;
        self
    }

    /// Whether `Int32` properties sent as integer strings are refused (default) or coerced.
    pub fn numbers_as_strings(mut self, numbers: NumbersAsStrings) -> Self {
        self.settings.behaviour.numbers_as_strings = numbers;
        self
    }

    /// Whether the token endpoints keep working (default) or refuse assignments and activations while
    /// the hardware OATH policy is disabled.
    pub fn policy_disabled(mut self, behaviour: PolicyDisabled) -> Self {
        self.settings.behaviour.policy_disabled = behaviour;
        self
    }

    /// Hides each write from reads for `delay` of wall time (default zero: reads see writes at once;
    /// at most a day).
    pub fn visibility_delay(mut self, delay: Duration) -> Self {
        self.settings.behaviour.visibility_delay = delay;
        self
    }

    /// Builds the application without binding a socket, for in-process use (fuzzing, benches):
    /// drive the router with `tower::ServiceExt::oneshot`; the state gives access to the store
    /// (for example `state.read(Store::check_invariants)`). Its types live in the hidden `fuzzing`
    /// module: not a stable API.
    #[doc(hidden)]
    pub fn router(self) -> Result<(axum::Router, AppState), MockError> {
        let (state, _, _) = self.prepare("http://localhost".into())?;
        Ok((router::build(state.clone()), state))
    }

    fn prepare(self, root_url: String) -> Result<(AppState, Fixture, Option<Opened>), MockError> {
        let fixture = match (&self.fixture, &self.users_file) {
            (Some(fixture), _) => fixture.clone(),
            (None, Some(path)) => Fixture::from_path(path)?,
            (None, None) => Fixture::default(),
        };
        let mut store = Store::with_behaviour(fixture.clone(), self.settings.behaviour);
        let state = match &self.state_file {
            Some(path) => Some(open_state(path, &mut store)?),
            None => None,
        };
        let clock = match self.clock {
            Some((unix, frozen)) => Clock::at(unix, frozen),
            None => Clock::system(),
        };
        let mut settings = self.settings;
        settings.root_url = root_url;
        let (state_db, opened) = state.unzip();
        let app = AppState::new(store, clock, self.key, state_db, settings).map_err(|source| {
            PersistError::Io {
                path: self
                    .state_file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                source,
            }
        })?;
        Ok((app, fixture, opened))
    }

    /// Binds the address and starts serving (HTTPS when [`Self::tls`] was called) on the current Tokio
    /// runtime.
    pub async fn start(mut self) -> Result<MockTenant, MockError> {
        let requested = self.addr;
        let listener = tokio::net::TcpListener::bind(requested)
            .await
            .map_err(|source| MockError::Bind {
                addr: requested,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| MockError::Bind {
            addr: requested,
            source,
        })?;
        let tls = self.tls.take().map(|tls| tls.server(addr)).transpose()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let (state, fixture, state_opened) = self.prepare(format!("{scheme}://{addr}"))?;
        let app = router::build(state.clone());
        let (shutdown, signal) = oneshot::channel::<()>();
        let signal = async {
            let _ = signal.await;
        };
        let (task, ca_certificate) = match tls {
            Some(tls) => {
                let listener = TlsListener::new(listener, tls.acceptor);
                let served = axum::serve(listener, app).with_graceful_shutdown(signal);
                (tokio::spawn(report_stop(served)), tls.ca_pem)
            }
            None => {
                let served = axum::serve(listener, app).with_graceful_shutdown(signal);
                (tokio::spawn(report_stop(served)), None)
            }
        };
        tracing::info!(%addr, scheme, "hwoath mock tenant listening");
        Ok(MockTenant {
            addr,
            scheme,
            ca_certificate,
            fixture,
            state,
            state_opened,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// Runs the server until it stops, logging why if it failed.
async fn report_stop(served: impl IntoFuture<Output = std::io::Result<()>>) {
    if let Err(err) = served.await {
        tracing::error!(error = %err, "mock server stopped");
    }
}

/// Loads what the state file holds into `store` (refusing a state that breaks an invariant), then
/// opens it for writing, creating or migrating it as needed.
fn open_state(path: &Path, store: &mut Store) -> Result<(StateDb, Opened), MockError> {
    let found = read_state_file(path)?;
    let (existing, migrate) = match found {
        StateFile::Nothing => (false, false),
        StateFile::Database(saved) => {
            store.restore(saved.devices, saved.policy)?;
            (true, false)
        }
        StateFile::JsonV1(saved) => {
            store.restore(saved.devices, saved.policy)?;
            (false, true)
        }
    };
    let opened = StateDb::open(path, existing, migrate, &store.everything())?;
    if let Opened::Migrated { backup } = &opened.1 {
        tracing::info!(
            state = %path.display(),
            kept = %backup.display(),
            "migrated a JSON state file into a state database"
        );
    }
    Ok(opened)
}

/// A running mock tenant. Dropping it stops the server.
///
/// ```
/// use hwoath_mock::{FaultConfig, MockTenant};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let tenant = MockTenant::start().await?;
/// tenant.set_clock(59, true); // RFC 6238's first vector time
/// tenant.set_faults(FaultConfig { throttle_rate: 0.5, seed: 1, ..FaultConfig::default() })?;
/// // ... exercise a client's retry logic against tenant.base_url() ...
/// assert_eq!(tenant.counters().activations, 0);
/// tenant.check_invariants()?;
/// tenant.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct MockTenant {
    addr: SocketAddr,
    scheme: &'static str,
    ca_certificate: Option<String>,
    fixture: Fixture,
    state: AppState,
    state_opened: Option<Opened>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MockTenant {
    /// A builder with the defaults: `127.0.0.1:0`, embedded fixture, wall clock, controls off.
    pub fn builder() -> MockTenantBuilder {
        MockTenantBuilder::default()
    }

    /// Starts a tenant with every default.
    pub async fn start() -> Result<Self, MockError> {
        Self::builder().start().await
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (`https://` when serving TLS): the authority host for token requests
    /// (`AZURE_AUTHORITY_HOST`).
    pub fn root_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The CA certificate (PEM) made at start for [`MockTenantBuilder::tls_self_signed`], for clients
    /// to trust; `None` over plain HTTP or with a certificate given as PEM (its CA is the caller's).
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_certificate.as_deref()
    }

    /// `http://127.0.0.1:PORT/beta`: the Graph base URL to give a client.
    pub fn base_url(&self) -> String {
        format!("{}/beta", self.root_url())
    }

    /// `http://127.0.0.1:PORT/{tenant}/oauth2/v2.0/token`: the client-credentials token endpoint.
    pub fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.root_url(),
            self.fixture.tenant_id
        )
    }

    /// The tenant id (`tid` of its tokens).
    pub fn tenant_id(&self) -> &str {
        &self.fixture.tenant_id
    }

    /// The directory the tenant was started with.
    pub fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    /// The object ids of the directory's users, in fixture order (what a suite run assigns tokens to).
    pub fn user_ids(&self) -> Vec<String> {
        self.fixture.users.iter().map(|u| u.id.clone()).collect()
    }

    /// The user with this display name, id or UPN, if any.
    pub fn find_user(&self, key: &str) -> Option<&User> {
        self.fixture
            .user_named(key)
            .or_else(|| self.fixture.user(key))
    }

    /// The user with this display name, id or UPN.
    ///
    /// # Panics
    ///
    /// When the fixture has no such user (a mistake in the calling test).
    pub fn user(&self, key: &str) -> &User {
        self.find_user(key)
            .unwrap_or_else(|| panic!("the mock tenant's fixture has no user {key:?}"))
    }

    /// Mints tokens signed by this tenant's key.
    pub fn token(&self) -> TokenMinter<'_> {
        TokenMinter { tenant: self }
    }

    /// The tenant clock's reading.
    pub fn clock(&self) -> ClockReading {
        self.state.clock.reading()
    }

    /// Sets the tenant clock (as `PUT /_hwoath/clock` does).
    pub fn set_clock(&self, unix: i64, frozen: bool) {
        self.state.clock.set(unix, frozen);
    }

    /// Installs faults on the `/beta` routes (as `PUT /_hwoath/faults` does).
    pub fn set_faults(&self, config: FaultConfig) -> Result<(), FaultConfigError> {
        config.validate()?;
        lock(&self.state.faults).configure(config);
        Ok(())
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear();
    }

    /// Puts devices, throttle, faults and counters back to the fixture's start.
    ///
    /// # Panics
    ///
    /// When the state file cannot save the reset (a test on a full disk resets over HTTP instead,
    /// and gets a 503).
    pub async fn reset(&self) {
        if let Err(err) = self.state.reset().await {
            panic!("the mock tenant could not reset: {}", err.message);
        }
    }

    /// The counters so far.
    pub fn counters(&self) -> Counters {
        lock(&self.state.counters).clone()
    }

    /// Every inventory token as stored (secrets included: keep them out of logs).
    pub fn devices(&self) -> Vec<DeviceRecord> {
        self.state.read(|store| store.devices().cloned().collect())
    }

    /// What starting did to the state file, when there is one (opened, created, or migrated from JSON).
    pub fn state_opened(&self) -> Option<&Opened> {
        self.state_opened.as_ref()
    }

    /// Checks the store's invariants (for tests and fuzzing).
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        self.state.read(Store::check_invariants)
    }

    /// Stops the server and waits (at most five seconds) for open connections to finish; with a
    /// state file, it returns once the file is closed and may be opened again.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
            // The aborted server drops its handle on the state only when it is polled again.
            let _ = task.await;
        }
        // Dropping the last handle on the state closes the state database (see `Committer`).
    }
}

impl Drop for MockTenant {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Mints tokens for one tenant: `tenant.token().delegated(user, scopes)` or `.app(roles)`.
#[derive(Debug, Clone, Copy)]
pub struct TokenMinter<'a> {
    tenant: &'a MockTenant,
}

impl TokenMinter<'_> {
    /// A delegated token for `user_id` (id or UPN) with these scopes and the user's directory roles.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), hwoath_mock::MockError> {
    /// let tenant = hwoath_mock::MockTenant::start().await?;
    /// let alex = tenant.user("Alex Wilber").id.clone(); // an Authentication Policy Administrator
    /// let token = tenant.token().delegated(&alex, &["Policy.ReadWrite.AuthenticationMethod"]);
    /// # let _ = token;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delegated(&self, user_id: &str, scopes: &[&str]) -> String {
        let oid = self
            .tenant
            .fixture
            .user(user_id)
            .map_or(user_id, |u| u.id.as_str());
        self.mint(TokenRequest::delegated(oid, scopes))
    }

    /// An app-only token with these application roles.
    pub fn app(&self, roles: &[&str]) -> String {
        self.mint(TokenRequest::app(roles))
    }

    /// A token exactly as requested; a delegated request without `wids` gets the user's fixture roles.
    pub fn mint(&self, mut request: TokenRequest) -> String {
        if request.wids.is_none() {
            request.wids = request
                .oid
                .as_deref()
                .and_then(|oid| self.tenant.fixture.user(oid))
                .map(|u| u.roles.clone());
        }
        request.mint(&self.tenant.state.key, &self.tenant.fixture.tenant_id)
    }
}
