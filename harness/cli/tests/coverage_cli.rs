//! A standalone `hwoath mock` as `--target` runs every case the embedded mock runs: the suite finds
//! its users through `GET /users` and says before the run that nothing will skip.

mod support;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use support::{StandaloneMock, outcomes};

/// Runs `hwoath run` with `args` into `out`; returns stderr and the report.
fn run(args: &[&str], out: &Path) -> (String, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(["run", "--cases", "2"])
        .args(args)
        .args(["--out", out.to_str().unwrap()])
        .env_remove("GRAPH_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .output()
        .expect("hwoath runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    (stderr, support::run_report(out))
}

#[test]
fn a_standalone_mock_runs_every_case_the_embedded_one_runs() {
    let embedded_out = tempfile::tempdir().unwrap();
    let (embedded_line, embedded) = run(&[], embedded_out.path());
    let mock = StandaloneMock::start(&[OsStr::new("--controls")]);
    let standalone_out = tempfile::tempdir().unwrap();
    let (standalone_line, standalone) = run(&["--target", &mock.base_url], standalone_out.path());
    assert!(
        standalone_line.contains("none will skip")
            && standalone_line.contains("found with GET /users"),
        "{standalone_line}"
    );
    assert!(embedded_line.contains("none will skip"), "{embedded_line}");
    assert_eq!(standalone["summary"]["skipped"], 0);
    assert_eq!(embedded["summary"]["skipped"], 0);
    assert_eq!(outcomes(&standalone), outcomes(&embedded));
}
