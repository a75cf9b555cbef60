//! Cases and the run of one case: a [`CaseRun`] sends requests, runs the checks on every exchange,
//! records expectations that fail, and cleans up what the case created.

use std::fmt::{self, Display, Formatter};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;

use crate::checks;
use crate::cleanup::{Holder, remove_device};
use crate::client::{BearerToken, Exchange, Request};
use crate::context::{RunContext, UserLease};
use crate::endpoints::Op;
use crate::redact;
use crate::report::model::{CaseReport, ExchangeRecord, Outcome, Violation};
use crate::rules::{Rule, Strength};
use crate::target::{Principal, TokenError};
use crate::wording;

/// A boxed future borrowing the case run.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The body of a case.
pub type Script =
    Arc<dyn for<'r> Fn(&'r mut CaseRun) -> BoxFuture<'r, Result<(), Abort>> + Send + Sync>;

/// Wraps a closure as a [`Script`] (the bound lets the closure's lifetimes be inferred).
pub fn script<F>(f: F) -> Script
where
    F: for<'r> Fn(&'r mut CaseRun) -> BoxFuture<'r, Result<(), Abort>> + Send + Sync + 'static,
{
    Arc::new(f)
}

/// The catalog groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// RFC 4226/6238 vectors, through the core and replayed through activation.
    Rfc,
    /// The doc pages' examples.
    Docs,
    /// One case per field rule.
    Validation,
    /// The token lifecycle and its illegal transitions.
    Lifecycle,
    /// The permission table.
    Authz,
    /// Paging, filtering, projection and counting.
    Odata,
    /// Addressing and navigation: path case, users by UPN, `assignTo/$ref`, `assignTo`, `device`, `$count`.
    Navigation,
    /// The tenant's hardwareOath authentication method configuration.
    Policy,
    /// Generated bodies, valid and labelled-invalid (proptest).
    Properties,
    /// Random operation sequences checked against a reference model.
    Stateful,
}

impl Group {
    /// Every group in catalog order.
    pub const ALL: [Group; 10] = [
        Group::Rfc,
        Group::Docs,
        Group::Validation,
        Group::Lifecycle,
        Group::Authz,
        Group::Odata,
        Group::Navigation,
        Group::Policy,
        Group::Properties,
        Group::Stateful,
    ];

    /// The group's name in ids and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Rfc => "rfc",
            Group::Docs => "docs",
            Group::Validation => "validation",
            Group::Lifecycle => "lifecycle",
            Group::Authz => "authz",
            Group::Odata => "odata",
            Group::Navigation => "navigation",
            Group::Policy => "policy",
            Group::Properties => "properties",
            Group::Stateful => "stateful",
        }
    }
}

/// What a case needs of the target and the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// It creates or changes resources (`--allow-writes` on a real tenant).
    pub writes: bool,
    /// It needs a user to assign tokens to.
    pub user: bool,
    /// It sets the target's clock, so it runs alone.
    pub exclusive: bool,
    /// It acts with tokens of chosen permissions, which only a target with test controls can mint.
    pub tokens: bool,
}

/// What a case of the catalog is, without the means to run it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaseInfo {
    /// Stable id `group/name`.
    pub id: String,
    /// One line saying what it shows.
    pub title: String,
    /// Its group.
    pub group: Group,
    /// Documented (a violation fails) or inferred (a violation diverges).
    pub strength: Strength,
    /// Where its main rule comes from.
    pub source: &'static str,
}

/// One case of the catalog.
#[derive(Clone)]
pub struct Case {
    /// Stable id `group/name`.
    pub id: String,
    /// One line saying what it shows.
    pub title: String,
    /// Its group.
    pub group: Group,
    /// The rule it mainly tests (strength and source).
    pub rule: Rule,
    /// What it needs.
    pub needs: Needs,
    /// What it does.
    pub script: Script,
}

impl Case {
    /// A case in `group` named `name`, testing `rule`.
    pub fn new(
        group: Group,
        name: &str,
        title: impl Into<String>,
        rule: Rule,
        script: Script,
    ) -> Self {
        Self {
            id: format!("{}/{name}", group.as_str()),
            title: title.into(),
            group,
            rule,
            needs: Needs::default(),
            script,
        }
    }

