//! A report of a badly failing run for the HTML tests: 120 authorization cases broken the same way,
//! check violations, transport errors, divergences, property failures and a reason carrying a
//! `<script>`, built from the shared fixtures (no struct literal, so new model fields need no change
//! here).

#![allow(dead_code)] // each test file uses a part

use hwoath_suite::Strength;
use hwoath_suite::report::Failure;
use hwoath_suite::report::{CaseReport, Outcome, RunReport, Summary, Violation};
use serde_json::json;

use crate::report_support;

/// How many authorization cases fail with the same cause.
pub const FORBIDDEN_CASES: usize = 120;

/// How many cases fail the `error_envelope` check on a 400.
pub const ENVELOPE_CASES: usize = 4;

/// How many cases error with a timeout.
pub const TIMEOUT_CASES: usize = 3;

/// A reason a hostile target could make the suite write.
pub const SCRIPT_REASON: &str =
    "create device: expected 400, got 201 <script>alert('owned')</script>";

/// The source a cited rule names.
pub const SOURCE: &str = "https://learn.microsoft.com/en-us/graph/api/authenticationmethoddevice-post-hardwareoathdevices?view=graph-rest-beta (docs/spec.md, Permissions)";

/// A copy of `base` with another id (its group from the id), outcome and reasons.
pub fn variant(base: &CaseReport, id: &str, outcome: Outcome, reasons: Vec<String>) -> CaseReport {
    let mut case = base.clone();
    case.id = id.to_owned();
    case.group = id.split('/').next().unwrap_or(id).to_owned();
    case.title = format!("{id} behaves as documented");
    case.outcome = outcome;
    case.reasons = reasons;
    case
}

/// The reason `CaseRun::expect_status` writes for `rule` (ids as in `rules.rs`).
pub fn status_reason(step: &str, expected: u16, got: u16, rule: &str) -> String {
    format!("{step}: expected {expected}, got {got} [{rule}: {SOURCE}]")
}

fn forbidden_cases(base: &CaseReport) -> Vec<CaseReport> {
    (0..FORBIDDEN_CASES)
        .map(|n| {
            let id = format!("authz/reader-{n:03}-cannot-create");
            let mut case = variant(
                base,
                &id,
                Outcome::Fail,
                vec![status_reason("create device", 403, 200, "forbidden-403")],
            );
            case.exchanges[0].status = Some(200);
            case.exchanges[0].violations.clear();
            case
        })
        .collect()
}

fn envelope_cases(base: &CaseReport) -> Vec<CaseReport> {
    (0..ENVELOPE_CASES)
        .map(|n| {
            let reason = "error body is not {\"error\":{\"code\",\"message\"}}";
            let mut case = variant(
                base,
                &format!("validation/bad-body-{n}"),
                Outcome::Fail,
                vec![format!("create device: {reason} (error_envelope)")],
            );
            case.exchanges[0].status = Some(400);
            case.exchanges[0].response_body = Some("<html>Bad Request</html>".to_owned());
            case.exchanges[0].violations = vec![Violation {
                check: "error_envelope".to_owned(),
                strength: Strength::Documented,
                reason: reason.to_owned(),
            }];
            case
        })
        .collect()
}

fn timeout_cases(base: &CaseReport) -> Vec<CaseReport> {
    (0..TIMEOUT_CASES)
        .map(|n| {
            variant(
                base,
                &format!("odata/page-{n}"),
                Outcome::Error,
                vec![format!(
                    "page {n}: GET http://127.0.0.1:8080/beta/x?$skip={n} -> no complete response within 10s"
                )],
            )
        })
        .collect()
}

fn property_failure(case: &str, label: (&str, &str), expected: u16, got: u16) -> Failure {
    let text = json!({
        "schema": "hwoath-failure/1",
        "seed": 7,
        "case": case,
        "index": 3,
        "kind": "create",
        "label": { "class": label.0, "detail": label.1 },
        "request": {
            "method": "POST",
            "path": "/directory/authenticationMethodDevices/hardwareOathDevices",
            "content_type": "application/json",
            "body": "{\"serialNumber\":\"{{serial}}\",\"model\":123456,\"secretKey\":\"[redacted]\"}"
        },
        "expected": [expected],
        "received": { "status": got, "body": "{\"id\":\"d-9\",\"note\":\"</pre><b>x</b>\"}" },
        "problems": [format!("expected {expected}, got {got}")]
    });
    Failure::from_json(&text.to_string()).expect("a failure file's JSON")
}

fn property_cases(fail: &CaseReport, diverge: &CaseReport) -> Vec<CaseReport> {
    let wrong_type = "1 of 16 generated bodies failed (seed 7); #3 shrunk in 9 sends to \
                      [wrong-type: model = 123456] {}: expected 400, got 201";
    vec![
        variant(
            diverge,
            "properties/create-wrong-type",
            Outcome::Diverge,
            vec![format!("{wrong_type} [wrong-type-400: {SOURCE}]")],
        ),
        variant(
            fail,
            "properties/create-valid",
            Outcome::Fail,
            vec![format!(
                "16 of 16 generated bodies failed (seed 7); #3 shrunk to [valid] {{}}: \
                 expected 201, got 500 [create-201: {SOURCE}]"
            )],
        ),
    ]
}

/// The failing run: the shared fixture's five cases and everything above.
pub fn failing_run() -> RunReport {
    let mut report = report_support::report();
    let (pass, fail, diverge) = (
        report.cases[0].clone(),
        report.cases[1].clone(),
        report.cases[2].clone(),
    );
    for n in 0..12 {
        let group = ["rfc", "docs", "lifecycle"][n % 3];
        let id = format!("{group}/passing-{n}");
        report
            .cases
            .push(variant(&pass, &id, Outcome::Pass, Vec::new()));
    }
    report.cases.extend(forbidden_cases(&fail));
    report.cases.extend(envelope_cases(&fail));
    report.cases.extend(timeout_cases(&fail));
    report.cases.extend(property_cases(&fail, &diverge));
    report.cases.push(variant(
        &fail,
        "docs/hostile-reason",
        Outcome::Fail,
        vec![SCRIPT_REASON.to_owned()],
    ));
    report.failures = vec![
        property_failure(
            "properties/create-wrong-type",
            ("wrong-type", "model = 123456"),
            400,
            201,
        ),
        property_failure("properties/create-valid", ("valid", ""), 201, 500),
    ];
    report.summary = Summary::of(&report.cases);
    report
}

/// How many cases of `report` have `outcome`.
pub fn count(report: &RunReport, outcome: Outcome) -> usize {
    report.cases.iter().filter(|c| c.outcome == outcome).count()
}
