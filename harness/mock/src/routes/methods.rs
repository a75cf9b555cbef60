//! `/me/authentication/hardwareOathMethods` and `/users/{id}/authentication/hardwareOathMethods`:
//! one user's hardware OATH methods (assign, unassign, activate, deactivate, assign-and-activate).

use std::time::Instant;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use hwoath_graph::{
    Activate, AssignAndActivate, AssignAndActivateBySerialNumber, AssignMethod, Entity, Method,
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
pub(crate) const SPEC: CollectionSpec = CollectionSpec {
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
enum Target {
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
fn resolve(
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
pub(crate) type Params = Result<Path<Vec<(String, String)>>, PathRejection>;

/// The target user and the method id (if the route has one) of a method route.
fn split_params(target_is_me: bool, params: Params) -> Result<(Target, Option<String>), ApiError> {
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

/// The user a collection route (`ME` or `/users/{user}`) acts on, after the permission check to
/// read (`write == false`) or change its methods.
pub(crate) fn collection_subject<const ME: bool>(
    state: &AppState,
    caller: &Principal,
    params: Params,
    write: bool,
) -> Result<Subject, ApiError> {
    let (target, _) = split_params(ME, params)?;
    resolve(state, caller, target, write)
}

/// The user and the method id of a `/{id}` route, after the permission check (a missing id is
/// refused before the user is looked at).
pub(crate) fn method_subject<const ME: bool>(
    state: &AppState,
    caller: &Principal,
    params: Params,
    write: bool,
) -> Result<(Subject, String), ApiError> {
    let (target, id) = split_params(ME, params)?;
    let id = id.ok_or_else(|| ApiError::invalid("A method id is required."))?;
    Ok((resolve(state, caller, target, write)?, id))
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
pub(crate) fn matching<'a>(
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
pub(crate) struct Handlers<const ME: bool>;

impl<const ME: bool> Handlers<ME> {
    /// `GET` the collection.
    pub(crate) async fn list(
        State(state): State<AppState>,
        Caller(caller): Caller,
        meta: RequestMeta,
        params: Params,
        RawQuery(query): RawQuery,
    ) -> Result<Response, ApiError> {
        let subject = collection_subject::<ME>(&state, &caller, params, false)?;
        let options = QueryOptions::parse(query.as_deref(), SPEC)?;
        let items: Vec<Value> =
            state.read(|store| matching(store, &subject.user_id, &options).collect());
        let total = items.len();
        let collection = Collection {
            meta: &meta,
            context: Method::collection_context(&meta.base_url(), &subject.user_id),
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
    pub(crate) async fn get(
        State(state): State<AppState>,
        Caller(caller): Caller,
        meta: RequestMeta,
        params: Params,
        RawQuery(query): RawQuery,
    ) -> Result<Response, ApiError> {
        let (subject, id) = method_subject::<ME>(&state, &caller, params, false)?;
        let options = QueryOptions::parse(query.as_deref(), SPEC)?;
        let context = Method::entity_context(&meta.base_url(), &subject.user_id);
        let method = state
            .read(|store| visible_method_json(store, &subject.user_id, &id, Some(context)))
            .ok_or_else(|| method_not_found(&id))?;
        Ok(json_response(StatusCode::OK, &options.project(method)))
    }

    /// `POST` the collection: assign an available token to the user.
    pub(crate) async fn assign(
        State(state): State<AppState>,
        Caller(caller): Caller,
        meta: RequestMeta,
        params: Params,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response, ApiError> {
        let subject = collection_subject::<ME>(&state, &caller, params, true)?;
        let body: AssignMethod = read_json(&headers, body).await?;
        let now = state.clock.now_millis();
        let context = Method::entity_context(&meta.base_url(), &subject.user_id);
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
    pub(crate) async fn unassign(
        State(state): State<AppState>,
        Caller(caller): Caller,
        params: Params,
    ) -> Result<Response, ApiError> {
        change_method::<ME>(&state, &caller, params, Store::unassign).await
    }

    /// `POST /{id}/activate`: verify a code and activate.
    pub(crate) async fn activate(
        State(state): State<AppState>,
        Caller(caller): Caller,
        params: Params,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response, ApiError> {
        let (subject, id) = method_subject::<ME>(&state, &caller, params, true)?;
        let body: Activate = read_json(&headers, body).await?;
        body.validate().map_err(invalid)?;
        attempt_activation(&state, |store, now| {
            store.activate(
                &subject.user_id,
                &id,
                &body.verification_code,
                body.display_name,
                now,
            )
        })
        .await
    }

    /// `POST /{id}/deactivate`: back to `assigned`.
    pub(crate) async fn deactivate(
        State(state): State<AppState>,
        Caller(caller): Caller,
        params: Params,
    ) -> Result<Response, ApiError> {
        change_method::<ME>(&state, &caller, params, Store::deactivate).await
    }

    /// `POST /assignAndActivate`: assign a token by id and activate it in one step.
    pub(crate) async fn assign_and_activate(
        State(state): State<AppState>,
        Caller(caller): Caller,
        params: Params,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response, ApiError> {
        let subject = collection_subject::<ME>(&state, &caller, params, true)?;
        let body: AssignAndActivate = read_json(&headers, body).await?;
        body.validate().map_err(invalid)?;
        let device = DeviceSelector::Id(&body.device.id);
        attempt_activation(&state, |store, now| {
            let code = &body.verification_code;
            store.assign_and_activate(&subject.user_id, device, code, body.display_name, now)
        })
        .await
    }

    /// `POST /assignAndActivateBySerialNumber`: the same, finding the token by serial number.
    pub(crate) async fn assign_and_activate_by_serial(
        State(state): State<AppState>,
        Caller(caller): Caller,
        params: Params,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response, ApiError> {
        let subject = collection_subject::<ME>(&state, &caller, params, true)?;
        let body: AssignAndActivateBySerialNumber = read_json(&headers, body).await?;
        body.validate().map_err(invalid)?;
        let device = DeviceSelector::Serial(&body.serial_number);
        attempt_activation(&state, |store, now| {
            let code = &body.verification_code;
            store.assign_and_activate(&subject.user_id, device, code, body.display_name, now)
        })
        .await
    }
}

/// 404 for a method id the path's user does not hold.
pub(crate) fn method_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "Hardware OATH method '{id}' was not found for the user."
    ))
}

/// Changes the path's method through `change` (after the write permission check), answering 204.
async fn change_method<const ME: bool>(
    state: &AppState,
    caller: &Principal,
    params: Params,
    change: impl FnOnce(&mut Store, &str, &str) -> Result<(), StoreError>,
) -> Result<Response, ApiError> {
    let (subject, id) = method_subject::<ME>(state, caller, params, true)?;
    state
        .mutate(|store| change(store, &subject.user_id, &id))
        .await?;
    Ok(no_content())
}

/// One activation attempt at the current tenant time, if the activation throttle admits it:
/// `attempt` runs on the store, its outcome is counted and answered (204 when accepted).
async fn attempt_activation(
    state: &AppState,
    attempt: impl FnOnce(&mut Store, i64) -> Result<(), StoreError>,
) -> Result<Response, ApiError> {
    let now = state.clock.now_millis();
    let admitted = lock(&state.throttle).try_acquire(now);
    admitted.map_err(|retry_after| {
        state.count(|c| c.throttled += 1);
        ApiError::too_many_requests(retry_after)
    })?;
    let result = state.mutate(|store| Ok(attempt(store, now))).await?;
    match &result {
        Ok(()) => state.count(|c| c.activations += 1),
        Err(StoreError::WrongCode) => state.count(|c| c.failed_activations += 1),
        Err(_) => {}
    }
    result.map(|()| no_content()).map_err(ApiError::from)
}
