//! The Graph calls an import makes, each answered in the import's terms: a device as a [`Snapshot`],
//! a failure as one line naming the status, Graph's error code and message.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hwoath_graph::{BulkDelta, CreateDevice};
use hwoath_suite::{BearerToken, Exchange, Owner, Principal, Request, Target, TokenError};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::{Mutex, OnceCell, RwLock};

/// Inventory items asked for per page when listing.
const PAGE_SIZE: usize = 100;

/// Characters escaped in a path segment (a UPN may hold `#`, as guests' do, or `%`).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Characters escaped in a query value.
const QUERY: &AsciiSet = &SEGMENT.add(b'&').add(b'+').add(b'=').add(b'\'');

/// A token on the target as the import needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The device's object id.
    pub id: String,
    /// Its status (`available`, `assigned`, `activated`, ...).
    pub status: String,
    /// The object id of the user holding it.
    pub assigned_to: Option<String>,
}

impl Snapshot {
    fn of(device: &Value) -> Option<(String, Self)> {
        Some((
            device["serialNumber"].as_str()?.to_owned(),
            Self {
                id: device["id"].as_str()?.to_owned(),
                status: device["status"].as_str().unwrap_or_default().to_owned(),
                assigned_to: device["assignedTo"]["id"].as_str().map(str::to_owned),
            },
        ))
    }
}

/// One item of a bulk create's answer, found by its `@contentId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkItemOutcome {
    /// Created with this id.
    Created(String),
    /// Refused with this status and reason.
    Refused(u16, String),
}

/// Users' object ids by lower-case UPN, each looked up once (the error says why it could not be).
type UserIds = Mutex<HashMap<String, Arc<OnceCell<Result<String, String>>>>>;

/// The target, an admin token for it, and what the import learned: users by UPN, and its clock.
pub struct Api<'a> {
    target: &'a Target,
    token: RwLock<BearerToken>,
    users: UserIds,
    clock_offset_ms: std::sync::Mutex<Option<i64>>,
}

impl<'a> Api<'a> {
    /// Gets an admin token for `target`.
    pub async fn new(target: &'a Target) -> Result<Self, TokenError> {
        let token = target.token(&Principal::Admin).await?;
        Ok(Self {
            target,
            token: RwLock::new(token),
            users: Mutex::new(HashMap::new()),
            clock_offset_ms: std::sync::Mutex::new(None),
        })
    }

    /// Sends `request` with the admin token; a 401 gets a fresh token and one more try (tokens
    /// expire during long imports). Every answer's `Date` sets the target's clock.
    async fn send(&self, request: Request) -> Exchange {
        let token = self.token.read().await.clone();
        let mut exchange = self
            .target
            .client()
            .send(request.clone().bearer(Some(&token)))
            .await;
        if exchange.status == Some(401)
            && let Ok(fresh) = self.target.token(&Principal::Admin).await
        {
            *self.token.write().await = fresh.clone();
            exchange = self
                .target
                .client()
                .send(request.bearer(Some(&fresh)))
                .await;
        }
        self.note_date(&exchange);
        exchange
    }

