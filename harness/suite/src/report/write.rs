//! Writing the four report files of a run into one directory, named by a stamp such as
//! `20261121T221500Z-3f2a9c1e` under `reports/runs/`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::error::ReportError;
use super::html::to_html;
use super::json::to_json;
use super::junit::to_junit;
use super::markdown::to_markdown;
use super::model::RunReport;

/// How many characters of the run id the stamp keeps.
const SHORT_ID_CHARS: usize = 8;

/// Where [`write_all`] put each file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The run's directory.
    pub dir: PathBuf,
    /// `report.json`.
    pub json: PathBuf,
    /// `junit.xml`.
    pub junit: PathBuf,
    /// `report.md`.
    pub markdown: PathBuf,
    /// `report.html`.
    pub html: PathBuf,
}

/// The directory name of a run: its start time in UTC (`%Y%m%dT%H%M%SZ`) and the first characters of
/// its id, e.g. `20261121T221500Z-3f2a9c1e`; the current time stands in for an unreadable start time.
pub fn run_stamp(report: &RunReport) -> String {
    let started = DateTime::parse_from_rfc3339(&report.started_at)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|_| DateTime::<Utc>::from(std::time::SystemTime::now()));
    let short: String = report
        .run_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(SHORT_ID_CHARS)
        .collect();
    let short = if short.is_empty() {
        "run".to_owned()
    } else {
        short
    };
    format!("{}-{short}", started.format("%Y%m%dT%H%M%SZ"))
}

/// Writes `report.json`, `junit.xml`, `report.md` and `report.html` into `dir`, creating it.
pub fn write_all(report: &RunReport, dir: &Path) -> Result<Paths, ReportError> {
    let json = to_json(report)?;
    let junit = to_junit(report)?;
    std::fs::create_dir_all(dir).map_err(|e| ReportError::io(dir, e))?;
    let paths = Paths {
        dir: dir.to_path_buf(),
        json: dir.join("report.json"),
        junit: dir.join("junit.xml"),
        markdown: dir.join("report.md"),
        html: dir.join("report.html"),
    };
    let files = [
        (&paths.json, json),
        (&paths.junit, junit),
        (&paths.markdown, to_markdown(report)),
        (&paths.html, to_html(report)),
    ];
    for (path, text) in files {
        std::fs::write(path, text).map_err(|e| ReportError::io(path, e))?;
    }
    Ok(paths)
}

/// Writes the four files into `runs_dir/<stamp>/` (see [`run_stamp`]).
pub fn write_run(report: &RunReport, runs_dir: &Path) -> Result<Paths, ReportError> {
    write_all(report, &runs_dir.join(run_stamp(report)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn stamp_is_utc_time_and_short_id() {
        let mut report = fixture::report();
        assert_eq!(run_stamp(&report), "20261121T221500Z-3f2a9c1e");
        report.started_at = "2026-11-21T23:15:00.250+01:00".to_owned();
        report.run_id = "../x y".to_owned();
        assert_eq!(run_stamp(&report), "20261121T221500Z-xy");
        report.run_id = "/..".to_owned();
        assert!(run_stamp(&report).ends_with("Z-run"));
    }

    #[test]
    fn unreadable_start_time_falls_back_to_now() {
        let mut report = fixture::report();
        report.started_at = "yesterday".to_owned();
        let stamp = run_stamp(&report);
        assert_eq!(stamp.len(), "20261121T221500Z-3f2a9c1e".len(), "{stamp}");
        assert!(stamp.ends_with("Z-3f2a9c1e"));
    }
}
