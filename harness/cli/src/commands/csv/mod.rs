//! `hwoath csv`: check, convert and import a vendor's token file in Entra's bulk-upload CSV format.

pub mod check;
pub mod convert;
pub mod import;
mod whole_file;

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

/// Arguments of `hwoath csv`.
#[derive(Args, Debug)]
pub struct CsvArgs {
    #[command(subcommand)]
    command: CsvCommand,
}

#[derive(Subcommand, Debug)]
enum CsvCommand {
    /// Report every problem of one or more files, with line, column and a fix (exit 0 clean, 1
    /// problems, 2 unreadable).
    Check(check::CheckArgs),
    /// Write the file as Graph bulk delta bodies or one create request per token, as JSON.
    Convert(convert::ConvertArgs),
    /// Create, assign (and optionally activate) the file's tokens on a target, resumably (default:
    /// an embedded mock tenant, which makes a dry run).
    Import(import::ImportArgs),
}

/// Runs `hwoath csv`.
pub fn run(args: CsvArgs) -> Result<ExitCode> {
    match args.command {
        CsvCommand::Check(args) => check::run(args),
        CsvCommand::Convert(args) => convert::run(args),
        CsvCommand::Import(args) => import::run(args),
    }
}
