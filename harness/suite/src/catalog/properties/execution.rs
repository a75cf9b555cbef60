//! Carrying out one trial of a generated body (make the device it needs, send it, judge the answer
//! and the effects, remove what it made) and running a case's trials concurrently.

use std::sync::Arc;

use reqwest::Method;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::effects::{collect_bulk, effects};
use super::generation::{Prepared, method, path};
use super::sender::{Made, Sender, clean_up};
use crate::client::{BearerToken, Request};
use crate::context::RunContext;
use crate::controls::system_now;
use crate::endpoints::{Op, Owner};
use crate::generate::{Bindings, BodyKind};
use crate::redact;
use crate::rules::Strength;
use crate::steps::Token;
use crate::target::Principal;
use crate::wording;

/// Methods one user may hold at once while a case runs (Entra allows five).
const METHODS_PER_USER: usize = 4;

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

/// The target's time in seconds (its test clock when it has one; this machine's when it cannot be read).
async fn target_now(ctx: &RunContext) -> u64 {
    ctx.target.now().await.unwrap_or_else(|_| system_now())
}

/// Creates the device a body of `kind` acts on; `None` when the target refused.
async fn setup_device(
    sender: &mut Sender<'_>,
    token: &BearerToken,
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

/// Sends `prepared` once: makes the device it needs (for `user` where it needs one), sends it,
/// checks the answer against its label (and, for valid bodies, that the target did what it said),
/// and removes what it made.
pub(super) async fn attempt(sender: &mut Sender<'_>, prepared: &Prepared, user: &str) -> Trial {
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
    let url = format!("{}{}", urls.base(), bindings.fill(&path, user));
    let body = bindings.fill(&prepared.body, user);
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
        let checked = sender.send_checked(kind.op(), request).await;
        let exchange = &checked.exchange;
        status = exchange.status;
        answer.clone_from(&exchange.body);
        if let Some(error) = &exchange.error {
            problems.push((Strength::Documented, format!("no answer: {error}")));
            broken = Some(format!("no answer: {error}"));
        }
        for violation in checked.all_violations() {
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
                    wording::alternatives(expected),
                    exchange
                        .error_code()
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
                exchange,
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

/// Runs every sample concurrently (bounded by the client's jobs and each user's method room);
/// returns each trial by index.
pub(super) async fn run_samples(
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
