//! `/me/authentication/hardwareOathMethods` and `/users/{id}/authentication/hardwareOathMethods`:
//! one user's hardware OATH methods (assign, unassign, activate, deactivate, assign-and-activate).

use std::time::Instant;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use hwoath_graph::{
    Activate, AssignAndActivate, AssignAndActivateBySerialNumber, AssignMethod, Entity, odata,
    validate,
};
use serde_json::Value;

use super::{Collection, by_position, invalid, json_response, no_content, page, to_value};
use crate::app::body::read_json;
use crate::app::caller::{Caller, RequestMeta};
use crate::app::state::{AppState, lock};
use crate::auth::permissions::{Denied, Operation, Principal, authorize};
use crate::errors::ApiError;
use crate::odata::{CollectionSpec, QueryOptions};
use crate::store::{DeviceSelector, Store, StoreError};

/// Query options of a user's method collection.
pub const SPEC: CollectionSpec = CollectionSpec {
    filterable: &[
        "id",
        "device/id",
        "device/serialNumber",
        "device/manufacturer",
        "device/model",
        "device/status",
    ],
    selectable: &["id", "createdDateTime", "lastUsedDateTime", "device"],
    expandable: &["device"],
};

/// Whose methods a request is about.
#[derive(Debug, Clone)]
pub enum Target {
    /// `/me`: the signed-in user.
    Me,
    /// `/users/{id or UPN}`.
    User(String),
}

/// The user a request acts on, after the permission check.
pub(crate) struct Subject {
    /// The user's object id.
    pub(crate) user_id: String,
    /// The collection's path below `/beta`, as the client addressed it.
    path: String,
}

/// Resolves the target user and checks the caller may read (`write == false`) or change its methods.
pub(crate) fn resolve(
    state: &AppState,
    caller: &Principal,
    target: Target,
    write: bool,
) -> Result<Subject, ApiError> {
    let (own, others) = if write {
        (Operation::OwnMethodsWrite, Operation::OthersMethodsWrite)
    } else {
        (Operation::OwnMethodsRead, Operation::OthersMethodsRead)
    };
    match target {
        Target::Me => {
            let Principal::Delegated { user_id, .. } = caller else {
                return Err(Denied::AppOnlySelf.into());
            };
            authorize(caller, own)?;
            let user = state
                .read(|s| s.user(user_id).cloned())
                .ok_or_else(|| ApiError::not_found(format!("User '{user_id}' does not exist.")))?;
            Ok(Subject {
                user_id: user.id,
                path: "/me/authentication/hardwareOathMethods".into(),
            })
        }
        Target::User(key) => {
            let user = state.read(|s| s.user(&key).cloned());
            let is_self = matches!(
                (caller, &user),
                (Principal::Delegated { user_id, .. }, Some(u)) if u.id.eq_ignore_ascii_case(user_id)
            );
            authorize(caller, if is_self { own } else { others })?;
            let user =
                user.ok_or_else(|| ApiError::not_found(format!("User '{key}' does not exist.")))?;
            Ok(Subject {
                path: format!("/users/{key}/authentication/hardwareOathMethods"),
                user_id: user.id,
            })
        }
    }
}

/// Path parameters of the method routes: an optional user and an optional method id.
pub type Params = Result<Path<Vec<(String, String)>>, PathRejection>;

/// The target user and the method id (if the route has one) of a method route.
pub(crate) fn split_params(
    target_is_me: bool,
    params: Params,
) -> Result<(Target, Option<String>), ApiError> {
    let Path(params) = params.map_err(|_| ApiError::invalid("A path segment is not valid."))?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let target = if target_is_me {
        Target::Me
    } else {
        Target::User(get("user").ok_or_else(|| ApiError::invalid("A user id is required."))?)
    };
    Ok((target, get("id")))
}

/// The method id a route requires.
pub(crate) fn method_id(id: Option<String>) -> Result<String, ApiError> {
    id.ok_or_else(|| ApiError::invalid("A method id is required."))
}

/// The user's method `id` as JSON, read from `store` as it is now.
fn method_json(store: &Store, user_id: &str, id: &str, context: Option<String>) -> Option<Value> {
    let device = store
        .methods_of(user_id)
        .find(|d| d.id.eq_ignore_ascii_case(id))?;
    Some(to_value(&Entity::new(store.method_wire(device), context)))
}

