//! Nothing hidden: a run against a mock that answers some requests 503 or 429 records every such
//! answer (each retried attempt in its case's exchanges, all of them counted in the report and the
//! summary), never judges a retried answer that recovered, and judges the last one when the retries
//! run out; `--retries 0` judges the first (there, a proxy answers every create 503 in its place).

mod support;

use std::process::{Command, Output};

use hwoath_mock::FaultConfig;
use hwoath_testkit::{Answer, BoxFuture, Forwarded, Proxy, Rewrite};
use serde_json::{Value, json};
use support::{run_report, text};

/// Runs `hwoath run --target target` with `extra`; returns the output and the report.
fn run(target: &str, extra: &[&str]) -> (Output, Value) {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args([
            "run",
            "--target",
            target,
            "--out",
            out.path().to_str().unwrap(),
        ])
        .args(extra)
        .env_remove("GRAPH_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .output()
        .unwrap();
    (output, run_report(out.path()))
}

/// Answers every create of a token 503 (`Retry-After: 0`) in the mock's place; the rest passes.
struct CreatesUnavailable;

impl Rewrite for CreatesUnavailable {
    fn request<'a>(&'a self, request: &'a mut Forwarded) -> BoxFuture<'a, Option<Answer>> {
        Box::pin(async move {
            let create =
                request.method == "POST" && request.path_only().ends_with("/hardwareOathDevices");
            create.then(|| {
                let error = json!({"error": {"code": "serviceNotAvailable", "message": "down"}});
                request
                    .graph_answer(503)
                    .header("retry-after", "0")
                    .json(&error)
            })
        })
    }
}

/// Every recorded exchange of the report.
fn exchanges(report: &Value) -> Vec<&Value> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|case| case["exchanges"].as_array().unwrap())
        .collect()
}

fn violates_no_server_error(exchange: &Value) -> bool {
    exchange["violations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["check"] == "not_server_error")
}

fn count(report: &Value, field: &str) -> u64 {
    report["retries"][field].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_injected_run_shows_every_retried_answer() {
    let tenant = hwoath_testkit::mock().await;
    tenant
        .set_faults(FaultConfig {
            server_error_rate: 0.15,
            throttle_rate: 0.05,
            retry_after_seconds: Some(0.0),
            seed: 3,
            ..FaultConfig::default()
        })
        .unwrap();
    // Short lifecycle cases: a case waits out its retries one after another, the longest bounds the run.
    let cases = [
        "lifecycle/update-while-assigned",
        "lifecycle/delete-while-assigned",
        "lifecycle/assign-twice-same-user",
        "lifecycle/assign-to-second-user",
        "lifecycle/assign-and-activate-users",
        "lifecycle/assign-and-activate-me",
        "lifecycle/bulk-create",
        "lifecycle/create-with-assign-to",
    ];
    let args: Vec<&str> = cases.iter().flat_map(|case| ["--case", case]).collect();
    let (output, report) = run(&tenant.base_url(), &args);
    let stdout = text(&output.stdout);
    let (retried, exhausted) = (count(&report, "retried"), count(&report, "exhausted"));
    assert!(retried > 0, "{}", report["retries"]);
    assert!(report["retries"]["by_status"]["503"].as_u64().unwrap() > 0);

    // Each retried attempt a case recorded: its 429/503, the second it waited, and no verdict.
    let recorded: Vec<&Value> = exchanges(&report)
        .into_iter()
        .filter(|e| e.get("retried_after_ms").is_some())
        .collect();
    assert!(
        !recorded.is_empty(),
        "the cases recorded their retried attempts"
    );
    assert!(recorded.len() as u64 <= retried);
    for exchange in &recorded {
        assert!(
            matches!(exchange["status"].as_u64(), Some(429 | 503)),
            "{exchange}"
        );
        assert_eq!(
            exchange["retried_after_ms"], 1000,
            "Retry-After is whole seconds"
        );
        assert!(!violates_no_server_error(exchange), "{exchange}");
    }
    // The mock injected no answer the report does not account for (the run's planning probe, outside
    // the report, may have met a few).
    let injected = tenant.counters().faults;
    let injected = injected.server_error + injected.throttle;
    assert!(
        retried + exhausted <= injected,
        "{retried} + {exhausted} > {injected}"
    );
    assert!(
        injected - (retried + exhausted) <= 6,
        "{injected} injected, {retried} + {exhausted} counted"
    );
    assert!(
        stdout.contains(&format!(
            "retries: {retried} attempt(s) answered 429/503 and sent again"
        )),
        "{stdout}"
    );
    // A request whose retries ran out is judged by its last answer.
    let judged = exchanges(&report)
        .into_iter()
        .filter(|e| e.get("retried_after_ms").is_none() && e["status"] == 503)
        .count() as u64;
    assert!(
        judged <= exhausted,
        "{judged} last answers 503, {exhausted} exhausted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_0_judges_the_first_503_and_retries_2_the_third() {
    let tenant = hwoath_testkit::mock().await;
    let proxy = Proxy::start(tenant.root_url(), CreatesUnavailable).await;
    let case = ["--case", "validation/create-missing-manufacturer"];

    let (output, report) = run(
        &proxy.base_url(),
        &[&case[..], &["--retries", "0"]].concat(),
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let result = &report["cases"][0];
    assert_eq!(result["outcome"], "fail", "{result}");
    let only = &result["exchanges"].as_array().unwrap()[..];
    assert_eq!(only.len(), 1, "{result}");
    assert_eq!(only[0]["status"], 503);
    assert!(violates_no_server_error(&only[0]), "{}", only[0]);
    assert_eq!(count(&report, "retried"), 0);
    assert!(count(&report, "exhausted") >= 1);
    assert!(
        text(&output.stdout).contains("retries: none;"),
        "{}",
        text(&output.stdout)
    );

    let (output, report) = run(
        &proxy.base_url(),
        &[&case[..], &["--retries", "2"]].concat(),
    );
    assert_eq!(output.status.code(), Some(1));
    let attempts = report["cases"][0]["exchanges"].as_array().unwrap().clone();
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    for (index, attempt) in attempts.iter().enumerate() {
        assert_eq!(attempt["status"], 503);
        assert_eq!(
            attempt.get("attempt").and_then(Value::as_u64).unwrap_or(1),
            index as u64 + 1
        );
        let last = index == 2;
        assert_eq!(attempt.get("retried_after_ms").is_none(), last, "{attempt}");
        assert_eq!(violates_no_server_error(attempt), last, "{attempt}");
    }
    assert_eq!(count(&report, "retried"), 2 * count(&report, "exhausted"));
    assert_eq!(count(&report, "recovered"), 0);
}
