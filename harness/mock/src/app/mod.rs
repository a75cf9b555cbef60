//! The HTTP application: shared state, middleware, body reading and path canonicalization.

pub(crate) mod body;
pub(crate) mod caller;
pub(crate) mod canonical_path;
pub(crate) mod middleware;
pub(crate) mod numbers;
pub(crate) mod state;
