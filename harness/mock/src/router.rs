//! The route table: Graph routes under `/beta` (literal segments matched in any letter case), the
//! token endpoint, and (when enabled) the controls.

use axum::Router;
use axum::extract::Request;
use axum::http::Uri;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, get, post, put};
use tower::ServiceExt;

use crate::app::canonical_path::PathCanon;
use crate::app::middleware::{count_requests, inject_faults, request_context};
use crate::app::state::AppState;
use crate::routes::methods::Handlers;
use crate::routes::navigation::{self, MethodNavigation};
use crate::routes::{controls, devices, oauth, policy, users};

/// The Graph routes under construction, and their templates (for [`PathCanon`]).
struct GraphRoutes {
    router: Router<AppState>,
    templates: Vec<String>,
}

impl GraphRoutes {
    fn route(mut self, path: &str, handlers: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, handlers);
        self.templates.push(format!("/beta{path}"));
        self
    }

    /// Adds the method routes below `prefix` (`/me/...` when `ME`, `/users/{user}/...` otherwise).
    fn methods<const ME: bool>(self, prefix: &str) -> Self {
        let base = format!("{prefix}/authentication/hardwareOathMethods");
        self.route(
            &base,
            get(Handlers::<ME>::list).post(Handlers::<ME>::assign),
        )
        .route(
            &format!("{base}/$count"),
            get(MethodNavigation::<ME>::count),
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
        .route(
            &format!("{base}/{{id}}/device"),
            get(MethodNavigation::<ME>::device),
        )
        .route(
            &format!("{base}/{{id}}/device/assignTo/$ref"),
            put(MethodNavigation::<ME>::assign_to_ref),
        )
    }
}

/// The Graph routes, relative to `/beta`, with their templates.
fn graph_routes() -> GraphRoutes {
    GraphRoutes {
        router: Router::new(),
        templates: Vec::new(),
    }
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
    )
    .route(
        &format!("{}/{{id}}/assignTo", devices::PATH),
        get(navigation::device_assign_to),
    )
    .route(
        &format!("{}/{{id}}/assignTo/$ref", devices::PATH),
        put(navigation::device_assign_to_ref),
    )
    .route(policy::PATH, get(policy::get).patch(policy::update))
    .route("/me", get(users::me))
    .route("/users", get(users::list))
    .route("/users/{user}", get(users::get))
    .methods::<true>("/me")
    .methods::<false>("/users/{user}")
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

/// Builds the whole application for `state`: every request's path is first canonicalized (see
/// [`PathCanon`]), then routed.
pub(crate) fn build(state: AppState) -> Router {
    let graph = graph_routes();
    // Shared, not cloned: axum clones a handler for every request it serves.
    let canon = std::sync::Arc::new(PathCanon::new(graph.templates.iter().map(String::as_str)));
    let beta = graph
        .router
        .layer(from_fn_with_state(state.clone(), inject_faults));
    let counted = Router::new()
        .nest("/beta", beta)
        .route("/{tenant}/oauth2/v2.0/token", post(oauth::token))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(oauth::openid_configuration),
        )
        .route("/common/discovery/instance", get(oauth::instance_discovery))
        .layer(from_fn_with_state(state.clone(), count_requests));
    let app = if state.settings.controls {
        counted.merge(control_routes())
    } else {
        counted
    };
    let routed = app
        .layer(from_fn_with_state(state.clone(), request_context))
        .with_state(state);
    Router::new().fallback(move |request: Request| {
        let routed = routed.clone();
        async move {
            let request = canonicalized(&canon, request);
            match routed.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
    })
}

/// `request` with its path respelled by `canon` (the query kept), or as it was.
fn canonicalized(canon: &PathCanon, mut request: Request) -> Request {
    let Some(path) = canon.canonicalize(request.uri().path()) else {
        return request;
    };
    let rewritten = match request.uri().query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(path_and_query) = rewritten.parse() {
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}
