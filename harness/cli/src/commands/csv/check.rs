//! `hwoath csv check FILE...`: every problem of each file, compiler-style or as one JSON document.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};
use hwoath_onboard::Checked;
use zeroize::Zeroizing;

use crate::EXIT_USAGE;

/// Arguments of `hwoath csv check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The files to check, in Entra's bulk-upload CSV format.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Fail on warnings too (exit 1 when any file has a finding of any kind).
    #[arg(long)]
    strict: bool,
    /// `text` (compiler-style lines, then a summary per file) or `json` (one document for tools).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// `FILE:LINE:COLUMN: error[CODE]: MESSAGE`, an indented `fix:` line, a summary per file.
    Text,
    /// `{"files": [{"file", "rows", "findings": [...]}]}`.
    Json,
}

/// What became of one file.
type Outcome = (String, Result<Checked, String>);

/// Runs `hwoath csv check`: exit 0 without errors (warnings too with `--strict`), 1 with errors, 2
/// when a file cannot be read (the others are still checked).
pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let mut outcomes: Vec<Outcome> = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let outcome = match std::fs::read(path) {
            Ok(bytes) => Ok(hwoath_onboard::check(&Zeroizing::new(bytes))),
            Err(error) => {
                eprintln!("error: cannot read {name}: {error}");
                Err(error.to_string())
            }
        };
        if args.format == Format::Text
            && let Ok(checked) = &outcome
        {
            crate::say!("{}", checked.render(&name));
        }
        outcomes.push((name, outcome));
    }
    if args.format == Format::Json {
        let files = outcomes
            .iter()
            .map(|(name, outcome)| (name.as_str(), outcome.as_ref().map_err(String::as_str)));
        crate::say!("{}", hwoath_onboard::json_document(files));
    }
    Ok(exit_code(&outcomes, args.strict))
}

fn exit_code(outcomes: &[Outcome], strict: bool) -> ExitCode {
    if outcomes.iter().any(|(_, outcome)| outcome.is_err()) {
        ExitCode::from(EXIT_USAGE)
    } else if outcomes
        .iter()
        .any(|(_, outcome)| outcome.as_ref().is_ok_and(|c| c.fails(strict)))
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
