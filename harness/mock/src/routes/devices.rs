//! `/directory/authenticationMethodDevices/hardwareOathDevices`: the tenant's token inventory.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use hwoath_graph::{
    BulkDelta, BulkItem, CreateDevice, Device, Entity, Mode, UpdateDevice, Wire, parse,
};
use serde_json::{Value, json};

use super::{
    Collection, IdParam, authorized_body, authorized_id, authorized_query, count_response, invalid,
    json_response, no_content, page, to_value,
};
use crate::app::body::read_bytes;
use crate::app::caller::{Caller, RequestMeta};
use crate::app::numbers::{coerce, parse_body};
use crate::app::state::AppState;
use crate::auth::permissions::{Operation, authorize};
use crate::errors::ApiError;
use crate::odata::{CollectionSpec, Literal, QueryOptions};
use crate::options::NumbersAsStrings;
use crate::records::{DevicePatch, DeviceRecord, NewDevice};
use crate::store::{Lookup, Store, StoreError};

/// The collection's path below `/beta`.
pub(crate) const PATH: &str = "/directory/authenticationMethodDevices/hardwareOathDevices";

/// Query options of the inventory.
pub(crate) const SPEC: CollectionSpec = CollectionSpec {
    filterable: &[
        "id",
        "displayName",
        "serialNumber",
        "manufacturer",
        "model",
        "status",
        "hashFunction",
        "timeIntervalInSeconds",
        "assignedTo/id",
    ],
    selectable: &[
        "id",
        "displayName",
        "serialNumber",
        "manufacturer",
        "model",
        "secretKey",
        "timeIntervalInSeconds",
        "status",
        "lastUsedDateTime",
        "assignedTo",
        "hashFunction",
    ],
    expandable: &[],
};

/// Token `id` as a read now sees it, as JSON.
fn visible_device_json(store: &Store, id: &str, context: Option<String>) -> Option<Value> {
    let device = store.visible_device(id, Instant::now())?;
    Some(to_value(&Entity::new(store.device_wire(device), context)))
}

/// Creates a token and renders it, from the record the store hands back rather than a second lookup
/// by id (which scans the inventory).
fn created_json(
    store: &mut Store,
    new: NewDevice,
    now_millis: i64,
    context: Option<String>,
) -> Result<Value, StoreError> {
    let created = store.create_device(new, now_millis)?.clone();
    Ok(to_value(&Entity::new(store.device_wire(&created), context)))
}

/// `GET` the collection.
pub(crate) async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let options = authorized_query(&caller, Operation::InventoryRead, query.as_deref(), SPEC)?;
    // Filter on the records; only the page asked for is turned into JSON.
    let collection = Collection {
        meta: &meta,
        context: Device::collection_context(&meta.base_url()),
        path: PATH,
        default_page_size: state.settings.page_size,
    };
    let now = Instant::now();
    Ok(state.read(|store| {
        page(
            collection,
            &options,
            matching(store, &options, options.after, now),
            || count_matching(store, &options, now),
            |d| to_value(&Entity::new(store.device_wire(d), None)),
        )
    }))
}

/// The tokens after `after` that a read at `now` sees and the `$filter` keeps, in creation order;
/// a filter on `id`, `serialNumber` or `assignedTo/id` is answered from an index.
fn matching<'a>(
    store: &'a Store,
    options: &'a QueryOptions,
    after: u64,
    now: Instant,
) -> impl Iterator<Item = (u64, &'a DeviceRecord)> + 'a {
    store
        .visible_after(lookup(options), after, now)
        .filter(|(_, d)| options.matches_fields(|path| filter_field(d, path)))
}

/// How many tokens a read at `now` sees that the `$filter` keeps (O(1) without a filter).
fn count_matching(store: &Store, options: &QueryOptions, now: Instant) -> usize {
    if options.filter.is_empty() {
        store.visible_count(now)
    } else {
        matching(store, options, 0, now).count()
    }
}

/// The index that narrows a listing to the tokens a `$filter` can keep, if one does.
fn lookup(options: &QueryOptions) -> Lookup<'_> {
    options
        .filter
        .iter()
        .find_map(|clause| match (clause.path.as_str(), &clause.literal) {
            ("id", Literal::Str(id)) => Some(Lookup::Id(id)),
            ("serialNumber", Literal::Str(serial)) => Some(Lookup::Serial(serial)),
            ("assignedTo/id", Literal::Str(user)) => Some(Lookup::Holder(user)),
            _ => None,
        })
        .unwrap_or(Lookup::All)
}

