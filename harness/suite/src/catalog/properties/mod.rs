//! Group `properties`: generated bodies of every request kind, valid and labelled-invalid, sent
//! concurrently (`--cases N` per case, deterministic for `--seed`). The first failing body of a case
//! shrinks to its smallest form, which the case records and the run saves as a failure file.

mod effects;
mod execution;
mod generation;
mod sender;
mod shrinking;

use reqwest::Method;

pub use self::execution::Trial;
use self::execution::{attempt, run_samples};
use self::generation::{Prepared, method};
use self::sender::Sender;
use self::shrinking::shrink_failure;
use crate::case::{Abort, Case, CaseRun, Group, script};
use crate::client::Request;
use crate::context::RunContext;
use crate::generate::{self, BodyKind, Class, Sample, mutations};
use crate::report::{FAILURE_SCHEMA, FailedRequest, Failure, Received};
use crate::rules::{self, Strength};
use crate::shrink::Shrinking;
use crate::wording;

/// Most valid activation bodies per case: Graph allows 200 activations per 5 minutes per tenant.
pub const ACTIVATION_CAP: usize = 16;

/// A generated case that did not hold, as a failure record.
fn failure_of(
    ctx: &RunContext,
    case_id: &str,
    index: usize,
    sample: &Sample,
    trial: &Trial,
) -> Failure {
    let prepared = Prepared::from_sample(sample);
    Failure {
        schema: FAILURE_SCHEMA.to_owned(),
        seed: ctx.generation.seed,
        case: case_id.to_owned(),
        index,
        kind: sample.kind,
        label: sample.label.clone(),
        request: FailedRequest {
            method: method(sample.kind).to_string(),
            path: trial.path.clone(),
            content_type: prepared.content_type,
            body: prepared.body,
        },
        expected: sample.expected().to_vec(),
        received: Received {
            status: trial.status,
            body: trial.body.clone(),
        },
        problems: trial.problems.iter().map(|(_, p)| p.clone()).collect(),
        target: None,
    }
}

/// How many users a case of `kind` holds while it runs.
async fn lease_users(run: &mut CaseRun, kind: BodyKind) -> Result<Vec<String>, Abort> {
    if !kind.needs_user() {
        return Ok(Vec::new());
    }
    match run.users(2).await {
        Ok(users) => Ok(users),
        Err(_) => run.users(1).await,
    }
}

/// Stops the case when an earlier property case found the target not answering, or when it does not
/// answer a listing now (so a dead or hostile target costs one timeout, not thousands).
async fn probe(run: &mut CaseRun) -> Result<(), Abort> {
    let ctx = run.ctx().clone();
    if let Some(reason) = ctx.generation.given_up() {
        return Err(Abort::Error(format!(
            "not run: an earlier property case got no answer ({reason})"
        )));
    }
    let token = run.admin().await?;
    let exchange = ctx
        .target
        .client()
        .send(
            Request::new(
                "probe",
                Method::GET,
                format!("{}?$top=1", ctx.target.urls().devices()),
            )
            .bearer(Some(&token)),
        )
        .await;
    match (exchange.status, &exchange.error) {
        (Some(status), None) if status < 500 && status != 429 => Ok(()),
        (status, error) => {
            let reason = match (status, error) {
                (_, Some(error)) => error.to_string(),
                (Some(status), None) => format!("status {status} after retries"),
                (None, None) => "an incomplete answer".to_owned(),
            };
            ctx.generation.give_up(&reason);
            Err(Abort::Error(format!(
                "the target did not answer a listing: {reason}"
            )))
        }
    }
}

async fn run_case(
    run: &mut CaseRun,
    case_id: &str,
    kind: BodyKind,
    class: Class,
) -> Result<(), Abort> {
    let ctx = run.ctx().clone();
    probe(run).await?;
    let mock = ctx.target.controls().is_some();
    let mut count = ctx.generation.count(mock);
    if class == Class::Valid && kind.activates() {
        count = count.min(ACTIVATION_CAP);
    }
    let users = lease_users(run, kind).await?;
    let strategy = generate::strategy(kind, class);
    let seed = generate::case_seed(ctx.generation.seed, case_id);
    // Generating is CPU work: keep it off the runtime's workers.
    let samples = tokio::task::spawn_blocking({
        let strategy = strategy.clone();
        move || generate::values(&strategy, seed, count)
    })
    .await
    .map_err(|e| Abort::Error(format!("generating bodies stopped: {e}")))?;
    let prepared: Vec<Prepared> = samples.iter().map(Prepared::from_sample).collect();
    let trials = run_samples(ctx.clone(), prepared, &users).await;
    let broken: Vec<&String> = trials
        .iter()
        .filter_map(|(_, t)| t.broken.as_ref())
        .collect();
    if let Some(first) = broken.first() {
        if broken.len() == trials.len() {
            ctx.generation.give_up(first);
        }
        return Err(Abort::Error(format!(
            "{} of {count} generated sends could not be carried out, e.g. {first}",
            broken.len()
        )));
    }
    let failing: Vec<usize> = trials
        .iter()
        .filter(|(_, trial)| trial.failed())
        .map(|(index, _)| *index)
        .collect();
    let Some(&first) = failing.first() else {
        return Ok(());
    };
    let user = users.first().cloned().unwrap_or_default();
    let found = Found {
        case_id,
        kind,
        class,
        count,
        failing: failing.len(),
        index: first,
        sample: samples[first].clone(),
        trial: trials
            .into_iter()
            .find(|(index, _)| *index == first)
            .map(|(_, trial)| trial),
    };
    match shrink_failure(&ctx, strategy, seed, first, &user).await {
        Shrinking::Smallest {
            value,
            found: trial,
            tested,
            cut_short,
        } => {
            let how = format!("shrunk in {tested} sends{cut_short} to");
            report_failure(run, found, Some((value, trial)), how, &user).await
        }
        Shrinking::Skipped(why) => {
            report_failure(run, found, None, format!("(not shrunk: {why})"), &user).await
        }
        Shrinking::NotAgain => {
            report_not_again(run, &found);
            Ok(())
        }
    }
}

