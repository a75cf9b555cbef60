//! write_run puts the four files in a stamped directory; each reads back as what it claims to be.

mod report_support;

use hwoath_suite::report::SCHEMA;
use hwoath_suite::report::read_json;
use hwoath_suite::report::{ReportError, run_stamp, write_all, write_run};
use report_support::{hostile_report, report};

#[test]
fn writes_four_files_that_read_back() {
    let runs = tempfile::tempdir().unwrap();
    let report = report();
    let paths = write_run(&report, runs.path()).unwrap();
    assert_eq!(paths.dir, runs.path().join("20261121T221500Z-3f2a9c1e"));
    assert_eq!(run_stamp(&report), "20261121T221500Z-3f2a9c1e");

    assert_eq!(read_json(&paths.json).unwrap(), report);

    let xml = std::fs::read_to_string(&paths.junit).unwrap();
    let junit = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    let ids: Vec<&str> = junit
        .test_suites
        .iter()
        .flat_map(|suite| &suite.test_cases)
        .map(|case| case.name.as_str())
        .collect();
    let expected: Vec<&str> = report.cases.iter().map(|case| case.id.as_str()).collect();
    assert_eq!(ids, expected);

    let markdown = std::fs::read_to_string(&paths.markdown).unwrap();
    assert!(markdown.starts_with("# hwoath conformance report"));
    let html = std::fs::read_to_string(&paths.html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
}

#[test]
fn hostile_report_still_writes_well_formed_junit_and_round_trips_json() {
    let dir = tempfile::tempdir().unwrap();
    let report = hostile_report();
    let paths = write_all(&report, &dir.path().join("nested/run")).unwrap();
    assert_eq!(read_json(&paths.json).unwrap(), report);
    let xml = std::fs::read_to_string(&paths.junit).unwrap();
    let junit = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    assert_eq!(junit.tests, report.cases.len());
}

#[test]
fn reading_another_schema_or_a_missing_file_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let paths = write_all(&report(), dir.path()).unwrap();
    let text = std::fs::read_to_string(&paths.json)
        .unwrap()
        .replace(SCHEMA, "hwoath-report/0");
    std::fs::write(&paths.json, text).unwrap();
    let err = read_json(&paths.json).unwrap_err();
    assert!(matches!(err, ReportError::SchemaMismatch { .. }), "{err}");
    assert!(err.to_string().contains("report.json"), "{err}");

    let err = read_json(&dir.path().join("absent.json")).unwrap_err();
    assert!(matches!(err, ReportError::Io { .. }), "{err}");
}

#[test]
fn a_file_in_the_way_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("runs");
    std::fs::write(&blocker, "not a directory").unwrap();
    let err = write_run(&report(), &blocker).unwrap_err();
    assert!(matches!(err, ReportError::Io { .. }), "{err}");
}
