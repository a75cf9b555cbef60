//! Runs a catalog: cases that share the tenant run concurrently (bounded), clock-setting cases run alone
//! afterwards, and every case cleans up after itself. A stop (a signal, `--max-time`, `--fail-fast`)
//! keeps cases from starting, which the report lists as skipped with the reason; a signal or the time
//! limit also cancels running cases, which end as errors with the reason after a bounded cleanup. A
//! case that panics ends as an error with the panic's message.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::{Id, JoinError, JoinSet};

use crate::case::{Abort, Case, CaseInfo, CaseRun, Cleanup, Group, panic_message, run_script};
use crate::cleanup::teardown::Ending;
use crate::context::RunContext;
use crate::report::model::{CaseReport, Outcome};
use crate::shrink::DEFAULT_SHRINK_TIME;
use crate::stop::{Stop, StopReason};
use crate::wording;

/// Which cases run and how.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Groups to run (empty: all).
    pub groups: Vec<Group>,
    /// Case ids or id prefixes to run (empty: all).
    pub cases: Vec<String>,
    /// Whether cases may create resources (always true against a mock).
    pub allow_writes: bool,
    /// Longest a case may take.
    pub case_timeout: Duration,
    /// Cases in flight at once.
    pub jobs: usize,
    /// Longest the cases of the run may take together (`--max-time`): then cases not started are
    /// skipped and running ones cancelled. Cleanup and reports come after, within `cleanup_time`.
    pub max_time: Option<Duration>,
    /// Stop starting cases after the first that fails or errors (`--fail-fast`).
    pub fail_fast: bool,
    /// Time all shrinking of failing generated cases may take together.
    pub shrink_time: Duration,
    /// Time a cancelled case, and then the run's final cleanup, may spend removing what was created.
    pub cleanup_time: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            groups: Vec::new(),
            cases: Vec::new(),
            allow_writes: true,
            case_timeout: Duration::from_secs(120),
            jobs: 8,
            max_time: None,
            fail_fast: false,
            shrink_time: DEFAULT_SHRINK_TIME,
            cleanup_time: Duration::from_secs(5),
        }
    }
}

impl RunOptions {
    /// Whether `case` is selected by the group and case filters. A case filter is an exact id, a group
    /// name (`validation`), or a prefix ending in `*` (`validation/create-secret-*`).
    pub fn selects(&self, case: &CaseInfo) -> bool {
        self.selects_id(&case.id, case.group)
    }

    /// [`RunOptions::selects`] for a runnable case.
    pub(crate) fn selects_case(&self, case: &Case) -> bool {
        self.selects_id(&case.id, case.group)
    }

    fn selects_id(&self, id: &str, group: Group) -> bool {
        let wanted = |filter: &String| match filter.strip_suffix('*') {
            Some(prefix) => id.starts_with(prefix),
            None => {
                id == filter
                    || id
                        .strip_prefix(filter.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            }
        };
        (self.groups.is_empty() || self.groups.contains(&group))
            && (self.cases.is_empty() || self.cases.iter().any(wanted))
    }

    /// Whether filters left some cases out (a baseline diff must then not count them as removed).
    pub fn is_filtered(&self) -> bool {
        !self.groups.is_empty() || !self.cases.is_empty()
    }
}

/// What a run of the catalog produced.
#[derive(Debug, Default)]
pub struct RunResult {
    /// Every selected case in catalog order: finished, cancelled (error) or not started (skip).
    pub cases: Vec<CaseReport>,
    /// Why the run stopped before every case ran, if it did.
    pub stop: Option<StopReason>,
    /// What cases could not remove, one line each.
    pub leftovers: Vec<String>,
    /// Why cases could not put the target's clock back, one line each.
    pub clock_errors: Vec<String>,
    /// When a signal or the time limit stopped the run: cleanup after it is bounded from then on.
    pub cancelled_at: Option<Instant>,
}

impl RunResult {
    /// How the cases ended, for the run's end.
    pub(crate) fn ending(&self) -> Ending<'_> {
        Ending {
            cancelled_at: self.cancelled_at,
            clock_in_doubt: self.stop.is_some() || !self.clock_errors.is_empty(),
            leftovers: &self.leftovers,
        }
    }

