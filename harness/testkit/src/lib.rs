//! Test helpers shared by the hwoath crates' integration tests (a dev-dependency only,
//! never published): one rewriting HTTP [`Proxy`] (or stub server), one embedded-mock starter, one
//! user's own certificate and one seeded generator.

mod mock;
mod proxy;
mod rng;
mod tls;

/// The future a [`Rewrite`] hook returns.
pub use futures_util::future::BoxFuture;
pub use mock::{mock, mock_with, with_users};
pub use proxy::{Answer, Forwarded, Honest, Proxy, Rewrite, http_client};
pub use rng::Rng;
pub use tls::{OwnCertificate, own_certificate};
