//! The target under test: its base URL, how the suite gets tokens for it, and what it lets the suite do
//! (test controls for clock and token minting are found by probing, never assumed).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::client::{HttpClient, Request};
use crate::controls::{ClockReading, Controls, Refused, system_now};
use crate::endpoints::Urls;
use crate::secret::{BearerToken, ClientSecret};
use crate::wording;

/// Where tokens come from.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// Tokens minted by the target's test controls (`POST /_hwoath/token`), for any principal.
    MockControls,
    /// OAuth2 client credentials against an Entra-compatible authority (azure-identity conventions).
    ClientCredentials {
        /// `AZURE_AUTHORITY_HOST`, e.g. `https://login.microsoftonline.com`.
        authority_host: String,
        /// `AZURE_TENANT_ID`.
        tenant_id: String,
        /// `AZURE_CLIENT_ID`.
        client_id: String,
        /// `AZURE_CLIENT_SECRET`.
        client_secret: ClientSecret,
    },
    /// A ready bearer token (`GRAPH_TOKEN`).
    BearerToken(BearerToken),
}

impl Credentials {
    /// Reads `GRAPH_TOKEN`, or `AZURE_TENANT_ID`/`AZURE_CLIENT_ID`/`AZURE_CLIENT_SECRET` with
    /// `AZURE_AUTHORITY_HOST` (default `https://login.microsoftonline.com`), from the environment.
    pub fn from_env() -> Option<Self> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
        };
        if let Some(token) = var("GRAPH_TOKEN") {
            return Some(Credentials::BearerToken(BearerToken::new(token.trim())));
        }
        Some(Credentials::ClientCredentials {
            tenant_id: var("AZURE_TENANT_ID")?,
            client_id: var("AZURE_CLIENT_ID")?,
            client_secret: ClientSecret::new(var("AZURE_CLIENT_SECRET")?),
            authority_host: var("AZURE_AUTHORITY_HOST")
                .unwrap_or_else(|| "https://login.microsoftonline.com".to_owned()),
        })
    }

    /// The name the report shows.
    pub fn label(&self) -> &'static str {
        match self {
            Credentials::MockControls => "mock-controls",
            Credentials::ClientCredentials { .. } => "client-credentials",
            Credentials::BearerToken(_) => "bearer-token",
        }
    }

    /// Every secret these credentials hold, so recorders can mask them wherever they turn up.
    pub fn secrets(&self) -> Vec<String> {
        match self {
            Credentials::MockControls => Vec::new(),
            Credentials::ClientCredentials { client_secret, .. } => {
                vec![client_secret.expose().to_owned()]
            }
            Credentials::BearerToken(token) => vec![token.expose().to_owned()],
        }
    }
}

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The suite's own administrative identity: inventory read/write and others' methods read/write.
    Admin,
    /// An app-only token with exactly these application roles.
    App(Vec<&'static str>),
    /// A delegated token for `user` with these scopes and directory role template ids.
    Delegated {
        /// The signed-in user's id.
        user: String,
        /// Delegated scopes.
        scopes: Vec<&'static str>,
        /// Directory role template ids (`wids`).
        roles: Vec<&'static str>,
    },
    /// An admin token that expired a minute ago.
    Expired,
    /// An admin token with its signature altered.
    Tampered,
}

/// Why a token for a principal cannot be had on this target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The target cannot mint tokens with chosen permissions (no test controls).
    #[error(
        "needs tokens minted with chosen permissions, which only a mock's test controls provide"
    )]
    CannotMint,
    /// Getting a token failed.
    #[error("could not get a token: {0}")]
    Failed(String),
}

/// Directory role template ids used by delegated cases (the real Entra template ids).
pub mod directory_roles {
    /// Global Reader.
    pub const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
    /// Authentication Policy Administrator.
    pub const AUTHENTICATION_POLICY_ADMINISTRATOR: &str = "0526716b-113d-4c15-b2c8-68e3c22b9f80";
    /// Authentication Administrator.
    pub const AUTHENTICATION_ADMINISTRATOR: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
    /// Privileged Authentication Administrator.
    pub const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: &str =
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
}

/// The application roles the suite's admin identity uses on a mock: the inventory, every user's methods,
/// and reading users (to find a user's userPrincipalName).
pub const ADMIN_ROLES: [&str; 3] = [
    "Policy.ReadWrite.AuthenticationMethod",
    "UserAuthenticationMethod.ReadWrite.All",
    "User.Read.All",
];

#[derive(Default)]
struct CachedToken {
    token: Option<(BearerToken, Instant)>,
}

/// A target and the suite's access to it.
#[derive(Clone)]
pub struct Target {
    urls: Urls,
    credentials: Credentials,
    controls: Option<Controls>,
    clock_at_start: Option<ClockReading>,
    client: HttpClient,
    cache: Arc<Mutex<CachedToken>>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("base_url", &self.urls.base())
            .field("credentials", &self.credentials)
            .field("controls", &self.controls.is_some())
            .finish()
    }
}

impl Target {
    /// A target at `base_url`; probes for the test controls at the URL's origin (`/_hwoath`).
    pub async fn connect(base_url: &str, credentials: Credentials, client: HttpClient) -> Self {
        let (controls, clock_at_start) = match Controls::probe(&client, base_url).await {
            Some((controls, reading)) => (Some(controls), Some(reading)),
            None => (None, None),
        };
        Self {
            urls: Urls::new(base_url),
            credentials,
            controls,
            clock_at_start,
            client,
            cache: Arc::new(Mutex::new(CachedToken::default())),
        }
    }

