//! `hwoath cleanup`: remove every device earlier hwoath runs left on a target (serial numbers starting
//! `hwoath-`); nothing untagged is ever touched.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use hwoath_suite::{ClientConfig, Credentials, SuiteError, TAG_PREFIX};

use crate::EXIT_USAGE;

/// Arguments of `hwoath cleanup`.
#[derive(Args, Debug)]
pub struct CleanupArgs {
    /// Graph base URL of the target. Credentials come from GRAPH_TOKEN or AZURE_* variables (or the
    /// target's test controls when it is a mock).
    #[arg(long, value_name = "URL")]
    target: String,
    #[command(flatten)]
    trust: crate::trust::TrustArgs,
}

/// Runs `hwoath cleanup`.
pub fn run(args: CleanupArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let client = args.trust.apply(ClientConfig::default())?;
    runtime.block_on(async {
        let credentials = Credentials::from_env().unwrap_or(Credentials::MockControls);
        let outcome = hwoath_suite::cleanup(&args.target, credentials, client).await;
        let sweep = match outcome {
            Ok(sweep) => sweep,
            Err(error @ SuiteError::Sweep(_)) => {
                eprintln!("error: {error}");
                return Ok(ExitCode::from(1));
            }
            Err(error) => {
                crate::trust::report_unusable(&error);
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        };
        for serial in &sweep.removed {
            crate::say!("removed {serial}");
        }
        for failure in &sweep.failed {
            crate::say!("FAILED  {failure}");
        }
        crate::say!(
            "{} removed, {} failed (devices whose serial starts with {TAG_PREFIX}; others untouched)",
            sweep.removed.len(),
            sweep.failed.len()
        );
        Ok(if sweep.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
    })
}