    /// Whether a signal stopped the run.
    pub fn interrupted(&self) -> bool {
        self.stop == Some(StopReason::Interrupted)
    }
}

/// Runs the selected `cases`, calling `on_case` as each finishes; stops early when `cancel` completes
/// (reported as interrupted), when `options.max_time` passes, or after a failure with
/// `options.fail_fast`.
pub async fn run_catalog(
    ctx: Arc<RunContext>,
    cases: Vec<Case>,
    options: &RunOptions,
    mut on_case: impl FnMut(&CaseReport),
    cancel: impl Future<Output = ()>,
) -> RunResult {
    let selected: Vec<(usize, Case)> = cases
        .into_iter()
        .filter(|case| options.selects_case(case))
        .enumerate()
        .collect();
    let (exclusive, shared): (Vec<_>, Vec<_>) = selected
        .into_iter()
        .partition(|(_, case)| case.needs.exclusive);
    let trigger = stop_trigger(cancel, options.max_time);
    tokio::pin!(trigger);
    let mut runner = Runner {
        ctx,
        options: options.clone(),
        stop: Stop::new(),
        trigger,
        triggered: false,
        result: RunResult::default(),
        finished: Vec::new(),
    };
    runner
        .run_batch(shared, options.jobs.max(1), &mut on_case)
        .await;
    runner.run_batch(exclusive, 1, &mut on_case).await;
    runner.finish()
}

/// Completes with the reason to stop: `cancel` (a signal) or the end of `max_time`.
async fn stop_trigger(cancel: impl Future<Output = ()>, max_time: Option<Duration>) -> StopReason {
    let deadline = async {
        match max_time {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = cancel => StopReason::Interrupted,
        () = deadline => StopReason::MaxTime(max_time.unwrap_or_default()),
    }
}

/// The state of one run of the catalog.
struct Runner<'t, F> {
    ctx: Arc<RunContext>,
    options: RunOptions,
    stop: Stop,
    trigger: Pin<&'t mut F>,
    triggered: bool,
    result: RunResult,
    finished: Vec<(usize, CaseReport)>,
}

impl<F: Future<Output = StopReason>> Runner<'_, F> {
    /// Runs `cases`, at most `limit` at once, until done or stopped; cases not started are skipped.
    async fn run_batch(
        &mut self,
        cases: Vec<(usize, Case)>,
        limit: usize,
        on_case: &mut impl FnMut(&CaseReport),
    ) {
        let mut pending: VecDeque<(usize, Case)> = cases.into();
        let mut running = JoinSet::new();
        let mut started: HashMap<Id, (usize, Case)> = HashMap::new();
        loop {
            while running.len() < limit && self.stop.reason().is_none() {
                let Some((index, case)) = pending.pop_front() else {
                    break;
                };
                let task = run_one(
                    self.ctx.clone(),
                    case.clone(),
                    self.options.clone(),
                    self.stop.clone(),
                );
                started.insert(running.spawn(task).id(), (index, case));
            }
            if running.is_empty() {
                break;
            }
            tokio::select! {
                biased;
                reason = self.trigger.as_mut(), if !self.triggered => {
                    self.triggered = true;
                    self.result.cancelled_at = Some(Instant::now());
                    self.stop.stop(reason);
                }
                Some(joined) = running.join_next_with_id() => {
                    let ended = match joined {
                        Ok((id, (report, cleanup))) => {
                            started.remove(&id).map(|(index, _)| (index, report, cleanup))
                        }
                        Err(error) => lost_case(&mut started, error),
                    };
                    if let Some((index, report, cleanup)) = ended {
                        on_case(&report);
                        self.keep(index, report, cleanup);
                    }
                }
            }
        }
        let reason = self.stop.reason().unwrap_or(StopReason::Interrupted);
        for (index, case) in pending {
            self.finished.push((index, not_started(&case, &reason)));
        }
    }

    /// Keeps a finished case; with `--fail-fast`, a failure or error stops the run.
    fn keep(&mut self, index: usize, report: CaseReport, cleanup: Cleanup) {
        if self.options.fail_fast && matches!(report.outcome, Outcome::Fail | Outcome::Error) {
            self.stop.stop(StopReason::FailFast(report.id.clone()));
        }
        self.result.leftovers.extend(cleanup.leftovers);
        self.result.clock_errors.extend(cleanup.clock);
        self.finished.push((index, report));
    }

    fn finish(mut self) -> RunResult {
        self.finished.sort_by_key(|(index, _)| *index);
        self.result.cases = self
            .finished
            .into_iter()
            .map(|(_, report)| report)
            .collect();
        self.result.stop = self.stop.reason();
        self.result
    }
}

