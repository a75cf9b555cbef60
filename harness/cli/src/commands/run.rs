//! `hwoath run`: the conformance catalog against a target (an embedded mock by default), with a
//! progress bar, a summary table, the four report files, and the baseline gate.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use hwoath_suite::Group;
use hwoath_suite::report::{Diff, Scope, read_json, write_json, write_run};
use hwoath_suite::{ClientConfig, Credentials, RunOptions, RunReport, SuiteOptions, TargetKind};

use super::run_summary;
use crate::{EXIT_USAGE, say};

/// What the mock's behaviour options do to the verdicts (measured by the suite's `mock_options` test).
const MOCK_OPTIONS_HELP: &str = "\
Against `hwoath mock` started with a behaviour option (see `hwoath mock --help`):
  --status-after-assign-to available  touches no rule (either status passes; the report records it)
  --numbers-as-strings coerce         touches wrong-type-400 only (divergences)
  --visibility-delay MS               touches every rule whose case reads back its own write
                                      (create-201, assign-201, activate-204, update-204, ...)
  --policy-disabled refuse            touches no rule while the policy is enabled
README, \"Against the mock's behaviour options\", has the full list.";

/// Arguments of `hwoath run`.
#[derive(Args, Debug)]
#[command(after_long_help = MOCK_OPTIONS_HELP)]
pub struct RunArgs {
    /// Graph base URL of the target, e.g. https://graph.microsoft.com/beta (default: an embedded mock
    /// tenant on an ephemeral port). Credentials come from GRAPH_TOKEN or AZURE_TENANT_ID,
    /// AZURE_CLIENT_ID, AZURE_CLIENT_SECRET (and AZURE_AUTHORITY_HOST).
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// Run only these groups (rfc, docs, validation, lifecycle, authz, odata, navigation, policy, properties, stateful);
    /// repeatable.
    #[arg(long, value_name = "GROUP")]
    group: Vec<String>,
    /// Run only these case ids (`group/name`, or a prefix ending in `*`); repeatable.
    #[arg(long = "case", value_name = "ID")]
    cases: Vec<String>,
    /// Seed of generated cases.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Generated bodies per property case (default: 64 on a mock, 16 on a real tenant).
    #[arg(long = "cases", value_name = "N")]
    cases_per_property: Option<usize>,
    /// Requests (and cases) in flight at once (at least 1).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    jobs: u32,
    /// Where each run's report folder goes.
    #[arg(long, value_name = "DIR", default_value = "reports/runs")]
    out: PathBuf,
    /// Let cases create, change and delete resources on a real tenant (always on for a mock). Every
    /// resource is tagged with the run id and removed at the end.
    #[arg(long)]
    allow_writes: bool,
    /// A user id the cases may assign tokens to (repeatable; needed for writes on a real tenant).
    #[arg(long = "user", value_name = "ID")]
    users: Vec<String>,
    /// Compare with this report and exit 1 on any regression.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Also write this run, without exchanges and timings, as a baseline file.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Seconds before one request is given up.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    timeout: u64,
    /// Times a request answered 429 or 503 is sent again, waiting out its Retry-After (0: never).
    /// Every attempt is in the report; a 503 or 429 still there when the retries run out is judged.
    #[arg(long, value_name = "N", default_value_t = 3)]
    retries: u32,
    /// Longest the cases may take together (e.g. 90s, 5m): then cases not started are skipped and
    /// running ones cancelled as errors; cleanup (a few seconds at most) and the reports follow.
    #[arg(long, value_name = "DURATION", value_parser = crate::duration_arg::parse)]
    max_time: Option<Duration>,
    /// Start no case after the first one that fails or errors (the rest are reported as skipped).
    #[arg(long)]
    fail_fast: bool,
    #[command(flatten)]
    trust: crate::trust::TrustArgs,
}

fn groups(names: &[String]) -> Result<Vec<Group>> {
    names
        .iter()
        .map(|name| {
            Group::ALL
                .into_iter()
                .find(|group| group.as_str() == name)
                .with_context(|| format!("unknown group '{name}' (groups: rfc, docs, validation, lifecycle, authz, odata, navigation, policy, properties, stateful)"))
        })
        .collect()
}

/// Runs `hwoath run`.
pub fn run(args: RunArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcome = runtime.block_on(run_async(args));
    // Nothing the run started may keep the process alive past its report.
    runtime.shutdown_timeout(Duration::from_secs(1));
    outcome
}

