//! `GET /users`, `GET /users/{id or userPrincipalName}` and `GET /me`: the part of Graph's user API a
//! client uses to find the users it assigns tokens to (id, display name, sign-in name).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Collection, authorized_query, by_position, json_response, page};
use crate::app::caller::{Caller, RequestMeta};
use crate::app::state::AppState;
use crate::auth::permissions::{Denied, Operation, Principal, authorize};
use crate::errors::ApiError;
use crate::fixture::User;
use crate::odata::{CollectionSpec, QueryOptions};

/// Query options of one user.
pub(crate) const SPEC: CollectionSpec = CollectionSpec {
    filterable: &[],
    selectable: &["id", "displayName", "userPrincipalName"],
    expandable: &[],
};

/// Query options of the user collection: `$filter` (`eq`) on the names and id, `$select`, `$top`.
pub(crate) const LIST_SPEC: CollectionSpec = CollectionSpec {
    filterable: &["id", "displayName", "userPrincipalName"],
    selectable: &["id", "displayName", "userPrincipalName"],
    expandable: &[],
};

/// The properties of a user the mock's directory holds.
fn user_properties(user: &User) -> Value {
    json!({
        "id": user.id,
        "displayName": user.display_name,
        "userPrincipalName": user.user_principal_name,
    })
}

/// A user as Graph's `users/$entity`.
pub(crate) fn entity(meta: &RequestMeta, user: &User) -> Value {
    let mut entity = user_properties(user);
    entity["@odata.context"] = json!(format!("{}/$metadata#users/$entity", meta.base_url()));
    entity
}

/// Whether `key` (an id or UPN) names the signed-in user of a delegated caller.
fn names_caller(state: &AppState, caller: &Principal, key: &str) -> bool {
    let Principal::Delegated { user_id, .. } = caller else {
        return false;
    };
    state.read(|store| {
        store.user(user_id).is_some_and(|me| {
            me.id.eq_ignore_ascii_case(key) || me.user_principal_name.eq_ignore_ascii_case(key)
        })
    })
}

fn answer(meta: &RequestMeta, user: &User, query: Option<&str>) -> Result<Response, ApiError> {
    let options = QueryOptions::parse(query, SPEC)?;
    Ok(json_response(
        StatusCode::OK,
        &options.project(entity(meta, user)),
    ))
}

/// `GET /users`: the directory's users, filtered and paged.
pub(crate) async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let options = authorized_query(&caller, Operation::UsersRead, query.as_deref(), LIST_SPEC)?;
    let users: Vec<Value> = state.read(|store| {
        store
            .fixture()
            .users
            .iter()
            .map(user_properties)
            .filter(|user| options.matches(user))
            .collect()
    });
    let total = users.len();
    let collection = Collection {
        meta: &meta,
        context: format!("{}/$metadata#users", meta.base_url()),
        path: "/users",
        default_page_size: state.settings.page_size,
    };
    Ok(page(
        collection,
        &options,
        by_position(users, options.after),
        || total,
        |user| user,
    ))
}

/// `GET /users/{id or userPrincipalName}`.
pub(crate) async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    key: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let Path(key) = key.map_err(|_| ApiError::invalid("The user id in the path is not valid."))?;
    // Permission before existence, as on every other read: a refused caller learns nothing about
    // which users exist. Reading oneself needs less than reading others.
    let op = if names_caller(&state, &caller, &key) {
        Operation::OwnUserRead
    } else {
        Operation::UsersRead
    };
    authorize(&caller, op)?;
    let user = state
        .read(|store| store.user(&key).cloned())
        .ok_or_else(|| ApiError::not_found(format!("User '{key}' does not exist.")))?;
    answer(&meta, &user, query.as_deref())
}

/// `GET /me`: the signed-in user of a delegated token (app-only tokens get 400, as on every `/me`).
pub(crate) async fn me(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    authorize(&caller, Operation::OwnUserRead)?;
    let Principal::Delegated { user_id, .. } = &caller else {
        return Err(Denied::AppOnlySelf.into());
    };
    let user = state
        .read(|store| store.user(user_id).cloned())
        .ok_or_else(|| ApiError::not_found(format!("User '{user_id}' does not exist.")))?;
    answer(&meta, &user, query.as_deref())
}