    /// The report of this case with `outcome` and `reasons` and nothing recorded.
    pub fn report(&self, outcome: Outcome, reasons: Vec<String>) -> CaseReport {
        CaseReport {
            id: self.id.clone(),
            title: self.title.clone(),
            group: self.group.as_str().to_owned(),
            strength: self.rule.strength,
            source: self.rule.source.to_owned(),
            outcome,
            reasons,
            observations: Vec::new(),
            duration_ms: 0,
            exchanges: Vec::new(),
        }
    }

    /// What the case is, for listings and filters.
    pub fn info(&self) -> CaseInfo {
        CaseInfo {
            id: self.id.clone(),
            title: self.title.clone(),
            group: self.group,
            strength: self.rule.strength,
            source: self.rule.source,
        }
    }

    /// The same case, marked as creating resources.
    pub fn writes(mut self) -> Self {
        self.needs.writes = true;
        self
    }

    /// The same case, marked as needing a user (implies writes).
    pub fn with_user(mut self) -> Self {
        self.needs.user = true;
        self.needs.writes = true;
        self
    }

    /// The same case, marked as acting with tokens of chosen permissions.
    pub fn with_tokens(mut self) -> Self {
        self.needs.tokens = true;
        self
    }

    /// The same case, marked as setting the clock (runs alone).
    pub fn exclusive(mut self) -> Self {
        self.needs.exclusive = true;
        self
    }
}

/// Why a case stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Abort {
    /// The case does not apply to this target.
    Skip(String),
    /// The target could not be reached or answered nothing usable.
    Error(String),
    /// A step the rest depends on failed; its violation is already recorded.
    Stop,
}

impl Display for Abort {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Abort::Skip(reason) => write!(f, "skipped: {reason}"),
            Abort::Error(reason) => f.write_str(reason),
            Abort::Stop => f.write_str("stopped: a step the rest depends on failed"),
        }
    }
}

impl From<TokenError> for Abort {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::CannotMint => Abort::Skip(error.to_string()),
            TokenError::Failed(_) => Abort::Error(error.to_string()),
        }
    }
}

/// A device a case created, to remove when it ends.
#[derive(Debug, Clone)]
pub struct Created {
    /// The device id.
    pub id: String,
}

/// The state of one running case.
pub struct CaseRun {
    ctx: Arc<RunContext>,
    records: Vec<ExchangeRecord>,
    reasons: Vec<(Strength, String)>,
    observations: Vec<String>,
    created: Vec<Created>,
    /// Everything masked in answers, URLs and reasons: credentials, tokens and generated keys.
    secrets: Vec<String>,
    /// Credentials and tokens only: masked in request bodies too (generated keys stay there, so a
    /// recorded request replays as sent).
    credentials: Vec<String>,
    lease: Option<UserLease>,
    clock_set: bool,
}

/// Largest body text kept in a record.
const RECORD_BODY_LIMIT: usize = 64 * 1024;

fn truncate(mut text: String) -> String {
    if text.len() > RECORD_BODY_LIMIT {
        let mut cut = RECORD_BODY_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("…[truncated]");
    }
    text
}

impl CaseRun {
    /// A fresh run of one case in `ctx`.
    pub fn new(ctx: Arc<RunContext>) -> Self {
        let credentials = ctx.target.credentials().secrets();
        Self {
            ctx,
            records: Vec::new(),
            reasons: Vec::new(),
            observations: Vec::new(),
            created: Vec::new(),
            secrets: credentials.clone(),
            credentials,
            lease: None,
            clock_set: false,
        }
    }

    /// The run's shared context.
    pub fn ctx(&self) -> &Arc<RunContext> {
        &self.ctx
    }

    /// Remembers a secret key the suite generated: request bodies keep it (test data, so a recorded
    /// request and its `curl` line replay as sent), answers, URLs and reasons mask it.
    pub fn remember_secret(&mut self, secret: &str) {
        self.secrets.push(secret.to_owned());
    }