    /// URL builder.
    pub fn urls(&self) -> &Urls {
        &self.urls
    }

    /// The HTTP client.
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The test controls, when the target has them.
    pub(crate) fn controls(&self) -> Option<&Controls> {
        self.controls.as_ref()
    }

    /// Whether the target has test controls (a mock by its own admission): its clock can be set and
    /// tokens with chosen permissions minted.
    pub fn has_controls(&self) -> bool {
        self.controls.is_some()
    }

    /// The target's time in seconds since the Unix epoch: its test clock when it has one, this
    /// machine's clock otherwise.
    pub(crate) async fn now(&self) -> Result<u64, Refused> {
        match &self.controls {
            Some(controls) => Ok(controls.clock().await?.unix),
            None => Ok(system_now()),
        }
    }

    /// Puts the test clock back as the suite found it (advanced by the time since, when it was running).
    pub(crate) async fn restore_clock(&self) -> Result<(), String> {
        let (Some(controls), Some(start)) = (&self.controls, self.clock_at_start) else {
            return Ok(());
        };
        let unix = if start.frozen {
            start.unix
        } else {
            start.unix + start.read_at.elapsed().as_secs()
        };
        controls
            .set_clock("restore clock", unix, start.frozen)
            .await
            .map_err(|refused| {
                format!(
                    "restoring the clock answered {}",
                    wording::status(refused.status)
                )
            })
    }

    /// A bearer token acting as `principal`.
    pub async fn token(&self, principal: &Principal) -> Result<BearerToken, TokenError> {
        let minted = |refused: Refused| {
            TokenError::Failed(format!("mint answered {}", wording::status(refused.status)))
        };
        let claims = match (principal, &self.controls) {
            // The caller's own credentials are the admin identity; a mock's controls stand in otherwise.
            (Principal::Admin, _) if !matches!(self.credentials, Credentials::MockControls) => {
                return self.credential_token().await;
            }
            (Principal::Admin, Some(_)) => json!({"roles": ADMIN_ROLES}),
            (Principal::App(roles), Some(_)) => json!({"roles": roles}),
            (
                Principal::Delegated {
                    user,
                    scopes,
                    roles,
                },
                Some(_),
            ) => json!({"scp": scopes.join(" "), "oid": user, "wids": roles}),
            (Principal::Expired, Some(_)) => json!({"roles": ADMIN_ROLES, "expires_in": -60}),
            (Principal::Tampered, _) => {
                let token = Box::pin(self.token(&Principal::Admin)).await?;
                return Ok(BearerToken::new(tamper(token.expose())));
            }
            (_, None) => return Err(TokenError::CannotMint),
        };
        let controls = self.controls.as_ref().ok_or(TokenError::CannotMint)?;
        controls.mint(claims).await.map_err(minted)
    }

    async fn credential_token(&self) -> Result<BearerToken, TokenError> {
        match &self.credentials {
            Credentials::BearerToken(token) => Ok(token.clone()),
            Credentials::MockControls => Err(TokenError::CannotMint),
            Credentials::ClientCredentials {
                authority_host,
                tenant_id,
                client_id,
                client_secret,
            } => {
                let mut cache = self.cache.lock().await;
                if let Some((token, expires)) = &cache.token
                    && *expires > Instant::now()
                {
                    return Ok(token.clone());
                }
                let form = format!(
                    "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
                    form_escape(client_id),
                    form_escape(client_secret.expose()),
                    form_escape("https://graph.microsoft.com/.default")
                );
                let url = format!(
                    "{}/{}/oauth2/v2.0/token",
                    authority_host.trim_end_matches('/'),
                    tenant_id
                );
                let exchange = self
                    .client
                    .send(
                        Request::new("get token", Method::POST, url)
                            .raw(Some("application/x-www-form-urlencoded"), form),
                    )
                    .await;
                let body = exchange.json().unwrap_or(Value::Null);
                let token = body["access_token"]
                    .as_str()
                    .filter(|_| exchange.status == Some(200));
                let Some(token) = token else {
                    let reason = body["error"]
                        .as_str()
                        .map(str::to_owned)
                        .or_else(|| exchange.error.as_ref().map(ToString::to_string))
                        .unwrap_or_else(|| format!("status {}", wording::status(exchange.status)));
                    return Err(TokenError::Failed(format!("token endpoint: {reason}")));
                };
                let lifetime = body["expires_in"]
                    .as_u64()
                    .unwrap_or(300)
                    .saturating_sub(60);
                let token = BearerToken::new(token);
                cache.token = Some((
                    token.clone(),
                    Instant::now() + Duration::from_secs(lifetime),
                ));
                Ok(token)
            }
        }
    }
}

/// `application/x-www-form-urlencoded` escaping of one value.
fn form_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The same JWT with one character of its signature changed.
fn tamper(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    if let Some(last) = chars.last_mut() {
        *last = if *last == 'A' { 'B' } else { 'A' };
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_show_their_secrets() {
        let credentials = Credentials::ClientCredentials {
            authority_host: "https://login.example".into(),
            tenant_id: "t".into(),
            client_id: "c".into(),
            client_secret: ClientSecret::new("super-secret-value"),
        };
        assert!(!format!("{credentials:?}").contains("super-secret-value"));
        assert!(
            !format!(
                "{:?}",
                Credentials::BearerToken(BearerToken::new("eyJtoken"))
            )
            .contains("eyJtoken")
        );
    }

    #[test]
    fn form_escape_and_tamper() {
        assert_eq!(form_escape("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(tamper("x.y.zzA"), "x.y.zzB");
        assert_eq!(tamper("x.y.zz"), "x.y.zA");
    }
}
