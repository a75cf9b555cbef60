//! The hwoath conformance suite: reaches any Graph-compatible hardware OATH endpoint over HTTP, runs a
//! catalog of cases whose expectations come from its own reading of the spec (each rule tagged
//! documented or inferred, with its source), and reports.
//!
//! The suite never imports the mock tenant's validation or state: the mock is just another target at a
//! base URL. Run it from your own tests:
//!
//! ```no_run
//! use hwoath_suite::{Credentials, SuiteOptions};
//!
//! # async fn example() -> Result<(), hwoath_suite::SuiteError> {
//! let report = hwoath_suite::run(
//!     "http://127.0.0.1:8080/beta",
//!     Credentials::MockControls,
//!     SuiteOptions::default(),
//!     |_case| {},
//!     std::future::pending(),
//! )
//! .await?;
//! assert_eq!(report.summary.failed, 0);
//! # Ok(())
//! # }
//! ```

mod base_url;
mod case;
mod catalog;
mod checks;
mod cleanup;
mod client;
mod context;
mod controls;
mod endpoints;
mod generate;
mod label;
mod plan;
mod redact;
mod replay;
pub mod report;
mod retries;
mod rules;
mod runner;
mod secret;
mod shrink;
mod stateful;
mod steps;
mod stop;
mod target;
mod wording;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use reqwest::Method;

pub use base_url::missing_beta;
pub use case::{CaseInfo, Group};
pub use catalog::properties::Trial;
pub use cleanup::sweep::{Sweep, SweepError};
pub use client::{
    CaFileError, ClientBuildError, ClientConfig, Exchange, HttpClient, Request, TransportError,
};
pub use context::TAG_PREFIX;
pub use endpoints::{Owner, Urls};
pub use plan::{Plan, Skips, UsersFrom};
pub use replay::replay;
pub use report::{CaseReport, Outcome, RunReport};
pub use rules::Strength;
pub use runner::RunOptions;
pub use secret::{BearerToken, ClientSecret};
pub use target::{Credentials, Principal, Target, TokenError};

use crate::context::{RunContext, Tag, UserPool};
use crate::report::{Failure, SCHEMA, Summary, TargetInfo};

/// Every case of the catalog, in the order a run takes them.
pub fn catalog() -> Vec<CaseInfo> {
    catalog::all().iter().map(case::Case::info).collect()
}

/// Items the crate's own tests, benches and fuzz targets reach into; not part of the public API.
#[doc(hidden)]
pub mod internals {
    pub use crate::catalog::properties::ACTIVATION_CAP;
    pub use crate::checks::ALL as CHECKS;
    pub use crate::generate::{BodyKind, Class, mutations};
    pub use crate::report::internals::{escape, shell_quote, verdict};
}

/// How a run goes.
#[derive(Debug, Clone, Default)]
pub struct SuiteOptions {
    /// Which cases, how many at once, and whether writes are allowed.
    pub run: RunOptions,
    /// Client limits (timeouts, retries, body cap).
    pub client: ClientConfig,
    /// Users the cases may assign tokens to.
    pub users: Vec<String>,
    /// Seed of generated cases.
    pub seed: u64,
    /// Generated cases per property case (`None`: 64 on a mock, 16 on a real tenant).
    pub cases: Option<usize>,
    /// The target's kind as the report shows it; probed when `None`.
    pub target_kind: Option<TargetKind>,
}

/// What kind of target a run is against, as its report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TargetKind {
    /// The mock tenant `hwoath run` starts itself when given no target.
    EmbeddedMock,
    /// A target with test controls: a mock tenant.
    Mock,
    /// Any other target: Microsoft Graph or an implementation of it.
    Graph,
}

impl TargetKind {
    /// The name every report uses: `embedded-mock`, `mock` or `graph`.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::EmbeddedMock => "embedded-mock",
            TargetKind::Mock => "mock",
            TargetKind::Graph => "graph",
        }
    }
}

/// Why a run, a plan or a cleanup could not be carried out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SuiteError {
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] client::ClientBuildError),
    /// No credentials were given and the target has no test controls to mint tokens with.
    #[error(
        "no credentials for {url}: set GRAPH_TOKEN, or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"
    )]
    NoCredentials {
        /// The target's base URL.
        url: String,
    },
    /// The cleanup could not list the inventory.
    #[error(transparent)]
    Sweep(#[from] SweepError),
    /// The target did not answer at all.
    #[error("the target {url} is unreachable: {reason}")]
    Unreachable {
        /// The URL probed.
        url: String,
        /// The transport failure.
        reason: String,
    },
}

