//! The `properties` group against the embedded mock: every valid body is accepted and takes effect,
//! every mutation class is refused as its label says, the same seed sends the same bodies, and the
//! run leaves nothing behind.

mod common;

use hwoath_suite::Group;
use hwoath_suite::{Credentials, RunOptions, RunReport};

async fn run_properties(cases: usize, seed: u64) -> (RunReport, hwoath_mock::MockTenant) {
    let (tenant, mut options) = common::mock().await;
    options.cases = Some(cases);
    options.seed = seed;
    let run = RunOptions {
        groups: vec![Group::Properties],
        ..RunOptions::default()
    };
    let report = common::run(&tenant.base_url(), Credentials::MockControls, options, run).await;
    (report, tenant)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_label_class_gets_the_answer_its_label_calls_for() {
    let (report, tenant) = run_properties(24, 1).await;
    common::assert_all_pass(&report);
    assert!(
        report.failures.is_empty(),
        "no failure files when every case passes"
    );
    let ids: Vec<&str> = report.cases.iter().map(|c| c.id.as_str()).collect();
    for id in [
        "properties/create-valid",
        "properties/create-drop-required",
        "properties/create-wrong-type",
        "properties/create-null",
        "properties/create-out-of-range",
        "properties/create-unknown-enum",
        "properties/create-non-base32",
        "properties/create-secret-length",
        "properties/create-empty-string",
        "properties/create-unknown-property",
        "properties/create-duplicate-key",
        "properties/create-malformed",
        "properties/create-deep-nesting",
        "properties/create-huge-number",
        "properties/create-empty-body",
        "properties/create-wrong-content-type",
        "properties/update-valid",
        "properties/update-immutable",
        "properties/assign-valid",
        "properties/activate-valid",
        "properties/activate-bad-code",
        "properties/assign-and-activate-valid",
        "properties/assign-and-activate-by-serial-valid",
        "properties/bulk-valid",
        "properties/bulk-bad-item",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    assert!(
        tenant.devices().is_empty(),
        "the run left {} devices behind",
        tenant.devices().len()
    );
    tenant.check_invariants().expect("tenant invariants hold");
}
