//! Carries out a sequence of model operations against a target over HTTP, comparing every answer and
//! the device it touched with the model (and the full listing on `List` and at the end), and numbering
//! each HTTP call so a failing sequence prints as a script.

use std::sync::atomic::{AtomicUsize, Ordering};

use data_encoding::BASE32_NOPAD;
use reqwest::Method;
use serde_json::{Value, json};

use super::model::{Device, Expect, Operation, Tenant, assign_and_activate_code, step};
use crate::checks;
use crate::cleanup::{Holder, remove_device};
use crate::client::{BearerToken, Exchange, Request};
use crate::context::RunContext;
use crate::endpoints::{Op, Owner};
use crate::redact;
use crate::rules::{Rule, Strength};
use crate::wording;

/// How a sequence went wrong: at which operation, why, and every HTTP call up to there.
#[derive(Debug, Clone)]
pub struct Broken {
    /// Index of the operation that broke the model (0-based).
    pub at: usize,
    /// What differed.
    pub reason: String,
    /// The numbered HTTP calls of the sequence.
    pub calls: Vec<String>,
}

/// An answer that broke an inferred rule: a divergence to report, never a reason to stop or shrink a
/// sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct Inferred {
    /// The check that found it.
    pub check: String,
    /// The check's rule.
    pub rule: Rule,
    /// The index of the sequence it was found in.
    pub sequence: usize,
    /// Where in the sequence, e.g. `operation 3 (unassign device 0)` or `the final listing`.
    pub during: String,
    /// The numbered HTTP call it was found on, as the sequence's script shows it.
    pub call: String,
    /// What was wrong.
    pub reason: String,
}

impl Inferred {
    /// The divergence's reason in the case report.
    pub fn reason(&self) -> String {
        format!(
            "sequence #{}, {}, call {}: {} ({})",
            self.sequence, self.during, self.call, self.reason, self.check
        )
    }
}

/// Adds `inferred` to `found` unless its check is there already: only the first occurrence of each
/// check is reported.
pub fn keep_first(found: &mut Vec<Inferred>, inferred: Inferred) {
    if !found.iter().any(|seen| seen.check == inferred.check) {
        found.push(inferred);
    }
}

struct Driver<'a> {
    ctx: &'a RunContext,
    /// The sequence's index among the case's.
    sequence: usize,
    token: BearerToken,
    users: &'a [String],
    ids: Vec<Option<String>>,
    serials: Vec<String>,
    calls: Vec<String>,
    /// Where in the sequence the driver is, for the inferred violations it notes.
    during: String,
    /// The first answer to break each inferred rule.
    inferred: Vec<Inferred>,
}

