//! Request and event counters, served by `GET /_hwoath/counters`.

use std::collections::BTreeMap;

use serde::Serialize;

/// Counts since start or the last reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Requests per route (`"GET /beta/me/authentication/hardwareOathMethods"`) per status (`"200"`).
    pub requests: BTreeMap<String, BTreeMap<String, u64>>,
    /// Successful activations (activate and both assign-and-activate actions).
    pub activations: u64,
    /// Activations refused for a wrong or replayed code.
    pub failed_activations: u64,
    /// Activations refused by the activation throttle (429).
    pub throttled: u64,
    /// Faults injected by the fault controls.
    pub faults: FaultCounts,
}

/// Injected faults by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FaultCounts {
    /// Requests delayed.
    pub latency: u64,
    /// Requests answered 429.
    pub throttle: u64,
    /// Requests answered 503.
    pub server_error: u64,
    /// Connections dropped.
    pub drop: u64,
}

impl Counters {
    /// Counts one answered request.
    pub(crate) fn record(&mut self, route: String, status: u16) {
        *self
            .requests
            .entry(route)
            .or_default()
            .entry(status.to_string())
            .or_default() += 1;
    }
}
