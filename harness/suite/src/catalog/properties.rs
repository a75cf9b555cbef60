//! Group `properties`: generated bodies of every request kind, valid and labelled-invalid, sent
//! concurrently (`--cases N` per case, deterministic for `--seed`). The first failing body of a case
//! shrinks to its smallest form, which the case records and the run saves as a failure file.

use std::sync::Arc;

use proptest::strategy::SBoxedStrategy;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::steps::Token;
use crate::case::{Abort, Case, CaseRun, Group, remove_device, script};
use crate::checks;
use crate::client::{Exchange, Request, TransportError};
use crate::context::RunContext;
use crate::endpoints::{DEVICES, Op, Owner};
use crate::generate::failure::{self, FAILURE_SCHEMA, FailedRequest, Received};
use crate::generate::{self, Bindings, BodyKind, Class, Failure, Frag, Label, Sample, mutations};
use crate::redact;
use crate::report::model::Strength;
use crate::rules;
use crate::shrink::{self, Limits, Shrunk};
use crate::target::Principal;
use crate::wording;

/// Most valid activation bodies per case: Graph allows 200 activations per 5 minutes per tenant.
pub const ACTIVATION_CAP: usize = 16;
/// Most re-sends spent shrinking one failure (all shrinking of a run also shares one time budget,
/// [`crate::shrink::ShrinkBudget`]).
pub const MAX_SHRINK_SENDS: usize = 512;
/// Methods one user may hold at once while a case runs (Entra allows five).
const METHODS_PER_USER: usize = 4;

/// A body ready to send: its kind, class and text with placeholders.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The request kind.
    pub kind: BodyKind,
    /// The label (its class decides the expected statuses).
    pub label: Label,
    /// The content type sent.
    pub content_type: Option<String>,
    /// The body with `{{serial}}`, `{{device}}`, `{{code}}` placeholders.
    pub body: String,
    /// Secret values inside the body, masked wherever the body is shown.
    pub secrets: Vec<String>,
}

fn template_secrets(fields: &[(String, Frag)], out: &mut Vec<String>) {
    for (name, value) in fields {
        match value {
            Frag::Json(Value::String(text)) if name == "secretKey" => out.push(text.clone()),
            Frag::Object(inner) => template_secrets(inner, out),
            Frag::Array(items) => {
                for item in items {
                    if let Frag::Object(inner) = item {
                        template_secrets(inner, out);
                    }
                }
            }
            _ => {}
        }
    }
}

impl Prepared {
    /// A generated sample, rendered with placeholders.
    pub fn from_sample(sample: &Sample) -> Self {
        let (content_type, body) = sample.render(&failure::placeholders());
        let mut secrets = Vec::new();
        template_secrets(&sample.template.fields, &mut secrets);
        Self {
            kind: sample.kind,
            label: sample.label.clone(),
            content_type,
            body: String::from_utf8_lossy(&body).into_owned(),
            secrets,
        }
    }

    /// A saved failure's request.
    pub fn from_failure(failure: &Failure) -> Self {
        let secrets = serde_json::from_str::<Value>(&failure.request.body)
            .ok()
            .and_then(|v| v["secretKey"].as_str().map(|s| vec![s.to_owned()]))
            .unwrap_or_default();
        Self {
            kind: failure.kind,
            label: failure.label.clone(),
            content_type: failure.request.content_type.clone(),
            body: failure.request.body.clone(),
            secrets,
        }
    }

    /// The statuses the label calls for.
    pub fn expected(&self) -> &'static [u16] {
        self.label.class.expected(self.kind)
    }

    /// The body for display: secrets masked, cut at 600 characters.
    pub fn shown(&self) -> String {
        let mut text = redact::mask(self.body.clone(), &self.secrets);
        if text.chars().count() > 600 {
            text = text.chars().take(600).collect::<String>() + "…";
        }
        text
    }
}

/// What one send of a body found.
#[derive(Debug)]
pub struct Trial {
    /// The request path under the base URL, with placeholders.
    pub path: String,
    /// The status, if a response came.
    pub status: Option<u16>,
    /// The response body, redacted.
    pub body: String,
    /// Every way the answer broke a rule, with that rule's strength.
    pub problems: Vec<(Strength, String)>,
    /// Why the send could not be carried out at all (no answer, or the target refused the setup).
    pub broken: Option<String>,
}

