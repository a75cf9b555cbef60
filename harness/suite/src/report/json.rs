//! `report.json`: the run report as pretty JSON in the versioned schema, and reading it back with a
//! check of that schema.

use std::path::Path;

use serde::Deserialize;

use super::error::ReportError;
use super::model::{RunReport, SCHEMA};

/// The origin named in errors when the JSON came from a string.
const STRING_ORIGIN: &str = "report JSON";

/// Only the schema field, read first so another schema is reported as such, not as a shape error.
#[derive(Deserialize)]
struct SchemaProbe {
    schema: Option<String>,
}

/// The report as pretty JSON with a trailing newline.
pub fn to_json(report: &RunReport) -> Result<String, ReportError> {
    let mut text =
        serde_json::to_string_pretty(report.redacted().as_ref()).map_err(ReportError::Serialize)?;
    text.push('\n');
    Ok(text)
}

/// Parses a report, checking first that it declares [`SCHEMA`].
pub fn from_json(text: &str) -> Result<RunReport, ReportError> {
    parse(text, STRING_ORIGIN)
}

/// Writes the report as pretty JSON to `path`.
pub fn write_json(report: &RunReport, path: &Path) -> Result<(), ReportError> {
    let text = to_json(report)?;
    std::fs::write(path, text).map_err(|e| ReportError::io(path, e))
}

/// Reads and parses the report at `path`, checking its schema.
pub fn read_json(path: &Path) -> Result<RunReport, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReportError::io(path, e))?;
    parse(&text, &path.display().to_string())
}

fn parse(text: &str, origin: &str) -> Result<RunReport, ReportError> {
    let malformed = |source| ReportError::Malformed {
        origin: origin.to_owned(),
        source,
    };
    let probe: SchemaProbe = serde_json::from_str(text).map_err(malformed)?;
    match probe.schema {
        None => {
            return Err(ReportError::MissingSchema {
                origin: origin.to_owned(),
                expected: SCHEMA,
            });
        }
        Some(found) if found != SCHEMA => {
            return Err(ReportError::SchemaMismatch {
                origin: origin.to_owned(),
                found,
                expected: SCHEMA,
            });
        }
        Some(_) => {}
    }
    serde_json::from_str(text).map_err(malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn round_trips() {
        let report = fixture::report();
        let text = to_json(&report).unwrap();
        assert!(
            text.starts_with("{\n  \"schema\": \"hwoath-report/1\""),
            "{text}"
        );
        assert_eq!(from_json(&text).unwrap(), report);
    }

    #[test]
    fn a_report_written_before_retries_and_stops_were_recorded_still_loads() {
        let mut value: serde_json::Value =
            serde_json::from_str(&to_json(&fixture::report()).unwrap()).unwrap();
        let object = value.as_object_mut().unwrap();
        for field in [
            "retries",
            "interrupted",
            "stop_reason",
            "leftovers",
            "clock_not_restored",
        ] {
            object.remove(field);
        }
        let old = from_json(&value.to_string()).unwrap();
        assert_eq!(old.retries, Default::default());
        assert!(!old.interrupted && old.stop_reason.is_none() && old.leftovers.is_empty());
        let exchange = &old.cases[1].exchanges[0];
        assert_eq!((exchange.attempt, exchange.retried_after_ms), (1, None));
        let baseline = concat!(env!("CARGO_MANIFEST_DIR"), "/../../reports/baseline.json");
        assert!(
            read_json(Path::new(baseline)).is_ok(),
            "the committed baseline loads"
        );
    }

    #[test]
    fn another_schema_is_a_schema_mismatch() {
        let text = to_json(&fixture::report())
            .unwrap()
            .replace(SCHEMA, "hwoath-report/99");
        match from_json(&text) {
            Err(ReportError::SchemaMismatch {
                found, expected, ..
            }) => {
                assert_eq!(found, "hwoath-report/99");
                assert_eq!(expected, SCHEMA);
            }
            other => panic!("expected a schema mismatch, got {other:?}"),
        }
    }

    #[test]
    fn another_schema_wins_over_another_shape() {
        let err = from_json(r#"{"schema":"other/2","cases":"not a list"}"#).unwrap_err();
        assert!(matches!(err, ReportError::SchemaMismatch { .. }), "{err}");
    }

    #[test]
    fn no_schema_is_reported_as_such() {
        let err = from_json(r#"{"run_id":"x"}"#).unwrap_err();
        assert!(matches!(err, ReportError::MissingSchema { .. }), "{err}");
        assert!(err.to_string().contains("no \"schema\" field"), "{err}");
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let err = from_json("{\n  \"schema\": \"hwoath-report/1\",\n  oops").unwrap_err();
        assert!(matches!(err, ReportError::Malformed { .. }), "{err}");
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn right_schema_wrong_shape_is_malformed() {
        let err = from_json(r#"{"schema":"hwoath-report/1","cases":"x"}"#).unwrap_err();
        assert!(matches!(err, ReportError::Malformed { .. }), "{err}");
    }

    #[test]
    fn writes_redacted_authorization() {
        let mut report = fixture::report();
        report.cases[1].exchanges[0].request_headers[0].1 = "Bearer eyJ.secret".to_owned();
        let text = to_json(&report).unwrap();
        assert!(!text.contains("eyJ.secret"));
        assert!(text.contains("Bearer [redacted]"));
    }
}
