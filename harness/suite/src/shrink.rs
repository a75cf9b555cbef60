//! Shrinking a failing generated value (a proptest value tree) to its smallest failing form, within
//! one time budget for the whole run.
//!
//! Value trees are not `Send`, so a tree lives on a blocking thread that only walks it (simplify,
//! complicate) and hands each candidate over a channel; the case tests candidates on the async side.
//! The blocking thread never waits on the runtime: when the case ends or is cancelled, the channels
//! close and the thread returns at once, so an interrupted run never waits for a shrink.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc as blocking;
use std::time::{Duration, Instant};

use proptest::strategy::ValueTree;
use tokio::sync::mpsc;

use crate::wording;

/// Time all shrinking of one run may take together unless the run says otherwise.
pub const DEFAULT_SHRINK_TIME: Duration = Duration::from_secs(60);

/// The time every shrink of a run draws from: once spent, failures are reported as found.
#[derive(Debug)]
pub struct ShrinkBudget {
    limit: Duration,
    spent_ms: AtomicU64,
}

impl Default for ShrinkBudget {
    fn default() -> Self {
        Self::new(DEFAULT_SHRINK_TIME)
    }
}

impl ShrinkBudget {
    /// A budget of `limit` for the whole run.
    pub fn new(limit: Duration) -> Self {
        Self {
            limit,
            spent_ms: AtomicU64::new(0),
        }
    }

    /// Whether nothing is left.
    pub fn is_spent(&self) -> bool {
        self.spent() >= self.limit
    }

    /// Time spent so far.
    pub fn spent(&self) -> Duration {
        Duration::from_millis(self.spent_ms.load(Ordering::Relaxed))
    }

    /// Takes `time` from the budget.
    pub fn spend(&self, time: Duration) {
        self.spent_ms
            .fetch_add(time.as_millis() as u64, Ordering::Relaxed);
    }

    /// Why a failure was not shrunk (or not further).
    pub fn spent_reason(&self) -> String {
        format!(
            "the run's shrink budget of {} is spent",
            wording::duration(self.limit)
        )
    }
}

/// How the shrink of a known failure ended.
#[derive(Debug)]
pub enum Shrinking<T, R> {
    /// Not tried: the run's shrink budget was already spent (the reason says so).
    Skipped(String),
    /// The failing value passed when tested again (flaky, or the target changed).
    NotAgain,
    /// The smallest value that still failed.
    Smallest {
        /// The value.
        value: T,
        /// What its test found.
        found: R,
        /// Candidates tested.
        tested: usize,
        /// ` (why)` when shrinking stopped before the tree was fully explored, else empty.
        cut_short: String,
    },
}

/// Shrinks the failing value the tree `make_tree` builds starts from (tested again first) while `test`
/// says a candidate still fails (`Some` with what it found), within `max_tests` and the run's
/// `budget`: the one way the property and the stateful loops shrink.
pub async fn shrink_failure<T, Tree, R, Fut>(
    make_tree: impl FnOnce() -> Option<Tree> + Send + 'static,
    test: impl FnMut(T) -> Fut,
    max_tests: usize,
    budget: &ShrinkBudget,
) -> Shrinking<T, R>
where
    Tree: ValueTree<Value = T>,
    T: Clone + Send + 'static,
    Fut: Future<Output = Option<R>>,
{
    if budget.is_spent() {
        return Shrinking::Skipped(budget.spent_reason());
    }
    let shrunk = shrink(make_tree, None, test, Limits { max_tests, budget }).await;
    match shrunk.smallest {
        None => Shrinking::NotAgain,
        Some((value, found)) => Shrinking::Smallest {
            value,
            found,
            tested: shrunk.tested,
            cut_short: shrunk
                .cut_short
                .map(|why| format!(" ({why})"))
                .unwrap_or_default(),
        },
    }
}

/// What shrinking found.
#[derive(Debug)]
struct Shrunk<T, R> {
    /// The smallest value that still failed and what its test found; `None` when the first value
    /// did not fail again.
    smallest: Option<(T, R)>,
    /// Candidates tested (a first value whose outcome was given is not counted).
    tested: usize,
    /// Why shrinking stopped before the tree was fully explored, if it did.
    cut_short: Option<String>,
}

/// Limits of one shrink.
#[derive(Debug, Clone, Copy)]
struct Limits<'a> {
    /// Most candidates tested.
    max_tests: usize,
    /// The run's budget.
    budget: &'a ShrinkBudget,
}