impl Driver<'_> {
    fn path(&self, url: &str) -> String {
        url.strip_prefix(self.ctx.target.urls().base())
            .unwrap_or(url)
            .to_owned()
    }

    async fn send(&mut self, op: Op, request: Request) -> Result<Exchange, String> {
        let request = request.bearer(Some(&self.token));
        let body = request
            .body_bytes()
            .map(|b| format!(" {}", redact::request_text(&b, &[])))
            .unwrap_or_default();
        let line = format!(
            "{}. {} {}{body}",
            self.calls.len() + 1,
            request.method,
            self.path(&request.url)
        );
        let checked = checks::send(self.ctx.target.client(), op, request).await;
        let call = format!(
            "{line} -> {}",
            checked
                .exchange
                .status
                .map_or("no answer".to_owned(), |s| s.to_string())
        );
        self.calls.push(call.clone());
        if let Some(error) = &checked.exchange.error {
            return Err(format!("no answer: {error}"));
        }
        let mut documented = Vec::new();
        for violation in checked.all_violations() {
            if violation.strength == Strength::Documented {
                documented.push(format!("{} ({})", violation.reason, violation.check));
            } else {
                let inferred = Inferred {
                    check: violation.check.clone(),
                    rule: rule_of_check(&violation.check),
                    sequence: self.sequence,
                    during: self.during.clone(),
                    call: call.clone(),
                    reason: violation.reason.clone(),
                };
                keep_first(&mut self.inferred, inferred);
            }
        }
        if !documented.is_empty() {
            return Err(documented.join("; "));
        }
        Ok(checked.exchange)
    }

    fn id(&self, device: usize) -> String {
        self.ids
            .get(device)
            .cloned()
            .flatten()
            .unwrap_or_else(|| "00000000-0000-0000-0000-000000000000".to_owned())
    }

    fn owner(&self, user: Option<usize>) -> Owner {
        Owner::User(self.users[user.unwrap_or(0)].clone())
    }

    async fn set_clock(&mut self, unix: u64) -> Result<(), String> {
        let controls = self
            .ctx
            .target
            .controls()
            .ok_or("the target has no clock control")?;
        let set = controls.set_clock("set clock", unix, true).await;
        let status = match &set {
            Ok(()) => Some(200),
            Err(refused) => refused.status,
        };
        self.calls.push(format!(
            "{}. (test control) set the clock to {unix} -> {}",
            self.calls.len() + 1,
            status.unwrap_or_default()
        ));
        set.map_err(|refused| {
            format!(
                "setting the clock answered {}",
                wording::status(refused.status)
            )
        })
    }

    /// Sends `op` as HTTP; returns the main exchange.
    async fn perform(&mut self, before: &Tenant, op: &Operation) -> Result<Exchange, String> {
        let urls = self.ctx.target.urls().clone();
        match op {
            Operation::Create {
                secret,
                interval,
                sha256,
            } => {
                let serial = self.ctx.tag.serial();
                self.serials.push(serial.clone());
                let exchange = self
                    .send(
                        Op::CreateDevice,
                        Request::new("create", Method::POST, urls.devices()).json(json!({
                            "serialNumber": serial,
                            "manufacturer": "Contoso",
                            "model": "Hardware Token 1000",
                            "secretKey": BASE32_NOPAD.encode(secret),
                            "timeIntervalInSeconds": interval,
                            "hashFunction": if *sha256 { "hmacsha256" } else { "hmacsha1" },
                        })),
                    )
                    .await?;
                self.ids.push(
                    exchange
                        .str_at("/id")
                        .filter(|_| exchange.status == Some(201)),
                );
                Ok(exchange)
            }
            Operation::Update { device, model } => {
                let url = urls.device(&self.id(*device));
                self.send(
                    Op::UpdateDevice,
                    Request::new("update", Method::PATCH, url).json(json!({"model": model})),
                )
                .await
            }
            Operation::Delete { device } => {
                let url = urls.device(&self.id(*device));
                self.send(
                    Op::DeleteDevice,
                    Request::new("delete", Method::DELETE, url),
                )
                .await
            }
            Operation::Assign { device, user } => {
                let url = urls.methods(&self.owner(Some(*user)));
                let id = self.id(*device);
                self.send(
                    Op::Assign,
                    Request::new("assign", Method::POST, url).json(json!({"device": {"id": id}})),
                )
                .await
            }
            Operation::Unassign { device } => {
                let holder = before.devices[*device].holder;
                let url = urls.method(&self.owner(holder), &self.id(*device));
                self.send(Op::Unassign, Request::new("unassign", Method::DELETE, url))
                    .await
            }
            Operation::Activate { device, code } => {
                let d = &before.devices[*device];
                let url = urls.method_action(&self.owner(d.holder), &self.id(*device), "activate");
                let code = d.code(*code, before.clock);
                self.send(
                    Op::Activate,
                    Request::new("activate", Method::POST, url)
                        .json(json!({"verificationCode": code})),
                )
                .await
            }
            Operation::Deactivate { device } => {
                let holder = before.devices[*device].holder;
                let url = urls.method_action(&self.owner(holder), &self.id(*device), "deactivate");
                self.send(
                    Op::Deactivate,
                    Request::new("deactivate", Method::POST, url),
                )
                .await
            }
            Operation::AssignAndActivate {
                device,
                user,
                right,
                by_serial,
            } => {
                let d = &before.devices[*device];
                let code = d.code(assign_and_activate_code(*right), before.clock);
                let owner = self.owner(Some(*user));
                let (op, url, body) = if *by_serial {
                    (
                        Op::AssignAndActivateBySerial,
                        urls.methods_action(&owner, "assignAndActivateBySerialNumber"),
                        json!({"serialNumber": self.serials[*device], "verificationCode": code}),
                    )
                } else {
                    (
                        Op::AssignAndActivate,
                        urls.methods_action(&owner, "assignAndActivate"),
                        json!({"device": {"id": self.id(*device)}, "verificationCode": code}),
                    )
                };
                self.send(
                    op,
                    Request::new("assign and activate", Method::POST, url).json(body),
                )
                .await
            }
            Operation::Advance { seconds } => {
                self.set_clock(before.clock + seconds).await?;
                self.send(
                    Op::ListDevices,
                    Request::new("list", Method::GET, format!("{}?$top=1", urls.devices())),
                )
                .await
            }
            Operation::List => {
                self.send(
                    Op::ListDevices,
                    Request::new("list", Method::GET, urls.devices()),
                )
                .await
            }
        }
    }

    /// Compares one device as the target reads it with the model.
    async fn compare_device(&mut self, tenant: &Tenant, device: usize) -> Result<(), String> {
        let url = self.ctx.target.urls().device(&self.id(device));
        let exchange = self
            .send(Op::GetDevice, Request::new("get", Method::GET, url))
            .await?;
        let model = &tenant.devices[device];
        if model.gone {
            return match exchange.status {
                Some(404) => Ok(()),
                other => Err(format!(
                    "device {device} was deleted, but GET answered {}",
                    wording::status(other)
                )),
            };
        }
        let got = exchange.json().unwrap_or(Value::Null);
        self.compare_json(device, model, &got)
    }

    fn compare_json(&self, device: usize, model: &Device, got: &Value) -> Result<(), String> {
        let holder = got
            .pointer("/assignedTo/id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let expected_holder = model.holder.map(|u| self.users[u].clone());
        let mut wrong = Vec::new();
        if got["status"] != json!(model.status.as_str()) {
            wrong.push(format!(
                "status {} (model: {})",
                got["status"],
                wording::quoted(model.status.as_str())
            ));
        }
        if holder != expected_holder {
            wrong.push(format!(
                "assignedTo.id {} (model: {})",
                wording::quoted_or_absent(holder.as_deref()),
                wording::quoted_or_absent(expected_holder.as_deref())
            ));
        }
        if got["model"] != json!(model.model) {
            wrong.push(format!(
                "model {} (model: {})",
                got["model"],
                wording::quoted(&model.model)
            ));
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!("device {device}: {}", wrong.join(", ")))
        }
    }

    /// Compares every page of the inventory (this sequence's devices) with the model.
    async fn compare_listing(&mut self, tenant: &Tenant) -> Result<(), String> {
        let mut url = Some(self.ctx.target.urls().devices());
        let mut seen: Vec<Value> = Vec::new();
        while let Some(next) = url.take() {
            let exchange = self
                .send(Op::ListDevices, Request::new("list", Method::GET, next))
                .await?;
            let page = exchange.json().unwrap_or(Value::Null);
            seen.extend(
                page["value"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|d| {
                        d["serialNumber"]
                            .as_str()
                            .is_some_and(|s| self.serials.iter().any(|own| own == s))
                    }),
            );
            url = page["@odata.nextLink"].as_str().map(str::to_owned);
        }
        for (index, model) in tenant.devices.iter().enumerate() {
            let serial = &self.serials[index];
            let found: Vec<&Value> = seen
                .iter()
                .filter(|d| d["serialNumber"].as_str() == Some(serial))
                .collect();
            match (model.gone, found.as_slice()) {
                (true, []) => {}
                (false, [one]) => self.compare_json(index, model, one)?,
                (gone, found) => {
                    return Err(format!(
                        "listing: device {index} appears {} time(s), model says {}",
                        found.len(),
                        if gone { "deleted" } else { "present once" }
                    ));
                }
            }
        }
        Ok(())
    }

    /// Removes every device the sequence created.
    async fn clean_up(&mut self) {
        for id in self.ids.iter().flatten() {
            if let Err(reason) =
                remove_device(&self.ctx.target, &self.token, id, Holder::Unknown).await
            {
                tracing::warn!(device = %id, %reason, "a stateful sequence left a device behind");
            }
        }
    }
}

