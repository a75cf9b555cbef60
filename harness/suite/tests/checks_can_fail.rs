//! Every check can fail: a small proxy in front of the mock mutates its responses in one way at a
//! time, and the check for that property must catch it (while the unmutated run passes).

mod common;

use axum::http::HeaderValue;
use hwoath_suite::{Credentials, RunOptions, RunReport};
use hwoath_testkit::{Answer, BoxFuture, Forwarded, Honest, Proxy, Rewrite};
use serde_json::Value;

/// One way the proxy breaks the mock's answers (only under `/beta`; the test controls pass through).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mutation {
    /// Every answer becomes a 500.
    ServerError,
    /// 200 becomes 202 (not documented for any operation).
    UndocumentedStatus,
    /// Error bodies lose their envelope.
    NoEnvelope,
    /// Success bodies lose `@odata.context`.
    NoContext,
    /// `timeIntervalInSeconds` becomes a string.
    WrongType,
    /// `secretKey` comes back filled in.
    LeakSecret,
    /// No `request-id` header.
    NoRequestId,
    /// `client-request-id` echoed wrong.
    WrongClientRequestId,
    /// Bodies labelled text/plain.
    TextPlain,
    /// Error answers carry a fractional `Retry-After`.
    FractionalRetryAfter,
}

fn mutate_json(body: &mut Value, f: &dyn Fn(&mut serde_json::Map<String, Value>)) {
    match body {
        Value::Object(map) => {
            f(map);
            for inner in map.values_mut() {
                mutate_json(inner, f);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| mutate_json(item, f)),
        _ => {}
    }
}

impl Rewrite for Mutation {
    fn answer<'a>(&'a self, request: &'a Forwarded, answer: &'a mut Answer) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if request.path.starts_with("/beta") {
                self.apply(answer);
            }
        })
    }
}

impl Mutation {
    /// Breaks one Graph answer (the test controls are left alone).
    fn apply(self, answer: &mut Answer) {
        let status = answer.status;
        let mut json: Option<Value> = serde_json::from_slice(&answer.body).ok();
        match self {
            Mutation::ServerError => answer.status = 500,
            Mutation::UndocumentedStatus if status == 200 => answer.status = 202,
            Mutation::NoEnvelope if status >= 400 => {
                json = Some(serde_json::json!({"message": "nope"}))
            }
            Mutation::NoContext if status < 300 => {
                if let Some(Value::Object(map)) = json.as_mut() {
                    map.remove("@odata.context");
                }
            }
            Mutation::WrongType if status < 300 => {
                if let Some(body) = json.as_mut() {
                    mutate_json(body, &|map| {
                        if let Some(v) = map.get_mut("timeIntervalInSeconds") {
                            *v = Value::String(v.to_string());
                        }
                    });
                }
            }
            Mutation::LeakSecret if status < 300 => {
                if let Some(body) = json.as_mut() {
                    mutate_json(body, &|map| {
                        if map.contains_key("secretKey") {
                            map.insert(
                                "secretKey".into(),
                                Value::String("JBSWY3DPEHPK3PXP".into()),
                            );
                        }
                    });
                }
            }
            Mutation::NoRequestId => {
                answer.headers.remove("request-id");
            }
            Mutation::WrongClientRequestId => {
                answer.headers.insert(
                    "client-request-id",
                    HeaderValue::from_static("not-what-you-sent"),
                );
            }
            Mutation::FractionalRetryAfter if status >= 400 => {
                answer
                    .headers
                    .insert("retry-after", HeaderValue::from_static("0.5"));
            }
            Mutation::TextPlain if !answer.body.is_empty() => {
                answer
                    .headers
                    .insert("content-type", HeaderValue::from_static("text/plain"));
            }
            _ => {}
        }
        if let Some(json) = json.filter(|_| !answer.body.is_empty() || self == Mutation::NoEnvelope)
        {
            answer.body = serde_json::to_vec(&json).unwrap_or_default();
        }
    }
}

/// A few cases that between them exercise success entities, collections, 204s and error answers.
fn sample() -> RunOptions {
    RunOptions {
        cases: vec![
            "lifecycle/full-lifecycle".into(),
            "validation/create-interval-45".into(),
            "odata/filter-serial-number".into(),
        ],
        ..RunOptions::default()
    }
}

fn violated_checks(report: &RunReport) -> Vec<String> {
    let mut checks: Vec<String> = report
        .cases
        .iter()
        .flat_map(|case| case.exchanges.iter())
        .flat_map(|exchange| exchange.violations.iter().map(|v| v.check.clone()))
        .collect();
    checks.sort();
    checks.dedup();
    checks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_check_catches_its_mutation() {
    let (tenant, options) = common::mock().await;
    let cases = [
        (Mutation::ServerError, "not_server_error"),
        (Mutation::UndocumentedStatus, "documented_status"),
        (Mutation::NoEnvelope, "error_envelope"),
        (Mutation::NoContext, "odata_annotations"),
        (Mutation::WrongType, "typed_body"),
        (Mutation::LeakSecret, "secret_never_returned"),
        (Mutation::NoRequestId, "request_id"),
        (Mutation::WrongClientRequestId, "client_request_id"),
        (Mutation::TextPlain, "json_content_type"),
        (Mutation::FractionalRetryAfter, "retry_after_seconds"),
    ];
    for check in hwoath_suite::internals::CHECKS.iter() {
        assert!(
            cases.iter().any(|(_, name)| *name == check.name),
            "check {} has no mutation proving it can fail",
            check.name
        );
    }
    for (mutation, check) in cases {
        let proxy = Proxy::start(tenant.root_url(), mutation).await;
        let report = common::run(
            &proxy.base_url(),
            Credentials::MockControls,
            options.clone(),
            sample(),
        )
        .await;
        let caught = violated_checks(&report);
        assert!(
            caught.contains(&check.to_owned()),
            "{mutation:?}: {check} did not fire (fired: {caught:?})"
        );
        assert!(
            report.cases.iter().any(|c| c.outcome.is_bad()),
            "{mutation:?}: no case failed"
        );
        if mutation == Mutation::LeakSecret {
            let text = hwoath_suite::report::to_json(&report).expect("serializes");
            assert!(
                !text.contains("JBSWY3DPEHPK3PXP"),
                "a leaked secret must be redacted in the report"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_honest_proxy_changes_nothing() {
    let (tenant, options) = common::mock().await;
    let proxy = Proxy::start(tenant.root_url(), Honest).await;
    let report = common::run(
        &proxy.base_url(),
        Credentials::MockControls,
        options,
        sample(),
    )
    .await;
    assert_eq!(report.cases.len(), 3);
    assert!(
        violated_checks(&report).is_empty(),
        "{:?}",
        violated_checks(&report)
    );
    assert!(
        report
            .cases
            .iter()
            .all(|c| c.outcome == hwoath_suite::Outcome::Pass)
    );
}