/// Shrinks the tree `make_tree` builds (on a blocking thread). `first` is the outcome of the tree's
/// first value when it is already known to fail; otherwise that value is tested first. `test` says
/// whether a candidate still fails (`Some` with what it found).
async fn shrink<T, Tree, R, Fut>(
    make_tree: impl FnOnce() -> Option<Tree> + Send + 'static,
    first: Option<R>,
    mut test: impl FnMut(T) -> Fut,
    limits: Limits<'_>,
) -> Shrunk<T, R>
where
    Tree: ValueTree<Value = T>,
    T: Clone + Send + 'static,
    Fut: Future<Output = Option<R>>,
{
    let (candidate_sender, mut candidates) = mpsc::channel(1);
    let (verdicts, verdict_receiver) = blocking::channel();
    tokio::task::spawn_blocking(move || walk(make_tree, &candidate_sender, &verdict_receiver));
    let mut shrunk = Shrunk {
        smallest: None,
        tested: 0,
        cut_short: None,
    };
    let mut known = first;
    while let Some(value) = candidates.recv().await {
        let outcome = match known.take() {
            Some(outcome) => Some(outcome),
            None => {
                if shrunk.smallest.is_some() {
                    shrunk.cut_short = limit_reached(&shrunk, limits);
                    if shrunk.cut_short.is_some() {
                        break;
                    }
                }
                let started = Instant::now();
                shrunk.tested += 1;
                let outcome = test(value.clone()).await;
                limits.budget.spend(started.elapsed());
                outcome
            }
        };
        let fails = outcome.is_some();
        if let Some(outcome) = outcome {
            shrunk.smallest = Some((value, outcome));
        }
        if verdicts.send(fails).is_err() {
            break;
        }
    }
    shrunk
}

fn limit_reached<T, R>(shrunk: &Shrunk<T, R>, limits: Limits<'_>) -> Option<String> {
    if limits.budget.is_spent() {
        Some(limits.budget.spent_reason())
    } else if shrunk.tested >= limits.max_tests {
        Some(format!("stopped after {} sends", limits.max_tests))
    } else {
        None
    }
}

/// Walks a value tree on a blocking thread: hands over each candidate, simplifies after a failing one
/// and complicates after a passing one; returns as soon as either channel closes.
fn walk<T, Tree: ValueTree<Value = T>>(
    make_tree: impl FnOnce() -> Option<Tree>,
    candidates: &mpsc::Sender<T>,
    verdicts: &blocking::Receiver<bool>,
) {
    let Some(mut tree) = make_tree() else {
        return;
    };
    let mut first = true;
    loop {
        if candidates.blocking_send(tree.current()).is_err() {
            return;
        }
        let Ok(fails) = verdicts.recv() else {
            return;
        };
        let more = match (first, fails) {
            (true, false) => false,
            (_, true) => tree.simplify(),
            (false, false) => tree.complicate(),
        };
        first = false;
        if !more {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;
    use proptest::test_runner::TestRunner;

    fn tree() -> Option<impl ValueTree<Value = u32>> {
        (0u32..1000).new_tree(&mut TestRunner::deterministic()).ok()
    }

    #[tokio::test]
    async fn shrinks_to_the_smallest_failing_value() {
        let budget = ShrinkBudget::default();
        let limits = Limits {
            max_tests: 1000,
            budget: &budget,
        };
        let first = tree().unwrap().current();
        let shrunk = shrink(
            tree,
            None,
            |v| async move { (v >= 10).then_some(v) },
            limits,
        )
        .await;
        let expected = if first >= 10 { Some(10) } else { None };
        assert_eq!(shrunk.smallest.map(|(v, _)| v), expected);
        assert_eq!(shrunk.cut_short, None);
    }

    #[tokio::test]
    async fn a_spent_budget_stops_after_the_known_failure() {
        let budget = ShrinkBudget::new(Duration::ZERO);
        let limits = Limits {
            max_tests: 1000,
            budget: &budget,
        };
        let first = tree().unwrap().current();
        let shrunk = shrink(tree, Some(first), |v| async move { Some(v) }, limits).await;
        assert_eq!(shrunk.tested, 0);
        assert_eq!(shrunk.smallest.map(|(v, _)| v), Some(first));
        assert_eq!(
            shrunk.cut_short.as_deref(),
            Some("the run's shrink budget of 0 ms is spent")
        );
    }

    #[tokio::test]
    async fn the_test_cap_bounds_a_shrink() {
        let budget = ShrinkBudget::default();
        let limits = Limits {
            max_tests: 3,
            budget: &budget,
        };
        let shrunk = shrink(tree, None, |v| async move { Some(v) }, limits).await;
        assert!(shrunk.tested <= 3, "{}", shrunk.tested);
    }

    #[tokio::test]
    async fn a_failure_is_not_shrunk_once_the_budget_is_spent() {
        let budget = ShrinkBudget::new(Duration::ZERO);
        let shrinking = shrink_failure(tree, |v| async move { Some(v) }, 1000, &budget).await;
        assert!(
            matches!(&shrinking, Shrinking::Skipped(why) if why == "the run's shrink budget of 0 ms is spent"),
            "{shrinking:?}"
        );
    }

    #[tokio::test]
    async fn a_failure_that_passes_again_is_not_shrunk() {
        let budget = ShrinkBudget::default();
        let shrinking = shrink_failure(tree, |_| async { None::<()> }, 1000, &budget).await;
        assert!(matches!(shrinking, Shrinking::NotAgain), "{shrinking:?}");
    }

    #[tokio::test]
    async fn a_shrink_cut_short_says_why_in_parentheses() {
        let budget = ShrinkBudget::default();
        let shrinking = shrink_failure(tree, |v| async move { Some(v) }, 3, &budget).await;
        let Shrinking::Smallest {
            tested, cut_short, ..
        } = shrinking
        else {
            panic!("{shrinking:?}");
        };
        assert_eq!(tested, 3);
        assert_eq!(cut_short, " (stopped after 3 sends)");
    }
}
