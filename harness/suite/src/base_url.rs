//! A look at a base URL before a run: Graph's base URL ends in a version segment (`/beta`), and a
//! target given without it answers 404 to every case. One probe tells the two apart, so the user gets
//! the corrected URL instead of a run of 404s.

use std::time::Duration;

use reqwest::Method;

use crate::ClientConfig;
use crate::client::{HttpClient, Request};
use crate::endpoints::DEVICES;

/// When `base_url` has no `/beta` and the token inventory answers 404 there but something else under
/// `{base_url}/beta`, that corrected URL; `None` when the URL looks right or nothing can be told. The
/// probes trust what `client` trusts.
pub async fn missing_beta(base_url: &str, client: &ClientConfig) -> Option<String> {
    let trimmed = base_url.trim_end_matches('/');
    if has_version(trimmed) {
        return None;
    }
    let fixed = format!("{trimmed}/beta");
    let client = HttpClient::new(ClientConfig {
        timeout: Duration::from_secs(5),
        max_attempts: 1,
        ..client.clone()
    })
    .ok()?;
    let probe = |base: &str| {
        client.send(Request::new(
            "probe base URL",
            Method::GET,
            format!("{base}{DEVICES}"),
        ))
    };
    let given = probe(trimmed).await;
    if given.status != Some(404) {
        return None;
    }
    let corrected = probe(&fixed).await;
    corrected
        .status
        .is_some_and(|status| status != 404)
        .then_some(fixed)
}

/// Whether the URL's path ends in a Graph version segment (`/beta` or `/v1.0`).
fn has_version(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.ends_with("/beta") || lower.ends_with("/v1.0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_segment_needs_no_hint() {
        assert!(has_version("https://graph.microsoft.com/beta"));
        assert!(has_version("http://127.0.0.1:8080/BETA"));
        assert!(!has_version("http://127.0.0.1:8080"));
        assert!(!has_version("http://127.0.0.1:8080/graph"));
    }

    #[tokio::test]
    async fn an_unreachable_target_gets_no_hint() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        assert_eq!(missing_beta(&url, &ClientConfig::default()).await, None);
    }
}