/// The first failing generated body of a case, as the first round of sends found it.
struct Found<'a> {
    case_id: &'a str,
    kind: BodyKind,
    class: Class,
    /// Bodies sent.
    count: usize,
    /// Bodies that failed.
    failing: usize,
    /// The first failing body's index.
    index: usize,
    sample: Sample,
    trial: Option<Trial>,
}

/// Records a failure that did not fail again when sent once more (flaky, or the target changed).
fn report_not_again(run: &mut CaseRun, found: &Found<'_>) {
    let problems: Vec<&str> = found
        .trial
        .iter()
        .flat_map(|trial| &trial.problems)
        .map(|(_, p)| p.as_str())
        .collect();
    let strength = found
        .trial
        .as_ref()
        .map_or(Strength::Documented, |trial| worst(&trial.problems));
    run.expect(false, rule_of(found.kind, found.class, strength), || {
        format!(
            "{} of {} generated bodies failed; #{} ({}) did not fail again: {}",
            found.failing,
            found.count,
            found.index,
            found.sample.label,
            problems.join("; ")
        )
    });
}

/// Records the failure (shrunk to `smallest` when given, else as found) in the case and the run,
/// sending its body once more through the case run so the report holds its exchanges.
async fn report_failure(
    run: &mut CaseRun,
    found: Found<'_>,
    smallest: Option<(Sample, Trial)>,
    how: String,
    user: &str,
) -> Result<(), Abort> {
    let ctx = run.ctx().clone();
    let (minimal, trial) = match (smallest, found.trial) {
        (Some(smallest), _) => smallest,
        (None, Some(trial)) => (found.sample.clone(), trial),
        (None, None) => {
            return Err(Abort::Error(format!(
                "generated body #{} failed, but its answer was lost",
                found.index
            )));
        }
    };
    let prepared = Prepared::from_sample(&minimal);
    let recorded = attempt(&mut Sender::Run(run), &prepared, user).await;
    let trial = if recorded.failed() { recorded } else { trial };
    let failure = failure_of(&ctx, found.case_id, found.index, &minimal, &trial);
    let strength = worst(&trial.problems);
    run.expect(false, rule_of(found.kind, found.class, strength), || {
        format!(
            "{} of {} generated bodies failed (seed {}); #{} {how} [{}] {}: {}; saved as \
             failures/{} (replay: hwoath replay <run dir>/failures/{})",
            found.failing,
            found.count,
            ctx.generation.seed,
            found.index,
            minimal.label,
            prepared.shown(),
            trial
                .problems
                .iter()
                .map(|(_, p)| p.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            failure.file_name(),
            failure.file_name()
        )
    });
    ctx.generation.record(failure);
    Ok(())
}

/// The strongest strength among problems (documented outranks inferred).
fn worst(problems: &[(Strength, String)]) -> Strength {
    if problems.iter().any(|(s, _)| *s == Strength::Documented) {
        Strength::Documented
    } else {
        Strength::Inferred
    }
}

/// The case's rule with the strength of what actually broke.
fn rule_of(kind: BodyKind, class: Class, strength: Strength) -> rules::Rule {
    rules::Rule {
        strength,
        ..class.rule(kind)
    }
}

fn title(kind: BodyKind, class: Class) -> String {
    let expected = wording::alternatives(class.expected(kind));
    match class {
        Class::Valid => format!(
            "generated valid {} bodies are accepted ({expected}) and take effect",
            kind.as_str()
        ),
        _ => format!(
            "generated {} bodies labelled {} answer {expected}",
            kind.as_str(),
            class.as_str()
        ),
    }
}

/// The `properties` group: one case per body kind and label class.
pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for kind in BodyKind::ALL {
        for &class in mutations::classes(kind) {
            let name = format!("{}-{}", kind.as_str(), class.as_str());
            let id = format!("{}/{name}", Group::Properties.as_str());
            let case = Case::new(
                Group::Properties,
                &name,
                title(kind, class),
                class.rule(kind),
                script(move |run: &mut CaseRun| {
                    let id = id.clone();
                    Box::pin(async move { run_case(run, &id, kind, class).await })
                }),
            );
            cases.push(if kind.needs_user() {
                case.with_user()
            } else {
                case.writes()
            });
        }
    }
    cases
}

/// Re-sends a saved failure once (making what it needs, removing it after): the trial says whether
/// it still fails.
pub async fn replay(ctx: &RunContext, failure: &Failure, user: &str) -> Trial {
    attempt(
        &mut Sender::Client(ctx),
        &Prepared::from_failure(failure),
        user,
    )
    .await
}
