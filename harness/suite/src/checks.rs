//! The checks run on every exchange, each a named function giving a one-line reason when it fails.

use hwoath_graph::{Collection, Device, Entity, Method, parse_strict};
use serde_json::Value;

use crate::client::{Exchange, HttpClient, Request};
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

/// An exchange and what the checks found in it: each attempt the client retried (a 429 or 503 it
/// sent again), oldest first, then the answer the request ended with.
#[derive(Debug)]
pub(crate) struct Checked {
    /// The attempts retried, each with its violations.
    pub retried: Vec<(Exchange, Vec<Violation>)>,
    /// The answer the request ended with.
    pub exchange: Exchange,
    /// Its violations.
    pub violations: Vec<Violation>,
}

impl Checked {
    /// Every violation found, the retried attempts' first.
    pub fn all_violations(&self) -> impl Iterator<Item = &Violation> {
        self.retried
            .iter()
            .flat_map(|(_, violations)| violations)
            .chain(&self.violations)
    }
}

/// Sends `request` for operation `op` and runs the checks once on every attempt: the one path by
/// which cases, generated bodies and stateful sequences are judged.
pub(crate) async fn send(client: &HttpClient, op: Op, request: Request) -> Checked {
    let mut exchange = client.send(request).await;
    let retried = std::mem::take(&mut exchange.earlier_attempts)
        .into_iter()
        .map(|attempt| {
            let violations = run_on_retried(&attempt, op);
            (attempt, violations)
        })
        .collect();
    let violations = run_all(&exchange, op);
    Checked {
        retried,
        exchange,
        violations,
    }
}

/// Runs every check on an exchange that got a response; a missing response is the caller's to report.
fn run_all(exchange: &Exchange, op: Op) -> Vec<Violation> {
    run_checks(exchange, op, ALL.iter())
}

