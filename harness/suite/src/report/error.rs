//! Errors of the report writers and readers.

use std::path::PathBuf;

/// What can go wrong while writing or reading reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file or directory could not be created, written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not a well-formed report (bad JSON or a field of the wrong shape).
    #[error("{origin}: malformed report: {source}")]
    Malformed {
        /// Where the text came from (a path, or `report JSON` for a string).
        origin: String,
        /// The JSON error, with its line and column.
        #[source]
        source: serde_json::Error,
    },
    /// The JSON has no `schema` field, so it is not a hwoath report.
    #[error(
        "{origin}: not a hwoath report: no \"schema\" field (expected {})",
        crate::wording::quoted(expected)
    )]
    MissingSchema {
        /// Where the text came from.
        origin: String,
        /// The schema this build reads.
        expected: &'static str,
    },
    /// The report was written with another schema than the one this build reads.
    #[error(
        "{origin}: report schema {} is not supported (expected {})",
        crate::wording::quoted(found),
        crate::wording::quoted(expected)
    )]
    SchemaMismatch {
        /// Where the text came from.
        origin: String,
        /// The schema the report declares.
        found: String,
        /// The schema this build reads.
        expected: &'static str,
    },
    /// The report could not be serialized as JSON.
    #[error("cannot serialize the report as JSON: {0}")]
    Serialize(#[source] serde_json::Error),
    /// The JUnit XML could not be produced.
    #[error("cannot produce junit.xml: {0}")]
    Junit(#[from] quick_junit::SerializeError),
}

impl ReportError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.into(),
            source,
        }
    }
}
