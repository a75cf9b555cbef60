//! `hwoath csv import`: the file's tokens created, assigned (and optionally activated) on a target,
//! resumably, with a progress bar and a per-row result file. Without `--target`, an embedded mock
//! tenant holding a user for each UPN of the file takes the writes: a dry run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use hwoath_mock::{Fixture, MockTenant, User};
use hwoath_onboard::{Creation, ImportOptions, ImportReport, Outcome, RowResult, Severity, Tally};
use hwoath_suite::{ClientConfig, Credentials, HttpClient};

use super::whole_file::write_whole;
use crate::{EXIT_USAGE, say};

/// Arguments of `hwoath csv import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The token file, in Entra's bulk-upload CSV format.
    file: PathBuf,
    /// Graph base URL of the target, e.g. https://graph.microsoft.com/beta (default: an embedded mock
    /// tenant with a user for each UPN of the file, which makes a dry run). Credentials come from
    /// GRAPH_TOKEN or AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET (and AZURE_AUTHORITY_HOST).
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// Let the import write to a target that is not a mock (one without hwoath's test controls, such
    /// as a real tenant).
    #[arg(long)]
    allow_writes: bool,
    /// Also activate each token with the code its seed gives at the target's time (from its `Date`).
    #[arg(long)]
    activate: bool,
    /// Create the tokens with bulk (`#$delta`) bodies of up to N tokens (default N: 100) instead of
    /// one request each.
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "100",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    bulk: Option<u32>,
    /// Rows (or bulk bodies) in progress at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    jobs: u32,
    /// Times a request answered 429 or 503 is sent again after its Retry-After (at most 10 minutes of
    /// waiting per request).
    #[arg(long, value_name = "N", default_value_t = 8)]
    retries: u32,
    /// Seconds before one request is given up.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// The journal that makes a rerun resume (default: FILE.hwoath-journal beside the file; a dry run
    /// keeps none).
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// Where the per-row results go, without extension: PATH.csv and PATH.json (default: FILE.result,
    /// or FILE.dry-run for a dry run).
    #[arg(long, value_name = "PATH")]
    results: Option<PathBuf>,
    #[command(flatten)]
    trust: crate::trust::TrustArgs,
}

