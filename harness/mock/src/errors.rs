//! Graph errors as the mock answers them: a status, a code, a message; the request-id middleware
//! wraps them in Graph's envelope with `innerError`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::jwt::TokenError;
use crate::auth::permissions::Denied;
use crate::store::StoreError;

/// `Retry-After` seconds of a change that could not be saved: a full disk is not freed in a second.
pub(crate) const NOT_SAVED_RETRY_AFTER: f64 = 5.0;

/// A Graph error before the envelope is written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    /// HTTP status.
    pub(crate) status: StatusCode,
    /// Graph error code, e.g. `invalidRequest`.
    pub(crate) code: &'static str,
    /// Human-readable message.
    pub(crate) message: String,
    /// `Retry-After` seconds for 429 and 503 answers (sent rounded up to whole seconds).
    pub(crate) retry_after: Option<f64>,
}

impl ApiError {
    /// An error with this status, code and message.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `invalidRequest`.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalidRequest", message)
    }

    /// 401 `InvalidAuthenticationToken`.
    pub(crate) fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    }

    /// 403 `accessDenied` "Request Authorization failed", whatever permission or role is missing
    /// (inferred from sibling authentication-method endpoints: msgraph-sdk-go issue 441).
    pub(crate) fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "accessDenied",
            "Request Authorization failed",
        )
    }

    /// 400 `BadRequest` for `/me` with an app-only token (inferred, as Graph is widely recorded to answer).
    pub(crate) fn app_only_self() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "/me request is only valid with delegated authentication flow.",
        )
    }

    /// 404 `Request_ResourceNotFound`.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Request_ResourceNotFound", message)
    }

    /// 409 `conflict`.
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 429 `TooManyRequests` with `Retry-After`.
    pub(crate) fn too_many_requests(retry_after: f64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests. Retry after the time given in the Retry-After header.",
            )
        }
    }

    /// 503 `serviceNotAvailable` with `Retry-After`, as the fault controls inject it.
    pub(crate) fn service_unavailable(retry_after: f64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "serviceNotAvailable",
                "The service is temporarily unavailable (injected fault).",
            )
        }
    }

    /// 503 `serviceNotAvailable` with `Retry-After` for a change the state database could not save
    /// (nothing was changed).
    pub(crate) fn not_saved() -> Self {
        Self {
            retry_after: Some(NOT_SAVED_RETRY_AFTER),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "serviceNotAvailable",
                "The change could not be saved, so nothing was changed. Retry after the delay.",
            )
        }
    }

    /// The default code for a status the mock answers without a more specific one.
    pub(crate) fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Self::unauthenticated("Access token is empty."),
            403 => Self::forbidden(),
            404 => Self::not_found("Resource not found for the segment."),
            405 => Self::new(
                status,
                "methodNotAllowed",
                "The HTTP method is not allowed on this resource.",
            ),
            409 => Self::conflict("The request conflicts with the resource's state."),
            413 => Self::new(
                status,
                "requestEntityTooLarge",
                "The request body exceeds 1 MiB.",
            ),
            415 => Self::new(
                status,
                "unsupportedMediaType",
                "The request body must be sent as application/json.",
            ),
            429 => Self::too_many_requests(1.0),
            s if s >= 500 => Self::new(status, "generalException", "An internal error occurred."),
            _ => Self::invalid("The request is invalid."),
        }
    }
}

/// Marks a response whose body the middleware must fill with the Graph envelope.
#[derive(Debug, Clone)]
pub(crate) struct PendingEnvelope {
    /// Graph error code.
    pub(crate) code: &'static str,
    /// Human-readable message.
    pub(crate) message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&format_retry_after(seconds))
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response.extensions_mut().insert(PendingEnvelope {
            code: self.code,
            message: self.message,
        });
        response
    }
}

/// Writes a `Retry-After` value as RFC 9110 delay-seconds: a whole number of seconds, rounded up,
/// at least 1 (a client that waits that long never retries too early).
pub fn format_retry_after(seconds: f64) -> String {
    let whole = if seconds.is_finite() {
        seconds.ceil().clamp(1.0, f64::from(u32::MAX))
    } else {
        1.0
    };
    format!("{whole:.0}")
}

impl From<TokenError> for ApiError {
    fn from(err: TokenError) -> Self {
        Self::unauthenticated(err.to_string())
    }
}

impl From<Denied> for ApiError {
    fn from(err: Denied) -> Self {
        match err {
            Denied::AppOnlySelf => Self::app_only_self(),
            Denied::Permission | Denied::Role => Self::forbidden(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        let message = err.to_string();
        match err {
            StoreError::NotFound(_) => Self::not_found(message),
            StoreError::Conflict(_) => Self::conflict(message),
            StoreError::Invalid(_) | StoreError::WrongCode => Self::invalid(message),
        }
    }
}

impl From<hwoath_graph::ParseError> for ApiError {
    fn from(err: hwoath_graph::ParseError) -> Self {
        Self::invalid(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        assert_eq!(format_retry_after(2.0), "2");
        assert_eq!(format_retry_after(0.5), "1");
        assert_eq!(format_retry_after(1.25), "2");
        assert_eq!(format_retry_after(0.0), "1");
        assert_eq!(format_retry_after(199.001), "200");
        assert_eq!(format_retry_after(f64::NAN), "1");
    }

    #[test]
    fn app_only_self_is_a_bad_request_and_denials_are_access_denied() {
        let me = ApiError::from(Denied::AppOnlySelf);
        assert_eq!(
            (me.status, me.code),
            (StatusCode::BAD_REQUEST, "BadRequest")
        );
        for denied in [Denied::Role, Denied::Permission] {
            let err = ApiError::from(denied);
            assert_eq!(
                (err.status, err.code, err.message.as_str()),
                (
                    StatusCode::FORBIDDEN,
                    "accessDenied",
                    "Request Authorization failed"
                )
            );
        }
    }
}
