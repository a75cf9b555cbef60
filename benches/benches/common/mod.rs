//! What the suite benches share: a runtime with an embedded mock, and one checked run of the suite
//! against it.

use hwoath_suite::{Credentials, Outcome, SuiteOptions};

/// A multi-threaded runtime and an unthrottled embedded mock on it: (runtime, tenant, its user ids).
pub fn runtime_and_mock() -> (
    tokio::runtime::Runtime,
    hwoath_mock::MockTenant,
    Vec<String>,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (tenant, users) = hwoath_benches::unthrottled_tenant(&runtime);
    (runtime, tenant, users)
}

/// Runs the suite with `options` against the mock at `base` (its test controls as credentials) and
/// returns how many cases the report holds; panics naming every case whose outcome is not one of
/// `expected`, since the bench would otherwise time a broken run.
pub fn checked_run(
    runtime: &tokio::runtime::Runtime,
    base: &str,
    options: SuiteOptions,
    expected: &[Outcome],
) -> usize {
    let report = runtime
        .block_on(hwoath_suite::run(
            base,
            Credentials::MockControls,
            options,
            |_| {},
            std::future::pending(),
        ))
        .expect("the run starts");
    let broken: Vec<String> = report
        .cases
        .iter()
        .filter(|case| !expected.contains(&case.outcome))
        .map(|case| {
            let reasons = case.reasons.join(" | ");
            format!("{} {}: {reasons}", case.outcome.as_str(), case.id)
        })
        .collect();
    assert!(
        broken.is_empty(),
        "cases did not pass, the bench would time a broken run:\n{}",
        broken.join("\n")
    );
    report.summary.total
}
