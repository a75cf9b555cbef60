//! The target under test: its base URL, how the suite gets tokens for it, and what it lets the suite do
//! (test controls for clock and token minting are found by probing, never assumed).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::client::{HttpClient, Request};
use crate::endpoints::Urls;
use crate::wording;

/// Where tokens come from.
#[derive(Clone)]
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
        client_secret: String,
    },
    /// A ready bearer token (`GRAPH_TOKEN`).
    BearerToken(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::MockControls => f.write_str("MockControls"),
            Credentials::ClientCredentials {
                authority_host,
                tenant_id,
                client_id,
                ..
            } => f
                .debug_struct("ClientCredentials")
                .field("authority_host", authority_host)
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .finish(),
            Credentials::BearerToken(_) => f.write_str("BearerToken([redacted])"),
        }
    }
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
            return Some(Credentials::BearerToken(token.trim().to_owned()));
        }
        Some(Credentials::ClientCredentials {
            tenant_id: var("AZURE_TENANT_ID")?,
            client_id: var("AZURE_CLIENT_ID")?,
            client_secret: var("AZURE_CLIENT_SECRET")?,
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
            Credentials::ClientCredentials { client_secret, .. } => vec![client_secret.clone()],
            Credentials::BearerToken(token) => vec![token.clone()],
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

/// The target's test clock as the suite found it, to put back after cases that set it.
#[derive(Debug, Clone, Copy)]
struct ClockAtStart {
    unix: u64,
    frozen: bool,
    read_at: Instant,
}

#[derive(Default)]
struct CachedToken {
    token: Option<(String, Instant)>,
}

/// A target and the suite's access to it.
#[derive(Clone)]
pub struct Target {
    urls: Urls,
    credentials: Credentials,
    controls: Option<String>,
    clock_at_start: Option<ClockAtStart>,
    client: HttpClient,
    cache: Arc<Mutex<CachedToken>>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("base_url", &self.urls.base())
            .field("credentials", &self.credentials)
            .field("controls", &self.controls)
            .finish()
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

impl Target {
    /// A target at `base_url`; probes for the test controls at the URL's origin (`/_hwoath`).
    pub async fn connect(base_url: &str, credentials: Credentials, client: HttpClient) -> Self {
        let urls = Urls::new(base_url);
        let mut target = Self {
            urls,
            credentials,
            controls: None,
            clock_at_start: None,
            client,
            cache: Arc::new(Mutex::new(CachedToken::default())),
        };
        if let Some(origin) = origin(base_url) {
            let controls = format!("{origin}/_hwoath");
            let probe = target
                .client
                .send(Request::new(
                    "probe test controls",
                    Method::GET,
                    format!("{controls}/clock"),
                ))
                .await;
            let reading = probe.json().unwrap_or_default();
            if let (Some(200), Some(unix)) = (probe.status, reading["unix"].as_u64()) {
                target.controls = Some(controls);
                target.clock_at_start = Some(ClockAtStart {
                    unix,
                    frozen: reading["frozen"].as_bool().unwrap_or(false),
                    read_at: Instant::now(),
                });
            }
        }
        target
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

    /// The test controls' URL, when the target has them.
    pub fn controls(&self) -> Option<&str> {
        self.controls.as_deref()
    }

    /// Puts the test clock back as the suite found it (advanced by the time since, when it was running).
    pub async fn restore_clock(&self) -> Result<(), String> {
        let (Some(controls), Some(start)) = (&self.controls, self.clock_at_start) else {
            return Ok(());
        };
        let unix = if start.frozen {
            start.unix
        } else {
            start.unix + start.read_at.elapsed().as_secs()
        };
        let exchange = self
            .client
            .send(
                Request::new("restore clock", Method::PUT, format!("{controls}/clock"))
                    .json(json!({"unix": unix, "frozen": start.frozen})),
            )
            .await;
        match exchange.status {
            Some(200) => Ok(()),
            other => Err(format!(
                "restoring the clock answered {}",
                wording::status(other)
            )),
        }
    }

    /// Whether tokens with chosen permissions can be minted.
    pub fn can_mint(&self) -> bool {
        self.controls.is_some()
    }

    /// A bearer token acting as `principal`.
    pub async fn token(&self, principal: &Principal) -> Result<String, TokenError> {
        match (principal, &self.controls) {
            // The caller's own credentials are the admin identity; a mock's controls stand in otherwise.
            (Principal::Admin, _) if !matches!(self.credentials, Credentials::MockControls) => {
                self.credential_token().await
            }
            (Principal::Admin, Some(_)) => self.mint(json!({"roles": ADMIN_ROLES})).await,
            (Principal::Admin, None) => Err(TokenError::CannotMint),
            (Principal::App(roles), Some(_)) => self.mint(json!({"roles": roles})).await,
            (
                Principal::Delegated {
                    user,
                    scopes,
                    roles,
                },
                Some(_),
            ) => {
                self.mint(json!({"scp": scopes.join(" "), "oid": user, "wids": roles}))
                    .await
            }
            (Principal::Expired, Some(_)) => {
                self.mint(json!({"roles": ADMIN_ROLES, "expires_in": -60}))
                    .await
            }
            (Principal::Tampered, _) => {
                let token = Box::pin(self.token(&Principal::Admin)).await?;
                Ok(tamper(&token))
            }
            (_, None) => Err(TokenError::CannotMint),
        }
    }

    async fn mint(&self, claims: Value) -> Result<String, TokenError> {
        let controls = self.controls.as_deref().ok_or(TokenError::CannotMint)?;
        let exchange = self
            .client
            .send(
                Request::new("mint token", Method::POST, format!("{controls}/token")).json(claims),
            )
            .await;
        exchange
            .str_at("/access_token")
            .filter(|_| exchange.status == Some(200))
            .ok_or_else(|| {
                TokenError::Failed(format!(
                    "mint answered {}",
                    wording::status(exchange.status)
                ))
            })
    }

    async fn credential_token(&self) -> Result<String, TokenError> {
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
                    form_escape(client_secret),
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
                cache.token = Some((
                    token.to_owned(),
                    Instant::now() + Duration::from_secs(lifetime),
                ));
                Ok(token.to_owned())
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

    #[test]
    fn credentials_never_show_their_secrets() {
        let credentials = Credentials::ClientCredentials {
            authority_host: "https://login.example".into(),
            tenant_id: "t".into(),
            client_id: "c".into(),
            client_secret: "super-secret-value".into(),
        };
        assert!(!format!("{credentials:?}").contains("super-secret-value"));
        assert!(!format!("{:?}", Credentials::BearerToken("eyJtoken".into())).contains("eyJtoken"));
    }

    #[test]
    fn form_escape_and_tamper() {
        assert_eq!(form_escape("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(tamper("x.y.zzA"), "x.y.zzB");
        assert_eq!(tamper("x.y.zz"), "x.y.zA");
    }
}
