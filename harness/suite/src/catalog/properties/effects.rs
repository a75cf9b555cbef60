//! After a generated body was answered: checks the target did what a valid body asked (each property
//! echoed, the device's status moved) and finds what a bulk body created.

use reqwest::Method;
use serde_json::{Value, json};

use super::generation::Prepared;
use super::sender::{Made, Sender};
use crate::client::{BearerToken, Exchange, Request};
use crate::endpoints::Op;
use crate::generate::{Bindings, BodyKind, Class};
use crate::rules::{self, Strength};
use crate::steps;

/// Ids of the devices whose serial is `serial` (normally none or one).
async fn find_serial(sender: &mut Sender<'_>, token: &BearerToken, serial: &str) -> Vec<String> {
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
    steps::listed_ids(&exchange)
}

/// Finds what a bulk body created, item by item, so it can be removed.
pub(super) async fn collect_bulk(
    sender: &mut Sender<'_>,
    token: &BearerToken,
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
pub(super) async fn effects(
    sender: &mut Sender<'_>,
    token: &BearerToken,
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
async fn device_after(sender: &mut Sender<'_>, token: &BearerToken, id: &str) -> Value {
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
