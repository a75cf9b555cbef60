//! The OAuth2 client-credentials token endpoint `POST /{tenant}/oauth2/v2.0/token` (with the OpenID
//! discovery document and MSAL's instance discovery), so clients authenticate against the mock exactly
//! as against Entra with `AZURE_AUTHORITY_HOST` pointed at the mock's root URL. Errors use Entra's
//! shape.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use data_encoding::BASE64;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::json_response;
use crate::app::body::MAX_BODY_BYTES;
use crate::app::caller::RequestMeta;
use crate::app::state::AppState;
use crate::clock::wall_timestamp;
use crate::token::TokenRequest;

/// The scope a client-credentials request must ask for.
const GRAPH_DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";

#[derive(Deserialize, Default)]
struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

/// An Entra-shaped error answer.
fn aad_error(
    meta: &RequestMeta,
    status: StatusCode,
    error: &str,
    code: u32,
    description: &str,
) -> Response {
    json_response(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description} Trace ID: {}", meta.request_id),
            "error_codes": [code],
            "timestamp": wall_timestamp().as_str().replace('T', " ").trim_end_matches('Z'),
            "trace_id": meta.request_id,
            "correlation_id": meta.client_request_id.clone().unwrap_or_else(|| meta.request_id.clone()),
        }),
    )
}

fn tenant_known(state: &AppState, tenant: &str) -> bool {
    state.read(|store| {
        let fixture = store.fixture();
        tenant.eq_ignore_ascii_case(&fixture.tenant_id)
            || tenant.eq_ignore_ascii_case(&fixture.domain)
    })
}

/// Client id and secret from an HTTP Basic `Authorization` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(BASE64.decode(encoded.trim().as_bytes()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// `POST /{tenant}/oauth2/v2.0/token` with a form body (`grant_type=client_credentials`).
pub(crate) async fn token(
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let bad = |code, description: &str| {
        aad_error(
            &meta,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            code,
            description,
        )
    };
    if !tenant_known(&state, &tenant) {
        return bad(90002, &format!("Tenant '{tenant}' not found."));
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return bad(
            900144,
            "The request body must be application/x-www-form-urlencoded.",
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return bad(900144, "The request body is too large.");
    };
    let Ok(form) = serde_urlencoded::from_bytes::<TokenForm>(&bytes) else {
        return bad(900144, "The request body is not a valid form.");
    };
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(_) => {
            return aad_error(
                &meta,
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                70003,
                "The app requested an unsupported grant type; only client_credentials is supported by the mock.",
            );
        }
        None => {
            return bad(
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            );
        }
    }
    let (client_id, client_secret) = match (
        form.client_id,
        form.client_secret,
        basic_credentials(&headers),
    ) {
        (Some(id), Some(secret), _) => (id, secret),
        (_, _, Some(basic)) => basic,
        (None, _, None) => {
            return bad(
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            );
        }
        (Some(_), None, None) => {
            return aad_error(
                &meta,
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        }
    };
    let scope_ok = form.scope.as_deref().is_some_and(|s| {
        s.split_whitespace()
            .any(|s| s.eq_ignore_ascii_case(GRAPH_DEFAULT_SCOPE))
    });
    if !scope_ok {
        return aad_error(
            &meta,
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (https://graph.microsoft.com/.default).",
        );
    }
    let app = state.read(|store| {
        store.fixture().app(&client_id).map(|app| {
            (
                app.client_secret.clone(),
                app.roles.clone(),
                store.fixture().tenant_id.clone(),
            )
        })
    });
    let Some((secret, roles, tenant_id)) = app else {
        return aad_error(
            &meta,
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory."),
        );
    };
    if !bool::from(secret.expose().as_bytes().ct_eq(client_secret.as_bytes())) {
        return aad_error(
            &meta,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        );
    }
    let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
    let mut request = TokenRequest::app(&roles);
    request.expires_in = Some(state.settings.token_lifetime);
    let access_token = request.mint(&state.key, &tenant_id);
    tracing::info!(client_id = %client_id, "issued an app-only token");
    json_response(
        StatusCode::OK,
        &json!({
            "token_type": "Bearer",
            "expires_in": state.settings.token_lifetime,
            "ext_expires_in": state.settings.token_lifetime,
            "access_token": access_token,
        }),
    )
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`: enough of Entra's discovery document for
/// MSAL-based clients to find the token endpoint.
pub(crate) async fn openid_configuration(
    State(state): State<AppState>,
    meta: RequestMeta,
    Path(tenant): Path<String>,
) -> Response {
    if !tenant_known(&state, &tenant) {
        return aad_error(
            &meta,
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    let root = &meta.root_url;
    json_response(
        StatusCode::OK,
        &json!({
            "token_endpoint": format!("{root}/{tenant}/oauth2/v2.0/token"),
            "authorization_endpoint": format!("{root}/{tenant}/oauth2/v2.0/authorize"),
            "issuer": format!("{root}/{tenant}/v2.0"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": ["token"],
            "grant_types_supported": ["client_credentials"],
            "tenant_region_scope": "WW",
        }),
    )
}

/// The query of `GET /common/discovery/instance`.
#[derive(Deserialize)]
pub(crate) struct InstanceQuery {
    authorization_endpoint: Option<String>,
}

/// `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=URL`: Entra's instance
/// discovery, for an authorization endpoint on this mock's host (any port, as MSAL drops it):
/// where the tenant's discovery document is, and the mock's host as its only alias. Any other
/// endpoint answers `invalid_instance`, as Entra does for a host it does not know.
///
/// MSAL asks `login.microsoftonline.com` for this, whatever the authority, unless told another
/// endpoint (MSAL for Python's `instance_discovery="{root}/common/discovery/instance"`).
pub(crate) async fn instance_discovery(
    meta: RequestMeta,
    Query(query): Query<InstanceQuery>,
) -> Response {
    let Some(endpoint) = query.authorization_endpoint else {
        return aad_error(
            &meta,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'authorization_endpoint'.",
        );
    };
    let root = &meta.root_url;
    let own = root.parse::<Uri>().unwrap_or_default();
    let asked = endpoint.parse::<Uri>().unwrap_or_default();
    // `https://{host}/{tenant}/oauth2/v2.0/authorize` (or the v1 `/oauth2/authorize`) on this mock's
    // host; MSAL leaves the port out.
    let tenant = asked
        .host()
        .zip(own.host())
        .filter(|(asked, own)| asked.eq_ignore_ascii_case(own))
        .and_then(|_| asked.path().strip_prefix('/'))
        .and_then(|path| path.split_once('/'))
        .filter(|(tenant, rest)| {
            !tenant.is_empty()
                && matches!(
                    rest.trim_end_matches('/'),
                    "oauth2/v2.0/authorize" | "oauth2/authorize"
                )
        })
        .map(|(tenant, _)| tenant);
    let Some(tenant) = tenant else {
        return aad_error(
            &meta,
            StatusCode::BAD_REQUEST,
            "invalid_instance",
            50049,
            "Unknown or invalid instance.",
        );
    };
    // The host without port or brackets, as MSAL compares aliases.
    let host = own
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    json_response(
        StatusCode::OK,
        &json!({
            "tenant_discovery_endpoint": format!("{root}/{tenant}/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [{
                "preferred_network": host,
                "preferred_cache": host,
                "aliases": [host],
            }],
        }),
    )
}
