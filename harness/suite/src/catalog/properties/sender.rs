//! How a trial's requests go out (through the bare client, or recorded in a case run) and what they
//! made on the target, to remove afterwards.

use crate::case::CaseRun;
use crate::checks::{self, Checked};
use crate::cleanup::{Holder, remove_device};
use crate::client::{BearerToken, Exchange, Request, TransportError};
use crate::context::RunContext;
use crate::endpoints::Op;

/// Sends through the bare client, or through a case run that records the exchanges.
pub(super) enum Sender<'a> {
    /// Unrecorded (the bulk of generated cases).
    Client(&'a RunContext),
    /// Recorded in the case's report, with every check run.
    Run(&'a mut CaseRun),
}

impl Sender<'_> {
    /// The run the trial belongs to.
    pub(super) fn ctx(&self) -> &RunContext {
        match self {
            Sender::Client(ctx) => ctx,
            Sender::Run(run) => run.ctx(),
        }
    }

    /// Sends a request of the setup or the effects: judged like any case's in a recorded run.
    pub(super) async fn send(&mut self, op: Op, request: Request) -> Exchange {
        match self {
            Sender::Client(ctx) => ctx.target.client().send(request).await,
            Sender::Run(run) => {
                let copy = request.clone();
                match run.send(op, request).await {
                    Ok(exchange) => exchange,
                    Err(abort) => {
                        Exchange::without_answer(copy, TransportError::Broken(abort.to_string()))
                    }
                }
            }
        }
    }

    /// Sends the generated body with every check run once; its violations are the trial's problems.
    pub(super) async fn send_checked(&mut self, op: Op, request: Request) -> Checked {
        match self {
            Sender::Client(ctx) => checks::send(ctx.target.client(), op, request).await,
            Sender::Run(run) => run.send_unjudged(op, request).await,
        }
    }
}

/// What a send made on the target, to remove afterwards.
#[derive(Default)]
pub(super) struct Made {
    /// Device ids.
    pub(super) devices: Vec<String>,
    /// Whether any of them may be assigned.
    pub(super) assigned: bool,
}

/// Removes what a send made: a plain delete for unassigned devices, unassign first otherwise.
pub(super) async fn clean_up(ctx: &RunContext, token: &BearerToken, made: &Made) {
    let holder = if made.assigned {
        Holder::Unknown
    } else {
        Holder::None
    };
    for id in &made.devices {
        if let Err(reason) = remove_device(&ctx.target, token, id, holder).await {
            tracing::warn!(device = %id, %reason, "a generated case left a device behind");
        }
    }
}
