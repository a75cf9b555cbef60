//! The `stateful` group against the embedded mock: random sequences agree with the suite's reference
//! model, and nothing is left behind.

mod common;

use hwoath_suite::Group;
use hwoath_suite::{Credentials, Outcome, RunOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_sequences_agree_with_the_reference_model() {
    let (tenant, mut options) = common::mock().await;
    options.cases = Some(24);
    options.seed = 5;
    let run = RunOptions {
        groups: vec![Group::Stateful],
        ..RunOptions::default()
    };
    let report = common::run(&tenant.base_url(), Credentials::MockControls, options, run).await;
    let case = &report.cases[0];
    assert_eq!(case.id, "stateful/sequences");
    assert_eq!(case.outcome, Outcome::Pass, "{}", case.reasons.join("\n"));
    assert!(
        tenant.devices().is_empty(),
        "{} devices left",
        tenant.devices().len()
    );
    tenant.check_invariants().expect("tenant invariants hold");
}
