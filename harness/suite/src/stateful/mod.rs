//! Group `stateful`: random operation sequences (proptest-state-machine) carried out on the target and
//! checked after every step against the suite's own reference model of the tenant. A failing sequence
//! shrinks to the shortest one that still fails and is reported as numbered HTTP calls.
//!
//! Sequences are generated on a blocking thread and carried out on the async side; a failing one
//! shrinks through [`crate::shrink`] (its value tree stays on a blocking thread) within the run's
//! shrink budget. They set the target's clock, so they need a mock's test controls; on a real tenant
//! the case is skipped with that reason.

pub mod model;
pub mod ops;

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use proptest::strategy::Strategy;
use proptest_state_machine::ReferenceStateMachine;

use self::model::{Operation, Tenant, TenantMachine, USERS};
use self::ops::{Broken, Inferred, keep_first, run_sequence};
use crate::case::{Abort, Case, CaseRun, Group, script};
use crate::client::BearerToken;
use crate::context::RunContext;
use crate::generate;
use crate::rules::{self, Rule};
use crate::shrink::{self, Shrinking};

/// Most operations in one sequence.
pub const MAX_OPERATIONS: usize = 20;
/// Most sequences re-run while shrinking one failure (all shrinking of a run also shares one time
/// budget, [`crate::shrink::ShrinkBudget`]).
pub const MAX_SHRINK_RUNS: usize = 200;

/// The rule of the group: every answer and every read-back agrees with the reference model.
pub const MODEL: Rule = rules::MODEL;

/// Sequences per run for a property case count (`--cases N` gives N/2, at least 1, at most 64).
pub fn sequences(cases: usize) -> usize {
    cases.div_ceil(2).clamp(1, 64)
}

type Sequence = (Tenant, Vec<Operation>, Option<Arc<AtomicUsize>>);

fn strategy() -> impl Strategy<Value = Sequence> {
    TenantMachine::sequential_strategy(1..=MAX_OPERATIONS)
}

/// What a run of the sequences found: the shortest failing one if any, and the inferred rules their
/// answers broke.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The first failing sequence's index, its shrunk operations and how it broke.
    pub failure: Option<(usize, Vec<Operation>, Broken)>,
    /// How far the failure shrank, e.g. `shrunk to 3 operation(s)` (empty without a failure).
    pub shrinking: String,
    /// The first answer to break each inferred rule (shrinking not counted).
    pub inferred: Vec<Inferred>,
}

/// Runs `count` sequences from `seed`, shrinking the first failure.
pub async fn run_sequences(
    ctx: &RunContext,
    token: &BearerToken,
    users: &[String],
    seed: [u8; 32],
    count: usize,
) -> Outcome {
    // Generating is CPU work: keep it off the runtime's workers.
    let sequences = tokio::task::spawn_blocking(move || generate::values(&strategy(), seed, count))
        .await
        .unwrap_or_default();
    let mut outcome = Outcome::default();
    for (index, (initial, ops, seen)) in sequences.into_iter().enumerate() {
        let (result, inferred) =
            run_sequence(ctx, token, users, index, &initial, &ops, seen.as_deref()).await;
        for found in inferred {
            keep_first(&mut outcome.inferred, found);
        }
        let Err(broken) = result else {
            continue;
        };
        let (ops, broken, shrinking) =
            shrink_sequence(ctx, token, users, seed, index, ops, broken).await;
        outcome.failure = Some((index, ops, broken));
        outcome.shrinking = shrinking;
        break;
    }
    outcome
}

/// Shrinks the `index`-th sequence, which broke as `broken`, to the shortest that still breaks; keeps
/// it as found when the run's shrink budget is spent or it does not break again. Returns the
/// operations, how they broke, and how far they shrank.
async fn shrink_sequence(
    ctx: &RunContext,
    token: &BearerToken,
    users: &[String],
    seed: [u8; 32],
    index: usize,
    ops: Vec<Operation>,
    broken: Broken,
) -> (Vec<Operation>, Broken, String) {
    let still_breaks = |(initial, ops, seen): Sequence| async move {
        run_sequence(ctx, token, users, index, &initial, &ops, seen.as_deref())
            .await
            .0
            .err()
    };
    // The tree's own first value runs again: proptest-state-machine counts the operations it saw.
    let shrinking = shrink::shrink_failure(
        move || generate::tree_at(&strategy(), seed, index),
        still_breaks,
        MAX_SHRINK_RUNS,
        ctx.generation.shrink_budget(),
    )
    .await;
    let why = match shrinking {
        Shrinking::Smallest {
            value: (_, ops, _),
            found: broken,
            cut_short,
            ..
        } => {
            let text = format!("shrunk to {} operation(s){cut_short}", ops.len());
            return (ops, broken, text);
        }
        Shrinking::Skipped(why) => why,
        Shrinking::NotAgain => "it did not break again".to_owned(),
    };
    let text = format!("{} operation(s), not shrunk ({why})", ops.len());
    (ops, broken, text)
}

async fn run_case(run: &mut CaseRun) -> Result<(), Abort> {
    let ctx = run.ctx().clone();
    if ctx.target.controls().is_none() {
        return Err(Abort::Skip(
            "sequences set the clock for their codes: needs a target whose clock can be set \
             (mock test controls)"
                .to_owned(),
        ));
    }
    let users = run.users(USERS).await?;
    let token = run.admin().await?;
    // Marks the clock as set, so the case puts it back when it ends.
    run.set_clock(model::EPOCH).await?;
    let count = sequences(ctx.generation.count(true));
    let seed = generate::case_seed(ctx.generation.seed, "stateful/sequences");
    let outcome = run_sequences(&ctx, &token, &users, seed, count).await;
    if let Some((index, ops, broken)) = outcome.failure {
        run.expect(false, MODEL, || {
            format!(
                "sequence #{index} of {count} (seed {}) broke the model; {}, failing at operation \
                 {} of {}: {}\n{}",
                ctx.generation.seed,
                outcome.shrinking,
                broken.at + 1,
                ops.len(),
                broken.reason,
                broken.calls.join("\n")
            )
        });
    }
    // Inferred rules an answer broke are divergences: they never break or shrink a sequence.
    for inferred in &outcome.inferred {
        run.expect(false, inferred.rule, || inferred.reason());
    }
    Ok(())
}

/// The `stateful` group.
pub fn cases() -> Vec<Case> {
    vec![
        Case::new(
            Group::Stateful,
            "sequences",
            format!(
                "random sequences of up to {MAX_OPERATIONS} operations agree with the reference model \
                 after every step"
            ),
            MODEL,
            script(|run: &mut CaseRun| Box::pin(run_case(run))),
        )
        .with_user()
        .exclusive(),
    ]
}
