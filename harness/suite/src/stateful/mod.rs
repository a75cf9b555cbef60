//! Group `stateful`: random operation sequences (proptest-state-machine) carried out on the target and
//! checked after every step against the suite's own reference model of the tenant. A failing sequence
//! shrinks to the shortest one that still fails and is reported as numbered HTTP calls.
//!
//! The sequences run on a blocking thread (value trees are not `Send`) that drives the HTTP calls with
//! the runtime's handle. They set the target's clock, so they need a mock's test controls; on a real
//! tenant the case is skipped with that reason.

pub mod model;
pub mod ops;

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use proptest::strategy::{Strategy, ValueTree};
use proptest_state_machine::ReferenceStateMachine;

use self::model::{Operation, Tenant, TenantMachine, USERS};
use self::ops::{Broken, run_sequence};
use crate::case::{Abort, Case, CaseRun, Group, script};
use crate::context::RunContext;
use crate::generate;
use crate::rules::{self, Rule};

/// Most operations in one sequence.
pub const MAX_OPERATIONS: usize = 20;
/// Most sequences re-run while shrinking one failure.
pub const SHRINK_BUDGET: usize = 200;

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

/// What a run of the sequences found: how many ran, and the shortest failing one if any.
#[derive(Debug)]
pub struct Outcome {
    /// Sequences carried out (shrinking not counted).
    pub ran: usize,
    /// The first failing sequence's index, its shrunk operations and how it broke.
    pub failure: Option<(usize, Vec<Operation>, Broken)>,
}

/// Runs `count` sequences from `seed` on this (blocking) thread, shrinking the first failure.
pub fn run_blocking(
    handle: &tokio::runtime::Handle,
    ctx: &RunContext,
    token: &str,
    users: &[String],
    seed: [u8; 32],
    count: usize,
) -> Outcome {
    let strategy = strategy();
    for index in 0..count {
        let Some(mut tree) = generate::tree_at(&strategy, seed, index) else {
            continue;
        };
        let run = |value: Sequence| {
            let (initial, ops, seen) = value;
            let result = handle.block_on(run_sequence(
                ctx,
                token,
                users,
                &initial,
                &ops,
                seen.as_deref(),
            ));
            (ops, result)
        };
        let (ops, result) = run(tree.current());
        let Err(broken) = result else {
            continue;
        };
        let mut best = (ops, broken);
        let mut spent = 0;
        if tree.simplify() {
            while spent < SHRINK_BUDGET {
                spent += 1;
                match run(tree.current()) {
                    (ops, Err(broken)) => {
                        best = (ops, broken);
                        if !tree.simplify() {
                            break;
                        }
                    }
                    (_, Ok(_)) => {
                        if !tree.complicate() {
                            break;
                        }
                    }
                }
            }
        }
        return Outcome {
            ran: index + 1,
            failure: Some((index, best.0, best.1)),
        };
    }
    Outcome {
        ran: count,
        failure: None,
    }
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
    let handle = tokio::runtime::Handle::current();
    let outcome = tokio::task::spawn_blocking({
        let ctx = ctx.clone();
        move || run_blocking(&handle, &ctx, &token, &users, seed, count)
    })
    .await
    .map_err(|e| Abort::Error(format!("the sequences stopped: {e}")))?;
    if let Some((index, ops, broken)) = outcome.failure {
        run.expect(false, MODEL, || {
            format!(
                "sequence #{index} of {count} (seed {}) broke the model; shrunk to {} operation(s), \
                 failing at operation {}: {}\n{}",
                ctx.generation.seed,
                ops.len(),
                broken.at + 1,
                broken.reason,
                broken.calls.join("\n")
            )
        });
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
