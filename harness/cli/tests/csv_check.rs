//! `hwoath csv check` from the outside: exit statuses, the exact lines of each problem, warnings with
//! and without `--strict`, `;` files and reordered headers, unreadable files among readable ones, the
//! JSON document, and a closed standard output.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use support::text;

const HEADER: &str = "upn,serial number,secret key,time interval,manufacturer,model";
const KEY: &str = "JBSWY3DPEHPK3PXP";

/// Runs `hwoath csv check ARGS` in `dir`, so file names print as given.
fn check(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(["csv", "check"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("hwoath runs")
}

fn write(dir: &Path, name: &str, lines: &[&str]) {
    std::fs::write(dir.join(name), format!("{}\n", lines.join("\n"))).unwrap();
}

fn row(upn: &str, serial: &str, interval: &str) -> String {
    format!("{upn},{serial},{KEY},{interval},Contoso,K100")
}

/// A file with one problem of each kind a row can have, and a clean row last.
fn problems() -> Vec<String> {
    let mut lines = vec![HEADER.to_owned()];
    lines.push(row("amy@contoso.com", "S1", "45")); // 2
    lines.push(format!("amy@contoso.com,S2,{KEY}1,30,Contoso,K100")); // 3
    lines.push(row("amy@contoso.com", "", "30")); // 4
    lines.push("amy@contoso.com,S4,JBSWY3DPEHPK3PXP,30,Contoso".to_owned()); // 5
    lines.push(row("amy", "S5", "30")); // 6
    lines.push(row("bo_fabrikam.com#EXT#@contoso.com", "S6", "30")); // 7
    lines.push(row("amy@contoso.com", "s1", "30")); // 8: repeats line 2's serial (line 2 is bad too)
    lines.push(row("bo@contoso.com", "S1", "30")); // 9: and again
    lines.push(format!(
        "amy@contoso.com,S9,{},30,Contoso,K100",
        "A".repeat(130)
    )); // 10
    lines.push(row("cy@contoso.com", "S10", "60")); // 11
    lines
}

#[test]
fn a_clean_file_exits_0_with_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "tokens.csv",
        &[
            HEADER,
            &row("amy@contoso.com", "S1", "30"),
            &row("bo@contoso.com", "S2", "60"),
        ],
    );
    let output = check(dir.path(), &["tokens.csv"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "tokens.csv: 2 rows, 0 errors, 0 warnings\n"
    );
}

#[test]
fn each_problem_is_reported_on_its_line_and_the_file_fails() {
    let dir = tempfile::tempdir().unwrap();
    let lines = problems();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    write(dir.path(), "tokens.csv", &lines);
    let output = check(dir.path(), &["tokens.csv"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let located: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("tokens.csv:"))
        .map(|l| l.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        located,
        [
            "tokens.csv:2:4",
            "tokens.csv:3:3",
            "tokens.csv:4:2",
            "tokens.csv:5",
            "tokens.csv:6:1",
            "tokens.csv:7:1",
            "tokens.csv:8:2",
            "tokens.csv:9:2",
            "tokens.csv:10:3",
            "tokens.csv",
        ]
    );
    for expected in [
        "tokens.csv:2:4: error[time-interval]: the time interval is 45; Entra takes 30 or 60",
        "tokens.csv:3:3: error[secret-base32]: the secret key is not Base32: character 17 of 17 is \
         the digit 1 (Base32 has only 2-7)",
        "tokens.csv:4:2: error[empty-field]: the serial number is empty",
        "tokens.csv:5: error[field-count]: the line has 5 fields; Entra's format has 6",
        "tokens.csv:6:1: error[upn]: the UPN has no `@`; it must look like name@domain",
        "tokens.csv:7:1: error[guest-user]:",
        "tokens.csv:8:2: error[duplicate-serial]: the serial number is already on line 2",
        "tokens.csv:9:2: error[duplicate-serial]: the serial number is already on line 2",
        "tokens.csv:10:3: error[secret-too-long]: the secret key has 130 characters; Entra takes at \
         most 128",
        "tokens.csv: 10 rows, 9 errors, 0 warnings",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(expected)),
            "{expected}\n{stdout}"
        );
    }
    assert!(!stdout.contains(KEY), "{stdout}");
    insta::assert_snapshot!("several_problems", stdout);
}

#[test]
fn a_sixth_token_for_one_user_fails_on_the_sixth_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![HEADER.to_owned()];
    for i in 0..6 {
        lines.push(row("Amy@contoso.com", &format!("S{i}"), "30"));
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    write(dir.path(), "tokens.csv", &lines);
    let output = check(dir.path(), &["tokens.csv"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stdout).starts_with(
        "tokens.csv:7:1: error[too-many-tokens]: this user already has 5 tokens in this file, \
         on lines 2, 3, 4, 5, 6 (UPNs are compared without regard to letter case)\n  fix: "
    ));
}

