//! The caller extractors: [`Caller`] (a verified bearer token) and [`RequestMeta`] (ids and base URL).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::app::state::AppState;
use crate::auth::jwt::TokenError;
use crate::auth::permissions::Principal;
use crate::clock::wall_unix;
use crate::errors::ApiError;

/// The caller of a `/beta` request, read from a valid bearer token.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub(crate) Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(TokenError::Missing)?;
        let text = header.to_str().map_err(|_| TokenError::Malformed)?;
        let token = match text.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err(TokenError::Malformed.into()),
        };
        if token.is_empty() {
            return Err(TokenError::Missing.into());
        }
        let claims = state.key.verify(token, wall_unix())?;
        let tenant = state.read(|store| store.fixture().tenant_id.clone());
        if claims
            .tid
            .as_deref()
            .is_some_and(|tid| !tid.eq_ignore_ascii_case(&tenant))
        {
            return Err(TokenError::Tenant.into());
        }
        Principal::from_claims(&claims)
            .map(Caller)
            .ok_or_else(|| ApiError::unauthenticated("The delegated token has no 'oid' claim."))
    }
}

/// Per-request data set by the middleware: ids and the URL the mock is reached at.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestMeta {
    /// The `request-id` this answer carries.
    pub(crate) request_id: String,
    /// The client's `client-request-id`, echoed.
    pub(crate) client_request_id: Option<String>,
    /// `http://host:port` (`https://` over TLS) as the client reached the mock.
    pub(crate) root_url: String,
}

impl RequestMeta {
    /// The service root the client uses, `{root_url}/beta`.
    pub(crate) fn base_url(&self) -> String {
        format!("{}/beta", self.root_url)
    }
}

impl FromRequestParts<AppState> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestMeta>()
            .cloned()
            .unwrap_or_default())
    }
}
