//! The route table: Graph routes under `/beta`, the token endpoint, and (when enabled) the controls.

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post, put};

use crate::app::middleware::{count_requests, inject_faults, request_context};
use crate::app::state::AppState;
use crate::routes::methods::Handlers;
use crate::routes::{controls, devices, oauth};

/// Adds the method routes below `prefix` (`/me/...` when `ME`, `/users/{user}/...` otherwise).
fn method_routes<const ME: bool>(router: Router<AppState>, prefix: &str) -> Router<AppState> {
    let base = format!("{prefix}/authentication/hardwareOathMethods");
    router
        .route(
            &base,
            get(Handlers::<ME>::list).post(Handlers::<ME>::assign),
        )
        .route(
            &format!("{base}/assignAndActivate"),
            post(Handlers::<ME>::assign_and_activate),
        )
        .route(
            &format!("{base}/assignAndActivateBySerialNumber"),
            post(Handlers::<ME>::assign_and_activate_by_serial),
        )
        .route(
            &format!("{base}/{{id}}"),
            get(Handlers::<ME>::get).delete(Handlers::<ME>::unassign),
        )
        .route(
            &format!("{base}/{{id}}/activate"),
            post(Handlers::<ME>::activate),
        )
        .route(
            &format!("{base}/{{id}}/deactivate"),
            post(Handlers::<ME>::deactivate),
        )
}

/// The Graph routes, relative to `/beta`.
fn graph_routes() -> Router<AppState> {
    let inventory = Router::new()
        .route(
            devices::PATH,
            get(devices::list)
                .post(devices::create)
                .patch(devices::bulk_create),
        )
        .route(&format!("{}/$count", devices::PATH), get(devices::count))
        .route(
            &format!("{}/{{id}}", devices::PATH),
            get(devices::get)
                .patch(devices::update)
                .delete(devices::delete),
        );
    let with_me = method_routes::<true>(inventory, "/me");
    method_routes::<false>(with_me, "/users/{user}")
}

fn control_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/_hwoath/clock",
            get(controls::get_clock).put(controls::set_clock),
        )
        .route("/_hwoath/reset", post(controls::reset))
        .route(
            "/_hwoath/faults",
            put(controls::set_faults)
                .get(controls::get_faults)
                .delete(controls::clear_faults),
        )
        .route("/_hwoath/counters", get(controls::counters))
        .route("/_hwoath/token", post(controls::mint_token))
}

/// Builds the whole application for `state`.
pub fn build(state: AppState) -> Router {
    let beta = graph_routes().layer(from_fn_with_state(state.clone(), inject_faults));
    let counted = Router::new()
        .nest("/beta", beta)
        .route("/{tenant}/oauth2/v2.0/token", post(oauth::token))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(oauth::openid_configuration),
        )
        .layer(from_fn_with_state(state.clone(), count_requests));
    let app = if state.settings.controls {
        counted.merge(control_routes())
    } else {
        counted
    };
    app.layer(from_fn_with_state(state.clone(), request_context))
        .with_state(state)
}
