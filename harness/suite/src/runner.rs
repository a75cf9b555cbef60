//! Runs a catalog: cases that share the tenant run concurrently (bounded), clock-setting cases run alone
//! afterwards, every case cleans up after itself, and an interruption stops the run cleanly.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::case::{Abort, Case, CaseRun, Group, run_script};
use crate::context::RunContext;
use crate::report::model::CaseReport;

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
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            groups: Vec::new(),
            cases: Vec::new(),
            allow_writes: true,
            case_timeout: Duration::from_secs(120),
            jobs: 8,
        }
    }
}

impl RunOptions {
    /// Whether `case` is selected by the group and case filters. A case filter is an exact id, a group
    /// name (`validation`), or a prefix ending in `*` (`validation/create-secret-*`).
    pub fn selects(&self, case: &Case) -> bool {
        let wanted = |filter: &String| match filter.strip_suffix('*') {
            Some(prefix) => case.id.starts_with(prefix),
            None => {
                case.id == *filter
                    || case
                        .id
                        .strip_prefix(filter.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            }
        };
        (self.groups.is_empty() || self.groups.contains(&case.group))
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
    /// The finished cases, in catalog order.
    pub cases: Vec<CaseReport>,
    /// Whether the run was interrupted before every case finished.
    pub interrupted: bool,
    /// Resources that could not be removed, one line each.
    pub leftovers: Vec<String>,
}

async fn run_one(
    ctx: Arc<RunContext>,
    case: Case,
    options: RunOptions,
) -> (CaseReport, Vec<String>) {
    let started = Instant::now();
    let mut run = CaseRun::new(ctx);
    let result = if case.needs.writes && !options.allow_writes {
        Err(Abort::Skip(
            "creates resources: needs --allow-writes on this target".to_owned(),
        ))
    } else {
        run_script(&case, &mut run, options.case_timeout).await
    };
    let leftovers = run.clean_up().await;
    (run.finish(&case, result, started), leftovers)
}

/// Runs the selected `cases`, calling `on_case` as each finishes; stops early when `cancel` completes.
pub async fn run_catalog(
    ctx: Arc<RunContext>,
    cases: Vec<Case>,
    options: &RunOptions,
    mut on_case: impl FnMut(&CaseReport),
    cancel: impl Future<Output = ()>,
) -> RunResult {
    let selected: Vec<(usize, Case)> = cases
        .into_iter()
        .filter(|case| options.selects(case))
        .enumerate()
        .collect();
    let (exclusive, shared): (Vec<_>, Vec<_>) = selected
        .into_iter()
        .partition(|(_, case)| case.needs.exclusive);
    let mut finished: Vec<(usize, CaseReport)> = Vec::new();
    let mut leftovers = Vec::new();
    let limit = Arc::new(tokio::sync::Semaphore::new(options.jobs.max(1)));
    let mut tasks = JoinSet::new();
    for (index, case) in shared {
        let (ctx, options, limit) = (ctx.clone(), options.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (index, run_one(ctx, case, options).await)
        });
    }
    tokio::pin!(cancel);
    let mut interrupted = false;
    loop {
        tokio::select! {
            biased;
            () = &mut cancel, if !interrupted => {
                interrupted = true;
                tasks.abort_all();
            }
            joined = tasks.join_next() => match joined {
                Some(Ok((index, (report, mut lost)))) => {
                    on_case(&report);
                    finished.push((index, report));
                    leftovers.append(&mut lost);
                }
                Some(Err(_)) => {}
                None => break,
            },
        }
    }
    for (index, case) in exclusive {
        if interrupted {
            break;
        }
        let outcome = tokio::select! {
            biased;
            () = &mut cancel => None,
            outcome = run_one(ctx.clone(), case, options.clone()) => Some(outcome),
        };
        match outcome {
            Some((report, mut lost)) => {
                on_case(&report);
                finished.push((index, report));
                leftovers.append(&mut lost);
            }
            None => interrupted = true,
        }
    }
    finished.sort_by_key(|(index, _)| *index);
    RunResult {
        cases: finished.into_iter().map(|(_, report)| report).collect(),
        interrupted,
        leftovers,
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

    #[test]
    fn filters_select_by_group_id_and_prefix() {
        let secret = case(Group::Validation, "create-secret-empty");
        let rfc = case(Group::Rfc, "core-hotp-counter-0");
        let all = RunOptions::default();
        assert!(all.selects(&secret) && all.selects(&rfc) && !all.is_filtered());
        let by_group = RunOptions {
            groups: vec![Group::Rfc],
            ..RunOptions::default()
        };
        assert!(by_group.selects(&rfc) && !by_group.selects(&secret));
        for filter in [
            "validation/create-secret-empty",
            "validation",
            "validation/create-secret-*",
        ] {
            let by_case = RunOptions {
                cases: vec![filter.to_owned()],
                ..RunOptions::default()
            };
            assert!(by_case.selects(&secret), "{filter}");
            assert!(!by_case.selects(&rfc), "{filter}");
        }
        let partial = RunOptions {
            cases: vec!["validation/create-secret".to_owned()],
            ..RunOptions::default()
        };
        assert!(
            !partial.selects(&secret),
            "a bare prefix without * is not a match"
        );
    }
}
