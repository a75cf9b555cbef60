//! `hwoath csv convert` from the outside: both output shapes parse back strictly, chunks and ids name
//! the lines, `--out` files are new, private and whole, a file with errors writes nothing unless
//! `--skip-invalid`, and the secrets never reach a terminal or a message.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use hwoath_graph::{BulkDelta, CreateDevice, parse_strict};
use serde_json::Value;
use support::text;

const HEADER: &str = "upn,serial number,secret key,time interval,manufacturer,model";
const KEY: &str = "JBSWY3DPEHPK3PXP";
const URL: &str = "/directory/authenticationMethodDevices/hardwareOathDevices";

/// Runs `hwoath csv convert ARGS` in `dir` (standard output is a pipe, not a terminal).
fn convert(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(["csv", "convert"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("hwoath runs")
}

/// A file of `n` valid tokens on lines 2..=n+1, each with its own secret.
fn tokens(dir: &Path, n: usize) {
    let mut text = format!("{HEADER}\n");
    for i in 0..n {
        text.push_str(&format!(
            "user{i}@contoso.com,S{i},{},30,Contoso,K100\n",
            secret(i)
        ));
    }
    std::fs::write(dir.join("tokens.csv"), text).unwrap();
}

/// A distinct valid secret per row.
fn secret(i: usize) -> String {
    let letters: String = format!("{i:04}")
        .bytes()
        .map(|d| char::from(b'A' + (d - b'0')))
        .collect();
    format!("{letters}{}", &KEY[4..])
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("the output is JSON")
}

fn requests(document: &Value) -> &Vec<Value> {
    document["requests"].as_array().expect("a requests array")
}

#[test]
fn requests_mode_writes_one_strict_create_per_token() {
    let dir = tempfile::tempdir().unwrap();
    tokens(dir.path(), 3);
    let output = convert(dir.path(), &["tokens.csv", "--to", "requests"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let document = json(&output.stdout);
    let requests = requests(&document);
    assert_eq!(requests.len(), 3);
    for (i, request) in requests.iter().enumerate() {
        assert_eq!(request["id"], format!("line-{}", i + 2));
        assert_eq!(request["method"], "POST");
        assert_eq!(request["url"], URL);
        assert_eq!(
            request["headers"],
            serde_json::json!({"Content-Type": "application/json"})
        );
        let body: CreateDevice = parse_strict(&request["body"].to_string()).unwrap();
        assert_eq!(body.serial_number, format!("S{i}"));
        assert_eq!(body.secret_key.expose(), secret(i));
        assert!(body.assign_to.is_none());
    }
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("wrote 3 create requests to standard output"),
        "{stderr}"
    );
    assert!(!stderr.contains(&secret(0)), "{stderr}");
}

#[test]
fn bulk_mode_chunks_with_content_ids_equal_to_lines() {
    let dir = tempfile::tempdir().unwrap();
    tokens(dir.path(), 5);
    for (chunk, expected) in [
        (
            "1",
            vec![vec!["2"], vec!["3"], vec!["4"], vec!["5"], vec!["6"]],
        ),
        ("5", vec![vec!["2", "3", "4", "5", "6"]]),
        ("2", vec![vec!["2", "3"], vec!["4", "5"], vec!["6"]]),
    ] {
        let output = convert(
            dir.path(),
            &["tokens.csv", "--to", "bulk", "--chunk", chunk],
        );
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let document = json(&output.stdout);
        let mut got = Vec::new();
        for request in requests(&document) {
            assert_eq!(request["method"], "PATCH");
            assert_eq!(request["url"], URL);
            let body: BulkDelta = parse_strict(&request["body"].to_string()).unwrap();
            assert_eq!(body.context, "#$delta");
            let ids: Vec<String> = body
                .value
                .iter()
                .map(|i| i.content_id.clone().unwrap())
                .collect();
            assert_eq!(
                request["id"],
                format!("lines-{}-{}", ids[0], ids[ids.len() - 1]),
                "chunk {chunk}"
            );
            assert!(body.value.iter().all(|i| i.device.assign_to.is_none()));
            got.push(ids);
        }
        assert_eq!(got, expected, "chunk {chunk}");
    }
    let default = json(&convert(dir.path(), &["tokens.csv", "--to", "bulk"]).stdout);
    assert_eq!(
        requests(&default).len(),
        1,
        "100 tokens per body by default"
    );
}

#[test]
fn chunk_sizes_outside_1_to_1000_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    tokens(dir.path(), 1);
    for chunk in ["0", "1001", "many"] {
        let output = convert(
            dir.path(),
            &["tokens.csv", "--to", "bulk", "--chunk", chunk],
        );
        assert_eq!(output.status.code(), Some(2), "--chunk {chunk}");
        assert!(output.stdout.is_empty());
    }
}

#[cfg(unix)]
#[test]
fn out_files_are_private_new_and_replaced_only_with_force() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    tokens(dir.path(), 2);
    let output = convert(
        dir.path(),
        &["tokens.csv", "--to", "bulk", "--out", "bodies.json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(output.stdout.is_empty());
    let path = dir.path().join("bodies.json");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let written = std::fs::read(&path).unwrap();
    let document = json(&written);
    parse_strict::<BulkDelta>(&requests(&document)[0]["body"].to_string()).unwrap();
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("wrote 2 tokens in 1 bulk request to bodies.json"),
        "{stderr}"
    );

    std::fs::write(&path, "keep me").unwrap();
    let again = convert(
        dir.path(),
        &["tokens.csv", "--to", "requests", "--out", "bodies.json"],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("bodies.json already exists"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let forced = convert(
        dir.path(),
        &[
            "tokens.csv",
            "--to",
            "requests",
            "--out",
            "bodies.json",
            "--force",
        ],
    );
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    assert_eq!(requests(&json(&std::fs::read(&path).unwrap())).len(), 2);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "a replaced file is private too");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A file with two bad lines (3 and 5) among four.
fn with_errors(dir: &Path) {
    let text = format!(
        "{HEADER}\nuser0@contoso.com,S0,{},30,C,M\nuser1@contoso.com,S1,{},45,C,M\n\
         user2@contoso.com,S2,{},60,C,M\nuser3,S3,{},30,C,M\n",
        secret(0),
        secret(1),
        secret(2),
        secret(3)
    );
    std::fs::write(dir.join("tokens.csv"), text).unwrap();
}

#[test]
fn a_file_with_errors_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    with_errors(dir.path());
    let output = convert(
        dir.path(),
        &["tokens.csv", "--to", "requests", "--out", "out.json"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(!dir.path().join("out.json").exists());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("tokens.csv:3:4: error[time-interval]"),
        "{stderr}"
    );
    assert!(stderr.contains("tokens.csv:5:1: error[upn]"), "{stderr}");
    assert!(
        stderr.contains("tokens.csv: 4 rows, 2 errors, 0 warnings"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing written"), "{stderr}");
    assert!(stderr.contains("--skip-invalid"), "{stderr}");
    for i in 0..4 {
        assert!(!stderr.contains(&secret(i)), "{stderr}");
    }
}

#[test]
fn skip_invalid_converts_the_valid_rows_and_says_how_many_were_left_out() {
    let dir = tempfile::tempdir().unwrap();
    with_errors(dir.path());
    let output = convert(
        dir.path(),
        &["tokens.csv", "--to", "requests", "--skip-invalid"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let document = json(&output.stdout);
    let ids: Vec<&str> = requests(&document)
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["line-2", "line-4"]);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("tokens.csv:3:4: error[time-interval]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("left out 2 of 4 rows with errors"),
        "{stderr}"
    );
}

#[test]
fn an_unreadable_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = convert(dir.path(), &["missing.csv", "--to", "bulk"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("cannot read missing.csv"));
    assert!(output.stdout.is_empty());
}

/// Runs `command` with a terminal as its standard output (util-linux `script`), or `None` when the
/// machine has no `script`.
fn in_terminal(dir: &Path, command: &str) -> Option<Output> {
    let output = Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .current_dir(dir)
        .output()
        .ok()?;
    Some(output)
}

#[test]
fn secrets_are_not_printed_to_a_terminal_unless_out_dash() {
    let dir = tempfile::tempdir().unwrap();
    tokens(dir.path(), 1);
    let bin = env!("CARGO_BIN_EXE_hwoath");
    let Some(refused) = in_terminal(
        dir.path(),
        &format!("{bin} csv convert tokens.csv --to bulk"),
    ) else {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    };
    let shown = text(&refused.stdout);
    assert_eq!(refused.status.code(), Some(2), "{shown}");
    assert!(shown.contains("not printed to a terminal"), "{shown}");
    assert!(shown.contains("--out FILE"), "{shown}");
    assert!(!shown.contains(&secret(0)), "{shown}");
    let asked = in_terminal(
        dir.path(),
        &format!("{bin} csv convert tokens.csv --to bulk --out -"),
    )
    .unwrap();
    assert_eq!(asked.status.code(), Some(0), "{}", text(&asked.stdout));
    assert!(text(&asked.stdout).contains(&secret(0)));
}
