//! Minting bearer tokens the mock accepts: the body of `POST /_hwoath/token`, the CLI's
//! `hwoath token`, and [`crate::MockTenant::token`] all go through [`TokenRequest`].

use serde::{Deserialize, Serialize};

use crate::auth::jwt::{Claims, GRAPH_AUDIENCE, SigningKey};
use crate::clock::wall_unix;

/// Default token lifetime in seconds (what Entra typically issues).
const DEFAULT_LIFETIME: i64 = 3599;

/// What to put into a token. Delegated tokens set `scp` (and `oid`); app-only tokens set `roles`.
///
/// ```
/// use hwoath_mock::{SigningKey, TokenRequest};
///
/// let token = TokenRequest::delegated("0cadbf92-3c4d-4e5f-8a9b-0c1d2e3f4a5b", &["UserAuthenticationMethod.ReadWrite"])
///     .mint(&SigningKey::development(), "4c8a5b1e-2f3d-4e6a-9b7c-1d2e3f4a5b6c");
/// assert_eq!(token.split('.').count(), 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Delegated scopes, space separated (`"UserAuthenticationMethod.ReadWrite Policy.Read.All"`).
    #[serde(default)]
    pub scp: Option<String>,
    /// Application roles.
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    /// The signed-in user's object id.
    #[serde(default)]
    pub oid: Option<String>,
    /// Directory role template ids of the user (when `None`, the tenant fills in the user's fixture roles).
    #[serde(default)]
    pub wids: Option<Vec<String>>,
    /// Lifetime in seconds from now (wall clock); negative mints an already expired token.
    #[serde(default)]
    pub expires_in: Option<i64>,
    /// Audience (default `https://graph.microsoft.com`); set it to test audience checks.
    #[serde(default)]
    pub aud: Option<String>,
    /// Tenant id (default: the tenant's); set it to test tenant checks.
    #[serde(default)]
    pub tid: Option<String>,
}

impl TokenRequest {
    /// A delegated token for `user_id` with these scopes.
    pub fn delegated(user_id: &str, scopes: &[&str]) -> Self {
        Self {
            scp: Some(scopes.join(" ")),
            oid: Some(user_id.to_owned()),
            ..Self::default()
        }
    }

    /// An app-only token with these application roles.
    pub fn app(roles: &[&str]) -> Self {
        Self {
            roles: Some(roles.iter().map(|r| (*r).to_owned()).collect()),
            ..Self::default()
        }
    }

    /// The same request with these directory role template ids in `wids`.
    pub fn with_wids(mut self, wids: &[&str]) -> Self {
        self.wids = Some(wids.iter().map(|w| (*w).to_owned()).collect());
        self
    }

    /// The same request with this lifetime in seconds (negative: already expired).
    pub fn expires_in(mut self, seconds: i64) -> Self {
        self.expires_in = Some(seconds);
        self
    }

    /// The lifetime this request asks for.
    pub(crate) fn lifetime(&self) -> i64 {
        self.expires_in.unwrap_or(DEFAULT_LIFETIME)
    }

    /// The claims of this request for `tenant_id` at wall-clock time `now`.
    pub(crate) fn claims(&self, tenant_id: &str, now: i64) -> Claims {
        let tid = self.tid.clone().unwrap_or_else(|| tenant_id.to_owned());
        let delegated = self.scp.as_deref().is_some_and(|s| !s.trim().is_empty());
        Claims {
            aud: vec![
                self.aud
                    .clone()
                    .unwrap_or_else(|| GRAPH_AUDIENCE.to_owned()),
            ],
            iss: Some(format!("https://sts.windows.net/{tid}/")),
            appid: (!delegated).then(|| "00000000-0000-0000-0000-00000000a11d".to_owned()),
            tid: Some(tid),
            oid: self.oid.clone(),
            scp: self.scp.clone(),
            roles: self.roles.clone(),
            wids: self.wids.clone(),
            iat: Some(now),
            nbf: Some(now.min(now.saturating_add(self.lifetime()))),
            exp: now.saturating_add(self.lifetime()),
        }
    }

    /// Signs this request for `tenant_id`, valid from now (wall clock) for its lifetime
    /// (`expires_in`, default 3599 seconds).
    pub fn mint(&self, key: &SigningKey, tenant_id: &str) -> String {
        key.sign(&self.claims(tenant_id, wall_unix()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::jwt::TokenError;

    #[test]
    fn minted_tokens_verify_and_expire() {
        let key = SigningKey::development();
        let token = TokenRequest::app(&["Policy.Read.All"]).mint(&key, "t");
        let claims = key.verify(&token, wall_unix()).unwrap();
        assert_eq!(claims.roles.unwrap(), ["Policy.Read.All"]);
        assert_eq!(claims.tid.as_deref(), Some("t"));
        let expired = TokenRequest::app(&[]).expires_in(-10).mint(&key, "t");
        assert_eq!(key.verify(&expired, wall_unix()), Err(TokenError::Expired));
    }
}
