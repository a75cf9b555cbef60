//! The checks run on every exchange, each a named function giving a one-line reason when it fails.

use hwoath_graph::{Collection, Device, Entity, Method, parse_strict};
use serde_json::Value;

use crate::client::Exchange;
use crate::endpoints::{Op, Payload};
use crate::report::model::Violation;
use crate::rules::{self, Rule};
use crate::wording;

/// A check: its name, the rule it enforces, and the function that finds a violation.
pub struct Check {
    /// Stable name shown in reports.
    pub name: &'static str,
    /// The rule (and so the strength) behind it.
    pub rule: Rule,
    /// `Err(reason)` when the exchange violates the rule.
    pub run: fn(&Exchange, Op) -> Result<(), String>,
}

/// Every check, in the order they are reported.
pub const ALL: [Check; 10] = [
    Check {
        name: "not_server_error",
        rule: rules::NO_SERVER_ERROR,
        run: not_server_error,
    },
    Check {
        name: "documented_status",
        rule: rules::DOCUMENTED_STATUS,
        run: documented_status,
    },
    Check {
        name: "error_envelope",
        rule: rules::ERROR_ENVELOPE,
        run: error_envelope,
    },
    Check {
        name: "odata_annotations",
        rule: rules::ODATA_ANNOTATIONS,
        run: odata_annotations,
    },
    Check {
        name: "typed_body",
        rule: rules::TYPED_BODY,
        run: typed_body,
    },
    Check {
        name: "secret_never_returned",
        rule: rules::SECRET_NEVER_RETURNED,
        run: secret_never_returned,
    },
    Check {
        name: "request_id",
        rule: rules::REQUEST_ID,
        run: request_id,
    },
    Check {
        name: "client_request_id",
        rule: rules::CLIENT_REQUEST_ID,
        run: client_request_id,
    },
    Check {
        name: "json_content_type",
        rule: rules::JSON_CONTENT_TYPE,
        run: json_content_type,
    },
    Check {
        name: "retry_after_seconds",
        rule: rules::RETRY_AFTER,
        run: retry_after_seconds,
    },
];

/// Runs every check on an exchange that got a response; a missing response is the caller's to report.
pub fn run_all(exchange: &Exchange, op: Op) -> Vec<Violation> {
    run_checks(exchange, op, ALL.iter())
}

/// Runs the checks that judge an attempt the client retried (a 429 or 503 it sent again): every check
/// but `not_server_error`, which judges only the answer the request ended with (docs/spec.md, D31).
pub fn run_on_retried(exchange: &Exchange, op: Op) -> Vec<Violation> {
    run_checks(
        exchange,
        op,
        ALL.iter().filter(|check| check.name != "not_server_error"),
    )
}

fn run_checks<'a>(
    exchange: &Exchange,
    op: Op,
    checks: impl Iterator<Item = &'a Check>,
) -> Vec<Violation> {
    if exchange.status.is_none() {
        return Vec::new();
    }
    checks
        .filter_map(|check| {
            (check.run)(exchange, op).err().map(|reason| Violation {
                check: check.name.to_owned(),
                strength: check.rule.strength,
                reason,
            })
        })
        .collect()
}

fn status(exchange: &Exchange) -> u16 {
    exchange.status.unwrap_or(0)
}

/// A body that is empty or only white space.
fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// The request used `$select`, so the body is a projection, not the whole type.
fn selected(exchange: &Exchange) -> bool {
    exchange.request.url.contains("$select=") || exchange.request.url.contains("%24select=")
}

/// No 5xx.
pub fn not_server_error(exchange: &Exchange, _: Op) -> Result<(), String> {
    match status(exchange) {
        500.. => Err(format!("server error {}", status(exchange))),
        _ => Ok(()),
    }
}

/// The status is among the operation's documented ones.
pub fn documented_status(exchange: &Exchange, op: Op) -> Result<(), String> {
    let status = status(exchange);
    if status >= 500 || op.documents(status) {
        Ok(())
    } else {
        Err(format!(
            "status {status} is not documented for {} (success {} or a listed client error)",
            op.name(),
            wording::alternatives(op.success())
        ))
    }
}

/// 4xx/5xx carry `{"error":{"code":"...","message":"..."}}`.
pub fn error_envelope(exchange: &Exchange, _: Op) -> Result<(), String> {
    if status(exchange) < 400 {
        return Ok(());
    }
    let body = exchange
        .json()
        .ok_or("error response body is not JSON".to_owned())?;
    let error = body
        .get("error")
        .filter(|e| e.is_object())
        .ok_or("error response has no \"error\" object".to_owned())?;
    match (&error["code"], &error["message"]) {
        (Value::String(code), Value::String(_)) if !code.is_empty() => Ok(()),
        (Value::String(_), Value::String(_)) => Err("error.code is empty".to_owned()),
        _ => Err("error.code and error.message must be strings".to_owned()),
    }
}

/// Entities and collections carry `@odata.context`; collections carry a `value` array and an absolute
/// `@odata.nextLink` when paged.
pub fn odata_annotations(exchange: &Exchange, op: Op) -> Result<(), String> {
    if !exchange.is_success()
        || matches!(
            op.payload(),
            Payload::Empty | Payload::Bulk | Payload::Count
        )
    {
        return Ok(());
    }
    let body = exchange
        .json()
        .ok_or("success body is not JSON".to_owned())?;
    if !body["@odata.context"].is_string() {
        return Err("no @odata.context".to_owned());
    }
    if matches!(op.payload(), Payload::Devices | Payload::Methods) {
        if !body["value"].is_array() {
            return Err("collection has no \"value\" array".to_owned());
        }
        if let Some(next) = body.get("@odata.nextLink") {
            let absolute = next
                .as_str()
                .is_some_and(|link| link.starts_with("https://") || link.starts_with("http://"));
            if !absolute {
                return Err(format!("@odata.nextLink is not an absolute URL: {next}"));
            }
        }
    }
    Ok(())
}

