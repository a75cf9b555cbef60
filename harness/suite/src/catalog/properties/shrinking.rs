//! Shrinking a case's first failing generated body to its smallest form that still fails.

use proptest::strategy::SBoxedStrategy;

use super::execution::{Trial, attempt};
use super::generation::Prepared;
use super::sender::Sender;
use crate::context::RunContext;
use crate::generate::{self, Sample};
use crate::shrink::{self, Shrinking};

/// Most re-sends spent shrinking one failure (all shrinking of a run also shares one time budget,
/// [`crate::shrink::ShrinkBudget`]).
const MAX_SHRINK_SENDS: usize = 512;

/// Shrinks the `index`-th value of `strategy` while it still fails (the first send confirms it
/// does), within [`MAX_SHRINK_SENDS`] and the run's shrink budget.
pub(super) async fn shrink_failure(
    ctx: &RunContext,
    strategy: SBoxedStrategy<Sample>,
    seed: [u8; 32],
    index: usize,
    user: &str,
) -> Shrinking<Sample, Trial> {
    let still_fails = |sample: Sample| async move {
        let trial = attempt(
            &mut Sender::Client(ctx),
            &Prepared::from_sample(&sample),
            user,
        )
        .await;
        (trial.failed() && trial.broken.is_none()).then_some(trial)
    };
    shrink::shrink_failure(
        move || generate::tree_at(&strategy, seed, index),
        still_fails,
        MAX_SHRINK_SENDS,
        ctx.generation.shrink_budget(),
    )
    .await
}
