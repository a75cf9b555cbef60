//! A bare hyper HTTP/1.1 client for the mock tenant over loopback, shared by the mock benchmarks.
//!
//! It is hyper's connection API (one task per connection, no pool): the lightest client that still
//! speaks real HTTP, since on this machine it shares the cores with the server.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use http_body_util::{BodyExt, Full};
use hwoath_mock::MockTenant;
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpStream;

/// The inventory collection below the root URL.
pub const DEVICES: &str = "/beta/directory/authenticationMethodDevices/hardwareOathDevices";

/// The application permission every benchmark request is sent with.
pub const ROLE: &str = "Policy.ReadWrite.AuthenticationMethod";

/// One keep-alive HTTP/1.1 connection to the mock, sending one request at a time.
pub type Connection = SendRequest<Full<Bytes>>;

/// Serial numbers already used by [`Target::create`] (each create needs a fresh one).
static SERIALS: AtomicU64 = AtomicU64::new(0);

/// What every request needs: where to send it and the bearer token.
#[derive(Debug, Clone)]
pub struct Target {
    /// The `Host` header: the tenant's `address:port`.
    pub authority: String,
    /// The `Authorization` header: `Bearer` and an app token.
    pub bearer: String,
}

impl Target {
    /// Requests to `tenant` with an app token holding [`ROLE`].
    pub fn for_tenant(tenant: &MockTenant) -> Self {
        Self {
            authority: tenant.addr().to_string(),
            bearer: format!("Bearer {}", tenant.token().app(&[ROLE])),
        }
    }

    /// A request for `path` (below the root URL), with a JSON content type when `body` is not empty.
    pub fn request(&self, method: Method, path: &str, body: Bytes) -> Request<Full<Bytes>> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.authority)
            .header(header::AUTHORIZATION, &self.bearer);
        if !body.is_empty() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        request.body(Full::new(body)).unwrap()
    }

    /// A `POST` creating a new token with a serial number no earlier call of this process used.
    pub fn create(&self) -> Request<Full<Bytes>> {
        let serial = SERIALS.fetch_add(1, Ordering::Relaxed);
        self.request(
            Method::POST,
            DEVICES,
            create_body(&format!("BENCH-{serial:010}")),
        )
    }
}

/// The JSON body of a create of an unassigned SHA-1, 30 s token with this serial number.
pub fn create_body(serial_number: &str) -> Bytes {
    let body = json!({
        "displayName": "Bench token",
        "serialNumber": serial_number,
        "manufacturer": "Contoso",
        "model": "Hardware Token 1000",
        "secretKey": "6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB",
        "timeIntervalInSeconds": 30,
        "hashFunction": "hmacsha1"
    });
    Bytes::from(body.to_string())
}

/// Opens a keep-alive connection to `addr` (Nagle off), driven by a task on the current runtime.
pub async fn connect(addr: SocketAddr) -> Connection {
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    sender
}

/// Sends one request and reads the whole answer; returns its status and body.
pub async fn exchange(
    sender: &mut Connection,
    request: Request<Full<Bytes>>,
) -> (StatusCode, Bytes) {
    sender.ready().await.unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, body)
}