/// 2xx bodies parse strictly into the CSDL types (projections with `$select` excepted).
pub fn typed_body(exchange: &Exchange, op: Op) -> Result<(), String> {
    if !exchange.is_success() || selected(exchange) {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&exchange.body);
    let parsed = match op.payload() {
        Payload::Empty => {
            return if is_blank(&exchange.body) {
                Ok(())
            } else {
                Err(format!("{} must have no body", status(exchange)))
            };
        }
        Payload::Bulk => return Ok(()),
        Payload::Device => parse_strict::<Entity<Device>>(&text).map(drop),
        Payload::Devices => parse_strict::<Collection<Device>>(&text).map(drop),
        Payload::Method => parse_strict::<Entity<Method>>(&text).map(drop),
        Payload::Methods => parse_strict::<Collection<Method>>(&text).map(drop),
        Payload::Count => {
            return match text.trim().parse::<u64>() {
                Ok(_) => Ok(()),
                Err(_) => Err(format!(
                    "$count body {} is not a number",
                    wording::quoted(&shorten(&text))
                )),
            };
        }
        Payload::User => return user_entity(exchange),
        Payload::Policy => return policy_entity(exchange),
    };
    parsed.map_err(|error| format!("body does not parse as {}: {error}", op.payload().name()))
}

fn shorten(text: &str) -> String {
    text.chars().take(60).collect()
}

/// A user entity: an object with a string `id` (the suite models no other user property).
fn user_entity(exchange: &Exchange) -> Result<(), String> {
    let body = exchange.json().ok_or("user body is not JSON".to_owned())?;
    match body.get("id") {
        Some(Value::String(id)) if !id.is_empty() => Ok(()),
        _ => Err("user body has no string id".to_owned()),
    }
}

/// The hardwareOath configuration: `state` is `enabled` or `disabled`.
fn policy_entity(exchange: &Exchange) -> Result<(), String> {
    let body = exchange
        .json()
        .ok_or("policy body is not JSON".to_owned())?;
    match body.get("state").and_then(Value::as_str) {
        Some("enabled" | "disabled") => Ok(()),
        other => Err(format!(
            "policy state is {}, not enabled or disabled",
            wording::quoted_or_absent(other)
        )),
    }
}

fn find_secret(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::Object(map) => map.iter().find_map(|(key, inner)| {
            if key == "secretKey" && !inner.is_null() {
                Some(format!("{path}/secretKey"))
            } else {
                find_secret(inner, &format!("{path}/{key}"))
            }
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, inner)| find_secret(inner, &format!("{path}/{index}"))),
        _ => None,
    }
}

/// `secretKey` is null or absent everywhere in a response.
pub fn secret_never_returned(exchange: &Exchange, _: Op) -> Result<(), String> {
    match exchange.json().and_then(|body| find_secret(&body, "")) {
        Some(pointer) => Err(format!("secretKey returned at {pointer}")),
        None => Ok(()),
    }
}

/// A non-empty `request-id` header.
pub fn request_id(exchange: &Exchange, _: Op) -> Result<(), String> {
    match exchange.header("request-id") {
        Some(id) if !id.trim().is_empty() => Ok(()),
        _ => Err("no request-id header".to_owned()),
    }
}

/// The `client-request-id` sent comes back unchanged.
pub fn client_request_id(exchange: &Exchange, _: Op) -> Result<(), String> {
    match exchange.header("client-request-id") {
        Some(id) if id == exchange.client_request_id => Ok(()),
        Some(other) => Err(format!(
            "client-request-id echoed as {}, sent {}",
            wording::quoted(other),
            wording::quoted(&exchange.client_request_id)
        )),
        None => Err("client-request-id not echoed".to_owned()),
    }
}

/// A body is declared `application/json` (a successful `$count` is `text/plain`).
pub fn json_content_type(exchange: &Exchange, op: Op) -> Result<(), String> {
    if is_blank(&exchange.body) {
        return Ok(());
    }
    let declared = exchange
        .header("content-type")
        .map(|value| value.trim().to_ascii_lowercase());
    if op.payload() == Payload::Count && exchange.is_success() {
        return match declared {
            Some(value) if value.starts_with("text/plain") => Ok(()),
            other => Err(format!(
                "$count declared as {}, not text/plain",
                wording::quoted_or_absent(other.as_deref())
            )),
        };
    }
    match exchange.header("content-type") {
        Some(value)
            if value
                .trim()
                .to_ascii_lowercase()
                .starts_with("application/json") =>
        {
            Ok(())
        }
        Some(value) => Err(format!(
            "content type {} is not application/json",
            wording::quoted(value)
        )),
        None => Err("a body without a content type".to_owned()),
    }
}

/// A `Retry-After` header, where there is one, is whole seconds (RFC 9110 delay-seconds) or an HTTP date.
pub fn retry_after_seconds(exchange: &Exchange, _: Op) -> Result<(), String> {
    let Some(value) = exchange.header("retry-after") else {
        return Ok(());
    };
    let value = value.trim();
    let seconds = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    let http_date = value.ends_with(" GMT") && value.contains(',');
    if seconds || http_date {
        Ok(())
    } else {
        Err(format!(
            "Retry-After {} is neither whole seconds nor an HTTP date",
            wording::quoted(value)
        ))
    }
}