#[test]
fn bom_and_crlf_warn_but_pass_unless_strict() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "\u{feff}{HEADER}\r\n{}\r\n",
        row("amy@contoso.com", "S1", "30")
    );
    std::fs::write(dir.path().join("excel.csv"), body).unwrap();
    let output = check(dir.path(), &["excel.csv"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("excel.csv:1: warning[bom]: the file starts with a UTF-8 byte order mark")
    );
    assert!(stdout.contains("excel.csv:1: warning[crlf]: the file ends its lines with CRLF"));
    assert!(
        stdout.ends_with("excel.csv: 1 row, 0 errors, 2 warnings\n"),
        "{stdout}"
    );
    let strict = check(dir.path(), &["--strict", "excel.csv"]);
    assert_eq!(strict.status.code(), Some(1));
    assert_eq!(text(&strict.stdout), stdout);
}

#[test]
fn a_semicolon_file_says_save_as_comma_separated() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "excel.csv",
        &[
            &HEADER.replace(',', ";"),
            &row("amy@contoso.com", "S1", "30").replace(',', ";"),
            &row("bo@contoso.com", "S2", "90").replace(',', ";"),
        ],
    );
    let output = check(dir.path(), &["excel.csv"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("excel.csv:1: error[header-delimiter]: the file is separated by semicolons (`;`), not by commas"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("  fix: save as comma-separated"),
        "{stdout}"
    );
    assert!(lines[2].starts_with("excel.csv:3:4: error[time-interval]: the time interval is 90"));
    assert_eq!(
        lines.last(),
        Some(&"excel.csv: 2 rows, 2 errors, 0 warnings")
    );
}

#[test]
fn a_reordered_header_gives_the_order_found_and_the_order_needed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "vendor.csv",
        &[
            "serial number,upn,secret key,time interval,manufacturer,model",
            &format!("S1,amy@contoso.com,{KEY},30,Contoso,K100"),
        ],
    );
    let output = check(dir.path(), &["vendor.csv"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stdout).lines().next(),
        Some(
            "vendor.csv:1: error[header-order]: the header's columns are in the order \
             `serial number,upn,secret key,time interval,manufacturer,model`; Entra needs \
             `upn,serial number,secret key,time interval,manufacturer,model` (hwoath checked the \
             rows by their header names)"
        )
    );
}

#[test]
fn an_unreadable_file_exits_2_and_the_others_are_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "good.csv",
        &[HEADER, &row("amy@contoso.com", "S1", "30")],
    );
    write(
        dir.path(),
        "bad.csv",
        &[HEADER, &row("amy@contoso.com", "S1", "45")],
    );
    let output = check(dir.path(), &["good.csv", "missing.csv", "bad.csv"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("error: cannot read missing.csv: "),
        "{stderr}"
    );
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("good.csv: 1 row, 0 errors, 0 warnings\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("bad.csv:2:4: error[time-interval]"),
        "{stdout}"
    );
    assert!(!stdout.contains("missing.csv"), "{stdout}");
}

#[test]
fn json_output_is_one_document_with_every_field() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.csv",
        &[HEADER, &row("amy@contoso.com", "S1", "45")],
    );
    let output = check(dir.path(), &["--format", "json", "bad.csv", "missing.csv"]);
    assert_eq!(output.status.code(), Some(2));
    let json: Value = serde_json::from_slice(&output.stdout).expect("one JSON document");
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["file"], "bad.csv");
    assert_eq!(files[0]["rows"], 1);
    assert_eq!(
        files[0]["findings"][0],
        serde_json::json!({
            "line": 2,
            "column": 4,
            "columnName": "time interval",
            "severity": "error",
            "code": "time-interval",
            "message": "the time interval is 45; Entra takes 30 or 60",
            "fix": files[0]["findings"][0]["fix"],
        })
    );
    assert!(
        files[0]["findings"][0]["fix"]
            .as_str()
            .unwrap()
            .starts_with("write 30 or 60")
    );
    assert_eq!(files[1]["file"], "missing.csv");
    assert!(files[1]["error"].as_str().is_some_and(|e| !e.is_empty()));
}

#[test]
fn a_closed_standard_output_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = vec![HEADER.to_owned()];
    for i in 0..5000 {
        lines.push(row("amy@contoso.com", &format!("S{i}"), "45"));
    }
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    write(dir.path(), "many.csv", &lines);
    // The reader goes away before the check writes a line.
    let output = support::with_closed_stdout(&["csv", "check", "many.csv"], dir.path());
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
