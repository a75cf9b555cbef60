//! SIGTERM or Ctrl-C during `hwoath run` against a mock with slow answers: the run stops, removes what
//! it created, restores the clock, writes the report of what finished and exits 1.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hwoath_mock::{FaultConfig, MockTenant};

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

async fn interrupted_run_cleans_up(signal_name: &str) {
    let tenant = MockTenant::builder()
        .controls(true)
        .clock_running(1_700_000_000)
        .start()
        .await
        .unwrap();
    tenant
        .set_faults(FaultConfig {
            latency_ms: 100,
            latency_rate: 1.0,
            seed: 1,
            ..FaultConfig::default()
        })
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args([
            "run",
            "--target",
            &tenant.base_url(),
            "--out",
            out.path().to_str().unwrap(),
        ])
        .env_remove("GRAPH_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until cases have created devices, then interrupt.
    let started = Instant::now();
    while tenant.devices().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run never created anything"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    signal(child.id(), signal_name);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the interrupted run did not end");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(
        stdout.contains("cases finished before the run was interrupted"),
        "{stdout}"
    );
    tenant.clear_faults();
    assert!(
        tenant.devices().is_empty(),
        "{} devices left after the interruption",
        tenant.devices().len()
    );
    tenant.check_invariants().unwrap();
    assert!(!tenant.clock().frozen, "the clock was left frozen");
    let runs: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert_eq!(runs.len(), 1, "the report of what finished was written");
    let report =
        std::fs::read_to_string(runs[0].as_ref().unwrap().path().join("report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let finished = report["cases"].as_array().unwrap().len();
    assert!(
        finished < hwoath_suite::catalog::all().len(),
        "the run finished before the signal"
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
