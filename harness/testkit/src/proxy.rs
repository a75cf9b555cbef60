//! One HTTP proxy for tests that need a target which breaks a rule, answers slowly or hangs up: a
//! [`Rewrite`] changes requests on their way up (or answers in the upstream's place) and answers on
//! their way back; everything else passes through unchanged. Without an upstream ([`Proxy::stub`]) the
//! rewrite answers every request itself, as a stub server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use futures_util::future::BoxFuture;

/// The largest request body a proxy reads.
const MAX_REQUEST_BODY: usize = 4 << 20;

/// The `request-id` of answers a rewrite makes up.
const MADE_UP_REQUEST_ID: &str = "0b4d2f7e-0000-4000-8000-000000000000";

/// A request on its way to the upstream.
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

impl Forwarded {
    /// The path without its query.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or(&self.path)
    }

    /// An answer with `status` as Graph would give it to this request: a `request-id`, and the
    /// request's `client-request-id` echoed.
    pub fn graph_answer(&self, status: u16) -> Answer {
        let mut answer = Answer::new(status).header("request-id", MADE_UP_REQUEST_ID);
        if let Some(id) = self.headers.get("client-request-id") {
            answer.headers.insert("client-request-id", id.clone());
        }
        answer
    }
}

/// An answer on its way back to the client.
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The response body.
    pub body: Vec<u8>,
    /// Whether the connection is broken off instead of completing the answer.
    hang_up: bool,
}

impl Answer {
    /// An answer with `status`, no headers and no body.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body: Vec::new(),
            hang_up: false,
        }
    }

    /// An answer broken off before it is complete: the client sees an incomplete response.
    pub fn hang_up() -> Self {
        Self {
            hang_up: true,
            ..Self::new(200)
        }
    }

    /// The answer with header `name` set to `value`.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
            HeaderValue::from_str(value).expect("a valid header value"),
        );
        self
    }

    /// The answer with `body`.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The answer with `value` as its JSON body.
    pub fn json(self, value: &serde_json::Value) -> Self {
        self.header("content-type", "application/json")
            .body(value.to_string())
    }

    fn into_response(self) -> Response {
        let body = if self.hang_up {
            Body::from_stream(futures_util::stream::once(async {
                Err::<Vec<u8>, _>(std::io::Error::other("the proxy hung up"))
            }))
        } else {
            Body::from(self.body)
        };
        let mut response = Response::new(body);
        *response.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        for (name, value) in &self.headers {
            if name != "content-length" && name != "transfer-encoding" {
                response.headers_mut().insert(name, value.clone());
            }
        }
        response
    }
}

/// How a proxy departs from its upstream; both hooks may wait (to delay a request or an answer).
pub trait Rewrite: Send + Sync + 'static {
    /// Changes `request` before it is forwarded, or answers it in the upstream's place (`Some`).
    fn request<'a>(&'a self, _request: &'a mut Forwarded) -> BoxFuture<'a, Option<Answer>> {
        Box::pin(async { None })
    }

    /// Changes the upstream's `answer` to `request` before it goes back.
    fn answer<'a>(&'a self, _request: &'a Forwarded, _answer: &'a mut Answer) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// Forwards everything unchanged.
pub struct Honest;

impl Rewrite for Honest {}

/// A running proxy on a loopback port (it stops with the test's runtime).
pub struct Proxy {
    addr: SocketAddr,
    received: Arc<Mutex<HashMap<(String, String), usize>>>,
}

#[derive(Clone)]
struct Forwarder {
    upstream: Option<String>,
    http: reqwest::Client,
    rewrite: Arc<dyn Rewrite>,
    received: Arc<Mutex<HashMap<(String, String), usize>>>,
}

impl Proxy {
    /// Starts a proxy in front of `upstream` (a root URL such as `http://127.0.0.1:PORT`) that departs
    /// from it as `rewrite` says.
    pub async fn start(upstream: impl Into<String>, rewrite: impl Rewrite) -> Self {
        Self::serve(Some(upstream.into()), Arc::new(rewrite)).await
    }

    /// Starts a server with no upstream: `rewrite` answers every request (one it leaves unanswered
    /// gets 502).
    pub async fn stub(rewrite: impl Rewrite) -> Self {
        Self::serve(None, Arc::new(rewrite)).await
    }

