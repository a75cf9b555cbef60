//! A target that loses one transition: a proxy in front of the mock answers every `deactivate` with
//! 204 without passing it on (even for a token nobody holds, where the model expects 404). The stateful
//! case must fail, shrink the sequence to a few operations, and print it as numbered HTTP calls.

mod common;

use std::net::SocketAddr;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use hwoath_suite::case::Group;
use hwoath_suite::{Credentials, Outcome, RunOptions};

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    if parts.method == "POST" && path.ends_with("/deactivate") {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(
            "request-id",
            HeaderValue::from_static("5c1f0e8a-0000-4000-8000-000000000001"),
        );
        if let Some(id) = parts.headers.get("client-request-id") {
            headers.insert("client-request-id", id.clone());
        }
        return response;
    }
    let body = to_bytes(body, 4 << 20).await.unwrap_or_default();
    let mut upstream = proxy
        .http
        .request(parts.method.clone(), format!("{}{path}", proxy.upstream))
        .body(body.to_vec());
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.expect("the mock answers");
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    for (name, value) in &headers {
        if name != "content-length" && name != "transfer-encoding" {
            response
                .headers_mut()
                .insert(HeaderName::from(name), value.clone());
        }
    }
    response
}

async fn start_proxy(upstream: String) -> SocketAddr {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = Router::new().fallback(forward).with_state(Proxy {
        upstream,
        http: reqwest::Client::new(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_transition_shrinks_to_a_short_numbered_script() {
    let (tenant, mut options) = common::mock().await;
    let proxy = start_proxy(tenant.root_url()).await;
    options.cases = Some(64);
    options.seed = 3;
    let run = RunOptions {
        groups: vec![Group::Stateful],
        ..RunOptions::default()
    };
    let report = common::run(
        &format!("http://{proxy}/beta"),
        Credentials::MockControls,
        options,
        run,
    )
    .await;
    let case = &report.cases[0];
    assert_eq!(case.outcome, Outcome::Fail, "{:?}", case.reasons);
    let reason = case.reasons.join("\n");
    let shrunk: usize = reason
        .split("shrunk to ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the reason says how short the sequence got");
    // The shortest script is create then deactivate (answered 204 where the model says 404); one
    // that goes through assign and activate first is longer but still short.
    assert!((2..=6).contains(&shrunk), "{reason}");
    assert!(
        reason.contains("1. (test control) set the clock"),
        "{reason}"
    );
    assert!(reason.contains("2. POST /directory/"), "{reason}");
    assert!(reason.contains("/deactivate -> 204"), "{reason}");
    assert!(
        reason.contains(r#""secretKey":"[redacted]""#),
        "secrets are masked in the script: {reason}"
    );
    assert!(
        tenant.devices().is_empty(),
        "{} devices left",
        tenant.devices().len()
    );
}
