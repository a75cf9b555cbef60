//! The end of a run: put the target's clock back when a case could not (or the run stopped), and sweep
//! whatever the run's cases left behind. After a signal or `--max-time`, all cleanup (the cancelled
//! cases' and this) ends `limit` after the stop (at least [`LAST_WORD`] is left for this part), so an
//! interrupted run always ends in a time known in advance; what it could not undo is said, never
//! hidden.

use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use super::sweep;
use crate::context::RunContext;
use crate::wording;

/// The least time the end of a stopped run keeps for restoring the clock and sweeping.
pub(crate) const LAST_WORD: Duration = Duration::from_secs(1);

/// What the end of the run could not undo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Teardown {
    /// Devices still on the target, one line each.
    pub leftovers: Vec<String>,
    /// Why the target's clock is not as the run found it, if it is not.
    pub clock_not_restored: Option<String>,
}

/// How the cases of a run ended, as far as its end needs to know.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ending<'a> {
    /// When a signal or the time limit stopped the run.
    pub cancelled_at: Option<std::time::Instant>,
    /// Whether the clock may not be as the run found it: the run stopped, or a case could not put
    /// it back.
    pub clock_in_doubt: bool,
    /// What the cases said they could not remove.
    pub leftovers: &'a [String],
}

/// Restores the clock (when a case failed to, or the run stopped) and removes every device carrying
/// the run's tag. After a stop that cancelled cases, this ends `limit` after the stop (and no sooner
/// than [`LAST_WORD`] from now).
pub(crate) async fn tear_down(ctx: &RunContext, result: Ending<'_>, limit: Duration) -> Teardown {
    let deadline = match result.cancelled_at {
        Some(stopped) => (Instant::from_std(stopped) + limit).max(Instant::now() + LAST_WORD),
        // Far enough away to never cut a normal run's cleanup short.
        None => Instant::now() + Duration::from_secs(86_400),
    };
    let cut = || {
        format!(
            "cleanup ran out of time ({} after the run was stopped)",
            wording::duration(limit)
        )
    };
    let clock_not_restored = if result.clock_in_doubt {
        match timeout_at(deadline, ctx.target.restore_clock()).await {
            Ok(restored) => restored.err(),
            Err(_) => Some(cut()),
        }
    } else {
        None
    };
    let prefix = ctx.tag.serial_prefix();
    let leftovers = match timeout_at(deadline, sweep::sweep(&ctx.target, &prefix)).await {
        Ok(Ok(swept)) => swept.failed,
        Ok(Err(error)) => unswept(result, format!("the final sweep failed: {error}"), &prefix),
        Err(_) => unswept(result, cut(), &prefix),
    };
    Teardown {
        leftovers,
        clock_not_restored,
    }
}

/// What the cases said they left, and why the sweep could not look for more.
fn unswept(result: Ending<'_>, why: String, prefix: &str) -> Vec<String> {
    let mut leftovers = result.leftovers.to_vec();
    leftovers.push(format!(
        "{why}: devices whose serial starts with {prefix} may remain (hwoath cleanup removes them)"
    ));
    leftovers
}
