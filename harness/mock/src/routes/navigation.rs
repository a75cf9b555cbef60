//! Navigation properties between tokens and users (Graph beta, as the metadata-generated SDKs name
//! them): a token's `assignTo` (read, and set through `$ref`), a method's `device`, and `$count` of a
//! user's methods.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hwoath_graph::Entity;
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::methods::{
    Params, SPEC as METHODS_SPEC, collection_subject, method_not_found, method_subject,
};
use super::{IdParam, authorized_id, count_response, devices, json_response, no_content, to_value};
use crate::app::body::read_bytes;
use crate::app::caller::{Caller, RequestMeta};
use crate::app::state::AppState;
use crate::auth::permissions::{Operation, authorize};
use crate::errors::ApiError;
use crate::fixture::User;
use crate::odata::QueryOptions;

/// `GET /directory/authenticationMethodDevices/hardwareOathDevices/{id}/assignTo`: the user holding
/// the token; 404 when it is unassigned (the mock's decision).
pub(crate) async fn device_assign_to(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
    id: IdParam,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = authorized_id(&caller, Operation::InventoryRead, id)?;
    let options = QueryOptions::parse(query.as_deref(), super::users::SPEC)?;
    let holder = state.read(|store| {
        let device = store.visible_device(&id, Instant::now()).ok_or_else(|| {
            ApiError::not_found(format!("Hardware OATH token '{id}' was not found."))
        })?;
        device
            .assigned_to
            .as_deref()
            .and_then(|user| store.user(user).cloned())
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "Hardware OATH token '{id}' is not assigned to a user."
                ))
            })
    })?;
    let user = super::users::entity(&meta, &holder);
    Ok(json_response(StatusCode::OK, &options.project(user)))
}

/// `PUT /directory/authenticationMethodDevices/hardwareOathDevices/{id}/assignTo/$ref` with
/// `{"@odata.id": ".../users/{id or UPN}"}`: assigns the token as the assign `POST` does (204).
pub(crate) async fn device_assign_to_ref(
    State(state): State<AppState>,
    Caller(caller): Caller,
    id: IdParam,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    authorize(&caller, Operation::InventoryWrite)?;
    let id = authorized_id(&caller, Operation::InventoryAssign, id)?;
    let user = referenced_user(&state, &read_bytes(&headers, body).await?)?;
    let now = state.clock.now_millis();
    state
        .mutate(|store| store.assign(&user.id, &id, now).map(|_| ()))
        .await?;
    Ok(no_content())
}

/// The navigation handlers below a user's methods, generic over `/me` (`ME = true`) and
/// `/users/{user}` (`ME = false`).
pub(crate) struct MethodNavigation<const ME: bool>;

impl<const ME: bool> MethodNavigation<ME> {
    /// `GET .../hardwareOathMethods/$count`: the number of (filtered) methods as plain text.
    pub(crate) async fn count(
        State(state): State<AppState>,
        Caller(caller): Caller,
        params: Params,
        RawQuery(query): RawQuery,
    ) -> Result<Response, ApiError> {
        let subject = collection_subject::<ME>(&state, &caller, params, false)?;
        let options = QueryOptions::parse(query.as_deref(), METHODS_SPEC)?;
        let total =
            state.read(|store| super::methods::matching(store, &subject.user_id, &options).count());
        Ok(count_response(total))
    }

    /// `GET .../hardwareOathMethods/{id}/device`: the method's token.
    pub(crate) async fn device(
        State(state): State<AppState>,
        Caller(caller): Caller,
        meta: RequestMeta,
        params: Params,
        RawQuery(query): RawQuery,
    ) -> Result<Response, ApiError> {
        let (subject, id) = method_subject::<ME>(&state, &caller, params, false)?;
        let options = QueryOptions::parse(query.as_deref(), devices::SPEC)?;
        let device = state.read(|store| {
            store
                .visible_methods_of(&subject.user_id, Instant::now())
                .find(|d| d.id.eq_ignore_ascii_case(&id))
                .map(|d| {
                    let context = format!(
                        "{}/$metadata#users('{}')/authentication/hardwareOathMethods('{}')/device/$entity",
                        meta.base_url(),
                        subject.user_id,
                        d.id
                    );
                    to_value(&Entity::new(store.device_wire(d), Some(context)))
                })
        });
        let device = device.ok_or_else(|| method_not_found(&id))?;
        Ok(json_response(StatusCode::OK, &options.project(device)))
    }