/// The rule of the check named `name`, as an inferred rule.
fn rule_of_check(name: &str) -> Rule {
    let rule = checks::ALL
        .iter()
        .find(|check| check.name == name)
        .map_or(super::MODEL, |check| check.rule);
    Rule {
        strength: Strength::Inferred,
        ..rule
    }
}

fn device_of(op: &Operation, created: usize) -> Option<usize> {
    match *op {
        Operation::Create { .. } => Some(created),
        Operation::Update { device, .. }
        | Operation::Delete { device }
        | Operation::Assign { device, .. }
        | Operation::Unassign { device }
        | Operation::Activate { device, .. }
        | Operation::Deactivate { device }
        | Operation::AssignAndActivate { device, .. } => Some(device),
        Operation::Advance { .. } | Operation::List => None,
    }
}

/// Runs `ops`, the `sequence`-th sequence of the case, from `initial` on the target for `users` (at
/// least two); every device it made is removed afterwards. `seen` counts the operations carried out (proptest-state-machine's shrinking
/// drops those never reached). Returns how the sequence broke, if it did, and the first answer to
/// break each inferred rule up to there.
pub async fn run_sequence(
    ctx: &RunContext,
    token: &BearerToken,
    users: &[String],
    sequence: usize,
    initial: &Tenant,
    ops: &[Operation],
    seen: Option<&AtomicUsize>,
) -> (Result<(), Broken>, Vec<Inferred>) {
    let mut driver = Driver {
        ctx,
        sequence,
        token: token.clone(),
        users,
        ids: Vec::new(),
        serials: Vec::new(),
        calls: Vec::new(),
        during: String::new(),
        inferred: Vec::new(),
    };
    let result = carry_out(&mut driver, initial, ops, seen).await;
    driver.clean_up().await;
    let result = result.map_err(|(at, reason)| Broken {
        at,
        reason,
        calls: driver.calls,
    });
    (result, driver.inferred)
}