    async fn serve(upstream: Option<String>, rewrite: Arc<dyn Rewrite>) -> Self {
        let received = Arc::default();
        let forwarder = Forwarder {
            upstream,
            http: http_client(),
            rewrite,
            received: Arc::clone(&received),
        };
        let app = Router::new().fallback(forward).with_state(forwarder);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("a bound address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, received }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the root URL (the authority host of a mock behind it).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/beta`: the Graph base URL.
    pub fn base_url(&self) -> String {
        format!("{}/beta", self.url())
    }

    /// Requests received so far whose method is `method` and whose path (query left out) ends with
    /// `suffix`.
    pub fn received(&self, method: &str, suffix: &str) -> usize {
        let received = self.received.lock().expect("the count is never poisoned");
        received
            .iter()
            .filter(|((seen, path), _)| seen == method && path.ends_with(suffix))
            .map(|(_, count)| count)
            .sum()
    }
}

async fn forward(State(proxy): State<Forwarder>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut forwarded = Forwarded {
        method: parts.method,
        path: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        headers: parts.headers,
        body: to_bytes(body, MAX_REQUEST_BODY)
            .await
            .unwrap_or_default()
            .to_vec(),
    };
    *proxy
        .received
        .lock()
        .expect("the count is never poisoned")
        .entry((
            forwarded.method.to_string(),
            forwarded.path_only().to_owned(),
        ))
        .or_default() += 1;
    let answer = match proxy.rewrite.request(&mut forwarded).await {
        Some(answer) => answer,
        None => {
            let mut answer = send(&proxy, &forwarded).await;
            proxy.rewrite.answer(&forwarded, &mut answer).await;
            answer
        }
    };
    answer.into_response()
}

/// The upstream's answer to `request`; a hang-up when it gave none (or there is no upstream: 502).
async fn send(proxy: &Forwarder, request: &Forwarded) -> Answer {
    let Some(upstream) = &proxy.upstream else {
        return Answer::new(502);
    };
    let mut builder = proxy
        .http
        .request(
            request.method.clone(),
            format!("{upstream}{}", request.path),
        )
        .body(request.body.clone());
    for (name, value) in &request.headers {
        if name != "host" && name != "content-length" {
            builder = builder.header(name, value);
        }
    }
    let Ok(answer) = builder.send().await else {
        return Answer::hang_up();
    };
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    match answer.bytes().await {
        Ok(body) => Answer {
            status,
            headers,
            body: body.to_vec(),
            hang_up: false,
        },
        Err(_) => Answer::hang_up(),
    }
}

/// An HTTP client for tests (the workspace builds reqwest without a default TLS provider, so one is
/// installed first).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers `GET /beta/ping` itself, hangs up on `/beta/gone`, and stamps every upstream answer.
    struct Stamp;

    impl Rewrite for Stamp {
        fn request<'a>(&'a self, request: &'a mut Forwarded) -> BoxFuture<'a, Option<Answer>> {
            Box::pin(async move {
                match request.path_only() {
                    "/beta/ping" => Some(request.graph_answer(204)),
                    "/beta/gone" => Some(Answer::hang_up()),
                    _ => None,
                }
            })
        }

        fn answer<'a>(&'a self, _: &'a Forwarded, answer: &'a mut Answer) -> BoxFuture<'a, ()> {
            Box::pin(async move {
                answer
                    .headers
                    .insert("x-stamped", HeaderValue::from_static("yes"));
            })
        }
    }

    /// Echoes the method, path and body of every request as JSON.
    struct Echo;

    impl Rewrite for Echo {
        fn request<'a>(&'a self, request: &'a mut Forwarded) -> BoxFuture<'a, Option<Answer>> {
            Box::pin(async move {
                let echoed = serde_json::json!({
                    "method": request.method.as_str(),
                    "path": request.path,
                    "body": String::from_utf8_lossy(&request.body),
                });
                Some(Answer::new(200).json(&echoed))
            })
        }
    }

    #[tokio::test]
    async fn a_proxy_forwards_rewrites_answers_itself_hangs_up_and_counts() {
        let upstream = Proxy::stub(Echo).await;
        let proxy = Proxy::start(upstream.url(), Stamp).await;
        let http = http_client();

        let echoed = http
            .post(format!("{}/x?y=1", proxy.base_url()))
            .header("client-request-id", "c1")
            .body("hello")
            .send()
            .await
            .unwrap();
        assert_eq!(echoed.status(), 200);
        assert_eq!(echoed.headers()["x-stamped"], "yes");
        assert_eq!(echoed.headers()["content-type"], "application/json");
        let body: serde_json::Value = echoed.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({"method": "POST", "path": "/beta/x?y=1", "body": "hello"})
        );

        let ping = http
            .get(format!("{}/ping", proxy.base_url()))
            .header("client-request-id", "c2")
            .send()
            .await
            .unwrap();
        assert_eq!(ping.status(), 204);
        assert_eq!(ping.headers()["client-request-id"], "c2");
        assert_eq!(ping.headers()["request-id"], MADE_UP_REQUEST_ID);
        assert!(ping.headers().get("x-stamped").is_none(), "not forwarded");

        let gone = http.get(format!("{}/gone", proxy.base_url())).send().await;
        let complete = match gone {
            Ok(answer) => answer.bytes().await.is_ok(),
            Err(_) => false,
        };
        assert!(!complete, "the answer is broken off");

        assert_eq!(proxy.received("POST", "/x"), 1);
        assert_eq!(proxy.received("GET", "/beta/ping"), 1);
        assert_eq!(proxy.received("GET", "/x"), 0);
        assert_eq!(upstream.received("POST", "/beta/x"), 1);
        assert_eq!(upstream.received("GET", ""), 0, "answered by the proxy");
    }

    #[tokio::test]
    async fn a_stub_answers_502_to_what_its_rewrite_leaves() {
        let stub = Proxy::stub(Honest).await;
        let answer = http_client().get(stub.base_url()).send().await.unwrap();
        assert_eq!(answer.status(), 502);
    }
}
