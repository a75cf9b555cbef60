//! `junit.xml`: one `<testsuite>` per catalog group, one `<testcase>` per case; fail and diverge become
//! `<failure>`, error becomes `<error>`, skip becomes `<skipped>`, each with the reasons; every case
//! carries its strength, source and title as properties.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::curl::curl_command;
use super::error::ReportError;
use super::excerpt::{self, SHORT_BODY_CHARS};
use super::model::{CaseReport, Outcome, RunReport};

/// The report as JUnit XML.
pub fn to_junit(report: &RunReport) -> Result<String, ReportError> {
    Ok(junit_report(&report.redacted()).to_string()?)
}

fn junit_report(report: &RunReport) -> Report {
    let mut junit = Report::new("hwoath");
    if let Ok(uuid) = uuid::Uuid::parse_str(&report.run_id) {
        junit.set_uuid(uuid);
    }
    if let Ok(started) = chrono::DateTime::parse_from_rfc3339(&report.started_at) {
        junit.set_timestamp(started);
    }
    junit.set_time(Duration::from_millis(report.duration_ms));
    for (group, _) in excerpt::groups(report) {
        let mut suite = TestSuite::new(group);
        suite.add_property(Property::new("run_id", report.run_id.as_str()));
        suite.add_property(Property::new("target", report.target.base_url.as_str()));
        suite.add_property(Property::new("target_kind", report.target.kind.as_str()));
        suite.add_property(Property::new("seed", report.seed.to_string()));
        let cases: Vec<&CaseReport> = report.cases.iter().filter(|c| c.group == group).collect();
        let millis: u64 = cases.iter().map(|case| case.duration_ms).sum();
        suite.set_time(Duration::from_millis(millis));
        suite.add_test_cases(cases.into_iter().map(test_case));
        junit.add_test_suite(suite);
    }
    junit
}

fn test_case(case: &CaseReport) -> TestCase {
    let mut status = match case.outcome {
        Outcome::Pass => TestCaseStatus::success(),
        Outcome::Fail | Outcome::Diverge => TestCaseStatus::non_success(NonSuccessKind::Failure),
        Outcome::Error => TestCaseStatus::non_success(NonSuccessKind::Error),
        Outcome::Skip => TestCaseStatus::skipped(),
    };
    if case.outcome != Outcome::Pass {
        status.set_type(case.outcome.as_str());
        status.set_message(case.reasons.join("; "));
        if case.outcome != Outcome::Skip {
            status.set_description(description(case));
        }
    }
    let mut test = TestCase::new(case.id.as_str(), status);
    test.set_classname(case.group.as_str());
    test.set_time(Duration::from_millis(case.duration_ms));
    test.add_property(Property::new("strength", case.strength.as_str()));
    test.add_property(Property::new("source", case.source.as_str()));
    test.add_property(Property::new("title", case.title.as_str()));
    test
}

/// Reasons, then each failing exchange with its violations, a short response body and a replay line.
fn description(case: &CaseReport) -> String {
    let mut lines: Vec<String> = case.reasons.iter().map(|r| format!("- {r}")).collect();
    for exchange in excerpt::failing_exchanges(case) {
        lines.push(String::new());
        lines.push(format!(
            "{}: {} -> {}",
            exchange.step,
            excerpt::request_line(exchange),
            excerpt::status_text(exchange)
        ));
        for violation in &exchange.violations {
            lines.push(format!(
                "  [{}] {}: {}",
                violation.strength.as_str(),
                violation.check,
                violation.reason
            ));
        }
        if let Some(body) = exchange.response_body.as_deref().filter(|b| !b.is_empty()) {
            lines.push(format!(
                "  response: {}",
                excerpt::shorten(body, SHORT_BODY_CHARS)
            ));
        }
        lines.push(format!("  replay: {}", curl_command(exchange)));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    fn parsed(report: &RunReport) -> Report {
        Report::deserialize_from_str(&to_junit(report).unwrap()).unwrap()
    }

    #[test]
    fn one_suite_per_group_one_testcase_per_case() {
        let report = fixture::report();
        let junit = parsed(&report);
        assert_eq!(junit.tests, report.cases.len());
        assert_eq!((junit.failures, junit.errors, junit.skipped), (2, 1, 1));
        let names: Vec<&str> = junit.test_suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["rfc", "validation", "lifecycle", "authz", "odata"]);
        let ids: Vec<&str> = junit
            .test_suites
            .iter()
            .flat_map(|s| &s.test_cases)
            .map(|c| c.name.as_str())
            .collect();
        let expected: Vec<&str> = report.cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, expected);
    }

    #[test]
    fn statuses_carry_type_reasons_and_replay() {
        let junit = parsed(&fixture::report());
        let case = |name: &str| {
            junit
                .test_suites
                .iter()
                .flat_map(|s| &s.test_cases)
                .find(|c| c.name.as_str() == name)
                .unwrap()
                .clone()
        };
        match case("lifecycle/delete-assigned").status {
            TestCaseStatus::NonSuccess {
                kind,
                ty,
                message,
                description,
                ..
            } => {
                assert_eq!(kind, NonSuccessKind::Failure);
                assert_eq!(ty.unwrap().as_str(), "diverge");
                assert_eq!(
                    message.unwrap().as_str(),
                    "status 204 where 409 was inferred"
                );
                let description = description.unwrap();
                assert!(
                    description.contains("replay: curl -sS -X POST"),
                    "{description:?}"
                );
            }
            other => panic!("diverge should be a failure, got {other:?}"),
        }
        assert!(matches!(
            case("odata/top-2").status,
            TestCaseStatus::NonSuccess {
                kind: NonSuccessKind::Error,
                ..
            }
        ));
        match case("authz/app-me").status {
            TestCaseStatus::Skipped { message, .. } => {
                assert_eq!(message.unwrap().as_str(), "target has no app token");
            }
            other => panic!("skip should be skipped, got {other:?}"),
        }
        let pass = case("rfc/sha1-59");
        assert!(matches!(pass.status, TestCaseStatus::Success { .. }));
        let properties: Vec<(&str, &str)> = pass
            .properties
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(properties[0], ("strength", "documented"));
        assert_eq!(properties[1].0, "source");
    }

    #[test]
    fn hostile_text_stays_text() {
        let mut report = fixture::report();
        let hostile = "</failure><testcase name=\"x\"/>&\u{1b}[31m\"'";
        report.cases[1].reasons = vec![hostile.to_owned()];
        report.cases[1].exchanges[0].response_body = Some(hostile.to_owned());
        let junit = parsed(&report);
        assert_eq!(junit.tests, report.cases.len());
        let xml = to_junit(&report).unwrap();
        assert!(!xml.contains("<testcase name=\"x\"/>"), "{xml}");
    }
}