/// The report of a case whose task ended without one (it panicked outside its script, e.g. in its
/// cleanup): an error with the panic's message.
fn lost_case(
    started: &mut HashMap<Id, (usize, Case)>,
    error: JoinError,
) -> Option<(usize, CaseReport, Cleanup)> {
    let (index, case) = started.remove(&error.id())?;
    let reason = if error.is_panic() {
        format!(
            "the case panicked: {}",
            panic_message(error.into_panic().as_ref())
        )
    } else {
        "the case's task was cancelled".to_owned()
    };
    let report = case.report(Outcome::Error, vec![reason]);
    Some((index, report, Cleanup::default()))
}

/// The report of a case that never started.
fn not_started(case: &Case, reason: &StopReason) -> CaseReport {
    case.report(Outcome::Skip, vec![reason.not_started()])
}

/// Runs one case until it ends or the run cancels it, then cleans up after it.
async fn run_one(
    ctx: Arc<RunContext>,
    case: Case,
    options: RunOptions,
    stop: Stop,
) -> (CaseReport, Cleanup) {
    let started = Instant::now();
    let mut run = CaseRun::new(ctx);
    let result = if case.needs.writes && !options.allow_writes {
        Err(Abort::Skip(
            "creates resources: needs --allow-writes on this target".to_owned(),
        ))
    } else {
        tokio::select! {
            result = run_script(&case, &mut run, options.case_timeout) => result,
            reason = stop.cancelled() => Err(Abort::Error(reason.cancelled(started.elapsed()))),
        }
    };
    let cleanup = clean_up_bounded(&mut run, &case, &stop, options.cleanup_time).await;
    (run.finish(&case, result, started), cleanup)
}