    /// Sends `request` for operation `op`, runs every check, and records the exchange (each attempt
    /// the client retried first, then the answer it ended with), keeping every violation as a reason.
    /// A missing response aborts the case as an error with the transport reason.
    pub async fn send(&mut self, op: Op, request: Request) -> Result<Exchange, Abort> {
        let checked = checks::send(self.ctx.target.client(), op, request).await;
        for (attempt, violations) in checked.retried {
            self.judge(&attempt, violations);
        }
        self.judge(&checked.exchange, checked.violations);
        answered(checked.exchange)
    }

    /// Sends `request` for operation `op`, runs every check once and records the exchange like
    /// [`CaseRun::send`], but leaves the violations to the caller, who judges them in its own words.
    pub(crate) async fn send_unjudged(&mut self, op: Op, request: Request) -> checks::Checked {
        let checked = checks::send(self.ctx.target.client(), op, request).await;
        for (attempt, violations) in &checked.retried {
            self.record(attempt, violations.clone());
        }
        self.record(&checked.exchange, checked.violations.clone());
        checked
    }

    /// Keeps `violations` of `exchange` as reasons and records the exchange.
    fn judge(&mut self, exchange: &Exchange, violations: Vec<Violation>) {
        for violation in &violations {
            self.reasons.push((
                violation.strength,
                format!(
                    "{}: {} ({})",
                    exchange.request.step, violation.reason, violation.check
                ),
            ));
        }
        self.record(exchange, violations);
    }