    /// `PUT .../hardwareOathMethods/{id}/device/assignTo/$ref` with `{"@odata.id": ".../users/{key}"}`:
    /// assigns token `{id}` to the path's user as the assign `POST` does (204). The reference must
    /// name that same user (the mock's decision).
    pub(crate) async fn assign_to_ref(
        State(state): State<AppState>,
        Caller(caller): Caller,
        params: Params,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response, ApiError> {
        let (subject, id) = method_subject::<ME>(&state, &caller, params, true)?;
        let user = referenced_user(&state, &read_bytes(&headers, body).await?)?;
        if !user.id.eq_ignore_ascii_case(&subject.user_id) {
            return Err(ApiError::invalid(
                "The @odata.id must name the user in the path: a user's hardware OATH method is assigned to that user only.",
            ));
        }
        let now = state.clock.now_millis();
        state
            .mutate(|store| store.assign(&subject.user_id, &id, now).map(|_| ()))
            .await?;
        Ok(no_content())
    }
}

/// The user a `$ref` body names: `{"@odata.id": "<absolute URL ending in /users/{id or UPN}>"}`
/// (400 when the body is not such a reference, 404 when the user does not exist).
fn referenced_user(state: &AppState, bytes: &[u8]) -> Result<User, ApiError> {
    let body = hwoath_graph::parse_unique(bytes)
        .map_err(|e| ApiError::invalid(format!("The body is not a valid reference: {e}.")))?;
    let Value::Object(map) = body else {
        return Err(ApiError::invalid("The body must be a JSON object."));
    };
    if let Some(key) = map.keys().find(|k| !k.contains('@')) {
        return Err(ApiError::invalid(format!(
            "Property '{key}' is not a property of a reference; send {{\"@odata.id\": \"https://graph.microsoft.com/beta/users/{{id}}\"}}."
        )));
    }
    let key = map
        .get("@odata.id")
        .and_then(Value::as_str)
        .and_then(user_key)
        .ok_or_else(|| {
            ApiError::invalid(
                "@odata.id must be the absolute URL of a user, such as https://graph.microsoft.com/beta/users/{id}.",
            )
        })?;
    state
        .read(|store| store.user(&key).cloned())
        .ok_or_else(|| ApiError::not_found(format!("User '{key}' does not exist.")))
}

/// The user id or UPN an absolute `http(s)` URL names in its last path segments
/// (`.../users/{key}` or `.../directoryObjects/{key}`), percent-decoded.
fn user_key(url: &str) -> Option<String> {
    let rest = ["https://", "http://"].iter().find_map(|scheme| {
        url.get(..scheme.len())
            .filter(|prefix| prefix.eq_ignore_ascii_case(scheme))
            .and_then(|_| url.get(scheme.len()..))
    })?;
    let (host, path) = rest.split_once('/')?;
    if host.is_empty() {
        return None;
    }
    let path = path.split(['?', '#']).next()?.trim_end_matches('/');
    let mut segments = path.rsplit('/');
    let (key, collection) = (segments.next()?, segments.next()?);
    if !(collection.eq_ignore_ascii_case("users")
        || collection.eq_ignore_ascii_case("directoryObjects"))
    {
        return None;
    }
    let key = percent_decode_str(key).decode_utf8().ok()?;
    (!key.is_empty()).then(|| key.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_users_by_the_end_of_an_absolute_url() {
        for (url, key) in [
            ("https://graph.microsoft.com/beta/users/abc", Some("abc")),
            (
                "https://graph.microsoft.com/v1.0/users/AmyM%40contoso.com",
                Some("AmyM@contoso.com"),
            ),
            ("http://127.0.0.1:8080/beta/Users/abc/", Some("abc")),
            (
                "HTTPS://graph.microsoft.com/beta/directoryObjects/abc?x=1",
                Some("abc"),
            ),
            ("/beta/users/abc", None),
            ("https:///beta/users/abc", None),
            ("https://graph.microsoft.com/beta/groups/abc", None),
            ("https://graph.microsoft.com/beta/users/", None),
            ("https://graph.microsoft.com/beta/users/%FF", None),
            ("ftp://host/users/abc", None),
            ("https://host", None),
        ] {
            assert_eq!(user_key(url).as_deref(), key, "{url}");
        }
    }
}
