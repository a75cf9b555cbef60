//! The HTTP application: shared state, middleware, body reading and the router.

pub mod body;
pub mod caller;
pub mod middleware;
pub mod router;
pub mod state;
