//! The test controls under `/_hwoath` (served only when enabled): clock, reset, faults, counters and
//! token minting. Real Graph has no such path.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::{json_response, no_content};
use crate::app::body::MAX_BODY_BYTES;
use crate::app::state::{AppState, lock};
use crate::clock::ClockReading;
use crate::errors::ApiError;
use crate::faults::FaultConfig;
use crate::token::TokenRequest;

/// Latest settable clock time (9999-12-31T23:59:59Z).
const MAX_UNIX: i64 = 253_402_300_799;

/// Reads a control body: JSON, when a `Content-Type` is given it must be JSON.
async fn control_body<T: DeserializeOwned>(headers: &HeaderMap, body: Body) -> Result<T, ApiError> {
    if headers.contains_key(header::CONTENT_TYPE) && !crate::app::body::is_json(headers) {
        return Err(ApiError::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::invalid(format!("The control body is not valid: {e}.")))
}

/// `GET /_hwoath/clock` -> `{"unix": N, "frozen": bool}`.
pub(crate) async fn get_clock(State(state): State<AppState>) -> Response {
    json_response(StatusCode::OK, &state.clock.reading())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetClock {
    unix: i64,
    #[serde(default = "default_frozen")]
    frozen: bool,
}

fn default_frozen() -> bool {
    true
}

/// `PUT /_hwoath/clock` with `{"unix": N, "frozen": bool}` (`frozen` defaults to true).
pub(crate) async fn set_clock(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let SetClock { unix, frozen } = control_body(&headers, body).await?;
    if !(0..=MAX_UNIX).contains(&unix) {
        return Err(ApiError::invalid(format!(
            "unix must be between 0 and {MAX_UNIX}."
        )));
    }
    state.clock.set(unix, frozen);
    tracing::info!(unix, frozen, "clock set");
    Ok(json_response(
        StatusCode::OK,
        &ClockReading { unix, frozen },
    ))
}

/// `POST /_hwoath/reset`: devices, throttle, faults and counters back to the fixture's start.
pub(crate) async fn reset(State(state): State<AppState>) -> Result<Response, ApiError> {
    state.reset().await?;
    tracing::info!("tenant reset");
    Ok(no_content())
}

/// `GET /_hwoath/faults`: the active fault configuration (`null` when none).
pub(crate) async fn get_faults(State(state): State<AppState>) -> Response {
    let config = lock(&state.faults).config().cloned();
    json_response(StatusCode::OK, &config)
}

/// `PUT /_hwoath/faults`: install a fault configuration (restarting its generator from the seed).
pub(crate) async fn set_faults(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let config: FaultConfig = control_body(&headers, body).await?;
    config
        .validate()
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    lock(&state.faults).configure(config.clone());
    tracing::info!(?config, "faults configured");
    Ok(json_response(StatusCode::OK, &config))
}

/// `DELETE /_hwoath/faults`: remove every fault.
pub(crate) async fn clear_faults(State(state): State<AppState>) -> Response {
    lock(&state.faults).clear();
    no_content()
}

/// `GET /_hwoath/counters`.
pub(crate) async fn counters(State(state): State<AppState>) -> Response {
    let counters = lock(&state.counters).clone();
    json_response(StatusCode::OK, &counters)
}

/// `POST /_hwoath/token`: mint a token signed by the mock.
pub(crate) async fn mint_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let mut request: TokenRequest = control_body(&headers, body).await?;
    let tenant_id = state.read(|store| {
        if request.wids.is_none() {
            request.wids = request
                .oid
                .as_deref()
                .and_then(|oid| store.user(oid))
                .map(|user| user.roles.clone());
        }
        store.fixture().tenant_id.clone()
    });
    let token = request.mint(&state.key, &tenant_id);
    Ok(json_response(
        StatusCode::OK,
        &json!({"token_type": "Bearer", "expires_in": request.lifetime(), "access_token": token}),
    ))
}