async fn carry_out(
    driver: &mut Driver<'_>,
    initial: &Tenant,
    ops: &[Operation],
    seen: Option<&AtomicUsize>,
) -> Result<(), (usize, String)> {
    driver
        .set_clock(initial.clock)
        .await
        .map_err(|reason| (0, reason))?;
    let mut tenant = initial.clone();
    for (at, op) in ops.iter().enumerate() {
        if let Some(seen) = seen {
            seen.fetch_add(1, Ordering::SeqCst);
        }
        driver.during = format!("operation {} ({op})", at + 1);
        let (next, Expect { statuses, rule }) = step(tenant.clone(), op);
        let exchange = driver.perform(&tenant, op).await.map_err(|r| (at, r))?;
        let status = exchange.status.unwrap_or_default();
        if !statuses.contains(&status) {
            return Err((
                at,
                format!(
                    "{op}: expected {}, got {status} [{}: {}]",
                    wording::alternatives(statuses),
                    rule.id,
                    rule.source
                ),
            ));
        }
        let touched = device_of(op, tenant.devices.len());
        tenant = next;
        if let Some(device) = touched
            && driver.ids.get(device).is_some_and(Option::is_some)
        {
            driver
                .compare_device(&tenant, device)
                .await
                .map_err(|r| (at, r))?;
        }
        if *op == Operation::List || (at + 1) % 8 == 0 {
            driver.compare_listing(&tenant).await.map_err(|r| (at, r))?;
        }
    }
    driver.during = "the final listing".to_owned();
    driver
        .compare_listing(&tenant)
        .await
        .map_err(|r| (ops.len().saturating_sub(1), r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(check: &str, sequence: usize) -> Inferred {
        Inferred {
            check: check.to_owned(),
            rule: rule_of_check(check),
            sequence,
            during: "operation 2 (list)".to_owned(),
            call: "3. GET /directory/authenticationMethodDevices/hardwareOathDevices -> 200"
                .to_owned(),
            reason: "no request-id header".to_owned(),
        }
    }

    #[test]
    fn only_the_first_answer_to_break_each_inferred_rule_is_kept() {
        let mut kept = Vec::new();
        keep_first(&mut kept, found("request_id", 0));
        keep_first(&mut kept, found("json_content_type", 1));
        keep_first(&mut kept, found("request_id", 2));
        let kept: Vec<(&str, usize)> = kept
            .iter()
            .map(|inferred| (inferred.check.as_str(), inferred.sequence))
            .collect();
        assert_eq!(kept, [("request_id", 0), ("json_content_type", 1)]);
    }

    #[test]
    fn an_inferred_violation_names_its_check_rule_sequence_and_call() {
        let inferred = found("request_id", 4);
        assert_eq!(inferred.rule.id, crate::rules::REQUEST_ID.id);
        assert_eq!(inferred.rule.strength, Strength::Inferred);
        assert_eq!(
            inferred.reason(),
            "sequence #4, operation 2 (list), call 3. GET \
             /directory/authenticationMethodDevices/hardwareOathDevices -> 200: no request-id \
             header (request_id)"
        );
    }
}
