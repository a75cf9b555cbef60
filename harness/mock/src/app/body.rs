//! Reading request bodies: `Content-Type` must be JSON (415), at most 1 MiB (413), then a strict
//! parse against the wire type (400 naming the property).

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use hwoath_graph::parse::{Mode, parse};
use hwoath_graph::shape::Wire;

use crate::errors::ApiError;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Whether the `Content-Type` is `application/json` (parameters such as `charset` allowed).
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Reads the raw body bytes, refusing a non-JSON content type and oversized bodies.
pub async fn read_bytes(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, ApiError> {
    if !is_json(headers) {
        return Err(ApiError::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Err(ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map(|bytes| bytes.to_vec())
        .map_err(|_| ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE))
}

/// Reads and strictly parses a JSON body as `T`.
pub async fn read_json<T: Wire>(headers: &HeaderMap, body: Body) -> Result<T, ApiError> {
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