impl Trial {
    /// Whether the answer broke any rule.
    pub fn failed(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// Sends through the bare client, or through a case run that records the exchanges.
pub enum Sender<'a> {
    /// Unrecorded (the bulk of generated cases).
    Client(&'a RunContext),
    /// Recorded in the case's report, with every check run.
    Run(&'a mut CaseRun),
}

impl Sender<'_> {
    fn ctx(&self) -> &RunContext {
        match self {
            Sender::Client(ctx) => ctx,
            Sender::Run(run) => run.ctx(),
        }
    }

    async fn send(&mut self, op: Op, request: Request) -> Exchange {
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
}

/// The target's time in seconds (its test clock when it has one).
async fn target_now(ctx: &RunContext) -> u64 {
    if let Some(controls) = ctx.target.controls() {
        let exchange = ctx
            .target
            .client()
            .send(Request::new(
                "read clock",
                Method::GET,
                format!("{controls}/clock"),
            ))
            .await;
        if let Some(unix) = exchange.json().and_then(|v| v["unix"].as_u64()) {
            return unix;
        }
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// What a send made on the target, to remove afterwards.
#[derive(Default)]
struct Made {
    /// Device ids.
    devices: Vec<String>,
    /// Whether any of them may be assigned.
    assigned: bool,
}

/// Creates the device a body of `kind` acts on; `None` when the target refused.
async fn setup_device(
    sender: &mut Sender<'_>,
    token: &str,
    bindings: &Bindings,
    secret: &Token,
    user: &str,
    kind: BodyKind,
    made: &mut Made,
) -> Result<(), String> {
    let ctx_urls = sender.ctx().target.urls().clone();
    let create = sender
        .send(
            Op::CreateDevice,
            Request::new("setup: create device", Method::POST, ctx_urls.devices())
                .bearer(Some(token))
                .json(json!({
                    "serialNumber": bindings.serial,
                    "manufacturer": "Contoso",
                    "model": "Hardware Token 1000",
                    "secretKey": secret.secret,
                    "timeIntervalInSeconds": secret.interval,
                    "hashFunction": secret.hash,
                })),
        )
        .await;
    let id = create
        .str_at("/id")
        .filter(|_| create.status == Some(201))
        .ok_or_else(|| format!("setup: create answered {}", wording::status(create.status)))?;
    made.devices.push(id.clone());
    if kind == BodyKind::Activate {
        made.assigned = true;
        let assign = sender
            .send(
                Op::Assign,
                Request::new(
                    "setup: assign",
                    Method::POST,
                    ctx_urls.methods(&Owner::User(user.to_owned())),
                )
                .bearer(Some(token))
                .json(json!({"device": {"id": id}})),
            )
            .await;
        if assign.status != Some(201) {
            return Err(format!(
                "setup: assign answered {}",
                wording::status(assign.status)
            ));
        }
    }
    Ok(())
}

/// The path a body of `kind` goes to, with `{{device}}` and `{{user}}` placeholders.
pub fn path(kind: BodyKind) -> String {
    let methods = "/users/{{user}}/authentication/hardwareOathMethods";
    match kind {
        BodyKind::Create | BodyKind::Bulk => DEVICES.to_owned(),
        BodyKind::Update => format!("{DEVICES}/{{{{device}}}}"),
        BodyKind::Assign => methods.to_owned(),
        BodyKind::Activate => format!("{methods}/{{{{device}}}}/activate"),
        BodyKind::AssignAndActivate => format!("{methods}/assignAndActivate"),
        BodyKind::AssignAndActivateBySerial => format!("{methods}/assignAndActivateBySerialNumber"),
    }
}

fn method(kind: BodyKind) -> Method {
    match kind {
        BodyKind::Update | BodyKind::Bulk => Method::PATCH,
        _ => Method::POST,
    }
}

/// Sends `prepared` once: makes the device it needs (for `user` where it needs one), sends it,
/// checks the answer against its label (and, for valid bodies, that the target did what it said),
/// and removes what it made.
pub async fn attempt(sender: &mut Sender<'_>, prepared: &Prepared, user: &str) -> Trial {
    let mut problems: Vec<(Strength, String)> = Vec::new();
    let path = path(prepared.kind);
    let mut made = Made::default();
    let token = match sender.ctx().target.token(&Principal::Admin).await {
        Ok(token) => token,
        Err(error) => {
            return Trial {
                path,
                status: None,
                body: String::new(),
                problems: vec![(Strength::Documented, error.to_string())],
                broken: Some(error.to_string()),
            };
        }
    };
    let secret = Token::random();
    let mut bindings = Bindings {
        serial: sender.ctx().tag.serial(),
        ..Bindings::default()
    };
    let kind = prepared.kind;
    let mut setup_failed = None;
    if !matches!(kind, BodyKind::Create | BodyKind::Bulk) {
        if let Err(reason) =
            setup_device(sender, &token, &bindings, &secret, user, kind, &mut made).await
        {
            setup_failed = Some(reason);
        }
        bindings.device = made.devices.first().cloned().unwrap_or_default();
    }
    if prepared.body.contains("{{code}}") {
        let now = target_now(sender.ctx()).await;
        bindings.code = secret.code_at_step(secret.step_at(now));
    }
    let urls = sender.ctx().target.urls().clone();
    let url = format!("{}{}", urls.base(), failure::fill(&path, &bindings, user));
    let body = failure::fill(&prepared.body, &bindings, user);
    let mut status = None;
    let mut answer = Vec::new();
    let mut broken = None;
    if let Some(reason) = setup_failed {
        problems.push((Strength::Documented, reason.clone()));
        broken = Some(reason);
    } else {
        let request = Request::new(
            format!("{} ({})", kind.as_str(), prepared.label.class.as_str()),
            method(kind),
            url,
        )
        .bearer(Some(&token))
        .raw(prepared.content_type.as_deref(), body.clone().into_bytes());
        let exchange = sender.send(kind.op(), request).await;
        status = exchange.status;
        answer.clone_from(&exchange.body);
        if let Some(error) = &exchange.error {
            problems.push((Strength::Documented, format!("no answer: {error}")));
            broken = Some(format!("no answer: {error}"));
        }
        for violation in checks::run_all(&exchange, kind.op()) {
            problems.push((
                violation.strength,
                format!("{} ({})", violation.reason, violation.check),
            ));
        }
        let expected = prepared.expected();
        let rule = prepared.label.class.rule(kind);
        if let Some(got) = status
            && !expected.contains(&got)
        {
            problems.push((
                rule.strength,
                format!(
                    "expected {}, got {got}{} [{}: {}]",
                    expected
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(" or "),
                    crate::case::error_code(&exchange)
                        .map(|c| format!(" ({c})"))
                        .unwrap_or_default(),
                    rule.id,
                    rule.source
                ),
            ));
        }
        if kind == BodyKind::Create
            && exchange.is_success()
            && let Some(id) = exchange.str_at("/id")
        {
            made.devices.push(id);
        }
        if exchange.is_success() && kind.needs_user() {
            made.assigned = true;
        }
        if exchange.is_success() {
            effects(
                sender,
                &token,
                prepared,
                &body,
                &bindings,
                &exchange,
                &mut made,
                &mut problems,
            )
            .await;
        } else if kind == BodyKind::Bulk {
            collect_bulk(sender, &token, &body, &bindings, &mut made).await;
        }
    }
    clean_up(sender.ctx(), &token, &made).await;
    Trial {
        path,
        status,
        // Only a failure's answer is ever shown; redacting costs a parse, so only then.
        body: if problems.is_empty() {
            String::new()
        } else {
            redact::body_text(&answer, &prepared.secrets)
        },
        problems,
        broken,
    }
}

/// Ids of the devices whose serial is `serial` (normally none or one).
async fn find_serial(sender: &mut Sender<'_>, token: &str, serial: &str) -> Vec<String> {
    let url = format!(
        "{}?$filter=serialNumber%20eq%20'{}'",
        sender.ctx().target.urls().devices(),
        serial.replace('\'', "''")
    );
    let exchange = sender
        .send(
            Op::ListDevices,
            Request::new("find by serial", Method::GET, url).bearer(Some(token)),
        )
        .await;
    exchange
        .json()
        .and_then(|v| v["value"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|d| d["id"].as_str().map(str::to_owned))
        .collect()
}

/// Finds what a bulk body created, item by item, so it can be removed.
async fn collect_bulk(
    sender: &mut Sender<'_>,
    token: &str,
    body: &str,
    bindings: &Bindings,
    made: &mut Made,
) -> Vec<Vec<String>> {
    let items = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["value"].as_array().map(Vec::len))
        .unwrap_or(0);
    let mut found = Vec::new();
    for n in 1..=items {
        let ids = find_serial(sender, token, &format!("{}-b{n}", bindings.serial)).await;
        made.devices.extend(ids.iter().cloned());
        found.push(ids);
    }
    found
}

/// After a success: checks the target did what the body asked (valid bodies) and notes what it made.
#[allow(clippy::too_many_arguments)]
async fn effects(
    sender: &mut Sender<'_>,
    token: &str,
    prepared: &Prepared,
    body: &str,
    bindings: &Bindings,
    exchange: &Exchange,
    made: &mut Made,
    problems: &mut Vec<(Strength, String)>,
) {
    let sent: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let kind = prepared.kind;
    if kind == BodyKind::Bulk {
        let found = collect_bulk(sender, token, body, bindings, made).await;
        // The label names the broken item: `item N: ...`.
        let broken: Option<usize> = (prepared.label.class == Class::BadItem)
            .then(|| {
                prepared
                    .label
                    .detail
                    .strip_prefix("item ")
                    .and_then(|rest| rest.split(':').next())
                    .and_then(|n| n.trim().parse::<usize>().ok())
                    .map(|n| n.saturating_sub(1))
            })
            .flatten();
        for (n, ids) in found.iter().enumerate() {
            let should_exist = Some(n) != broken;
            if should_exist != (ids.len() == 1) {
                let rule = prepared.label.class.rule(kind);
                problems.push((
                    rule.strength,
                    format!(
                        "bulk item {}: {} device(s) with its serial after the call, expected {}",
                        n + 1,
                        ids.len(),
                        u8::from(should_exist)
                    ),
                ));
            }
        }
        return;
    }
    if prepared.label.class != Class::Valid {
        return;
    }
    let rule = prepared.label.class.rule(kind);
    match kind {
        BodyKind::Create => {
            let got = exchange.json().unwrap_or(Value::Null);
            echo(
                &sent,
                &got,
                &["@odata.type", "assignTo", "secretKey"],
                rule,
                problems,
            );
            if got["hashFunction"].is_null() {
                problems.push((
                    rules::HASH_FUNCTION.strength,
                    "hashFunction missing from the answer (default hmacsha1)".into(),
                ));
            } else if sent.get("hashFunction").is_none_or(Value::is_null)
                && got["hashFunction"] != json!("hmacsha1")
            {
                problems.push((
                    rules::HASH_FUNCTION.strength,
                    format!(
                        "hashFunction defaults to hmacsha1, got {}",
                        got["hashFunction"]
                    ),
                ));
            }
        }
        BodyKind::Update => {
            let got = device_after(sender, token, &bindings.device).await;
            echo(&sent, &got, &[], rule, problems);
        }
        BodyKind::Assign => {
            let got = device_after(sender, token, &bindings.device).await;
            expect_status_is(&got, "assigned", rule, problems);
        }
        BodyKind::Activate => {
            let got = device_after(sender, token, &bindings.device).await;
            expect_status_is(&got, "activated", rule, problems);
        }
        BodyKind::AssignAndActivate | BodyKind::AssignAndActivateBySerial => {
            let got = device_after(sender, token, &bindings.device).await;
            expect_status_is(&got, "activated", rule, problems);
        }
        BodyKind::Bulk => {}
    }
}

/// The device as the target reads it now.
async fn device_after(sender: &mut Sender<'_>, token: &str, id: &str) -> Value {
    let url = sender.ctx().target.urls().device(id);
    sender
        .send(
            Op::GetDevice,
            Request::new("get device", Method::GET, url).bearer(Some(token)),
        )
        .await
        .json()
        .unwrap_or(Value::Null)
}

fn expect_status_is(
    device: &Value,
    status: &str,
    rule: rules::Rule,
    problems: &mut Vec<(Strength, String)>,
) {
    if device["status"] != json!(status) {
        problems.push((
            rule.strength,
            format!(
                "after the call the device's status is {}, expected \"{status}\"",
                device["status"]
            ),
        ));
    }
}

/// Each property sent comes back as sent (a missing `displayName` may come back as `null`).
fn echo(
    sent: &Value,
    got: &Value,
    skip: &[&str],
    rule: rules::Rule,
    problems: &mut Vec<(Strength, String)>,
) {
    let Some(sent) = sent.as_object() else {
        return;
    };
    for (name, value) in sent {
        if skip.contains(&name.as_str()) || (name == "hashFunction" && value.is_null()) {
            continue;
        }
        let back = got.get(name).unwrap_or(&Value::Null);
        if back != value {
            problems.push((
                rule.strength,
                format!("{name} sent as {value}, read back as {back}"),
            ));
        }
    }
}

/// Removes what a send made: a plain delete for unassigned devices, unassign first otherwise.
async fn clean_up(ctx: &RunContext, token: &str, made: &Made) {
    for id in &made.devices {
        if !made.assigned {
            let delete = ctx
                .target
                .client()
                .send(
                    Request::new(
                        "cleanup: delete",
                        Method::DELETE,
                        ctx.target.urls().device(id),
                    )
                    .bearer(Some(token)),
                )
                .await;
            if matches!(delete.status, Some(204 | 404)) {
                continue;
            }
        }
        if let Err(reason) = remove_device(ctx, token, id).await {
            tracing::warn!(device = %id, %reason, "a generated case left a device behind");
        }
    }
}

/// Runs every sample concurrently (bounded by the client's jobs and each user's method room);
/// returns each trial by index.
async fn run_samples(
    ctx: Arc<RunContext>,
    samples: Vec<Prepared>,
    users: &[String],
) -> Vec<(usize, Trial)> {
    let rooms: Vec<(String, Arc<Semaphore>)> = users
        .iter()
        .map(|u| (u.clone(), Arc::new(Semaphore::new(METHODS_PER_USER))))
        .collect();
    let mut tasks = JoinSet::new();
    for (index, prepared) in samples.into_iter().enumerate() {
        let ctx = ctx.clone();
        let room = (!rooms.is_empty()).then(|| rooms[index % rooms.len()].clone());
        tasks.spawn(async move {
            let (user, _permit) = match &room {
                Some((user, room)) => (user.clone(), room.clone().acquire_owned().await.ok()),
                None => (String::new(), None),
            };
            let trial = attempt(&mut Sender::Client(&ctx), &prepared, &user).await;
            (index, trial)
        });
    }
    let mut trials = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => trials.push(result),
            // A send that panicked is the case's panic: the runner reports it with its message.
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_) => {}
        }
    }
    trials.sort_by_key(|(index, _)| *index);
    trials
}

/// Shrinks the `index`-th value of `strategy` while it still fails (the first send confirms it
/// does), within [`MAX_SHRINK_SENDS`] and the run's shrink budget.
async fn shrink_failure(
    ctx: &RunContext,
    strategy: SBoxedStrategy<Sample>,
    seed: [u8; 32],
    index: usize,
    user: &str,
) -> Shrunk<Sample, Trial> {
    let limits = Limits {
        max_tests: MAX_SHRINK_SENDS,
        budget: ctx.generation.shrink_budget(),
    };
    let still_fails = |sample: Sample| async move {
        let trial = attempt(
            &mut Sender::Client(ctx),
            &Prepared::from_sample(&sample),
            user,
        )
        .await;
        (trial.failed() && trial.broken.is_none()).then_some(trial)
    };
    shrink::shrink(
        move || generate::tree_at(&strategy, seed, index),
        None,
        still_fails,
        limits,
    )
    .await
}

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
    let budget = ctx.generation.shrink_budget();
    if budget.is_spent() {
        let how = format!("(not shrunk: {})", budget.spent_reason());
        return report_failure(run, found, None, how, &user).await;
    }
    let shrunk = shrink_failure(&ctx, strategy, seed, first, &user).await;
    let how = match &shrunk.cut_short {
        Some(why) => format!("shrunk in {} sends ({why}) to", shrunk.tested),
        None => format!("shrunk in {} sends to", shrunk.tested),
    };
    match shrunk.smallest {
        Some(smallest) => report_failure(run, found, Some(smallest), how, &user).await,
        None => {
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
    let expected = class
        .expected(kind)
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ");
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
