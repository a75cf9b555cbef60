//! `hwoath replay FILE`: sends a saved failure of a generated case again (to an embedded mock by
//! default) and prints FIXED when the target now answers as the label calls for, FAILED otherwise.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use hwoath_suite::report::Failure;
use hwoath_suite::{ClientConfig, Credentials};

use crate::{EXIT_USAGE, say};

/// Arguments of `hwoath replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// A failure file from `reports/runs/<stamp>/failures/`.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Graph base URL of the target (default: the target the failure file records, or an embedded mock
    /// tenant when that was an embedded mock). Credentials as for `run`.
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// Replay against a new embedded mock tenant, whatever the failure file records.
    #[arg(long, conflicts_with = "target")]
    embedded: bool,
    /// A user id to assign tokens to (needed for method bodies on a real tenant).
    #[arg(long = "user", value_name = "ID")]
    users: Vec<String>,
    /// Times a request answered 429 or 503 is sent again, waiting out its Retry-After (0: never).
    #[arg(long, value_name = "N", default_value_t = 3)]
    retries: u32,
    #[command(flatten)]
    trust: crate::trust::TrustArgs,
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
    let outcome = runtime.block_on(replay(args, failure));
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    outcome
}

async fn replay(args: ReplayArgs, failure: Failure) -> Result<ExitCode> {
    // The target the failure was found on, unless one is given; an embedded mock's is gone with its run.
    let recorded = failure
        .target
        .as_ref()
        .filter(|target| target.kind != "embedded-mock" && !args.embedded)
        .map(|target| target.base_url.clone());
    if args.target.is_none()
        && let Some(url) = &recorded
    {
        eprintln!("replaying against {url}, where the failure was found (--target to change)");
    }
    let client = args.trust.apply(ClientConfig {
        max_attempts: args.retries.saturating_add(1),
        ..ClientConfig::default()
    })?;
    let (mock, base_url, credentials, users) = match args.target.as_ref().or(recorded.as_ref()) {
        None => {
            let (tenant, users) = crate::embedded::start().await?;
            let base = tenant.base_url();
            (Some(tenant), base, Credentials::MockControls, users)
        }
        Some(url) => {
            if crate::trust::lacks_beta(url, &client).await {
                return Ok(ExitCode::from(EXIT_USAGE));
            }
            (
                None,
                url.clone(),
                Credentials::from_env().unwrap_or(Credentials::MockControls),
                args.users.clone(),
            )
        }
    };
    let outcome = hwoath_suite::replay(&base_url, credentials, client, users, &failure).await;
    if let Some(tenant) = mock {
        tenant.shutdown().await;
    }
    let Some(trial) = crate::trust::usable(outcome)? else {
        return Ok(ExitCode::from(EXIT_USAGE));
    };
    let status = trial
        .status
        .map_or("no answer".to_owned(), |s| s.to_string());
    say!(
        "{} [{}] {} -> {status}",
        failure.case,
        failure.label,
        trial.path
    );
    if trial.failed() {
        for (_, problem) in &trial.problems {
            say!("  {problem}");
        }
        say!("FAILED");
        Ok(ExitCode::from(1))
    } else {
        say!("FIXED");
        Ok(ExitCode::SUCCESS)
    }
}