async fn run_async(args: RunArgs) -> Result<ExitCode> {
    let interrupted = crate::signals::install()?;
    let jobs = args.jobs as usize;
    let run = RunOptions {
        groups: groups(&args.group)?,
        cases: args.cases.clone(),
        allow_writes: args.allow_writes,
        jobs,
        max_time: args.max_time,
        fail_fast: args.fail_fast,
        ..RunOptions::default()
    };
    if args.timeout == 0 {
        bail!("--timeout must be at least 1 second");
    }
    let client = args.trust.apply(ClientConfig {
        timeout: Duration::from_secs(args.timeout),
        jobs,
        max_attempts: args.retries.saturating_add(1),
        ..ClientConfig::default()
    })?;
    let filtered = run.is_filtered();
    let selected = hwoath_suite::catalog()
        .iter()
        .filter(|case| run.selects(case))
        .count();
    if selected == 0 {
        bail!("no case matches the --group/--case filters");
    }
    let baseline = match &args.baseline {
        Some(path) => Some(
            // The error names the file.
            read_json(path).context("cannot use the baseline")?,
        ),
        None => None,
    };

    let (mock, base_url, credentials, options) = match &args.target {
        None => {
            let (tenant, users) = crate::embedded::start().await?;
            let base = tenant.base_url();
            let options = SuiteOptions {
                run: RunOptions {
                    allow_writes: true,
                    ..run
                },
                client,
                users,
                seed: args.seed,
                cases: args.cases_per_property,
                target_kind: Some(TargetKind::EmbeddedMock),
            };
            (Some(tenant), base, Credentials::MockControls, options)
        }
        Some(url) => {
            if crate::trust::lacks_beta(url, &client).await {
                return Ok(ExitCode::from(EXIT_USAGE));
            }
            let credentials = Credentials::from_env().unwrap_or(Credentials::MockControls);
            let options = SuiteOptions {
                run,
                client,
                users: args.users.clone(),
                seed: args.seed,
                cases: args.cases_per_property,
                target_kind: None,
            };
            (None, url.clone(), credentials, options)
        }
    };

    // One line before the run: the users it found or was given, how many cases will skip and why.
    // A target that cannot be planned is reported by the run itself, with the same error.
    let mut options = options;
    if let Ok(plan) = hwoath_suite::plan(&base_url, credentials.clone(), &options).await {
        eprintln!("{}", plan.summary_line());
        options.users = plan.users;
    }

    let progress = crate::progress::bar(selected as u64, "");
    let bar = progress.clone();
    let on_case = move |case: &hwoath_suite::CaseReport| {
        if case.outcome.is_bad() {
            let line = format!(
                "{:<7} {}  {}",
                case.outcome.as_str().to_uppercase(),
                case.id,
                case.reasons.first().map(String::as_str).unwrap_or_default()
            );
            crate::progress::problem(&bar, &line);
        }
        bar.set_message(case.id.clone());
        bar.inc(1);
    };
    let result = hwoath_suite::run(&base_url, credentials, options, on_case, interrupted).await;
    progress.finish_and_clear();
    if let Some(tenant) = mock {
        tenant.shutdown().await;
    }
    let Some(report) = crate::trust::usable(result)? else {
        return Ok(ExitCode::from(EXIT_USAGE));
    };

    run_summary::print(&report);
    let paths = write_run(&report, &args.out).context("cannot write the reports")?;
    say!("reports: {}", paths.dir.display());
    write_failures(&report, &paths.dir)?;
    if let Some(path) = &args.write_baseline {
        write_json(&as_baseline(&report), path).context("cannot write the baseline")?;
        say!("baseline written: {}", path.display());
    }
    let stopped = report.stop_reason.is_some();
    let failed = match &baseline {
        Some(baseline) => {
            let scope = if filtered || stopped {
                Scope::Filtered
            } else {
                Scope::Full
            };
            let diff = Diff::between(baseline, &report, scope);
            say!("\nagainst the baseline:\n{diff}");
            diff.has_regressions()
        }
        None => report.cases.iter().any(|case| case.outcome.is_bad()),
    };
    Ok(if report.interrupted {
        ExitCode::from(crate::signals::EXIT_INTERRUPTED)
    } else if failed || stopped {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Saves each shrunk failure of the generated cases as `failures/<case>-<index>.json` in the run's
/// folder, and prints the command that replays it.
fn write_failures(report: &RunReport, dir: &std::path::Path) -> Result<()> {
    if report.failures.is_empty() {
        return Ok(());
    }
    let folder = dir.join("failures");
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    for failure in &report.failures {
        let path = folder.join(failure.file_name());
        std::fs::write(&path, failure.to_json())
            .with_context(|| format!("cannot write {}", path.display()))?;
        say!(
            "failure [{}] {}: hwoath replay {}",
            failure.label,
            failure.case,
            path.display()
        );
    }
    Ok(())
}

/// The report without exchanges and timings: what a baseline needs, stable from run to run.
fn as_baseline(report: &RunReport) -> RunReport {
    let mut baseline = report.clone();
    baseline.duration_ms = 0;
    baseline.started_at = "1970-01-01T00:00:00Z".to_owned();
    baseline.run_id = "baseline".to_owned();
    baseline.target.base_url = "embedded".to_owned();
    baseline.failures.clear();
    baseline.retries = Default::default();
    baseline.leftovers.clear();
    baseline.clock_not_restored = None;
    for case in &mut baseline.cases {
        case.duration_ms = 0;
        case.exchanges.clear();
    }
    baseline
}