/// The user's method `id` as a read now sees it (see [`Store::visible_methods_of`]), as JSON.
fn visible_method_json(
    store: &Store,
    user_id: &str,
    id: &str,
    context: Option<String>,
) -> Option<Value> {
    let device = store
        .visible_methods_of(user_id, Instant::now())
        .find(|d| d.id.eq_ignore_ascii_case(id))?;
    Some(to_value(&Entity::new(store.method_wire(device), context)))
}

/// The user's methods a read sees now, as JSON, that `options`' `$filter` keeps.
pub fn matching<'a>(
    store: &'a Store,
    user_id: &'a str,
    options: &'a QueryOptions,
) -> impl Iterator<Item = Value> + 'a {
    store
        .visible_methods_of(user_id, Instant::now())
        .map(|d| to_value(&Entity::new(store.method_wire(d), None)))
        .filter(|v| options.matches(v))
}

/// The handlers, generic over `/me` (`ME = true`) and `/users/{user}` (`ME = false`).
pub struct Handlers<const ME: bool>;

impl<const ME: bool> Handlers<ME> {
    /// `GET` the collection.
    pub async fn list(
        State(state): State<AppState>,
        Caller(caller): Caller,
        meta: RequestMeta,
        params: Params,
        RawQuery(query): RawQuery,
    ) -> Result<Response, ApiError> {
        let (target, _) = split_params(ME, params)?;
        let subject = resolve(&state, &caller, target, false)?;
        let options = QueryOptions::parse(query.as_deref(), SPEC)?;
        let items: Vec<Value> =
            state.read(|store| matching(store, &subject.user_id, &options).collect());
        let total = items.len();
        let collection = Collection {
            meta: &meta,
            context: odata::method_collection_context(&meta.base_url(), &subject.user_id),
            path: &subject.path,
            default_page_size: state.settings.page_size,
        };
        Ok(page(
            collection,
            &options,
            by_position(items, options.after),
            || total,
            |item| item,
        ))
    }

    /// `GET /{id}`: one method with its device expanded.
    pub async fn get(
        State(state): State<AppState>,
        Caller(caller): Caller,
        meta: RequestMeta,
        params: Params,
        RawQuery(query): RawQuery,
    ) -> Result<Response, ApiError> {
        let (target, id) = split_params(ME, params)?;
        let id = method_id(id)?;
        let subject = resolve(&state, &caller, target, false)?;
        let options = QueryOptions::parse(query.as_deref(), SPEC)?;
        let context = odata::method_entity_context(&meta.base_url(), &subject.user_id);
        let method = state
            .read(|store| visible_method_json(store, &subject.user_id, &id, Some(context)))
            .ok_or_else(|| {
                ApiError::from(StoreError::NotFound(format!(
                    "Hardware OATH method '{id}' was not found for the user."
                )))
            })?;
        Ok(json_response(StatusCode::OK, &options.project(method)))
    }

