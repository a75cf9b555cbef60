//! Reading request bodies: `Content-Type` must be JSON (415), at most 1 MiB (413), then a strict
//! parse against the wire type (400 naming the property).

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use futures_util::StreamExt;
use hwoath_graph::{Mode, Wire, parse};

use crate::errors::ApiError;

/// Largest accepted request body.
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Whether the `Content-Type` is `application/json` (parameters such as `charset` allowed).
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Most of an oversized body read and dropped before answering 413: a client still sending would
/// otherwise meet a closed connection (a broken pipe) instead of reading the answer.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Reads the raw body bytes, refusing a non-JSON content type and oversized bodies.
pub(crate) async fn read_bytes(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, ApiError> {
    if !is_json(headers) {
        return Err(ApiError::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > DRAIN_LIMIT as u64) {
        return Err(ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    let mut received = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid("The request body could not be read."))?;
        received = received.saturating_add(chunk.len());
        if received <= MAX_BODY_BYTES {
            bytes.extend_from_slice(&chunk);
        } else if received > DRAIN_LIMIT {
            break;
        }
    }
    if received > MAX_BODY_BYTES {
        return Err(ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    Ok(bytes)
}

/// Reads and strictly parses a JSON body as `T`.
pub(crate) async fn read_json<T: Wire>(headers: &HeaderMap, body: Body) -> Result<T, ApiError> {
    let bytes = read_bytes(headers, body).await?;
    Ok(parse::<T>(&bytes, Mode::Strict)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let mut headers = HeaderMap::new();
        assert!(!is_json(&headers));
        for (value, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/json;odata.metadata=minimal", true),
            ("text/plain", false),
            ("application/jsonx", false),
        ] {
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            assert_eq!(is_json(&headers), ok, "{value}");
        }
    }
}
