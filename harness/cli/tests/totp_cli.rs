//! `hwoath totp` from the outside: outputs, exit codes and secret sources.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn hwoath(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(args)
        .env_remove("HWOATH_TEST_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn prints_the_code_and_how_long_it_stays_valid() {
    let output = hwoath(
        &["totp", "--secret", SEED, "--time", "59", "--digits", "8"],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "94287082 (valid for 1 s)\n");
    let output = hwoath(&["totp", "--secret", SEED, "--time", "60"], None);
    assert_eq!(stdout(&output), "359152 (valid for 30 s)\n");
}

#[test]
fn reads_the_secret_from_stdin_and_from_an_environment_variable() {
    let piped = hwoath(&["totp", "--time", "59"], Some(&format!("{SEED}\n")));
    assert_eq!(stdout(&piped), "287082 (valid for 1 s)\n");
    let dashed = hwoath(&["totp", "--secret", "-", "--time", "59"], Some(SEED));
    assert_eq!(stdout(&dashed), "287082 (valid for 1 s)\n");
    let output = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(["totp", "--secret-env", "HWOATH_TEST_SECRET", "--time", "59"])
        .env("HWOATH_TEST_SECRET", SEED)
        .output()
        .unwrap();
    assert_eq!(stdout(&output), "287082 (valid for 1 s)\n");
}

#[test]
fn verify_exits_zero_only_when_every_code_is_accepted() {
    let accepted = hwoath(
        &["totp", "verify", "287082", "--secret", SEED, "--time", "59"],
        None,
    );
    assert_eq!(accepted.status.code(), Some(0));
    assert_eq!(stdout(&accepted), "287082: accepted (step 1, offset +0)\n");

    let next_step_first = hwoath(
        &[
            "totp", "verify", "359152", "287082", "--secret", SEED, "--time", "59",
        ],
        None,
    );
    assert_eq!(
        next_step_first.status.code(),
        Some(1),
        "a step older than an accepted one is a replay"
    );
    assert!(stdout(&next_step_first).contains("287082: refused"));

    let wrong = hwoath(
        &["totp", "verify", "000000", "--secret", SEED, "--time", "59"],
        None,
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stdout(&wrong).contains("matches no time step"));

    let outside = hwoath(
        &[
            "totp", "verify", "969429", "--window", "1", "--secret", SEED, "--time", "59",
        ],
        None,
    );
    assert_eq!(
        outside.status.code(),
        Some(1),
        "step 3 is two steps from step 1"
    );
    let widened = hwoath(
        &[
            "totp", "verify", "969429", "--window", "2", "--secret", SEED, "--time", "59",
        ],
        None,
    );
    assert_eq!(widened.status.code(), Some(0));
}

#[test]
fn bad_input_gets_one_clear_line_and_exit_two() {
    let cases: [(&[&str], Option<&str>, &str); 5] = [
        (
            &["totp", "--secret", "GEZ1GNBV"],
            None,
            "invalid character '1' at position 4",
        ),
        (
            &["totp", "--secret", SEED, "--digits", "5"],
            None,
            "5 digits requested",
        ),
        (
            &["totp", "--secret", SEED, "--period", "0"],
            None,
            "period must be at least one second",
        ),
        (
            &["totp", "--secret", SEED, "--t0", "100", "--time", "5"],
            None,
            "before the TOTP epoch",
        ),
        (&["totp"], Some(""), "no secret"),
    ];
    for (args, stdin, expected) in cases {
        let output = hwoath(args, stdin);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
        assert!(
            message.starts_with("error: ") && message.contains(expected),
            "{args:?}: {message}"
        );
        assert!(stdout(&output).is_empty());
    }
    let unknown_algorithm = hwoath(&["totp", "--secret", SEED, "--algorithm", "md5"], None);
    assert_eq!(unknown_algorithm.status.code(), Some(2));
}

#[test]
fn the_secret_never_appears_in_errors() {
    let secret = "JBSWY3DPEHPK3PXP1";
    let output = hwoath(&["totp", "--secret", secret], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(!stderr(&output).contains("JBSWY3DPEHPK3PXP"));
}
