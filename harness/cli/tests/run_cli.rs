//! `hwoath run`, `hwoath report diff` and `hwoath cleanup` from the outside: exit codes, reports, gate.

mod support;

use std::process::Command;
use support::{assert_exit, hwoath, run_folder, text};

#[test]
fn run_against_the_embedded_mock_writes_four_reports_and_exits_zero() {
    let out = tempfile::tempdir().unwrap();
    let output = hwoath(&[
        "run",
        "--group",
        "rfc",
        "--group",
        "lifecycle",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_exit(&output, 0);
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("group") && stdout.contains("rfc") && stdout.contains("lifecycle"),
        "{stdout}"
    );
    let dir = run_folder(out.path());
    for file in ["report.json", "junit.xml", "report.md", "report.html"] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let report = std::fs::read_to_string(dir.join("report.json")).unwrap();
    assert!(report.contains("\"schema\": \"hwoath-report/1\""));
    assert!(!report.contains("eyJ"), "no bearer token in the report");
}

#[test]
fn an_unreachable_target_exits_two_with_a_reason() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/beta", listener.local_addr().unwrap());
    drop(listener);
    let output = hwoath(&["run", "--target", &url]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("unreachable"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn usage_errors_exit_two() {
    assert_eq!(hwoath(&["run", "--group", "nope"]).status.code(), Some(2));
    assert_eq!(
        hwoath(&["run", "--case", "no/such-case"]).status.code(),
        Some(2)
    );
    assert_eq!(hwoath(&["run", "--timeout", "0"]).status.code(), Some(2));
}

#[test]
fn report_diff_exits_one_on_a_regression_and_names_it() {
    let baseline = concat!(env!("CARGO_MANIFEST_DIR"), "/../../reports/baseline.json");
    let dir = tempfile::tempdir().unwrap();
    let mut report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(baseline).unwrap()).unwrap();
    let same = dir.path().join("same.json");
    std::fs::write(&same, report.to_string()).unwrap();
    let output = hwoath(&["report", "diff", baseline, same.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));

    let id = report["cases"][0]["id"].as_str().unwrap().to_owned();
    report["cases"][0]["outcome"] = "fail".into();
    report["cases"][0]["reasons"] = serde_json::json!(["made up for the test"]);
    let worse = dir.path().join("worse.json");
    std::fs::write(&worse, report.to_string()).unwrap();
    let output = hwoath(&["report", "diff", baseline, worse.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stdout).contains(&format!("REGRESSED {id}: pass -> fail")),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn the_gate_passes_against_the_committed_baseline() {
    let baseline = concat!(env!("CARGO_MANIFEST_DIR"), "/../../reports/baseline.json");
    let out = tempfile::tempdir().unwrap();
    // 16 generated bodies a property case (as on a real tenant): every case still runs and is compared.
    let output = hwoath(&[
        "run",
        "--baseline",
        baseline,
        "--cases",
        "16",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert!(text(&output.stdout).contains("0 regressed"));
}

#[test]
fn a_target_answering_garbage_exits_one_with_a_complete_report() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/beta", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buffer = [0u8; 8192];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 7\r\nconnection: close\r\n\r\n{oops!}");
        }
    });
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args([
            "run",
            "--target",
            &url,
            "--out",
            out.path().to_str().unwrap(),
        ])
        .env("GRAPH_TOKEN", "garbage-target-test-token")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    assert!(
        text(&output.stdout).contains("FAIL"),
        "{}",
        text(&output.stdout)
    );
    let dir = run_folder(out.path());
    let report = std::fs::read_to_string(dir.join("report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(
        report["cases"].as_array().unwrap().len(),
        hwoath_suite::catalog().len()
    );
    assert!(!report.to_string().contains("garbage-target-test-token"));
}
