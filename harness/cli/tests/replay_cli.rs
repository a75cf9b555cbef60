//! `hwoath run --group properties --cases N` and `hwoath replay FILE` from the outside: the flag is
//! honoured, and a replay exits 0 (FIXED) when the embedded mock now answers as the label says, 1
//! (FAILED) when it does not, 2 on a file that is not a failure.

mod support;

use std::process::Command;
use support::{assert_exit, hwoath, run_folder, text};

/// A failure file for a create body labelled wrong-type, whose `model` is `model`.
fn failure_file(dir: &std::path::Path, model: &str) -> std::path::PathBuf {
    let body = format!(
        r#"{{"serialNumber":"{{{{serial}}}}","manufacturer":"a","model":{model},"secretKey":"AAAAAAAAAAAAAAAA","timeIntervalInSeconds":30}}"#
    );
    let failure = serde_json::json!({
        "schema": "hwoath-failure/1",
        "seed": 0,
        "case": "properties/create-wrong-type",
        "index": 3,
        "kind": "create",
        "label": {"class": "wrong-type", "detail": "model = 123456"},
        "request": {
            "method": "POST",
            "path": "/directory/authenticationMethodDevices/hardwareOathDevices",
            "content_type": "application/json",
            "body": body,
        },
        "expected": [400],
        "received": {"status": 201, "body": "{}"},
        "problems": ["expected 400, got 201"],
    });
    let path = dir.join(format!("failure-{}.json", model.len()));
    std::fs::write(&path, serde_json::to_string_pretty(&failure).unwrap()).unwrap();
    path
}

#[test]
fn replay_says_fixed_or_failed_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    // The mock refuses a numeric model: the failure no longer happens.
    let fixed = hwoath(&[
        "replay",
        failure_file(dir.path(), "123456").to_str().unwrap(),
    ]);
    assert_eq!(
        fixed.status.code(),
        Some(0),
        "{}{}",
        text(&fixed.stdout),
        text(&fixed.stderr)
    );
    assert!(
        text(&fixed.stdout).contains("FIXED"),
        "{}",
        text(&fixed.stdout)
    );
    // A body that is in fact valid is created (201), so a label calling for 400 still fails.
    let failed = hwoath(&[
        "replay",
        failure_file(dir.path(), "\"Key\"").to_str().unwrap(),
    ]);
    assert_eq!(
        failed.status.code(),
        Some(1),
        "{}{}",
        text(&failed.stdout),
        text(&failed.stderr)
    );
    assert!(
        text(&failed.stdout).contains("FAILED"),
        "{}",
        text(&failed.stdout)
    );
    assert!(
        text(&failed.stdout).contains("expected 400, got 201"),
        "{}",
        text(&failed.stdout)
    );
    // Not a failure file.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{}").unwrap();
    assert_eq!(
        hwoath(&["replay", junk.to_str().unwrap()]).status.code(),
        Some(2)
    );
}

#[test]
fn run_honours_cases_and_writes_no_failures_when_the_mock_agrees() {
    let out = tempfile::tempdir().unwrap();
    let output = hwoath(&[
        "run",
        "--case",
        "properties/create-wrong-type",
        "--case",
        "properties/assign-valid",
        "--cases",
        "5",
        "--seed",
        "9",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_exit(&output, 0);
    let dir = run_folder(out.path());
    assert!(!dir.join("failures").exists());
    let report = std::fs::read_to_string(dir.join("report.json")).unwrap();
    assert!(report.contains("\"seed\": 9"), "{report}");
    assert!(report.contains("properties/create-wrong-type"));
    assert_eq!(
        hwoath(&["run", "--group", "properties", "--cases", "x"])
            .status
            .code(),
        Some(2)
    );
}

/// A target that accepts anything: lists are empty, creates answer 201 with a device, PATCH and DELETE
/// answer 204. Returns its base URL.
fn lenient_target() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/beta", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buffer = [0u8; 65536];
            // Read the head and whatever body came with it.
            while let Ok(n) = stream.read(&mut buffer) {
                request.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            let method = String::from_utf8_lossy(&request)
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_owned();
            let (status, body) = match method.as_str() {
                "GET" => (
                    "200 OK",
                    r#"{"@odata.context":"http://lenient/$metadata#devices","value":[]}"#
                        .to_owned(),
                ),
                "POST" => (
                    "201 Created",
                    format!(
                        r#"{{"@odata.context":"http://lenient/$metadata#devices/$entity","id":"{}","displayName":null,"serialNumber":"s","manufacturer":"m","model":"x","secretKey":null,"timeIntervalInSeconds":30,"hashFunction":"hmacsha1","status":"available","lastUsedDateTime":null,"assignedTo":null}}"#,
                        "9b037532-f999-1ed9-13fd-849ffb995e11"
                    ),
                ),
                _ => ("204 No Content", String::new()),
            };
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nrequest-id: lenient\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}

/// End to end on a target that takes `null` for non-nullable properties in an update (204 where
/// docs/spec.md (Request bodies and validation) calls for 400): the run saves the shrunk body under `failures/`, replaying it against that
/// target says FAILED (given with --target, or read from the failure file), and against the embedded
/// mock, which refuses it, FIXED.
#[test]
fn a_failure_is_saved_and_replays_as_failed_then_fixed() {
    let target = lenient_target();
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args([
            "run",
            "--target",
            &target,
            "--allow-writes",
            "--case",
            "properties/update-null",
            "--cases",
            "3",
        ])
        .args(["--out", out.path().to_str().unwrap()])
        .env("GRAPH_TOKEN", "lenient-target-token")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let failures = run_folder(out.path()).join("failures");
    let files: Vec<_> = std::fs::read_dir(&failures)
        .expect("a failures folder")
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(saved["case"], "properties/update-null");
    assert_eq!(saved["expected"], serde_json::json!([400]));
    assert_eq!(saved["received"]["status"], 204);
    assert!(
        text(&output.stdout).contains(&format!("hwoath replay {}", files[0].display())),
        "{}",
        text(&output.stdout)
    );
    let still = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(["replay", files[0].to_str().unwrap(), "--target", &target])
        .env("GRAPH_TOKEN", "lenient-target-token")
        .output()
        .unwrap();
    assert_eq!(still.status.code(), Some(1), "{}", text(&still.stdout));
    assert!(text(&still.stdout).contains("FAILED"));
    assert_eq!(saved["target"]["base_url"], target.as_str(), "{saved}");
    let recorded = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(["replay", files[0].to_str().unwrap()])
        .env("GRAPH_TOKEN", "lenient-target-token")
        .output()
        .unwrap();
    assert_eq!(
        recorded.status.code(),
        Some(1),
        "{}",
        text(&recorded.stdout)
    );
    assert!(text(&recorded.stdout).contains("FAILED"));
    assert!(
        text(&recorded.stderr).contains(&format!("replaying against {target}")),
        "{}",
        text(&recorded.stderr)
    );
    let fixed = hwoath(&["replay", files[0].to_str().unwrap(), "--embedded"]);
    assert_eq!(fixed.status.code(), Some(0), "{}", text(&fixed.stdout));
    assert!(text(&fixed.stdout).contains("FIXED"));
}
