//! `hwoath report diff OLD NEW`: what changed between two runs; exit 1 on any regression.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use hwoath_suite::report::{Diff, Scope, read_json};

/// Arguments of `hwoath report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(subcommand)]
    action: ReportAction,
}

#[derive(Subcommand, Debug)]
enum ReportAction {
    /// Compare two report.json files by case id; exit 1 if any case regressed.
    Diff {
        /// The reference (e.g. reports/baseline.json).
        old: PathBuf,
        /// The new run's report.json.
        new: PathBuf,
        /// The new run was filtered: cases missing from it are not regressions.
        #[arg(long)]
        filtered: bool,
    },
}

/// Runs `hwoath report`.
pub fn run(args: ReportArgs) -> Result<ExitCode> {
    match args.action {
        ReportAction::Diff { old, new, filtered } => {
            // Each error names its file.
            let old_report = read_json(&old).context("cannot read the old report")?;
            let new_report = read_json(&new).context("cannot read the new report")?;
            let scope = if filtered {
                Scope::Filtered
            } else {
                Scope::Full
            };
            let diff = Diff::between(&old_report, &new_report, scope);
            crate::say!("{diff}");
            Ok(if diff.has_regressions() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
