//! `hwoath`: conformance runs against Graph hardware OATH endpoints, the mock tenant, tokens and TOTP.

mod commands;
mod duration_arg;
mod embedded;
mod progress;
mod secret_input;
mod signals;
mod stdout;
mod trust;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Conformance harness, mock tenant and TOTP tools for the Microsoft Graph hardware OATH token API.
#[derive(Parser)]
#[command(name = "hwoath", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the conformance catalog against a target (default: an embedded mock tenant) and write reports.
    Run(commands::run::RunArgs),
    /// Send a saved failure of a generated case again and say FIXED or FAILED.
    Replay(commands::replay::ReplayArgs),
    /// Compare run reports (the baseline gate).
    Report(commands::report::ReportArgs),
    /// Remove everything earlier runs left on a target (tagged devices only).
    Cleanup(commands::cleanup::CleanupArgs),
    /// Check, convert and import a vendor's token file (Entra's bulk-upload CSV).
    Csv(commands::csv::CsvArgs),
    /// Print a TOTP code (RFC 6238), or verify codes with `hwoath totp verify`.
    Totp(commands::totp::TotpArgs),
    /// Run the mock Graph tenant (hardware OATH endpoints) until Ctrl-C.
    Mock(commands::mock::MockArgs),
    /// Mint a bearer token the mock accepts (signed with the mock's key; for testing only).
    Token(commands::token::TokenArgs),
}

/// Exit status for usage errors and bad input (clap uses the same for its own usage errors).
pub const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => commands::run::run(args),
        Command::Replay(args) => commands::replay::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Cleanup(args) => commands::cleanup::run(args),
        Command::Csv(args) => commands::csv::run(args),
        Command::Totp(args) => commands::totp::run(args),
        Command::Mock(args) => commands::mock::run(args),
        Command::Token(args) => commands::token::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", describe(&error));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// The error and its causes on one line, each cause once: a cause whose text the line already holds
/// (libraries often repeat their source in their own message) is left out.
fn describe(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cause_is_printed_once() {
        let io = std::io::Error::other("disk full");
        let repeated = anyhow::Error::new(io)
            .context("cannot write report.json: disk full")
            .context("cannot write the reports");
        assert_eq!(
            describe(&repeated),
            "cannot write the reports: cannot write report.json: disk full"
        );
    }
}