/// `GET /$count`: the number of (filtered) tokens as plain text.
pub(crate) async fn count(
    State(state): State<AppState>,
    Caller(caller): Caller,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let options = authorized_query(&caller, Operation::InventoryRead, query.as_deref(), SPEC)?;
    let total = state.read(|store| count_matching(store, &options, Instant::now()));
    Ok(count_response(total))
}

/// `GET /{id}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    id: IdParam,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = authorized_id(&caller, Operation::InventoryRead, id)?;
    let options = QueryOptions::parse(query.as_deref(), SPEC)?;
    let context = Device::entity_context(&meta.base_url());
    let device = state
        .read(|store| visible_device_json(store, &id, Some(context)))
        .ok_or_else(|| ApiError::not_found(format!("Hardware OATH token '{id}' was not found.")))?;
    Ok(json_response(StatusCode::OK, &options.project(device)))
}

fn new_device(body: CreateDevice) -> NewDevice {
    NewDevice {
        display_name: body.display_name,
        serial_number: body.serial_number,
        manufacturer: body.manufacturer,
        model: body.model,
        secret_key: body.secret_key,
        time_interval_in_seconds: body.time_interval_in_seconds,
        hash_function: body.hash_function.unwrap_or_default(),
        assign_to: body.assign_to.map(|a| a.id),
    }
}

