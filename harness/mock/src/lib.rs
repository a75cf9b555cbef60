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

pub mod activation;
pub mod app;
pub mod auth;
pub mod clock;
pub mod counters;
pub mod errors;
pub mod faults;
pub mod fixture;
pub mod odata;
pub mod options;
pub mod persist;
pub mod policy;
pub mod routes;
pub mod store;
pub mod tenant;
pub mod throttle;
pub mod tls;
pub mod token;
pub mod visibility;

pub use auth::jwt::SigningKey;
pub use auth::permissions::roles;
pub use clock::ClockReading;
pub use counters::Counters;
pub use faults::FaultConfig;
pub use fixture::{App, Fixture, User};
pub use options::{Behaviour, NumbersAsStrings, PolicyDisabled, StatusAfterAssignTo};
pub use tenant::{MockError, MockTenant, MockTenantBuilder, TokenMinter};
pub use throttle::ThrottleConfig;
pub use tls::{TlsConfig, TlsError};
pub use token::TokenRequest;
