//! `/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/hardwareOath`: the
//! hardware OATH entry of the tenant's authentication methods policy (read and change).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{authorized_body, json_response, no_content};
use crate::app::caller::{Caller, RequestMeta};
use crate::app::state::AppState;
use crate::auth::permissions::{Operation, authorize};
use crate::errors::ApiError;
use crate::policy::PolicyPatch;

/// The entry's path below `/beta`.
pub(crate) const PATH: &str =
    "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/hardwareOath";

/// `GET`: the entry (`state`, `includeTargets`, `excludeTargets`).
pub(crate) async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    meta: RequestMeta,
) -> Result<Response, ApiError> {
    authorize(&caller, Operation::PolicyRead)?;
    let context = format!(
        "{}/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity",
        meta.base_url()
    );
    let body = state.read(|store| store.policy().wire(context));
    Ok(json_response(StatusCode::OK, &body))
}

/// `PATCH` with `{"state": "enabled" | "disabled"}` (and optionally the targets): 204.
pub(crate) async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = authorized_body(&caller, Operation::PolicyWrite, &headers, body).await?;
    let body = hwoath_graph::parse_unique(&bytes)
        .map_err(|e| ApiError::invalid(format!("The body is not valid JSON: {e}.")))?;
    let patch = PolicyPatch::from_json(body).map_err(ApiError::invalid)?;
    state
        .mutate(|store| {
            store.update_policy(patch);
            Ok(())
        })
        .await?;
    Ok(no_content())
}
