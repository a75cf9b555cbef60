//! Removing what the suite made, in one place: a device (unassigned from its holder first), every
//! device a run tagged ([`sweep`]), and a run's last word ([`teardown`]: the clock put back, what its
//! cases left behind swept).

pub(crate) mod sweep;
pub(crate) mod teardown;

use reqwest::Method;
use serde_json::Value;

use crate::client::{BearerToken, Request};
use crate::endpoints::Owner;
use crate::target::Target;

/// What is known of a device's holder before removing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holder {
    /// Never assigned: a plain delete is tried first.
    None,
    /// Perhaps assigned: its holder is read, and it is unassigned before it is deleted.
    Unknown,
}

/// Removes device `id`: a plain delete when it was never assigned, else (or when that delete is
/// refused) unassigned from its holder, if any, and deleted. A device already gone is fine.
pub(crate) async fn remove_device(
    target: &Target,
    token: &BearerToken,
    id: &str,
    holder: Holder,
) -> Result<(), String> {
    let (client, urls) = (target.client(), target.urls());
    let delete = || {
        client.send(
            Request::new("cleanup: delete", Method::DELETE, urls.device(id)).bearer(Some(token)),
        )
    };
    if holder == Holder::None && matches!(delete().await.status, Some(204 | 404)) {
        return Ok(());
    }
    let get = client
        .send(Request::new("cleanup: get", Method::GET, urls.device(id)).bearer(Some(token)))
        .await;
    match get.status {
        Some(404) => return Ok(()),
        Some(200) => {}
        _ => return Err(format!("get {}", get.answer())),
    }
    let holder = get.json().and_then(|v| {
        v.pointer("/assignedTo/id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    if let Some(user) = holder {
        let unassign = client
            .send(
                Request::new(
                    "cleanup: unassign",
                    Method::DELETE,
                    urls.method(&Owner::User(user), id),
                )
                .bearer(Some(token)),
            )
            .await;
        if !matches!(unassign.status, Some(204 | 404)) {
            return Err(format!("unassign {}", unassign.answer()));
        }
    }
    let delete = delete().await;
    match delete.status {
        Some(204 | 404) => Ok(()),
        _ => Err(format!("delete {}", delete.answer())),
    }
}
