//! A small fixed report shared by the writers' unit tests.

use super::model::{CaseReport, ExchangeRecord, Outcome, RunReport, TargetInfo, Violation};
use crate::rules::Strength;

/// The base URL every fixture exchange targets.
pub(crate) const BASE: &str = "http://127.0.0.1:8080/beta";

/// A case with the given id, outcome and reasons, and no exchanges.
pub(crate) fn case(id: &str, outcome: Outcome, reasons: &[&str]) -> CaseReport {
    let group = id.split('/').next().unwrap_or(id).to_owned();
    CaseReport {
        id: id.to_owned(),
        title: format!("title of {id}"),
        group,
        strength: Strength::Documented,
        source: "hardwareoathtokenauthenticationmethoddevice-post".to_owned(),
        outcome,
        reasons: reasons.iter().map(|r| (*r).to_owned()).collect(),
        observations: Vec::new(),
        duration_ms: 12,
        exchanges: Vec::new(),
    }
}

/// A POST exchange answered with `status` and `response_body`, with one violation when `violation`.
pub(crate) fn exchange(
    status: u16,
    response_body: &str,
    violation: Option<&str>,
) -> ExchangeRecord {
    ExchangeRecord {
        step: "create device".to_owned(),
        method: "POST".to_owned(),
        url: format!("{BASE}/directory/authenticationMethodDevices/hardwareOathDevices"),
        request_headers: vec![
            ("authorization".to_owned(), "Bearer [redacted]".to_owned()),
            ("content-type".to_owned(), "application/json".to_owned()),
        ],
        request_body: Some(r#"{"serialNumber":"it's-1","timeIntervalInSeconds":45}"#.to_owned()),
        status: Some(status),
        response_headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        response_body: Some(response_body.to_owned()),
        error: None,
        elapsed_ms: 3,
        attempt: 1,
        retried_after_ms: None,
        violations: violation
            .map(|reason| Violation {
                check: "status".to_owned(),
                strength: Strength::Documented,
                reason: reason.to_owned(),
            })
            .into_iter()
            .collect(),
    }
}

/// A report with one case of every outcome.
pub(crate) fn report() -> RunReport {
    let pass = case("rfc/sha1-59", Outcome::Pass, &[]);
    let mut fail = case(
        "validation/create-interval-45",
        Outcome::Fail,
        &["status 201 is not 400 for timeIntervalInSeconds 45"],
    );
    fail.exchanges.push(exchange(
        201,
        r#"{"id":"x"}"#,
        Some("status 201 is not 400 for timeIntervalInSeconds 45"),
    ));
    let mut diverge = case(
        "lifecycle/delete-assigned",
        Outcome::Diverge,
        &["status 204 where 409 was inferred"],
    );
    diverge.strength = Strength::Inferred;
    diverge
        .exchanges
        .push(exchange(204, "", Some("status 204 where 409 was inferred")));
    let skip = case("authz/app-me", Outcome::Skip, &["target has no app token"]);
    let mut error = case("odata/top-2", Outcome::Error, &["connection refused"]);
    let mut refused = exchange(0, "", None);
    refused.status = None;
    refused.response_body = None;
    refused.error = Some("connection refused".to_owned());
    error.exchanges.push(refused);
    let cases = vec![pass, fail, diverge, skip, error];
    let target = TargetInfo {
        base_url: BASE.to_owned(),
        kind: "embedded-mock".to_owned(),
        auth: "mock-controls".to_owned(),
    };
    RunReport {
        run_id: "3f2a9c1e-0000-4000-8000-000000000000".to_owned(),
        tool_version: "0.1.0".to_owned(),
        started_at: "2026-11-21T22:15:00Z".to_owned(),
        duration_ms: 1234,
        seed: 42,
        ..RunReport::new(target, cases)
    }
}
