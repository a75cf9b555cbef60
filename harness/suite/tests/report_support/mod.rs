//! Fixed reports shared by the report integration tests.

#![allow(dead_code)]

use hwoath_suite::Strength;
use hwoath_suite::report::{CaseReport, ExchangeRecord, Outcome, RunReport, TargetInfo, Violation};

/// What a hostile target might send back, aimed at the HTML, Markdown and shell writers.
pub const HOSTILE: &str = "</script><img src=x onerror=alert(1)>'\"`$(id)&amp;</pre></details>";

const BASE: &str = "http://127.0.0.1:8080/beta";
const DEVICES: &str = "/directory/authenticationMethodDevices/hardwareOathDevices";

fn exchange(step: &str, method: &str, path: &str, body: Option<&str>) -> ExchangeRecord {
    let mut request_headers = vec![("authorization".to_owned(), "Bearer [redacted]".to_owned())];
    if body.is_some() {
        request_headers.push(("content-type".to_owned(), "application/json".to_owned()));
    }
    ExchangeRecord {
        step: step.to_owned(),
        method: method.to_owned(),
        url: format!("{BASE}{path}"),
        request_headers,
        request_body: body.map(str::to_owned),
        status: Some(200),
        response_headers: vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("request-id".to_owned(), "req-1".to_owned()),
        ],
        response_body: Some("{}".to_owned()),
        error: None,
        elapsed_ms: 4,
        attempt: 1,
        retried_after_ms: None,
        violations: Vec::new(),
    }
}

fn case(id: &str, title: &str, strength: Strength, source: &str, outcome: Outcome) -> CaseReport {
    CaseReport {
        id: id.to_owned(),
        title: title.to_owned(),
        group: id.split('/').next().unwrap_or_default().to_owned(),
        strength,
        source: source.to_owned(),
        outcome,
        reasons: Vec::new(),
        observations: Vec::new(),
        duration_ms: 7,
        exchanges: Vec::new(),
    }
}

fn violation(check: &str, strength: Strength, reason: &str) -> Violation {
    Violation {
        check: check.to_owned(),
        strength,
        reason: reason.to_owned(),
    }
}

/// A small report with fixed values and one case of each outcome.
pub fn report() -> RunReport {
    let mut cases = Vec::new();

    let mut pass = case(
        "rfc/sha1-t59",
        "RFC 6238 vector SHA1 at T=59 gives 94287082",
        Strength::Documented,
        "RFC 6238 Appendix B",
        Outcome::Pass,
    );
    pass.exchanges
        .push(exchange("list devices", "GET", DEVICES, None));
    cases.push(pass);

    let mut fail = case(
        "validation/create-interval-45",
        "create with timeIntervalInSeconds 45 is rejected",
        Strength::Documented,
        "hardwareoathtokenauthenticationmethoddevice-post: timeIntervalInSeconds 30 or 60",
        Outcome::Fail,
    );
    fail.reasons = vec!["status: expected 400, got 201".to_owned()];
    let mut create = exchange(
        "create device",
        "POST",
        DEVICES,
        Some(
            r#"{"serialNumber":"hw-1","manufacturer":"Contoso","model":"it's","secretKey":"[redacted]","timeIntervalInSeconds":45,"hashFunction":"hmacsha1"}"#,
        ),
    );
    create.status = Some(201);
    create.response_body =
        Some(r#"{"id":"d-1","serialNumber":"hw-1","timeIntervalInSeconds":45}"#.to_owned());
    create.violations = vec![violation(
        "status",
        Strength::Documented,
        "expected 400, got 201",
    )];
    fail.exchanges.push(create);
    cases.push(fail);

    let mut diverge = case(
        "lifecycle/delete-assigned",
        "deleting an assigned device is refused",
        Strength::Inferred,
        "decision: a device assigned to a user cannot be deleted",
        Outcome::Diverge,
    );
    diverge.reasons = vec!["status: expected 409 (inferred), got 204".to_owned()];
    let mut delete = exchange("delete device", "DELETE", &format!("{DEVICES}/d-1"), None);
    delete.status = Some(204);
    delete.response_body = None;
    delete.violations = vec![violation(
        "status",
        Strength::Inferred,
        "expected 409, got 204",
    )];
    diverge.exchanges.push(delete);
    cases.push(diverge);

    let mut skip = case(
        "authz/app-token-me",
        "/me with an application token is refused",
        Strength::Documented,
        "authentication-list-hardwareoathmethods: delegated only",
        Outcome::Skip,
    );
    skip.reasons = vec!["no application token for this target".to_owned()];
    cases.push(skip);

    let mut error = case(
        "odata/top-2",
        "$top=2 pages with @odata.nextLink",
        Strength::Documented,
        "OData paging",
        Outcome::Error,
    );
    error.reasons = vec!["transport: connection refused".to_owned()];
    let mut refused = exchange("first page", "GET", &format!("{DEVICES}?$top=2"), None);
    refused.status = None;
    refused.response_headers.clear();
    refused.response_body = None;
    refused.error = Some("connection refused".to_owned());
    error.exchanges.push(refused);
    cases.push(error);

    let target = TargetInfo {
        base_url: BASE.to_owned(),
        kind: "embedded-mock".to_owned(),
        auth: "mock-controls".to_owned(),
    };
    RunReport {
        run_id: "3f2a9c1e-5d4b-4c3a-9f8e-7d6c5b4a3f2e".to_owned(),
        tool_version: "0.1.0".to_owned(),
        started_at: "2026-11-21T22:15:00Z".to_owned(),
        duration_ms: 2150,
        seed: 7,
        ..RunReport::new(target, cases)
    }
}

/// [`report`] with [`HOSTILE`] in every string a target or a case could influence.
pub fn hostile_report() -> RunReport {
    let mut report = report();
    report.run_id = format!("run{HOSTILE}");
    report.target.base_url = format!("{BASE}/{HOSTILE}");
    for case in &mut report.cases {
        case.id = format!("{}{HOSTILE}", case.id);
        case.group = format!("{}{HOSTILE}", case.group);
        case.title = HOSTILE.to_owned();
        case.source = HOSTILE.to_owned();
        case.reasons.push(HOSTILE.to_owned());
        for exchange in &mut case.exchanges {
            exchange.step = HOSTILE.to_owned();
            exchange.url = format!("{}?q={HOSTILE}", exchange.url);
            exchange
                .request_headers
                .push(("x-note".to_owned(), HOSTILE.to_owned()));
            exchange.request_body = Some(HOSTILE.to_owned());
            exchange
                .response_headers
                .push((HOSTILE.to_owned(), HOSTILE.to_owned()));
            exchange.response_body = Some(HOSTILE.to_owned());
            exchange.error = exchange.error.as_ref().map(|_| HOSTILE.to_owned());
            exchange
                .violations
                .push(violation(HOSTILE, Strength::Documented, HOSTILE));
        }
    }
    report
}
