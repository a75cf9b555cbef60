//! `hwoath totp` agrees with oathtool (OATH Toolkit) on random secrets, times, algorithms and digits.
//!
//! oathtool comes from the Debian package `oathtool`, which `.ci/run` installs. Without it the test says
//! it skipped, except under CI (`CI` set), where a missing oathtool is a failure.

use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn oathtool_available() -> bool {
    match Command::new("oathtool").arg("--version").output() {
        Ok(output) => output.status.success(),
        Err(_) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "oathtool is missing under CI: .ci/run must install the Debian package oathtool"
            );
            eprintln!("SKIPPED: oathtool is not installed (apt-get install oathtool)");
            false
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Base32 written independently of hwoath-otp, so a decoding bug there cannot hide in the encoding.
fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn run(command: &mut Command) -> (bool, String) {
    let output = command.output().expect("the command runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
    )
}

#[derive(Debug, Clone)]
struct Input {
    key: Vec<u8>,
    algorithm: &'static str,
    digits: u8,
    period: u64,
    t0: u64,
    time: u64,
}

fn input() -> impl Strategy<Value = Input> {
    (
        prop::collection::vec(any::<u8>(), 10..80),
        prop::sample::select(vec!["sha1", "sha256", "sha512"]),
        6u8..=8,
        prop::sample::select(vec![30u64, 60, 1, 45, 300]),
        0u64..2_000_000,
        0u64..20_000_000_000,
    )
        .prop_map(|(key, algorithm, digits, period, t0, elapsed)| Input {
            key,
            algorithm,
            digits,
            period,
            t0,
            time: t0 + elapsed,
        })
}

fn hwoath(input: &Input) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hwoath"));
    command.args([
        "totp",
        "--secret",
        &base32(&input.key).to_lowercase(),
        "--algorithm",
        input.algorithm,
        "--digits",
        &input.digits.to_string(),
        "--period",
        &input.period.to_string(),
        "--t0",
        &input.t0.to_string(),
        "--time",
        &input.time.to_string(),
    ]);
    command
}

fn oathtool(input: &Input) -> Command {
    let mut command = Command::new("oathtool");
    command.args([
        format!("--totp={}", input.algorithm),
        format!("--digits={}", input.digits),
        format!("--time-step-size={}s", input.period),
        format!("--start-time=@{}", input.t0),
        format!("--now=@{}", input.time),
    ]);
    command
}

#[test]
fn generated_codes_agree() {
    if !oathtool_available() {
        return;
    }
    let mut runner = TestRunner::new(Config::with_cases(64));
    runner
        .run(&input(), |input| {
            let (ok, ours) = run(&mut hwoath(&input));
            prop_assert!(ok);
            let ours = ours
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            let (ok, theirs) = run(oathtool(&input).arg(hex(&input.key)));
            prop_assert!(ok, "oathtool failed on {input:?}");
            prop_assert_eq!(ours, theirs);
            Ok(())
        })
        .unwrap();
}

#[test]
fn verification_agrees_within_and_beyond_the_window() {
    if !oathtool_available() {
        return;
    }
    let mut runner = TestRunner::new(Config::with_cases(32));
    runner
        .run(&(input(), -2i64..=2), |(input, offset)| {
            let shifted = Input {
                time: input
                    .time
                    .saturating_add_signed(offset * input.period as i64)
                    .max(input.t0),
                ..input.clone()
            };
            let (_, code) = run(oathtool(&shifted).arg(hex(&input.key)));
            let (ours, _) = run(hwoath(&input).args(["verify", "--window", "1", &code]));
            let (theirs, _) = run(oathtool(&input).args(["--window=1", &hex(&input.key), &code]));
            prop_assert_eq!(ours, theirs, "{:?} offset {}", input, offset);
            Ok(())
        })
        .unwrap();
}