/// Runs the checks that judge an attempt the client retried (a 429 or 503 it sent again): every check
/// but `not_server_error`, which judges only the answer the request ended with (docs/spec.md, D31).
fn run_on_retried(exchange: &Exchange, op: Op) -> Vec<Violation> {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::Method as HttpMethod;
    use serde_json::json;

    use super::*;

    const CONTEXT: &str = "https://graph.microsoft.com/beta/$metadata#directory/authenticationMethodDevices/hardwareOathDevices";

    fn device() -> Value {
        json!({
            "@odata.type": "#microsoft.graph.hardwareOathTokenAuthenticationMethodDevice",
            "id": "9b037532-f999-1ed9-13fd-849ffb995e11",
            "serialNumber": "TOTP123456",
            "manufacturer": "Contoso",
            "model": "Hardware Token 1000",
            "secretKey": null,
            "timeIntervalInSeconds": 30,
            "hashFunction": "hmacsha1",
            "status": "available"
        })
    }

    /// An exchange answered `status` with a JSON `body` and every header a Graph answer carries.
    fn answered(status: u16, body: Value) -> Exchange {
        raw(
            status,
            "application/json",
            body.to_string().into_bytes(),
            "https://graph.example/beta/directory/authenticationMethodDevices/hardwareOathDevices",
        )
    }

    fn raw(status: u16, content_type: &str, body: Vec<u8>, url: &str) -> Exchange {
        Exchange {
            status: Some(status),
            headers: vec![
                ("content-type".to_owned(), content_type.to_owned()),
                ("request-id".to_owned(), "r-1".to_owned()),
                ("client-request-id".to_owned(), "c-1".to_owned()),
            ],
            body,
            elapsed: Duration::from_millis(1),
            ..Exchange::unanswered(Request::new("step", HttpMethod::GET, url), "c-1".to_owned())
        }
    }

    fn with_header(mut exchange: Exchange, name: &str, value: Option<&str>) -> Exchange {
        exchange.headers.retain(|(key, _)| key != name);
        if let Some(value) = value {
            exchange.headers.push((name.to_owned(), value.to_owned()));
        }
        exchange
    }

    fn envelope() -> Value {
        json!({"error": {"code": "invalidRequest", "message": "bad"}})
    }

    fn entity() -> Value {
        let mut value = device();
        value["@odata.context"] = json!(format!("{CONTEXT}/$entity"));
        value
    }

    #[test]
    fn not_server_error_refuses_only_5xx() {
        assert!(not_server_error(&answered(404, envelope()), Op::GetDevice).is_ok());
        let reason = not_server_error(&answered(503, envelope()), Op::GetDevice).unwrap_err();
        assert_eq!(reason, "server error 503");
    }

    #[test]
    fn documented_status_knows_each_operations_statuses() {
        assert!(documented_status(&answered(201, entity()), Op::CreateDevice).is_ok());
        assert!(documented_status(&answered(500, envelope()), Op::CreateDevice).is_ok());
        let reason = documented_status(&answered(200, entity()), Op::DeleteDevice).unwrap_err();
        assert!(
            reason.starts_with("status 200 is not documented"),
            "{reason}"
        );
    }

    #[test]
    fn error_envelope_wants_a_code_and_a_message() {
        assert!(error_envelope(&answered(400, envelope()), Op::CreateDevice).is_ok());
        assert!(error_envelope(&answered(200, json!({})), Op::CreateDevice).is_ok());
        let empty = json!({"error": {"code": "", "message": "m"}});
        assert_eq!(
            error_envelope(&answered(400, empty), Op::CreateDevice),
            Err("error.code is empty".to_owned())
        );
        assert_eq!(
            error_envelope(&answered(400, json!({"message": "m"})), Op::CreateDevice),
            Err("error response has no \"error\" object".to_owned())
        );
        let text = raw(400, "text/plain", b"oops".to_vec(), "https://x/beta");
        assert_eq!(
            error_envelope(&text, Op::CreateDevice),
            Err("error response body is not JSON".to_owned())
        );
    }

    #[test]
    fn odata_annotations_want_a_context_and_absolute_next_links() {
        assert!(odata_annotations(&answered(200, entity()), Op::GetDevice).is_ok());
        assert_eq!(
            odata_annotations(&answered(200, device()), Op::GetDevice),
            Err("no @odata.context".to_owned())
        );
        let page = |next: &str| json!({"@odata.context": CONTEXT, "value": [device()], "@odata.nextLink": next});
        let absolute = page("https://graph.example/beta/x?$skiptoken=1");
        assert!(odata_annotations(&answered(200, absolute), Op::ListDevices).is_ok());
        let relative = odata_annotations(&answered(200, page("/beta/x")), Op::ListDevices);
        assert!(relative.unwrap_err().contains("not an absolute URL"));
        let no_value = json!({"@odata.context": CONTEXT});
        assert_eq!(
            odata_annotations(&answered(200, no_value), Op::ListDevices),
            Err("collection has no \"value\" array".to_owned())
        );
    }

    #[test]
    fn typed_body_parses_strictly_except_projections() {
        assert!(typed_body(&answered(200, entity()), Op::GetDevice).is_ok());
        let mut extra = entity();
        extra["colour"] = json!("red");
        let reason = typed_body(&answered(200, extra.clone()), Op::GetDevice).unwrap_err();
        assert!(reason.starts_with("body does not parse as"), "{reason}");
        let mut projected = answered(200, extra);
        projected.request.url.push_str("?$select=id");
        assert!(typed_body(&projected, Op::GetDevice).is_ok());
        let deleted = answered(204, json!({"id": "x"}));
        assert_eq!(
            typed_body(&deleted, Op::DeleteDevice),
            Err("204 must have no body".to_owned())
        );
        let count = raw(
            200,
            "text/plain",
            b"twelve".to_vec(),
            "https://x/beta/$count",
        );
        assert!(
            typed_body(&count, Op::CountDevices)
                .unwrap_err()
                .contains("is not a number")
        );
    }

    #[test]
    fn secret_never_returned_finds_a_key_at_any_depth() {
        assert!(secret_never_returned(&answered(200, entity()), Op::GetDevice).is_ok());
        let nested = json!({"value": [{"device": {"secretKey": "JBSWY3DPEHPK3PXP"}}]});
        assert_eq!(
            secret_never_returned(&answered(200, nested), Op::ListMethods),
            Err("secretKey returned at /value/0/device/secretKey".to_owned())
        );
    }

    #[test]
    fn request_id_must_be_there_and_not_blank() {
        assert!(request_id(&answered(200, entity()), Op::GetDevice).is_ok());
        let blank = with_header(answered(200, entity()), "request-id", Some(" "));
        assert_eq!(
            request_id(&blank, Op::GetDevice),
            Err("no request-id header".to_owned())
        );
    }

    #[test]
    fn client_request_id_must_come_back_unchanged() {
        assert!(client_request_id(&answered(200, entity()), Op::GetDevice).is_ok());
        let changed = with_header(answered(200, entity()), "client-request-id", Some("c-2"));
        assert!(
            client_request_id(&changed, Op::GetDevice)
                .unwrap_err()
                .contains("echoed as")
        );
        let missing = with_header(answered(200, entity()), "client-request-id", None);
        assert_eq!(
            client_request_id(&missing, Op::GetDevice),
            Err("client-request-id not echoed".to_owned())
        );
    }

    #[test]
    fn json_content_type_except_a_successful_count() {
        assert!(json_content_type(&answered(200, entity()), Op::GetDevice).is_ok());
        let text = raw(200, "text/plain", b"{}".to_vec(), "https://x/beta");
        assert!(
            json_content_type(&text, Op::GetDevice)
                .unwrap_err()
                .contains("is not application/json")
        );
        let count = raw(
            200,
            "text/plain; charset=utf-8",
            b"3".to_vec(),
            "https://x/$count",
        );
        assert!(json_content_type(&count, Op::CountDevices).is_ok());
        let json_count = raw(200, "application/json", b"3".to_vec(), "https://x/$count");
        assert!(json_content_type(&json_count, Op::CountDevices).is_err());
        let bare = with_header(answered(200, entity()), "content-type", None);
        assert_eq!(
            json_content_type(&bare, Op::GetDevice),
            Err("a body without a content type".to_owned())
        );
    }

    #[test]
    fn retry_after_is_whole_seconds_or_an_http_date() {
        let with = |value: &str| with_header(answered(429, envelope()), "retry-after", Some(value));
        assert!(retry_after_seconds(&answered(429, envelope()), Op::Activate).is_ok());
        assert!(retry_after_seconds(&with("30"), Op::Activate).is_ok());
        assert!(retry_after_seconds(&with("Wed, 21 Oct 2026 07:28:00 GMT"), Op::Activate).is_ok());
        assert!(
            retry_after_seconds(&with("1.5"), Op::Activate)
                .unwrap_err()
                .contains("neither whole seconds nor an HTTP date")
        );
    }

    #[test]
    fn a_missing_answer_is_left_to_the_caller_and_retried_attempts_skip_the_5xx_check() {
        let mut lost = answered(503, envelope());
        lost.status = None;
        assert!(run_all(&lost, Op::GetDevice).is_empty());
        let unavailable = with_header(answered(503, envelope()), "retry-after", Some("1"));
        let all: Vec<String> = run_all(&unavailable, Op::GetDevice)
            .into_iter()
            .map(|v| v.check)
            .collect();
        assert_eq!(all, ["not_server_error"]);
        assert!(run_on_retried(&unavailable, Op::GetDevice).is_empty());
        let strength = run_all(&unavailable, Op::GetDevice)[0].strength;
        assert_eq!(strength, rules::NO_SERVER_ERROR.strength);
    }
}
