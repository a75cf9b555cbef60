//! `GET /users/{id or userPrincipalName}` and `GET /me`: the part of Graph's user API a client uses to
//! find a user it assigns tokens to (id, display name, sign-in name).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::json_response;
use crate::app::caller::{Caller, RequestMeta};
use crate::app::state::AppState;
use crate::auth::permissions::{Denied, Operation, Principal, authorize};
use crate::errors::ApiError;
use crate::fixture::User;
use crate::odata::{CollectionSpec, QueryOptions};

/// Query options of one user.
pub const SPEC: CollectionSpec = CollectionSpec {
    filterable: &[],
    selectable: &["id", "displayName", "userPrincipalName"],
    expandable: &[],
};

/// A user as Graph's `users/$entity`, with the properties the mock's directory holds.
pub fn entity(meta: &RequestMeta, user: &User) -> Value {
    json!({
        "@odata.context": format!("{}/$metadata#users/$entity", meta.base_url()),
        "id": user.id,
        "displayName": user.display_name,
        "userPrincipalName": user.user_principal_name,
    })
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

/// `GET /users/{id or userPrincipalName}`.
pub async fn get(
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
pub async fn me(
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