    fn record(&mut self, exchange: &Exchange, violations: Vec<Violation>) {
        let request = &exchange.request;
        let mut request_headers = vec![(
            "client-request-id".to_owned(),
            exchange.client_request_id.clone(),
        )];
        if request.bearer.is_some() {
            request_headers.push((
                "authorization".to_owned(),
                redact::header_value("authorization", "Bearer x"),
            ));
        }
        if let Some(content_type) = request.content_type() {
            request_headers.push(("content-type".to_owned(), content_type.to_owned()));
        }
        for (name, value) in &request.headers {
            request_headers.push((name.clone(), redact::header_value(name, value)));
        }
        let response_headers = exchange
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.clone(),
                    redact::mask(redact::header_value(name, value), &self.secrets),
                )
            })
            .collect();
        self.records.push(ExchangeRecord {
            step: request.step.clone(),
            method: request.method.to_string(),
            url: redact::mask(request.url.clone(), &self.secrets),
            request_headers,
            request_body: request
                .body_bytes()
                .map(|bytes| truncate(redact::request_text(&bytes, &self.credentials))),
            status: exchange.status,
            response_headers,
            response_body: (!exchange.body.is_empty())
                .then(|| truncate(redact::body_text(&exchange.body, &self.secrets))),
            error: exchange.error.as_ref().map(ToString::to_string),
            elapsed_ms: exchange.elapsed.as_millis() as u64,
            attempt: exchange.attempts,
            retried_after_ms: exchange.retry_wait.map(|wait| wait.as_millis() as u64),
            violations,
        });
    }

    /// Records a violation of `rule` unless `holds`.
    pub fn expect(&mut self, holds: bool, rule: Rule, reason: impl FnOnce() -> String) -> bool {
        if !holds {
            self.reasons.push((
                rule.strength,
                format!("{} [{}: {}]", reason(), rule.id, rule.source),
            ));
        }
        holds
    }

    /// Notes what the target chose where the docs allow more than one answer (shown in the report,
    /// never a violation).
    pub fn observe(&mut self, observation: impl Into<String>) {
        self.observations.push(observation.into());
    }

    /// Records a violation of `rule` unless the exchange's status is one of `statuses`.
    pub fn expect_status(&mut self, exchange: &Exchange, statuses: &[u16], rule: Rule) -> bool {
        let status = exchange.status.unwrap_or_default();
        self.expect(statuses.contains(&status), rule, || {
            format!(
                "{}: expected {}, got {status}{}",
                exchange.request.step,
                wording::alternatives(statuses),
                exchange
                    .error_code()
                    .map(|code| format!(" ({code})"))
                    .unwrap_or_default()
            )
        })
    }

    /// Like [`CaseRun::expect_status`], but stops the case when it does not hold.
    pub fn require_status(
        &mut self,
        exchange: &Exchange,
        statuses: &[u16],
        rule: Rule,
    ) -> Result<(), Abort> {
        if self.expect_status(exchange, statuses, rule) {
            Ok(())
        } else {
            Err(Abort::Stop)
        }
    }

    /// Records a divergence when an error's code is not `code` (the exact codes are inferred).
    pub fn expect_error_code(&mut self, exchange: &Exchange, code: &str) {
        if exchange.status.is_some_and(|s| s >= 400) {
            let actual = exchange.error_code();
            self.expect(
                actual.as_deref() == Some(code),
                crate::rules::ERROR_CODE,
                || {
                    format!(
                        "{}: error code {}, expected {}",
                        exchange.request.step,
                        wording::quoted_or_absent(actual.as_deref()),
                        wording::quoted(code)
                    )
                },
            );
        }
    }

    /// A token acting as `principal`; skips the case when the target cannot mint it.
    pub async fn token(&mut self, principal: &Principal) -> Result<BearerToken, Abort> {
        let token = self.ctx.target.token(principal).await?;
        self.secrets.push(token.expose().to_owned());
        self.credentials.push(token.expose().to_owned());
        Ok(token)
    }

    /// The admin token.
    pub async fn admin(&mut self) -> Result<BearerToken, Abort> {
        self.token(&Principal::Admin).await
    }

    /// A user to assign tokens to, held by this case alone until it ends.
    pub async fn user(&mut self) -> Result<String, Abort> {
        self.users(1).await.map(|mut users| users.remove(0))
    }

    /// `count` different users held by this case alone, taken all at once on the case's first call
    /// (later calls return the same users, so call it first with the largest count the case needs).
    pub async fn users(&mut self, count: usize) -> Result<Vec<String>, Abort> {
        if self.lease.is_none() {
            self.lease = Some(self.ctx.users.lease(count).await.ok_or_else(|| {
                Abort::Skip(format!(
                    "needs {count} user(s) to assign tokens to (give --user ID)"
                ))
            })?);
        }
        let held = self
            .lease
            .as_ref()
            .map(|lease| lease.users().to_vec())
            .unwrap_or_default();
        if held.len() < count {
            return Err(Abort::Error(format!(
                "the case took {} user(s) first, then asked for {count}",
                held.len()
            )));
        }
        Ok(held[..count].to_vec())
    }

    /// A new serial number tagged with the run id.
    pub fn serial(&self) -> String {
        self.ctx.tag.serial()
    }

    /// The display name every created resource carries.
    pub fn display_name(&self) -> String {
        self.ctx.tag.display_name()
    }

    /// Registers a created device for removal at the end of the case.
    pub fn created(&mut self, exchange: &Exchange) -> Option<String> {
        let id = exchange.str_at("/id")?;
        self.created.push(Created { id: id.clone() });
        Some(id)
    }

    /// Registers a device id (created some other way, e.g. in bulk) for removal.
    pub fn created_id(&mut self, id: &str) {
        self.created.push(Created { id: id.to_owned() });
    }

    /// The target's time: its test clock when it has one, this machine's clock otherwise.
    pub async fn target_now(&mut self) -> Result<u64, Abort> {
        self.ctx.target.now().await.map_err(|refused| {
            Abort::Error(format!("reading the target's clock failed: {refused}"))
        })
    }

    /// Sets the target's clock (frozen); skips when the target has no clock control.
    pub async fn set_clock(&mut self, unix: u64) -> Result<(), Abort> {
        let controls = self.ctx.target.controls().ok_or_else(|| {
            Abort::Skip("needs a target whose clock can be set (mock test controls)".to_owned())
        })?;
        controls
            .set_clock("set clock", unix, true)
            .await
            .map_err(|refused| Abort::Error(format!("setting the clock failed: {refused}")))?;
        self.clock_set = true;
        Ok(())
    }

    /// Builds the report of the case from what happened.
    pub fn finish(self, case: &Case, result: Result<(), Abort>, started: Instant) -> CaseReport {
        let mut reasons: Vec<String> = Vec::new();
        let outcome = match &result {
            Err(Abort::Skip(reason)) => {
                reasons.push(reason.clone());
                Outcome::Skip
            }
            Err(Abort::Error(reason)) => {
                reasons.push(reason.clone());
                reasons.extend(self.reasons.iter().map(|(_, r)| r.clone()));
                Outcome::Error
            }
            Ok(()) | Err(Abort::Stop) => {
                reasons.extend(self.reasons.iter().map(|(_, r)| r.clone()));
                if self.reasons.iter().any(|(s, _)| *s == Strength::Documented) {
                    Outcome::Fail
                } else if self.reasons.is_empty() {
                    Outcome::Pass
                } else {
                    Outcome::Diverge
                }
            }
        };
        let mut seen = std::collections::HashSet::new();
        reasons.retain(|reason| seen.insert(reason.clone()));
        let reasons = reasons
            .into_iter()
            .map(|r| redact::mask(r, &self.secrets))
            .collect();
        CaseReport {
            observations: self.observations,
            duration_ms: started.elapsed().as_millis() as u64,
            exchanges: self.records,
            ..case.report(outcome, reasons)
        }
    }

    /// Puts the clock back if the case set it, then removes what the case created: unassigns each
    /// device from whoever holds it and deletes it. Says what could not be undone.
    pub async fn clean_up(&mut self) -> Cleanup {
        let mut cleanup = Cleanup::default();
        if std::mem::take(&mut self.clock_set) {
            cleanup.clock = self.ctx.target.restore_clock().await.err();
        }
        let created = std::mem::take(&mut self.created);
        if created.is_empty() {
            return cleanup;
        }
        let token = match self.ctx.target.token(&Principal::Admin).await {
            Ok(token) => token,
            Err(error) => {
                cleanup.leftovers.extend(
                    created
                        .iter()
                        .map(|c| format!("device {}: no token to remove it ({error})", c.id)),
                );
                return cleanup;
            }
        };
        for device in created {
            if let Err(reason) =
                remove_device(&self.ctx.target, &token, &device.id, Holder::Unknown).await
            {
                cleanup
                    .leftovers
                    .push(format!("device {}: {reason}", device.id));
            }
        }
        cleanup
    }
}

