//! A faithful mock tenant for the Microsoft Graph (beta) hardware OATH token endpoints: a real axum
//! HTTP server with the token inventory, per-user methods, TOTP activation, permissions from signed
//! bearer tokens, OData paging and filtering, throttling, an OAuth2 token endpoint, optional test
//! controls, an optional state database and optional HTTPS ([`TlsConfig`]).
//!
//! Start one per test, point your Graph client at [`MockTenant::base_url`], and mint tokens:
//!
//! ```
//! use hwoath_mock::MockTenant;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), hwoath_mock::MockError> {
//! let tenant = MockTenant::builder().controls(true).clock(59).start().await?;
//! let amy = tenant.user("Amy Masters").id.clone();
//! let token = tenant.token().delegated(&amy, &["UserAuthenticationMethod.ReadWrite"]);
//! let url = format!("{}/me/authentication/hardwareOathMethods", tenant.base_url());
//! # let _ = (token, url);
//! // GET url with `Authorization: Bearer {token}` -> 200 {"value": [], ...}
//! # Ok(())
//! # }
//! ```
//!
//! The mock's signing key is a fixed development key unless one is given: tokens it mints are
//! for testing only and mean nothing to any real service.
//!
//! Inferred behaviour (where Microsoft's docs are silent) is listed in the crate README and in the
//! project's `docs/spec.md`: unknown properties are refused, duplicate serials answer 409, state
//! conflicts (update, delete or assign of an assigned token) answer 409, app-only tokens on `/me`
//! answer 400, and a TOTP step is never accepted twice. Activation accepts codes 2880 steps either
//! side of the tenant clock (documented by Microsoft). Where the docs conflict or say nothing, a
//! [`Behaviour`] option picks the answer.

mod app;
mod auth;
mod clock;
mod counters;
mod errors;
mod faults;
mod fixture;
mod invariants;
mod odata;
mod options;
mod persist;
mod policy;
mod records;
mod router;
mod routes;
mod store;
mod tenant;
mod throttle;
mod tls;
mod token;

pub use auth::jwt::{Claims, SigningKey, TokenError};
pub use auth::permissions::roles;
pub use clock::ClockReading;
pub use counters::{Counters, FaultCounts};
pub use faults::{FaultConfig, FaultConfigError};
pub use fixture::{App, Fixture, FixtureError, User};
pub use invariants::InvariantViolation;
pub use options::{
    Behaviour, NumbersAsStrings, PolicyDisabled, StatusAfterAssignTo, UnknownOptionValue,
};
pub use persist::{Opened, PersistError, SavedState, StateFile, read_state_file};
pub use records::{DeviceRecord, MethodRecord};
pub use store::ACTIVATION_WINDOW_STEPS;
pub use tenant::{MockError, MockTenant, MockTenantBuilder, TokenMinter};
pub use tls::{TlsConfig, TlsError};
pub use token::TokenRequest;

/// Internals the fuzz targets (`fuzz/`) and this crate's own integration tests drive directly: the
/// in-process state behind [`MockTenantBuilder::router`], the store, the development signing key and
/// the fault generator. Not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::app::state::AppState;
    pub use crate::auth::jwt::DEVELOPMENT_KEY;
    pub use crate::errors::format_retry_after;
    pub use crate::faults::{FaultDecision, FaultInjector, FaultOutcome};
    pub use crate::store::Store;
}
