//! A target that loses one transition: a proxy in front of the mock answers every `deactivate` with
//! 204 without passing it on (even for a token nobody holds, where the model expects 404). The stateful
//! case must fail, shrink the sequence to a few operations, and print it as numbered HTTP calls.

mod common;

use hwoath_suite::Group;
use hwoath_suite::{Credentials, Outcome, RunOptions};
use hwoath_testkit::{Answer, BoxFuture, Forwarded, Proxy, Rewrite};

/// Answers every deactivate with 204 itself, without passing it on.
struct LoseDeactivate;

impl Rewrite for LoseDeactivate {
    fn request<'a>(&'a self, request: &'a mut Forwarded) -> BoxFuture<'a, Option<Answer>> {
        Box::pin(async move {
            if request.method != "POST" || !request.path.ends_with("/deactivate") {
                return None;
            }
            Some(request.graph_answer(204))
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_transition_shrinks_to_a_short_numbered_script() {
    let (tenant, mut options) = common::mock().await;
    let proxy = Proxy::start(tenant.root_url(), LoseDeactivate).await;
    options.cases = Some(64);
    options.seed = 3;
    let run = RunOptions {
        groups: vec![Group::Stateful],
        ..RunOptions::default()
    };
    let report = common::run(&proxy.base_url(), Credentials::MockControls, options, run).await;
    let case = &report.cases[0];
    assert_eq!(case.outcome, Outcome::Fail, "{:?}", case.reasons);
    let reason = case.reasons.join("\n");
    let shrunk: usize = reason
        .split("shrunk to ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the reason says how short the sequence got");
    // The shortest script is create then deactivate (answered 204 where the model says 404); one
    // that goes through assign and activate first is longer but still short.
    assert!((2..=6).contains(&shrunk), "{reason}");
    assert!(
        reason.contains("1. (test control) set the clock"),
        "{reason}"
    );
    assert!(reason.contains("2. POST /directory/"), "{reason}");
    assert!(reason.contains("/deactivate -> 204"), "{reason}");
    assert!(
        reason.contains(r#""secretKey":""#) && !reason.contains(r#""secretKey":"[redacted]""#),
        "the script sends the key the sequence generated (test data), so it replays as printed: {reason}"
    );
    assert!(
        tenant.devices().is_empty(),
        "{} devices left",
        tenant.devices().len()
    );
}
