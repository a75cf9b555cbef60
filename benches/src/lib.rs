//! The hwoath benchmarks' shared inputs (so every contender gets the same key, time and digits), the
//! loopback HTTP client the mock benchmarks send with, and the renderer that turns criterion's
//! results into `reports/bench.md`.

pub mod inputs;
pub mod loopback;
pub mod report;

use hwoath_mock::MockTenant;

/// A mock tenant with test controls and no activation throttle (every iteration of a suite bench
/// activates tokens again; the documented 200-per-5-minutes limit would turn later ones into 429s),
/// started on `runtime`, with its users' ids.
pub fn unthrottled_tenant(runtime: &tokio::runtime::Runtime) -> (MockTenant, Vec<String>) {
    let tenant = runtime
        .block_on(
            MockTenant::builder()
                .controls(true)
                .activation_limit(u32::MAX, 300)
                .start(),
        )
        .expect("the mock starts");
    let users = tenant.user_ids();
    (tenant, users)
}
