//! Middleware: request ids and Graph error envelopes on every answer, request counters, and fault
//! injection on the `/beta` routes.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hwoath_graph::{ErrorEnvelope, InnerError};

use crate::app::caller::RequestMeta;
use crate::app::state::{AppState, lock};
use crate::clock::wall_timestamp;
use crate::errors::{ApiError, PendingEnvelope};
use crate::faults::FaultOutcome;

/// The `Content-Type` of every JSON answer (what Graph itself sends).
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// Gives every request a `request-id`, echoes `client-request-id`, and turns every error answer of
/// the Graph and control routes into Graph's envelope.
pub(crate) async fn request_context(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let meta = RequestMeta {
        request_id: uuid::Uuid::new_v4().to_string(),
        client_request_id: request
            .headers()
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 256)
            .map(str::to_owned),
        root_url: root_url(request.headers(), &state.settings.root_url)
            .unwrap_or_else(|| state.settings.root_url.clone()),
    };
    let graph_shaped = !request.uri().path().contains("/oauth2/");
    let method = request.method().clone();
    // The path only: query strings are not logged, and bodies and headers (tokens) never are.
    let path = request.uri().path().to_owned();
    request.extensions_mut().insert(meta.clone());
    let mut response = next.run(request).await;
    tracing::info!(
        request_id = %meta.request_id,
        %method,
        %path,
        status = response.status().as_u16(),
        "request"
    );
    if graph_shaped {
        let pending = response.extensions_mut().remove::<PendingEnvelope>();
        let needs_envelope = pending.is_some()
            || (response.status().as_u16() >= 400 && !has_json_body(response.headers()));
        if needs_envelope {
            let (code, message) = match pending {
                Some(p) => (p.code.to_owned(), p.message),
                None => {
                    let fallback = ApiError::for_status(response.status());
                    (fallback.code.to_owned(), fallback.message)
                }
            };
            let envelope = ErrorEnvelope::new(
                code,
                message,
                Some(InnerError {
                    request_id: Some(meta.request_id.clone()),
                    client_request_id: meta.client_request_id.clone(),
                    date: Some(wall_timestamp().as_str().trim_end_matches('Z').to_owned()),
                }),
            );
            let body = serde_json::to_vec(&envelope).unwrap_or_default();
            let headers = response.headers_mut();
            headers.remove(header::CONTENT_LENGTH);
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(JSON_CONTENT_TYPE),
            );
            *response.body_mut() = Body::from(body);
        }
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&meta.request_id) {
        headers.insert("request-id", value);
    }
    // The tenant's own time, as Graph's `Date` is Graph's: clients that compute codes "at the target's
    // time" (vendor onboarding tools, `hwoath csv import --activate`) follow the test clock.
    if let Ok(value) = HeaderValue::from_str(&http_date(state.clock.now_millis())) {
        headers.insert(header::DATE, value);
    }
    if let Some(value) = meta
        .client_request_id
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        headers.insert("client-request-id", value);
    }
    response
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) for Unix milliseconds; times before 1970 are
/// written as 1970.
fn http_date(unix_millis: i64) -> String {
    let millis = u64::try_from(unix_millis).unwrap_or(0);
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_millis(millis))
}

fn has_json_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// `{scheme}://{Host}` when the request's `Host` header is a plain host[:port], with the scheme the
/// server speaks (that of its own `bound` root URL: `https` when serving TLS).
fn root_url(headers: &HeaderMap, bound: &str) -> Option<String> {
    let scheme = bound.split_once("://").map_or("http", |(scheme, _)| scheme);
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let plain = !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    plain.then(|| format!("{scheme}://{host}"))
}

/// Counts every answered request by route template and status.
pub(crate) async fn count_requests(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let route = format!(
        "{} {}",
        request.method(),
        request
            .extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "(unmatched)".into())
    );
    let response = next.run(request).await;
    let status = response.status().as_u16();
    state.count(|c| c.record(route, status));
    response
}

/// Applies the configured faults (latency, 429, 503, dropped connection) to a `/beta` request.
pub(crate) async fn inject_faults(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let (decision, retry_after) = {
        let mut faults = lock(&state.faults);
        let retry_after = faults.config().map(|c| c.retry_after()).unwrap_or(1.0);
        (faults.decide(), retry_after)
    };
    if decision.delay_ms > 0 {
        state.count(|c| c.faults.latency += 1);
        tokio::time::sleep(Duration::from_millis(decision.delay_ms)).await;
    }
    match decision.outcome {
        FaultOutcome::Pass => next.run(request).await,
        FaultOutcome::Throttle => {
            state.count(|c| c.faults.throttle += 1);
            ApiError::too_many_requests(retry_after).into_response()
        }
        FaultOutcome::ServerError => {
            state.count(|c| c.faults.server_error += 1);
            ApiError::service_unavailable(retry_after).into_response()
        }
        FaultOutcome::Drop => {
            state.count(|c| c.faults.drop += 1);
            let mut response = Response::new(Body::new(BrokenBody));
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(JSON_CONTENT_TYPE),
            );
            response
        }
    }
}

/// A body that fails at once, so the server aborts the connection mid-answer.
struct BrokenBody;

impl http_body::Body for BrokenBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected dropped connection",
        ))))
    }
}