/// What a case's cleanup could not undo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// Devices that could not be removed, one line each.
    pub leftovers: Vec<String>,
    /// Why the target's clock could not be put back, when the case set it and that failed.
    pub clock: Option<String>,
}

/// The exchange when a complete response came; otherwise the case ends as an error with the
/// transport reason.
fn answered(exchange: Exchange) -> Result<Exchange, Abort> {
    match &exchange.error {
        Some(error) if exchange.status.is_none() => Err(Abort::Error(format!(
            "{}: {} {} -> {error}",
            exchange.request.step, exchange.request.method, exchange.request.url
        ))),
        Some(error) => Err(Abort::Error(format!(
            "{}: response {} incomplete: {error}",
            exchange.request.step,
            exchange.status.unwrap_or_default()
        ))),
        None => Ok(exchange),
    }
}

/// Waits at most `limit` for a case's script; a case that hangs becomes an error, and so does one
/// that panics (with the panic's message; what it recorded so far stays in its run).
pub async fn run_script(case: &Case, run: &mut CaseRun, limit: Duration) -> Result<(), Abort> {
    let script = AssertUnwindSafe((case.script)(run)).catch_unwind();
    match tokio::time::timeout(limit, script).await {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => Err(Abort::Error(format!(
            "the case panicked: {}",
            panic_message(panic.as_ref())
        ))),
        Err(_) => Err(Abort::Error(format!(
            "the case did not finish within {}",
            wording::duration(limit)
        ))),
    }
}

/// The message a panic carried (`panic!` with a string or a format), or a note that it had none.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
