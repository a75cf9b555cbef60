//! `hwoath replay FILE`: sends a saved failure of a generated case again (to an embedded mock by
//! default) and prints FIXED when the target now answers as the label calls for, FAILED otherwise.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use hwoath_suite::generate::Failure;
use hwoath_suite::{ClientConfig, Credentials, SuiteError};

use crate::EXIT_USAGE;

/// Arguments of `hwoath replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// A failure file from `reports/runs/<stamp>/failures/`.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Graph base URL of the target (default: an embedded mock tenant). Credentials as for `run`.
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// A user id to assign tokens to (needed for method bodies on a real tenant).
    #[arg(long = "user", value_name = "ID")]
    users: Vec<String>,
}

/// Runs `hwoath replay`.
pub fn run(args: ReplayArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let failure = Failure::from_json(&text)
        .with_context(|| format!("{} is not a failure file", args.file.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(replay(args, failure))
}

async fn replay(args: ReplayArgs, failure: Failure) -> Result<ExitCode> {
    let (mock, base_url, credentials, users) = match &args.target {
        None => {
            let (tenant, users) = crate::embedded::start().await?;
            let base = tenant.base_url();
            (Some(tenant), base, Credentials::MockControls, users)
        }
        Some(url) => (
            None,
            url.clone(),
            Credentials::from_env().unwrap_or(Credentials::MockControls),
            args.users.clone(),
        ),
    };
    let outcome = hwoath_suite::replay::replay(
        &base_url,
        credentials,
        ClientConfig::default(),
        users,
        &failure,
    )
    .await;
    if let Some(tenant) = mock {
        tenant.shutdown().await;
    }
    let trial = match outcome {
        Ok(trial) => trial,
        Err(error @ (SuiteError::Unreachable { .. } | SuiteError::NoCredentials { .. })) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        Err(error) => return Err(error.into()),
    };
    let status = trial
        .status
        .map_or("no answer".to_owned(), |s| s.to_string());
    println!(
        "{} [{}] {} -> {status}",
        failure.case, failure.label, trial.path
    );
    if trial.failed() {
        for (_, problem) in &trial.problems {
            println!("  {problem}");
        }
        println!("FAILED");
        Ok(ExitCode::from(1))
    } else {
        println!("FIXED");
        Ok(ExitCode::SUCCESS)
    }
}