/// Runs `hwoath csv import`.
pub fn run(args: ImportArgs) -> Result<ExitCode> {
    let bytes = match std::fs::read(&args.file) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", args.file.display());
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let checked = hwoath_onboard::check(&bytes);
    let shown = args.file.display().to_string();
    let header_errors: Vec<_> = checked
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error && f.is_whole_file())
        .collect();
    if !header_errors.is_empty() {
        for finding in header_errors {
            eprintln!("{shown}:1: error[{}]: {}", finding.code, finding.message);
            eprintln!("  fix: {}", finding.fix);
        }
        eprintln!("error: nothing imported; `hwoath csv check {shown}` lists every problem");
        return Ok(ExitCode::from(1));
    }
    let rejected = checked.rejected_rows();
    if !rejected.is_empty() {
        eprintln!(
            "{} line(s) of {shown} have errors and will not be imported (they are in the result \
             file; `hwoath csv check {shown}` explains each)",
            rejected.len()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcome = runtime.block_on(import_async(&args, checked.rows, rejected));
    runtime.shutdown_timeout(Duration::from_secs(1));
    outcome
}

async fn import_async(
    args: &ImportArgs,
    rows: Vec<hwoath_graph::CsvRow>,
    rejected: Vec<RowResult>,
) -> Result<ExitCode> {
    let interrupted = crate::signals::install()?;
    let client = args.trust.apply(ClientConfig {
        timeout: Duration::from_secs(args.timeout),
        jobs: args.jobs as usize,
        max_attempts: args.retries.saturating_add(1),
        retry_budget: Duration::from_secs(600),
        ..ClientConfig::default()
    })?;
    let dry_run = args.target.is_none();
    let (mock, base_url, credentials) = match &args.target {
        None => {
            let tenant = dry_run_tenant(&rows).await?;
            let base = tenant.base_url();
            (Some(tenant), base, Credentials::MockControls)
        }
        Some(url) => (
            None,
            url.trim_end_matches('/').to_owned(),
            Credentials::from_env().unwrap_or(Credentials::MockControls),
        ),
    };
    let target = match hwoath_suite::connect(&base_url, credentials, HttpClient::new(client)?).await
    {
        Ok(target) => target,
        Err(error) => {
            crate::trust::report_unusable(&error);
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    if !dry_run && !target.has_controls() && !args.allow_writes {
        eprintln!(
            "error: {base_url} is not a mock (it has no hwoath test controls): importing creates and \
             assigns {} token(s) there; pass --allow-writes to do so",
            rows.len()
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let journal = (!dry_run).then(|| {
        args.journal
            .clone()
            .unwrap_or_else(|| with_suffix(&args.file, ".hwoath-journal"))
    });
    let options = ImportOptions {
        creation: match args.bulk {
            Some(size) => Creation::Bulk(size as usize),
            None => Creation::OneByOne,
        },
        activate: args.activate,
        jobs: args.jobs as usize,
        journal: journal.clone(),
    };
    let progress = crate::progress::bar(rows.len() as u64, "rows");
    let bar = progress.clone();
    let on_row = move |row: &RowResult| {
        if row.outcome == Outcome::Failed {
            let line = format!(
                "FAILED  line {} {}: {}",
                row.line, row.serial_number, row.reason
            );
            crate::progress::problem(&bar, &line);
        }
        bar.set_message(row.serial_number.clone());
        bar.inc(1);
    };
    let outcome = hwoath_onboard::import(&target, &rows, &options, on_row, interrupted).await;
    progress.finish_and_clear();
    if let Some(tenant) = mock {
        tenant.shutdown().await;
    }
    let report = match outcome {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let results_base = args
        .results
        .clone()
        .unwrap_or_else(|| with_suffix(&args.file, if dry_run { ".dry-run" } else { ".result" }));
    let all = merged(report.rows.clone(), rejected);
    let written = write_results(&results_base, &args.file, &base_url, &all, dry_run);
    summarize(&report, &all, journal.as_deref(), dry_run);
    written?;
    Ok(if report.interrupted {
        ExitCode::from(crate::signals::EXIT_INTERRUPTED)
    } else if report.halted.is_some() || all.iter().any(|r| r.outcome == Outcome::Failed) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// An embedded mock tenant for a dry run: the default directory plus a user for each UPN of the file
/// it lacks, and no activation throttle worth the name (a dry run tests the file, not Graph's limits).
async fn dry_run_tenant(rows: &[hwoath_graph::CsvRow]) -> Result<MockTenant> {
    let mut fixture = Fixture::default();
    for row in rows {
        let known = fixture
            .users
            .iter()
            .any(|u| u.user_principal_name.eq_ignore_ascii_case(&row.upn));
        if !known {
            let number = fixture.users.len() + 1;
            fixture.users.push(User {
                id: format!("d27a0000-0000-4000-8000-{number:012x}"),
                display_name: row.upn.clone(),
                user_principal_name: row.upn.clone(),
                roles: Vec::new(),
            });
        }
    }
    MockTenant::builder()
        .controls(true)
        .fixture(fixture)
        .activation_limit(u32::MAX, 1)
        .start()
        .await
        .context("cannot start the embedded mock tenant")
}

/// The import's results and the check's rejected lines together, in file order.
fn merged(mut rows: Vec<RowResult>, rejected: Vec<RowResult>) -> Vec<RowResult> {
    rows.extend(rejected);
    rows.sort_by_key(|row| row.line);
    rows
}

fn write_results(
    base: &Path,
    file: &Path,
    target: &str,
    rows: &[RowResult],
    dry_run: bool,
) -> Result<()> {
    let target = if dry_run {
        "embedded mock (dry run)"
    } else {
        target
    };
    let csv_path = with_suffix(base, ".csv");
    let json_path = with_suffix(base, ".json");
    let csv = RowResult::to_csv(rows).context("cannot render the result CSV")?;
    write_whole(&csv_path, &csv).with_context(|| format!("cannot write {}", csv_path.display()))?;
    let json = RowResult::to_json(&file.display().to_string(), target, rows)
        .context("cannot render the result JSON")?;
    write_whole(&json_path, &json)
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    say!(
        "results: {} and {}",
        csv_path.display(),
        json_path.display()
    );
    Ok(())
}

fn summarize(report: &ImportReport, all: &[RowResult], journal: Option<&Path>, dry_run: bool) {
    say!("{} rows: {}", all.len(), Tally::of(all));
    if let Some(journal) = journal {
        say!(
            "journal: {} (a rerun does only what is left)",
            journal.display()
        );
    }
    if dry_run {
        say!(
            "dry run: the writes went to an embedded mock tenant with a user for each UPN of the file; \
             give --target URL to import for real"
        );
    }
    if report.interrupted {
        eprintln!(
            "interrupted: rows not started are skipped; run the same command again to finish"
        );
    }
    if let Some(reason) = &report.halted {
        eprintln!("error: the import stopped: {reason}");
    }
}

/// `path` with `suffix` appended to its file name (`tokens.csv` + `.result` = `tokens.csv.result`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_and_journal_names_sit_beside_the_file() {
        assert_eq!(
            with_suffix(Path::new("dir/tokens.csv"), ".hwoath-journal"),
            PathBuf::from("dir/tokens.csv.hwoath-journal")
        );
        assert_eq!(
            with_suffix(&with_suffix(Path::new("t.csv"), ".result"), ".csv"),
            PathBuf::from("t.csv.result.csv")
        );
    }

    #[test]
    fn rejected_lines_take_their_place_in_file_order() {
        let row = |line: u64, outcome: Outcome| RowResult {
            line,
            upn: String::new(),
            serial_number: String::new(),
            outcome,
            device_id: None,
            user_id: None,
            reason: String::new(),
        };
        let all = merged(
            vec![row(2, Outcome::Assigned), row(5, Outcome::Assigned)],
            vec![row(3, Outcome::Failed)],
        );
        assert_eq!(all.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 5]);
    }
}