/// Cleans up after a case; once the run is cancelled, the cleanup gets `limit` more and no longer.
async fn clean_up_bounded(run: &mut CaseRun, case: &Case, stop: &Stop, limit: Duration) -> Cleanup {
    let cut_off = async {
        stop.cancelled().await;
        tokio::time::sleep(limit).await;
    };
    tokio::select! {
        cleanup = run.clean_up() => cleanup,
        () = cut_off => Cleanup {
            leftovers: vec![format!(
                "{}: cleanup stopped after {}; the run's final sweep removes what it can",
                case.id,
                wording::duration(limit)
            )],
            clock: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::script;
    use crate::rules;

    fn case(group: Group, name: &str) -> Case {
        Case::new(
            group,
            name,
            "t",
            rules::RFC6238,
            script(|_run: &mut CaseRun| Box::pin(async { Ok(()) })),
        )
    }

    /// A run context whose target refuses connections (the cases here send nothing).
    async fn context() -> Arc<RunContext> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/beta", listener.local_addr().unwrap());
        drop(listener);
        let client = crate::client::HttpClient::new(crate::ClientConfig::default()).unwrap();
        let target = crate::target::Target::connect(
            &url,
            crate::Credentials::BearerToken(crate::BearerToken::new("t")),
            client,
        )
        .await;
        Arc::new(RunContext {
            target,
            tag: crate::context::Tag::new("test"),
            users: crate::context::UserPool::new(Vec::new()),
            generation: crate::generate::Generation::default(),
        })
    }

    fn scripted(name: &str, outcome: &'static str) -> Case {
        Case::new(
            Group::Validation,
            name,
            "t",
            rules::RFC6238,
            script(move |_run: &mut CaseRun| {
                Box::pin(async move {
                    match outcome {
                        "panic" => panic!("hostile answer {}", 42),
                        "error" => Err(Abort::Error("it broke".to_owned())),
                        "hang" => {
                            tokio::time::sleep(Duration::from_secs(600)).await;
                            Ok(())
                        }
                        _ => Ok(()),
                    }
                })
            }),
        )
    }

    async fn run(cases: Vec<Case>, options: RunOptions) -> RunResult {
        run_catalog(
            context().await,
            cases,
            &options,
            |_| {},
            std::future::pending(),
        )
        .await
    }

    #[tokio::test]
    async fn a_panicking_case_is_an_error_with_its_message() {
        let cases = vec![scripted("boom", "panic"), scripted("fine", "pass")];
        let result = run(cases, RunOptions::default()).await;
        assert_eq!(result.cases.len(), 2);
        assert_eq!(result.cases[0].outcome, Outcome::Error);
        assert_eq!(
            result.cases[0].reasons,
            ["the case panicked: hostile answer 42"]
        );
        assert_eq!(result.cases[1].outcome, Outcome::Pass);
        assert_eq!(result.stop, None);
    }

    #[tokio::test]
    async fn max_time_cancels_running_cases_and_skips_the_rest() {
        let cases = vec![
            scripted("hang-1", "hang"),
            scripted("hang-2", "hang"),
            scripted("later", "pass"),
        ];
        let options = RunOptions {
            jobs: 2,
            max_time: Some(Duration::from_millis(200)),
            ..RunOptions::default()
        };
        let started = Instant::now();
        let result = run(cases, options).await;
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let outcomes: Vec<Outcome> = result.cases.iter().map(|c| c.outcome).collect();
        assert_eq!(outcomes, [Outcome::Error, Outcome::Error, Outcome::Skip]);
        assert!(
            result.cases[0].reasons[0].starts_with("cancelled after ")
                && result.cases[0].reasons[0].ends_with(": the run reached --max-time 200 ms"),
            "{:?}",
            result.cases[0].reasons
        );
        assert_eq!(
            result.cases[2].reasons,
            ["not started: the run reached --max-time 200 ms"]
        );
        assert_eq!(
            result.stop,
            Some(StopReason::MaxTime(Duration::from_millis(200)))
        );
        assert!(!result.interrupted());
    }

    #[tokio::test]
    async fn fail_fast_starts_nothing_after_a_failure() {
        let cases = vec![
            scripted("broken", "error"),
            scripted("next", "pass"),
            scripted("last", "pass"),
        ];
        let options = RunOptions {
            jobs: 1,
            fail_fast: true,
            ..RunOptions::default()
        };
        let result = run(cases, options).await;
        let outcomes: Vec<Outcome> = result.cases.iter().map(|c| c.outcome).collect();
        assert_eq!(outcomes, [Outcome::Error, Outcome::Skip, Outcome::Skip]);
        assert_eq!(
            result.cases[1].reasons,
            ["not started: --fail-fast: validation/broken did not pass"]
        );
    }

    #[tokio::test]
    async fn a_signal_stops_the_run_and_marks_it_interrupted() {
        let cases = vec![scripted("hang", "hang"), scripted("later", "pass")];
        let options = RunOptions {
            jobs: 1,
            ..RunOptions::default()
        };
        let cancel = tokio::time::sleep(Duration::from_millis(100));
        let result = run_catalog(context().await, cases, &options, |_| {}, cancel).await;
        assert!(result.interrupted());
        assert_eq!(result.cases[0].outcome, Outcome::Error);
        assert_eq!(result.cases[1].outcome, Outcome::Skip);
    }

    #[test]
    fn filters_select_by_group_id_and_prefix() {
        let secret = case(Group::Validation, "create-secret-empty");
        let rfc = case(Group::Rfc, "core-hotp-counter-0");
        let all = RunOptions::default();
        assert!(all.selects_case(&secret) && all.selects_case(&rfc) && !all.is_filtered());
        let by_group = RunOptions {
            groups: vec![Group::Rfc],
            ..RunOptions::default()
        };
        assert!(by_group.selects_case(&rfc) && !by_group.selects_case(&secret));
        for filter in [
            "validation/create-secret-empty",
            "validation",
            "validation/create-secret-*",
        ] {
            let by_case = RunOptions {
                cases: vec![filter.to_owned()],
                ..RunOptions::default()
            };
            assert!(by_case.selects_case(&secret), "{filter}");
            assert!(!by_case.selects_case(&rfc), "{filter}");
        }
        let partial = RunOptions {
            cases: vec!["validation/create-secret".to_owned()],
            ..RunOptions::default()
        };
        assert!(
            !partial.selects_case(&secret),
            "a bare prefix without * is not a match"
        );
    }
}
