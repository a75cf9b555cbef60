//! Request handlers: the inventory ([`devices`]), per-user methods ([`methods`]), the navigation
//! properties between tokens and users ([`navigation`]), the authentication methods policy
//! ([`policy`]), the OAuth2 token endpoint ([`oauth`]) and the test controls ([`controls`]); plus the
//! answer helpers they share.

pub(crate) mod controls;
pub(crate) mod devices;
pub(crate) mod methods;
pub(crate) mod navigation;
pub(crate) mod oauth;
pub(crate) mod policy;
pub(crate) mod users;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};

use axum::body::Body;
use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::http::HeaderMap;

use crate::app::body::read_bytes;
use crate::app::caller::RequestMeta;
use crate::app::middleware::JSON_CONTENT_TYPE;
use crate::auth::permissions::{Operation, Principal, authorize};
use crate::errors::ApiError;
use crate::odata::{CollectionSpec, QueryOptions};

/// The `{id}` segment of a token route, as axum extracts it.
pub(crate) type IdParam = Result<Path<String>, PathRejection>;

/// The query options of a read, after the caller's permission check for `op`.
pub(crate) fn authorized_query(
    caller: &Principal,
    op: Operation,
    query: Option<&str>,
    spec: CollectionSpec,
) -> Result<QueryOptions, ApiError> {
    authorize(caller, op)?;
    QueryOptions::parse(query, spec)
}

/// The token id of a `/{id}` route, after the caller's permission check for `op`.
pub(crate) fn authorized_id(
    caller: &Principal,
    op: Operation,
    id: IdParam,
) -> Result<String, ApiError> {
    authorize(caller, op)?;
    id.map(|Path(id)| id)
        .map_err(|_| ApiError::invalid("The resource id in the path is not valid."))
}

/// The raw body of a write, after the caller's permission check for `op`.
pub(crate) async fn authorized_body(
    caller: &Principal,
    op: Operation,
    headers: &HeaderMap,
    body: Body,
) -> Result<Vec<u8>, ApiError> {
    authorize(caller, op)?;
    read_bytes(headers, body).await
}

/// A JSON answer with Graph's content type.
pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

/// `204 No Content`.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// The answer of a `/$count` segment: the number as `text/plain`.
pub(crate) fn count_response(total: usize) -> Response {
    let mut response = total.to_string().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=utf-8"),
    );
    response
}

/// Serializes an entity, failing with a 400 never (serialization of the wire types cannot fail).
pub(crate) fn to_value(entity: &impl Serialize) -> Value {
    serde_json::to_value(entity).unwrap_or(Value::Null)
}

/// Which collection a [`page`] belongs to.
#[derive(Debug)]
pub(crate) struct Collection<'a> {
    /// The request (for the base URL of the next link).
    pub(crate) meta: &'a RequestMeta,
    /// `@odata.context`.
    pub(crate) context: String,
    /// The collection's path below `/beta`.
    pub(crate) path: &'a str,
    /// Page size when the client gives no `$top`.
    pub(crate) default_page_size: usize,
}

/// A collection answer: the page of `items` (the filtered items after the `$skiptoken`, in order,
/// each with its position key; only the page is read and turned into JSON by `render`), `$select`
/// applied, with `@odata.context`, `@odata.count` from `count` (only called when asked for) and
/// `@odata.nextLink` (when more remain, resuming after the last item shown).
pub(crate) fn page<T>(
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
pub(crate) fn by_position<T>(items: Vec<T>, after: u64) -> impl Iterator<Item = (u64, T)> {
    (1..).zip(items).filter(move |(key, _)| *key > after)
}

/// Turns a field-rule failure into a 400.
pub(crate) fn invalid(err: hwoath_graph::ValidationError) -> ApiError {
    ApiError::invalid(err.to_string())
}
