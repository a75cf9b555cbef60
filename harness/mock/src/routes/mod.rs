//! Request handlers: the inventory ([`devices`]), per-user methods ([`methods`]), the navigation
//! properties between tokens and users ([`navigation`]), the authentication methods policy
//! ([`policy`]), the OAuth2 token endpoint ([`oauth`]) and the test controls ([`controls`]); plus the
//! answer helpers they share.

pub mod controls;
pub mod devices;
pub mod methods;
pub mod navigation;
pub mod oauth;
pub mod policy;
pub mod users;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::app::caller::RequestMeta;
use crate::app::middleware::JSON_CONTENT_TYPE;
use crate::errors::ApiError;
use crate::odata::QueryOptions;

/// A JSON answer with Graph's content type.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

/// `204 No Content`.
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// The answer of a `/$count` segment: the number as `text/plain`.
pub fn count_response(total: usize) -> Response {
    let mut response = total.to_string().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=utf-8"),
    );
    response
}

/// Serializes an entity, failing with a 400 never (serialization of the wire types cannot fail).
pub fn to_value(entity: &impl Serialize) -> Value {
    serde_json::to_value(entity).unwrap_or(Value::Null)
}

/// A collection answer: the requested page of `items` (already filtered; only the page is turned
/// into JSON by `render`), `$select` applied, with `@odata.context`, `@odata.count` (when asked) and
/// `@odata.nextLink` (when more remain).
pub fn page<T>(
    meta: &RequestMeta,
    context: String,
    path: &str,
    items: Vec<T>,
    render: impl Fn(T) -> Value,
    options: &QueryOptions,
    default_page_size: usize,
) -> Response {
    let total = items.len();
    let size = options.page_size(default_page_size);
    let start = options.skip.min(total);
    let end = start.saturating_add(size).min(total);
    let value: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(end - start)
        .map(|item| options.project(render(item)))
        .collect();
    let context = match &options.select {
        Some(select) => format!("{context}({})", select.join(",")),
        None => context,
    };
    let mut body = Map::new();
    body.insert("@odata.context".into(), json!(context));
    if options.count {
        body.insert("@odata.count".into(), json!(total));
    }
    body.insert("value".into(), Value::Array(value));
    if end < total {
        let next = format!("{}{path}?{}", meta.base_url(), options.next_query(end));
        body.insert("@odata.nextLink".into(), json!(next));
    }
    json_response(StatusCode::OK, &Value::Object(body))
}

/// Turns a field-rule failure into a 400.
pub fn invalid(err: hwoath_graph::ValidationError) -> ApiError {
    ApiError::invalid(err.to_string())
}
