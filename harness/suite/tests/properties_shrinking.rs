//! A deliberately lenient target: a proxy in front of the mock that drops unknown properties from create
//! bodies before forwarding them, so bodies labelled `unknown-property` are created (201) instead of
//! refused. The case must fail, shrink to a minimal body, name it in its reasons, return the failure
//! record (the same for the same seed), and a replay of that record says FAILED against the proxy and
//! FIXED against the plain mock.

mod common;

use hwoath_suite::report::Failure;
use hwoath_suite::{ClientConfig, Credentials, Outcome, RunOptions, RunReport};
use hwoath_testkit::{Answer, BoxFuture, Forwarded, Proxy, Rewrite};
use serde_json::Value;

const DEVICE_PROPERTIES: [&str; 8] = [
    "serialNumber",
    "manufacturer",
    "model",
    "secretKey",
    "timeIntervalInSeconds",
    "hashFunction",
    "displayName",
    "assignTo",
];

/// Drops unknown properties from create bodies that parse, before they reach the mock.
struct DropUnknownProperties;

impl Rewrite for DropUnknownProperties {
    fn request<'a>(&'a self, request: &'a mut Forwarded) -> BoxFuture<'a, Option<Answer>> {
        Box::pin(async move {
            if request.method == "POST"
                && request.path.ends_with("/hardwareOathDevices")
                && let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(&request.body)
            {
                map.retain(|key, _| key.contains('@') || DEVICE_PROPERTIES.contains(&key.as_str()));
                request.body = serde_json::to_vec(&map).unwrap_or_default();
            }
            None
        })
    }
}

async fn run_against(base: &str, options: &hwoath_suite::SuiteOptions, seed: u64) -> RunReport {
    let mut options = options.clone();
    options.cases = Some(12);
    options.seed = seed;
    let run = RunOptions {
        cases: vec![
            "properties/create-unknown-property".into(),
            "properties/create-valid".into(),
        ],
        ..RunOptions::default()
    };
    common::run(base, Credentials::MockControls, options, run).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lenient_target_fails_with_a_shrunk_body_that_replays() {
    let (tenant, options) = common::mock().await;
    let proxy = Proxy::start(tenant.root_url(), DropUnknownProperties).await;
    let base = proxy.base_url();

    let report = run_against(&base, &options, 11).await;
    let valid = report
        .cases
        .iter()
        .find(|c| c.id == "properties/create-valid")
        .unwrap();
    assert_eq!(valid.outcome, Outcome::Pass, "{:?}", valid.reasons);
    let case = report
        .cases
        .iter()
        .find(|c| c.id == "properties/create-unknown-property")
        .unwrap();
    assert_eq!(case.outcome, Outcome::Diverge, "an inferred rule broke");
    let reason = case.reasons.join("\n");
    assert!(
        reason.contains("expected 400, got 201") && reason.contains("failures/"),
        "{reason}"
    );
    assert!(
        !case.exchanges.is_empty(),
        "the shrunk body's exchange is recorded"
    );
    assert_eq!(report.failures.len(), 1);
    let failure = &report.failures[0];
    assert_eq!(failure.case, "properties/create-unknown-property");
    assert_eq!(failure.expected, vec![400]);
    assert_eq!(failure.received.status, Some(201));

    // Minimal: the five required properties and the unknown one, each as short as it gets.
    let body: Value = serde_json::from_str(&failure.request.body).expect("JSON with placeholders");
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    let unknown: Vec<&&String> = keys
        .iter()
        .filter(|k| !DEVICE_PROPERTIES.contains(&k.as_str()))
        .collect();
    assert_eq!(keys.len(), 6, "only required properties remain: {body}");
    assert_eq!(unknown.len(), 1, "{body}");
    assert_eq!(
        unknown[0].len(),
        1,
        "the unknown name shrinks to one letter: {body}"
    );
    for text in ["manufacturer", "model"] {
        assert_eq!(body[text].as_str().unwrap().chars().count(), 1, "{body}");
    }
    assert_eq!(body["secretKey"].as_str().unwrap().len(), 16, "{body}");
    assert_eq!(body["serialNumber"], "{{serial}}");

    // The same seed finds and shrinks the same failure.
    let again = run_against(&base, &options, 11).await;
    assert_eq!(again.failures.len(), 1);
    assert_eq!(again.failures[0].request, failure.request);
    assert_eq!(again.failures[0].index, failure.index);

    // The failure file round-trips and replays: FAILED on the lenient target, FIXED on the mock.
    let saved = Failure::from_json(&failure.to_json()).unwrap();
    assert_eq!(&saved, failure);
    let users = options.users.clone();
    let on_proxy = hwoath_suite::replay(
        &base,
        Credentials::MockControls,
        ClientConfig::default(),
        users.clone(),
        &saved,
    )
    .await
    .unwrap();
    assert!(on_proxy.failed(), "{:?}", on_proxy.problems);
    let on_mock = hwoath_suite::replay(
        &tenant.base_url(),
        Credentials::MockControls,
        ClientConfig::default(),
        users,
        &saved,
    )
    .await
    .unwrap();
    assert!(!on_mock.failed(), "{:?}", on_mock.problems);
    assert_eq!(on_mock.status, Some(400));
    assert!(
        tenant.devices().is_empty(),
        "{} devices left",
        tenant.devices().len()
    );
}
