//! Bounded runs and messages for people, from the outside: `--max-time` against a slow target ends
//! in a known time with a report, `--fail-fast` starts nothing after a failure, a closed standard
//! output never panics, `--jobs 0` is a usage error, a target without `/beta` gets the corrected URL,
//! and `hwoath mock --addr localhost:0` listens.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{hwoath, run_report, text};

use hwoath_mock::FaultConfig;
use serde_json::Value;

fn reasons_starting(report: &Value, outcome: &str, start: &str) -> usize {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| {
            case["outcome"] == outcome
                && case["reasons"][0]
                    .as_str()
                    .is_some_and(|r| r.starts_with(start))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_time_ends_a_run_against_a_slow_target_in_a_known_time() {
    let tenant = hwoath_testkit::mock().await;
    tenant
        .set_faults(FaultConfig {
            latency_ms: 300,
            latency_rate: 1.0,
            ..FaultConfig::default()
        })
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = hwoath(&[
        "run",
        "--target",
        &tenant.base_url(),
        "--max-time",
        "3s",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let took = started.elapsed();
    eprintln!("--max-time 3s against 300 ms answers: exited after {took:?}");
    // 3 s of cases, at most 5 s of cleanup and 1 s for the last sweep, plus starting and probing.
    assert!(took < Duration::from_secs(14), "took {took:?}");
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("stopped early: the run reached --max-time 3 s"),
        "{stdout}"
    );
    let report = run_report(out.path());
    assert_eq!(report["interrupted"], false);
    assert_eq!(report["stop_reason"], "the run reached --max-time 3 s");
    assert_eq!(
        report["cases"].as_array().unwrap().len(),
        hwoath_suite::catalog().len(),
        "every case is in the report"
    );
    assert!(
        reasons_starting(
            &report,
            "skip",
            "not started: the run reached --max-time 3 s"
        ) > 0
    );
    assert!(reasons_starting(&report, "error", "cancelled after ") > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_fast_starts_no_case_after_the_first_failure() {
    let tenant = hwoath_testkit::mock().await;
    // No request-id on any answer: every case that sends a request fails.
    let proxy = support::failing_proxy(&tenant, Duration::ZERO).await;
    let out = tempfile::tempdir().unwrap();
    let output = hwoath(&[
        "run",
        "--target",
        &proxy.base_url(),
        "--group",
        "validation",
        "--fail-fast",
        "--jobs",
        "1",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let report = run_report(out.path());
    let cases = report["cases"].as_array().unwrap();
    assert_eq!(cases[0]["outcome"], "fail", "{}", cases[0]);
    let first = cases[0]["id"].as_str().unwrap();
    let expected = format!("not started: --fail-fast: {first} did not pass");
    assert_eq!(
        reasons_starting(&report, "skip", &expected),
        cases.len() - 1
    );
    assert_eq!(
        report["stop_reason"],
        format!("--fail-fast: {first} did not pass")
    );
}

#[test]
fn a_closed_standard_output_ends_the_run_quietly() {
    let out = tempfile::tempdir().unwrap();
    // The reader goes away before the run writes a line.
    let output = support::with_closed_stdout(
        &[
            "run",
            "--group",
            "rfc",
            "--out",
            out.path().to_str().unwrap(),
        ],
        out.path(),
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
    assert!(
        run_report(out.path())["cases"].as_array().is_some(),
        "the reports are written"
    );
}

#[test]
fn hwoath_run_piped_into_head_exits_cleanly() {
    let out = tempfile::tempdir().unwrap();
    let script = format!(
        "{} run --group rfc --out {} | head -1; exit ${{PIPESTATUS[0]}}",
        env!("CARGO_BIN_EXE_hwoath"),
        out.path().display()
    );
    let output = Command::new("bash").args(["-c", &script]).output().unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(text(&output.stdout).lines().count(), 1);
}

#[test]
fn jobs_0_is_a_usage_error() {
    let output = hwoath(&["run", "--jobs", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("--jobs"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_without_beta_gets_the_corrected_url() {
    let tenant = hwoath_testkit::mock().await;
    let root = tenant.root_url();
    let output = hwoath(&["run", "--target", &root]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("try --target {root}/beta")),
        "{stderr}"
    );
    assert_eq!(stderr.matches("404").count(), 1, "said once: {stderr}");
}

#[test]
fn the_mock_listens_on_a_host_name() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(["mock", "--addr", "localhost:0", "--quiet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let base = stdout.lines().take(5).find_map(|line| {
        line.ok()?
            .trim()
            .strip_prefix("Graph base URL:")
            .map(|s| s.trim().to_owned())
    });
    let _ = child.kill();
    let _ = child.wait();
    let base = base.expect("the banner names the base URL");
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
}
