//! The HTTP application: shared state, middleware, body reading, path canonicalization and the router.

pub mod body;
pub mod caller;
pub mod canonical_path;
pub mod middleware;
pub mod numbers;
pub mod router;
pub mod state;