fn now_rfc3339() -> String {
    hwoath_graph::Timestamp::from_unix_seconds(controls::system_now() as i64)
        .as_str()
        .to_owned()
}

/// Connects to the target, checking it answers at all.
pub async fn connect(
    base_url: &str,
    credentials: Credentials,
    client: HttpClient,
) -> Result<Target, SuiteError> {
    let target = Target::connect(base_url, credentials, client).await;
    let probe = target
        .client()
        .send(Request::new(
            "probe target",
            Method::GET,
            target.urls().devices(),
        ))
        .await;
    // Only a target that cannot be connected to stops the run; one that hangs, resets or answers
    // garbage is tested like any other, each case reporting what went wrong.
    match (probe.status, probe.error) {
        (None, Some(error @ client::TransportError::Connect(_))) => Err(SuiteError::Unreachable {
            url: target.urls().devices(),
            reason: error.to_string(),
        }),
        _ if matches!(target.credentials(), Credentials::MockControls)
            && !target.has_controls() =>
        {
            Err(SuiteError::NoCredentials {
                url: target.urls().base().to_owned(),
            })
        }
        _ => Ok(target),
    }
}

/// Runs the catalog against `base_url`, calling `on_case` as each case finishes, until done or until
/// `cancel` completes (then the report holds what finished). Everything the run created is removed.
pub async fn run(
    base_url: &str,
    credentials: Credentials,
    options: SuiteOptions,
    on_case: impl FnMut(&CaseReport),
    cancel: impl Future<Output = ()>,
) -> Result<RunReport, SuiteError> {
    let started = Instant::now();
    let started_at = now_rfc3339();
    let client = HttpClient::new(options.client.clone())?;
    let auth = credentials.label().to_owned();
    let target = connect(base_url, credentials, client).await?;
    let kind = match options.target_kind {
        Some(kind) => kind,
        None if target.has_controls() => TargetKind::Mock,
        None => TargetKind::Graph,
    };
    let mut run_options = options.run.clone();
    // A target with test controls is a mock by its own admission: writes cannot hurt anything.
    run_options.allow_writes |= target.has_controls();
    let (users, _) = plan::users(&target, &options.users).await;
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let ctx = Arc::new(RunContext {
        target,
        tag: Tag::new(&run_id),
        users: UserPool::new(users),
        generation: generate::Generation::new(options.seed, options.cases)
            .with_shrink_time(run_options.shrink_time),
    });
    let result =
        runner::run_catalog(ctx.clone(), catalog::all(), &run_options, on_case, cancel).await;
    let teardown =
        cleanup::teardown::tear_down(&ctx, result.ending(), run_options.cleanup_time).await;
    let (interrupted, stop_reason) = (
        result.interrupted(),
        result.stop.as_ref().map(ToString::to_string),
    );
    let target_info = TargetInfo {
        base_url: base_url.to_owned(),
        kind: kind.as_str().to_owned(),
        auth,
    };
    Ok(RunReport {
        schema: SCHEMA.to_owned(),
        run_id,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        target: target_info.clone(),
        seed: options.seed,
        summary: Summary::of(&result.cases),
        cases: result.cases,
        failures: ctx
            .generation
            .take_failures()
            .into_iter()
            .map(|failure| Failure {
                target: Some(target_info.clone()),
                ..failure
            })
            .collect(),
        retries: ctx.target.client().retry_log().summary(),
        interrupted,
        stop_reason,
        leftovers: teardown.leftovers,
        clock_not_restored: teardown.clock_not_restored,
    })
}

/// What a run with `options` will do on the target at `base_url` (its users, what will skip and why),
/// without running a case. Pass [`Plan::users`] on in `options.users` to run with the same users.
pub async fn plan(
    base_url: &str,
    credentials: Credentials,
    options: &SuiteOptions,
) -> Result<Plan, SuiteError> {
    let client = HttpClient::new(options.client.clone())?;
    let target = connect(base_url, credentials, client).await?;
    let (users, users_from) = plan::users(&target, &options.users).await;
    let (selected, skips) = plan::predict(
        &catalog::all(),
        &options.run,
        !users.is_empty(),
        target.has_controls(),
    );
    Ok(Plan {
        users,
        users_from,
        selected,
        skips,
    })
}

/// Removes every device any hwoath run left on the target (serial prefix [`TAG_PREFIX`]).
pub async fn cleanup(
    base_url: &str,
    credentials: Credentials,
    client: ClientConfig,
) -> Result<Sweep, SuiteError> {
    let target = connect(base_url, credentials, HttpClient::new(client)?).await?;
    Ok(cleanup::sweep::sweep(&target, TAG_PREFIX).await?)
}
