//! The test controls a mock target may offer beside its API, at `<origin>/_hwoath`: its clock and
//! token minting. The suite finds them by probing, never assumes them, and reaches them only through
//! [`Controls`].

use std::fmt;
use std::time::Instant;

use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{BearerToken, HttpClient, Request};

/// The target's test clock as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClockReading {
    /// Seconds since the Unix epoch.
    pub unix: u64,
    /// Whether the clock stands still.
    pub frozen: bool,
    /// When it was read, on this machine.
    pub read_at: Instant,
}

/// A test control that did not do what was asked: its status (none without an answer) and what
/// came back in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    /// The status it answered, if it answered.
    pub status: Option<u16>,
    /// `answered 500`, or `no answer (connection refused)`.
    pub answer: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.answer)
    }
}

/// The test controls of one target.
#[derive(Debug, Clone)]
pub(crate) struct Controls {
    url: String,
    client: HttpClient,
}

impl Controls {
    /// The controls at the origin of `base_url` with the clock's reading, or `None` when the target
    /// has none (anything but a `200` with a clock reading).
    pub async fn probe(client: &HttpClient, base_url: &str) -> Option<(Self, ClockReading)> {
        let controls = Self {
            url: format!("{}/_hwoath", origin(base_url)?),
            client: client.clone(),
        };
        let reading = controls.read_clock("probe test controls").await.ok()?;
        Some((controls, reading))
    }

    /// Reads the clock.
    pub async fn clock(&self) -> Result<ClockReading, Refused> {
        self.read_clock("read clock").await
    }

    async fn read_clock(&self, step: &str) -> Result<ClockReading, Refused> {
        let exchange = self
            .client
            .send(Request::new(
                step,
                Method::GET,
                format!("{}/clock", self.url),
            ))
            .await;
        let reading = exchange.json().unwrap_or_default();
        match (exchange.status, reading["unix"].as_u64()) {
            (Some(200), Some(unix)) => Ok(ClockReading {
                unix,
                frozen: reading["frozen"].as_bool().unwrap_or(false),
                read_at: Instant::now(),
            }),
            _ => Err(refused(&exchange)),
        }
    }

    /// Sets the clock to `unix`, frozen or running.
    pub async fn set_clock(&self, step: &str, unix: u64, frozen: bool) -> Result<(), Refused> {
        let exchange = self
            .client
            .send(
                Request::new(step, Method::PUT, format!("{}/clock", self.url))
                    .json(json!({"unix": unix, "frozen": frozen})),
            )
            .await;
        match exchange.status {
            Some(200) => Ok(()),
            _ => Err(refused(&exchange)),
        }
    }

    /// Mints a token with these claims.
    pub async fn mint(&self, claims: Value) -> Result<BearerToken, Refused> {
        let exchange = self
            .client
            .send(
                Request::new("mint token", Method::POST, format!("{}/token", self.url))
                    .json(claims),
            )
            .await;
        exchange
            .str_at("/access_token")
            .filter(|_| exchange.status == Some(200))
            .map(BearerToken::new)
            .ok_or_else(|| refused(&exchange))
    }
}

fn refused(exchange: &crate::client::Exchange) -> Refused {
    Refused {
        status: exchange.status,
        answer: exchange.answer(),
    }
}

/// The origin (scheme, host, port) of a URL.
fn origin(url: &str) -> Option<String> {
    let after_scheme = url.find("://")? + 3;
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    Some(url[..end].to_owned())
}

/// This machine's clock in seconds since the Unix epoch.
pub(crate) fn system_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_is_scheme_host_and_port() {
        assert_eq!(
            origin("http://127.0.0.1:8080/beta").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            origin("https://graph.microsoft.com").as_deref(),
            Some("https://graph.microsoft.com")
        );
        assert_eq!(origin("not a url"), None);
    }
}
