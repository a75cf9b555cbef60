//! One HTTP proxy in front of the mock for the tests that need a target which breaks a rule: a
//! [`Rewrite`] changes requests on their way up (or answers in the mock's place) and answers on their
//! way back; everything else passes through unchanged.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, Method, StatusCode};
use axum::response::Response;
use futures_util::future::BoxFuture;

/// A request on its way to the mock.
pub struct Forwarded {
    /// The HTTP method.
    pub method: Method,
    /// Path and query, e.g. `/beta/me/authentication/hardwareOathMethods?$top=1`.
    pub path: String,
    /// The request headers.
    pub headers: HeaderMap,
    /// The request body.
    pub body: Vec<u8>,
}

/// An answer on its way back to the client.
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The response body.
    pub body: Vec<u8>,
}

/// How a proxy departs from the mock.
pub trait Rewrite: Send + Sync + 'static {
    /// Changes `request` before it is forwarded, or answers it in the mock's place (`Some`).
    fn request<'a>(&'a self, _request: &'a mut Forwarded) -> BoxFuture<'a, Option<Answer>> {
        Box::pin(async { None })
    }

    /// Changes the mock's `answer` to `request` before it goes back.
    fn answer<'a>(&'a self, _request: &'a Forwarded, _answer: &'a mut Answer) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// Forwards everything unchanged.
pub struct Honest;

impl Rewrite for Honest {}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    rewrite: Arc<dyn Rewrite>,
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut forwarded = Forwarded {
        method: parts.method,
        path: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        headers: parts.headers,
        body: to_bytes(body, 4 << 20).await.unwrap_or_default().to_vec(),
    };
    let answer = match proxy.rewrite.request(&mut forwarded).await {
        Some(answer) => answer,
        None => {
            let mut answer = send(&proxy, &forwarded).await;
            proxy.rewrite.answer(&forwarded, &mut answer).await;
            answer
        }
    };
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    for (name, value) in &answer.headers {
        if name != "content-length" && name != "transfer-encoding" {
            response
                .headers_mut()
                .insert(HeaderName::from(name), value.clone());
        }
    }
    response
}

async fn send(proxy: &Proxy, request: &Forwarded) -> Answer {
    let mut upstream = proxy
        .http
        .request(
            request.method.clone(),
            format!("{}{}", proxy.upstream, request.path),
        )
        .body(request.body.clone());
    for (name, value) in &request.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.expect("the mock answers");
    Answer {
        status: answer.status().as_u16(),
        headers: answer.headers().clone(),
        body: answer.bytes().await.unwrap_or_default().to_vec(),
    }
}

/// An HTTP client for tests (the workspace builds reqwest without a default TLS provider, so one is
/// installed first).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Starts a proxy on a loopback port in front of `upstream` (the mock's root URL).
pub async fn start(upstream: String, rewrite: impl Rewrite) -> SocketAddr {
    let proxy = Proxy {
        upstream,
        http: http_client(),
        rewrite: Arc::new(rewrite),
    };
    let app = Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}