    fn note_date(&self, exchange: &Exchange) {
        let Some(date) = exchange
            .header("date")
            .and_then(|d| httpdate::parse_http_date(d).ok())
        else {
            return;
        };
        let millis = |t: SystemTime| {
            t.duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64)
        };
        // The Date names the second the answer was made: its middle is closest on average.
        let offset = millis(date) + 500 - millis(SystemTime::now());
        if let Ok(mut slot) = self.clock_offset_ms.lock() {
            *slot = Some(offset);
        }
    }

    /// The target's time in Unix seconds, from the `Date` of its latest answer; `None` before any
    /// answer carried one.
    pub fn target_now(&self) -> Option<u64> {
        let offset = (*self.clock_offset_ms.lock().ok()?)?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_millis() as i64;
        u64::try_from((now + offset) / 1000).ok()
    }

    /// Every token on the target, by serial number in lower case, following `@odata.nextLink` until
    /// it is absent.
    pub async fn inventory(&self) -> Result<HashMap<String, Snapshot>, String> {
        let mut devices = HashMap::new();
        let mut url = Some(format!("{}?$top={PAGE_SIZE}", self.target.urls().devices()));
        while let Some(page_url) = url.take() {
            let exchange = self
                .send(Request::new("list the inventory", Method::GET, page_url))
                .await;
            let page = match (exchange.status, exchange.json()) {
                (Some(200), Some(page)) => page,
                _ => return Err(format!("listing the inventory: {}", failure(&exchange))),
            };
            for device in page["value"].as_array().into_iter().flatten() {
                if let Some((serial, snapshot)) = Snapshot::of(device) {
                    devices.insert(serial.to_lowercase(), snapshot);
                }
            }
            url = page["@odata.nextLink"].as_str().map(str::to_owned);
        }
        Ok(devices)
    }

    /// The token with this serial number, if the target has one.
    pub async fn find_by_serial(&self, serial: &str) -> Result<Option<Snapshot>, String> {
        let filter = format!("serialNumber eq '{}'", serial.replace('\'', "''"));
        let url = format!(
            "{}?$filter={}",
            self.target.urls().devices(),
            utf8_percent_encode(&filter, QUERY)
        );
        let exchange = self
            .send(Request::new("find by serial", Method::GET, url))
            .await;
        match (exchange.status, exchange.json()) {
            (Some(200), Some(page)) => Ok(page["value"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Snapshot::of)
                .find(|(found, _)| found.eq_ignore_ascii_case(serial))
                .map(|(_, snapshot)| snapshot)),
            _ => Err(format!("looking the serial up: {}", failure(&exchange))),
        }
    }

    /// Creates one token: its id, or the status and reason of the refusal (`None` status: no answer).
    pub async fn create(&self, body: &CreateDevice) -> Result<String, (Option<u16>, String)> {
        let body = serde_json::to_value(body).map_err(|e| (None, e.to_string()))?;
        let exchange = self
            .send(Request::new("create", Method::POST, self.target.urls().devices()).json(body))
            .await;
        match (exchange.status, exchange.str_at("/id")) {
            (Some(200 | 201), Some(id)) => Ok(id),
            (status, _) => Err((status, failure(&exchange))),
        }
    }

    /// Creates many tokens with one bulk (`#$delta`) body: each item's outcome by `@contentId`
    /// (items the answer does not mention are absent), or why the whole body failed.
    pub async fn create_many(
        &self,
        body: &BulkDelta,
    ) -> Result<HashMap<String, BulkItemOutcome>, String> {
        let body = serde_json::to_value(body).map_err(|e| e.to_string())?;
        let exchange = self
            .send(
                Request::new("bulk create", Method::PATCH, self.target.urls().devices()).json(body),
            )
            .await;
        let answer = match (exchange.status, exchange.json()) {
            (Some(200 | 201), Some(answer)) => answer,
            _ => return Err(failure(&exchange)),
        };
        Ok(answer["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(bulk_item_outcome)
            .collect())
    }

    /// The object id of the user with this UPN (asked once per UPN).
    pub async fn user_id(&self, upn: &str) -> Result<String, String> {
        let cell = {
            let mut users = self.users.lock().await;
            users.entry(upn.to_lowercase()).or_default().clone()
        };
        cell.get_or_init(|| async {
            let url = format!(
                "{}/users/{}?$select=id,userPrincipalName",
                self.target.urls().base(),
                utf8_percent_encode(upn, SEGMENT)
            );
            let exchange = self.send(Request::new("find user", Method::GET, url)).await;
            match (exchange.status, exchange.str_at("/id")) {
                (Some(200), Some(id)) => Ok(id),
                (Some(404), _) => Err(format!("the target has no user {upn}")),
                (Some(403), _) => Err(format!(
                    "finding user {upn}: {} (finding users by UPN needs User.Read.All)",
                    failure(&exchange)
                )),
                _ => Err(format!("finding user {upn}: {}", failure(&exchange))),
            }
        })
        .await
        .clone()
    }

    /// Assigns the device to the user: the new method's id.
    pub async fn assign(&self, user: &str, device: &str) -> Result<String, String> {
        let url = self.target.urls().methods(&Owner::User(user.to_owned()));
        let exchange = self
            .send(Request::new("assign", Method::POST, url).json(json!({"device": {"id": device}})))
            .await;
        match exchange.status {
            // Graph's examples give the method its device's id; an answer without one says nothing else.
            Some(200 | 201) => Ok(exchange.str_at("/id").unwrap_or_else(|| device.to_owned())),
            _ => Err(failure(&exchange)),
        }
    }

    /// Activates the user's method with `code`.
    pub async fn activate(&self, user: &str, method: &str, code: &str) -> Result<(), String> {
        let url =
            self.target
                .urls()
                .method_action(&Owner::User(user.to_owned()), method, "activate");
        let exchange = self
            .send(
                Request::new("activate", Method::POST, url).json(json!({"verificationCode": code})),
            )
            .await;
        match exchange.status {
            Some(200 | 204) => Ok(()),
            _ => Err(failure(&exchange)),
        }
    }
}

