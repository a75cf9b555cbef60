//! Finds and removes what runs left behind: every device whose serial number carries a tag prefix.
//! Devices without the prefix are never touched.

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::Value;

use super::{Holder, remove_device};
use crate::client::Request;
use crate::target::{Principal, Target, TokenError};
use crate::wording;

/// Most pages followed while listing the inventory.
const MAX_PAGES: usize = 1000;

/// What a sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sweep {
    /// Serial numbers removed.
    pub removed: Vec<String>,
    /// Devices that could not be removed, with the reason.
    pub failed: Vec<String>,
}

/// Why a sweep could not list the inventory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// No admin token.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// Listing failed.
    #[error("listing the inventory failed: {0}")]
    List(String),
}

/// Removes every device whose serial number starts with `prefix`.
pub(crate) async fn sweep(target: &Target, prefix: &str) -> Result<Sweep, SweepError> {
    let token = target.token(&Principal::Admin).await?;
    let mut url = Some(format!("{}?$top=100", target.urls().devices()));
    let mut tagged: Vec<(String, String)> = Vec::new();
    for _ in 0..MAX_PAGES {
        let Some(page_url) = url.take() else { break };
        let exchange = target
            .client()
            .send(Request::new("sweep: list", Method::GET, page_url).bearer(Some(&token)))
            .await;
        let page = match (exchange.status, exchange.json()) {
            (Some(200), Some(page)) => page,
            (status, _) => {
                let reason = exchange
                    .error
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| format!("status {}", wording::status(status)));
                return Err(SweepError::List(reason));
            }
        };
        for device in page["value"].as_array().into_iter().flatten() {
            if let (true, Some(id), Some(serial)) = (
                is_tagged(device, prefix),
                device["id"].as_str(),
                device["serialNumber"].as_str(),
            ) {
                tagged.push((id.to_owned(), serial.to_owned()));
            }
        }
        url = page["@odata.nextLink"].as_str().map(str::to_owned);
    }
    // Removals run side by side; the client bounds how many requests are in flight.
    let removals = tagged.into_iter().map(|(id, serial)| {
        let token = &token;
        async move {
            let removed = remove_device(target, token, &id, Holder::Unknown).await;
            (removed, id, serial)
        }
    });
    let mut sweep = Sweep::default();
    for (outcome, id, serial) in join_all(removals).await {
        match outcome {
            Ok(()) => sweep.removed.push(serial),
            Err(reason) => sweep.failed.push(format!("{serial} ({id}): {reason}")),
        }
    }
    Ok(sweep)
}

/// Whether a JSON device's serial number carries the prefix.
fn is_tagged(device: &Value, prefix: &str) -> bool {
    device["serialNumber"]
        .as_str()
        .is_some_and(|serial| serial.starts_with(prefix))
}