/// `POST` the collection: create one token (assigned at once with `assignTo`).
pub(crate) async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = authorized_body(&caller, Operation::InventoryWrite, &headers, body).await?;
    let body: CreateDevice = parse_body(&bytes, state.settings.behaviour.numbers_as_strings)?;
    body.validate().map_err(invalid)?;
    if body.assign_to.is_some() {
        authorize(&caller, Operation::InventoryAssign)?;
    }
    let now = state.clock.now_millis();
    let context = Device::entity_context(&meta.base_url());
    let created = state
        .mutate(|store| created_json(store, new_device(body), now, Some(context)))
        .await?;
    let mut response = json_response(StatusCode::CREATED, &created);
    if let Some(location) = created
        .get("id")
        .and_then(Value::as_str)
        .and_then(|id| HeaderValue::from_str(&format!("{}{PATH}/{id}", meta.base_url())).ok())
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `PATCH` the collection with a `#$delta` body: create many tokens, one outcome per item.
pub(crate) async fn bulk_create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = authorized_body(&caller, Operation::InventoryWrite, &headers, body).await?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::invalid(format!(
            "The body is not valid JSON (line {}, column {}).",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(object) = value else {
        return Err(ApiError::invalid("The body must be a JSON object."));
    };
    if let Some(key) = object
        .keys()
        .find(|k| !k.contains('@') && k.as_str() != "value")
    {
        return Err(ApiError::invalid(format!(
            "Property '{key}' is not a property of a delta payload."
        )));
    }
    if object.get("@context").and_then(Value::as_str) != Some(BulkDelta::CONTEXT) {
        return Err(ApiError::invalid("@context must be \"#$delta\"."));
    }
    let Some(Value::Array(items)) = object.get("value") else {
        return Err(ApiError::invalid("value must be an array of tokens."));
    };
    let may_assign = authorize(&caller, Operation::InventoryAssign);
    let numbers = state.settings.behaviour.numbers_as_strings;
    let prepared: Vec<(Value, Result<NewDevice, ApiError>)> = items
        .iter()
        .map(|item| {
            let content_id = item.get("@contentId").cloned().unwrap_or(Value::Null);
            let mut item = item.clone();
            if numbers == NumbersAsStrings::Coerce {
                coerce(&mut item, &BulkItem::shape());
            }
            let parsed = serde_json::to_vec(&item)
                .map_err(|_| ApiError::invalid("The item is not valid."))
                .and_then(|bytes| parse::<BulkItem>(&bytes, Mode::Strict).map_err(ApiError::from))
                .and_then(|item| {
                    item.device.validate().map_err(invalid)?;
                    if item.device.assign_to.is_some() {
                        may_assign.map_err(ApiError::from)?;
                    }
                    Ok(new_device(item.device))
                });
            (content_id, parsed)
        })
        .collect();
    let now = state.clock.now_millis();
    let outcomes = state
        .mutate(|store| {
            Ok(prepared
                .into_iter()
                .map(|(content_id, parsed)| {
                    let created = parsed.and_then(|new| Ok(created_json(store, new, now, None)?));
                    bulk_outcome(content_id, created)
                })
                .collect::<Vec<Value>>())
        })
        .await?;
    let context = format!("{}/$delta", Device::collection_context(&meta.base_url()));
    Ok(json_response(
        StatusCode::OK,
        &json!({"@odata.context": context, "value": outcomes}),
    ))
}

/// One item's outcome: the created token, or an OData `Core.DataModificationException` annotation.
fn bulk_outcome(content_id: Value, created: Result<Value, ApiError>) -> Value {
    let mut item = match created {
        Ok(device) => device,
        Err(err) => json!({
            "@Core.DataModificationException": {
                "failedOperation": "insert",
                "responseCode": err.status.as_u16(),
                "info": {"code": err.code, "message": err.message},
            }
        }),
    };
    if let Value::Object(map) = &mut item {
        map.insert("@contentId".into(), content_id);
    }
    item
}

/// `PATCH /{id}`: change an unassigned token.
pub(crate) async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    id: IdParam,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = authorized_id(&caller, Operation::InventoryWrite, id)?;
    let bytes = read_bytes(&headers, body).await?;
    let body: UpdateDevice = parse_body(&bytes, state.settings.behaviour.numbers_as_strings)?;
    body.validate().map_err(invalid)?;
    let patch = DevicePatch {
        display_name: body.display_name.map(Some),
        manufacturer: body.manufacturer,
        model: body.model,
        time_interval_in_seconds: body.time_interval_in_seconds,
        hash_function: body.hash_function,
    };
    state
        .mutate(|store| store.update_device(&id, patch))
        .await?;
    Ok(no_content())
}

/// `DELETE /{id}`: remove an unassigned token.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    id: IdParam,
) -> Result<Response, ApiError> {
    let id = authorized_id(&caller, Operation::InventoryWrite, id)?;
    state.mutate(|store| store.delete_device(&id)).await?;
    Ok(no_content())
}

/// A token's property at a `$filter` path, as JSON (only the filterable properties of docs/spec.md,
/// "Endpoints", plus `id` and `displayName`).
fn filter_field(device: &DeviceRecord, path: &str) -> Option<Value> {
    Some(match path {
        "id" => Value::from(device.id.as_str()),
        "serialNumber" => Value::from(device.serial_number.as_str()),
        "manufacturer" => Value::from(device.manufacturer.as_str()),
        "model" => Value::from(device.model.as_str()),
        "displayName" => device
            .display_name
            .as_deref()
            .map_or(Value::Null, Value::from),
        "status" => Value::from(device.status.as_str()),
        "hashFunction" => Value::from(device.hash_function.as_str()),
        "timeIntervalInSeconds" => Value::from(device.time_interval_in_seconds),
        "assignedTo/id" => device
            .assigned_to
            .as_deref()
            .map_or(Value::Null, Value::from),
        _ => return None,
    })
}
