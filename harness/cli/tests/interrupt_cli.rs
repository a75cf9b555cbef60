//! SIGTERM or Ctrl-C during `hwoath run`: the run stops starting cases, cancels the running ones
//! (shrinking included), removes what it created, restores the clock, writes a report marked
//! interrupted and exits 130 within 15 s, without a panic; a second signal exits at once.

mod support;

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use hwoath_mock::{FaultConfig, MockTenant};
use support::{failing_proxy, run_report};

/// The longest an interrupted run may take to exit.
const EXIT_BOUND: Duration = Duration::from_secs(15);

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Starts `hwoath run --target target --out out` with `extra` arguments.
fn spawn_run(target: &str, out: &Path, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(["run", "--target", target, "--out", out.to_str().unwrap()])
        .args(extra)
        .env_remove("GRAPH_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits (at most `limit`) until `ready` holds.
async fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < limit,
            "{what} did not happen within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (at most `limit`) for the process to exit; returns its status and how long that took.
async fn wait_exit(child: &mut Child, limit: Duration) -> (ExitStatus, Duration) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, started.elapsed());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("the run did not exit within {limit:?} of the signal");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A mock with test controls and a running clock.
async fn mock() -> MockTenant {
    hwoath_testkit::mock_with(|mock| mock.clock_running(1_700_000_000)).await
}

/// Reads what the process printed once it has exited.
fn output(child: Child) -> (String, String) {
    let output = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The checks every interrupted run must pass: 130, no panic, a report marked interrupted whose
/// cases are all accounted for.
fn assert_interrupted(
    status: ExitStatus,
    took: Duration,
    out: &Path,
    child: Child,
) -> serde_json::Value {
    let (stdout, stderr) = output(child);
    assert_eq!(status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(took < EXIT_BOUND, "took {took:?} after the signal");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("interrupted: stopping"), "{stderr}");
    assert!(
        stdout.contains("stopped early: the run was interrupted"),
        "{stdout}"
    );
    let report = run_report(out);
    assert_eq!(report["interrupted"], true, "{report}");
    assert!(
        report["stop_reason"]
            .as_str()
            .unwrap()
            .contains("interrupted")
    );
    report
}

async fn interrupted_run_cleans_up(signal_name: &str) {
    let tenant = mock().await;
    tenant
        .set_faults(FaultConfig {
            latency_ms: 100,
            latency_rate: 1.0,
            seed: 1,
            ..FaultConfig::default()
        })
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut child = spawn_run(&tenant.base_url(), out.path(), &[]);
    wait_until("the run creating devices", Duration::from_secs(30), || {
        !tenant.devices().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(child.id(), signal_name);
    let (status, took) = wait_exit(&mut child, Duration::from_secs(60)).await;
    let report = assert_interrupted(status, took, out.path(), child);
    eprintln!("{signal_name}: exited {took:?} after the signal");
    tenant.clear_faults();
    assert!(
        tenant.devices().is_empty(),
        "{} devices left after the interruption",
        tenant.devices().len()
    );
    tenant.check_invariants().unwrap();
    assert!(!tenant.clock().frozen, "the clock was left frozen");
    let cases = report["cases"].as_array().unwrap();
    assert_eq!(
        cases.len(),
        hwoath_suite::catalog().len(),
        "every case is listed"
    );
    assert!(
        cases.iter().any(|case| case["reasons"][0]
            .as_str()
            .unwrap_or("")
            .starts_with("not started: ")),
        "the run stopped before every case ran"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_cleans_up_and_reports() {
    interrupted_run_cleans_up("TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_cleans_up_and_reports() {
    interrupted_run_cleans_up("INT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_a_property_case_shrinks_exits_130_within_15_s() {
    let tenant = mock().await;
    let proxy = failing_proxy(&tenant, Duration::from_millis(20)).await;
    let out = tempfile::tempdir().unwrap();
    // Valid activations are capped at 16 a case, so 5000 asked still shrinks after 16 sends.
    let mut child = spawn_run(
        &proxy.base_url(),
        out.path(),
        &["--case", "properties/activate-valid", "--cases", "5000"],
    );
    wait_until("shrinking", Duration::from_secs(60), || {
        proxy.received("POST", "/activate") > 16 + 2
    })
    .await;
    signal(child.id(), "TERM");
    let (status, took) = wait_exit(&mut child, EXIT_BOUND).await;
    eprintln!("properties mid-shrink: exited {took:?} after SIGTERM");
    let report = assert_interrupted(status, took, out.path(), child);
    let case = &report["cases"][0];
    assert_eq!(case["outcome"], "error", "{case}");
    assert!(
        case["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("cancelled after "),
        "{case}"
    );
    assert!(
        tenant.devices().is_empty(),
        "{} devices left",
        tenant.devices().len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_the_stateful_case_shrinks_exits_130_within_15_s() {
    let tenant = mock().await;
    let proxy = failing_proxy(&tenant, Duration::from_millis(5)).await;
    let out = tempfile::tempdir().unwrap();
    let mut child = spawn_run(
        &proxy.base_url(),
        out.path(),
        &["--group", "stateful", "--cases", "5000"],
    );
    // The case sets the clock, then every sequence does: the third sequence run is a shrink.
    wait_until("shrinking", Duration::from_secs(60), || {
        proxy.received("PUT", "/_hwoath/clock") >= 4
    })
    .await;
    signal(child.id(), "TERM");
    let (status, took) = wait_exit(&mut child, EXIT_BOUND).await;
    eprintln!("stateful mid-shrink: exited {took:?} after SIGTERM");
    let report = assert_interrupted(status, took, out.path(), child);
    assert_eq!(report["cases"][0]["outcome"], "error");
    assert!(report.get("clock_not_restored").is_none(), "{report}");
    assert!(!tenant.clock().frozen, "the clock was put back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_signal_exits_at_once_without_cleanup() {
    let tenant = mock().await;
    // Slow answers: the cleanup after the first signal takes seconds.
    let proxy = failing_proxy(&tenant, Duration::from_millis(400)).await;
    let out = tempfile::tempdir().unwrap();
    let mut child = spawn_run(&proxy.base_url(), out.path(), &["--group", "lifecycle"]);
    wait_until("the run creating devices", Duration::from_secs(60), || {
        !tenant.devices().is_empty()
    })
    .await;
    signal(child.id(), "TERM");
    tokio::time::sleep(Duration::from_millis(200)).await;
    signal(child.id(), "TERM");
    let (status, took) = wait_exit(&mut child, Duration::from_secs(3)).await;
    eprintln!("second SIGTERM: exited {took:?} after it");
    let (stdout, stderr) = output(child);
    assert_eq!(status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("interrupted again: exiting without cleanup"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
