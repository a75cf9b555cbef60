//! Helpers the suite's integration tests share: an embedded mock and a normaliser for snapshots.

#![allow(dead_code)] // each test file uses a part

use hwoath_mock::MockTenant;
use hwoath_suite::{Credentials, Outcome, RunOptions, RunReport, SuiteOptions};
use regex::Regex;

/// A mock tenant with test controls, and the suite options that point at its users.
pub async fn mock() -> (MockTenant, SuiteOptions) {
    let tenant = MockTenant::builder()
        .controls(true)
        .start()
        .await
        .expect("the mock starts");
    let users = tenant.user_ids();
    let options = SuiteOptions {
        users,
        ..SuiteOptions::default()
    };
    (tenant, options)
}

/// Runs the suite against `base_url` with `run` options.
pub async fn run(
    base_url: &str,
    credentials: Credentials,
    mut options: SuiteOptions,
    run: RunOptions,
) -> RunReport {
    options.run = run;
    hwoath_suite::run(
        base_url,
        credentials,
        options,
        |_| {},
        std::future::pending(),
    )
    .await
    .expect("the run starts")
}

/// Asserts that every case of `report` passed, listing those that did not with their reasons.
pub fn assert_all_pass(report: &RunReport) {
    let bad: Vec<String> = report
        .cases
        .iter()
        .filter(|case| case.outcome != Outcome::Pass)
        .map(|case| {
            format!(
                "{} {}: {}",
                case.outcome.as_str(),
                case.id,
                case.reasons.join(" | ")
            )
        })
        .collect();
    assert!(
        bad.is_empty(),
        "cases that did not pass:\n{}",
        bad.join("\n")
    );
}

/// Replaces what differs from run to run (ids, user names, serials, codes, dates, ports) with stable
/// placeholders.
pub fn normalize(text: &str) -> String {
    let rules = [
        (
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            "[id]",
        ),
        (r"[A-Za-z0-9._-]+@contoso\.com", "[upn]"),
        // Request bodies keep the keys the suite generated (so curl lines run); snapshots do not.
        (
            r#"(\\?"secretKey\\?":\s*\\?")[A-Za-z2-7= -]+"#,
            "${1}[secret]",
        ),
        (r"hwoath-[0-9a-f]{8}-\d{5}", "[serial]"),
        (r"maker-\[serial\]", "[maker]"),
        (r"hwoath conformance [0-9a-f]{8}", "[display name]"),
        (
            r#""verificationCode":"\d{6}""#,
            r#""verificationCode":"[code]""#,
        ),
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?", "[date]"),
        (r"http://127\.0\.0\.1:\d+", "http://[mock]"),
        (r"skiptoken=[^&\s]+", "skiptoken=[token]"),
    ];
    let mut text = text.to_owned();
    for (pattern, replacement) in rules {
        text = Regex::new(pattern)
            .expect("valid pattern")
            .replace_all(&text, replacement)
            .into_owned();
    }
    text
}