/// One bulk answer item: its `@contentId` and outcome (an id, or an OData
/// `@Core.DataModificationException`).
fn bulk_item_outcome(item: &Value) -> Option<(String, BulkItemOutcome)> {
    let content_id = match &item["@contentId"] {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        _ => return None,
    };
    if let Some(id) = item["id"].as_str() {
        return Some((content_id, BulkItemOutcome::Created(id.to_owned())));
    }
    let exception = &item["@Core.DataModificationException"];
    let status = exception["responseCode"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())?;
    let reason = format!(
        "{status} {}: {}",
        exception["info"]["code"].as_str().unwrap_or("error"),
        exception["info"]["message"].as_str().unwrap_or_default()
    );
    Some((content_id, BulkItemOutcome::Refused(status, reason)))
}

/// One line saying why an exchange failed: the transport error, or the status with Graph's error
/// code and message when the body is Graph's envelope.
pub fn failure(exchange: &Exchange) -> String {
    if let Some(error) = &exchange.error {
        return format!("no answer: {error}");
    }
    let status = exchange
        .status
        .map_or_else(|| "no status".to_owned(), |s| s.to_string());
    let body = exchange.json().unwrap_or_default();
    match (
        body["error"]["code"].as_str(),
        body["error"]["message"].as_str(),
    ) {
        (Some(code), Some(message)) => format!("{status} {code}: {message}"),
        (Some(code), None) => format!("{status} {code}"),
        _ => format!("{status} (not Graph's error envelope)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_items_are_read_by_content_id() {
        let created = json!({"@contentId": "7", "id": "d7", "serialNumber": "S"});
        assert_eq!(
            bulk_item_outcome(&created),
            Some(("7".into(), BulkItemOutcome::Created("d7".into())))
        );
        let refused = json!({"@contentId": 8, "@Core.DataModificationException": {
            "failedOperation": "insert", "responseCode": 409,
            "info": {"code": "conflict", "message": "The serial number is taken."}}});
        assert_eq!(
            bulk_item_outcome(&refused),
            Some((
                "8".into(),
                BulkItemOutcome::Refused(409, "409 conflict: The serial number is taken.".into())
            ))
        );
        assert_eq!(bulk_item_outcome(&json!({"id": "d"})), None);
        assert_eq!(bulk_item_outcome(&json!({"@contentId": "9"})), None);
    }

    #[test]
    fn snapshots_take_the_holder_from_assigned_to() {
        let (serial, snapshot) = Snapshot::of(&json!({"id": "d", "serialNumber": "S1",
            "status": "assigned", "assignedTo": {"id": "u", "displayName": "Ana"}}))
        .unwrap();
        assert_eq!(serial, "S1");
        assert_eq!(snapshot.assigned_to.as_deref(), Some("u"));
        assert!(Snapshot::of(&json!({"id": "d"})).is_none());
    }

    #[test]
    fn upns_and_filters_are_escaped() {
        assert_eq!(
            utf8_percent_encode("ana_contoso.com#EXT#@x.onmicrosoft.com", SEGMENT).to_string(),
            "ana_contoso.com%23EXT%23@x.onmicrosoft.com"
        );
        assert_eq!(
            utf8_percent_encode("serialNumber eq 'A&B'", QUERY).to_string(),
            "serialNumber%20eq%20%27A%26B%27"
        );
    }
}
