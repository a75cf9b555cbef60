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

/// Which collection a [`page`] belongs to.
#[derive(Debug)]
pub struct Collection<'a> {
    /// The request (for the base URL of the next link).
    pub meta: &'a RequestMeta,
    /// `@odata.context`.
    pub context: String,
    /// The collection's path below `/beta`.
    pub path: &'a str,
    /// Page size when the client gives no `$top`.
    pub default_page_size: usize,
}

/// A collection answer: the page of `items` (the filtered items after the `$skiptoken`, in order,
/// each with its position key; only the page is read and turned into JSON by `render`), `$select`
/// applied, with `@odata.context`, `@odata.count` from `count` (only called when asked for) and
/// `@odata.nextLink` (when more remain, resuming after the last item shown).
pub fn page<T>(
    collection: Collection<'_>,
    options: &QueryOptions,
    items: impl Iterator<Item = (u64, T)>,
    count: impl FnOnce() -> usize,
    render: impl Fn(T) -> Value,
) -> Response {
    let Collection {
        meta,
        context,
        path,
        default_page_size,
    } = collection;
    let size = options.page_size(default_page_size);
    let mut items = items.peekable();
    let mut value = Vec::new();
    let mut last = None;
    while value.len() < size {
        let Some((key, item)) = items.next() else {
            break;
        };
        value.push(options.project(render(item)));
        last = Some(key);
    }
    let context = match &options.select {
        Some(select) => format!("{context}({})", select.join(",")),
        None => context,
    };
    let mut body = Map::new();
    body.insert("@odata.context".into(), json!(context));
    if options.count {
        body.insert("@odata.count".into(), json!(count()));
    }
    body.insert("value".into(), Value::Array(value));
    if let (Some(last), Some(_)) = (last, items.peek()) {
        let next = format!("{}{path}?{}", meta.base_url(), options.next_query(last));
        body.insert("@odata.nextLink".into(), json!(next));
    }
    json_response(StatusCode::OK, &Value::Object(body))
}

/// Numbers the items of a small collection by position (1, 2, ...) and keeps those after `after`:
/// the position keys of [`page`] for collections without an order of their own.
pub fn by_position<T>(items: Vec<T>, after: u64) -> impl Iterator<Item = (u64, T)> {
    (1..).zip(items).filter(move |(key, _)| *key > after)
}

/// Turns a field-rule failure into a 400.
pub fn invalid(err: hwoath_graph::ValidationError) -> ApiError {
    ApiError::invalid(err.to_string())
}