    /// `POST` the collection: assign an available token to the user.
    pub async fn assign(
        State(state): State<AppState>,
        Caller(caller): Caller,
        meta: RequestMeta,
        params: Params,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response, ApiError> {
        let (target, _) = split_params(ME, params)?;
        let subject = resolve(&state, &caller, target, true)?;
        let body: AssignMethod = read_json(&headers, body).await?;
        let now = state.clock.now_millis();
        let context = odata::method_entity_context(&meta.base_url(), &subject.user_id);
        // The answer is read in the same critical section as the change: once the lock is released
        // (and while the state file is written) another request may already unassign the token.
        let (id, method) = state
            .mutate(|store| {
                let id = store
                    .assign(&subject.user_id, &body.device.id, now)?
                    .id
                    .clone();
                let method = method_json(store, &subject.user_id, &id, Some(context));
                Ok((id, method.unwrap_or(Value::Null)))
            })
            .await?;
        let mut response = json_response(StatusCode::CREATED, &method);
        if let Ok(location) =
            HeaderValue::from_str(&format!("{}{}/{id}", meta.base_url(), subject.path))
        {
            response.headers_mut().insert(header::LOCATION, location);
        }
        Ok(response)
    }

    /// `DELETE /{id}`: unassign; the token returns to the inventory as `available`.
    pub async fn unassign(
        State(state): State<AppState>,
        Caller(caller): Caller,
        params: Params,
    ) -> Result<Response, ApiError> {
        let (target, id) = split_params(ME, params)?;
        let id = method_id(id)?;
        let subject = resolve(&state, &caller, target, true)?;
        state
            .mutate(|store| store.unassign(&subject.user_id, &id))
            .await?;
        Ok(no_content())
    }

    /// `POST /{id}/activate`: verify a code and activate.
    pub async fn activate(
        State(state): State<AppState>,
        Caller(caller): Caller,
        params: Params,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response, ApiError> {
        let (target, id) = split_params(ME, params)?;
        let id = method_id(id)?;
        let subject = resolve(&state, &caller, target, true)?;
        let body: Activate = read_json(&headers, body).await?;
        validate::activate(&body).map_err(invalid)?;
        let now = throttled_now(&state)?;
        let result = state
            .mutate(|store| {
                Ok(store.activate(
                    &subject.user_id,
                    &id,
                    &body.verification_code,
                    body.display_name,
                    now,
                ))
            })
            .await?;
        finish_activation(&state, result)
    }

    /// `POST /{id}/deactivate`: back to `assigned`.
    pub async fn deactivate(
        State(state): State<AppState>,
        Caller(caller): Caller,
        params: Params,
    ) -> Result<Response, ApiError> {
        let (target, id) = split_params(ME, params)?;
        let id = method_id(id)?;
        let subject = resolve(&state, &caller, target, true)?;
        state
            .mutate(|store| store.deactivate(&subject.user_id, &id))
            .await?;
        Ok(no_content())
    }

    /// `POST /assignAndActivate`: assign a token by id and activate it in one step.
    pub async fn assign_and_activate(
        State(state): State<AppState>,
        Caller(caller): Caller,
        params: Params,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response, ApiError> {
        let (target, _) = split_params(ME, params)?;
        let subject = resolve(&state, &caller, target, true)?;
        let body: AssignAndActivate = read_json(&headers, body).await?;
        validate::assign_and_activate(&body).map_err(invalid)?;
        let now = throttled_now(&state)?;
        let result = state
            .mutate(|store| {
                Ok(store.assign_and_activate(
                    &subject.user_id,
                    DeviceSelector::Id(&body.device.id),
                    &body.verification_code,
                    body.display_name,
                    now,
                ))
            })
            .await?;
        finish_activation(&state, result)
    }

    /// `POST /assignAndActivateBySerialNumber`: the same, finding the token by serial number.
    pub async fn assign_and_activate_by_serial(
        State(state): State<AppState>,
        Caller(caller): Caller,
        params: Params,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response, ApiError> {
        let (target, _) = split_params(ME, params)?;
        let subject = resolve(&state, &caller, target, true)?;
        let body: AssignAndActivateBySerialNumber = read_json(&headers, body).await?;
        validate::assign_and_activate_by_serial_number(&body).map_err(invalid)?;
        let now = throttled_now(&state)?;
        let result = state
            .mutate(|store| {
                Ok(store.assign_and_activate(
                    &subject.user_id,
                    DeviceSelector::Serial(&body.serial_number),
                    &body.verification_code,
                    body.display_name,
                    now,
                ))
            })
            .await?;
        finish_activation(&state, result)
    }
}

/// The current tenant time, if the activation throttle admits one more attempt.
fn throttled_now(state: &AppState) -> Result<i64, ApiError> {
    let now = state.clock.now_millis();
    let admitted = lock(&state.throttle).try_acquire(now);
    admitted.map(|()| now).map_err(|retry_after| {
        state.count(|c| c.throttled += 1);
        ApiError::too_many_requests(retry_after)
    })
}

/// Counts an activation's outcome and turns it into the answer.
fn finish_activation(
    state: &AppState,
    result: Result<(), StoreError>,
) -> Result<Response, ApiError> {
    match &result {
        Ok(()) => state.count(|c| c.activations += 1),
        Err(StoreError::WrongCode) => state.count(|c| c.failed_activations += 1),
        Err(_) => {}
    }
    result.map(|()| no_content()).map_err(ApiError::from)
}
