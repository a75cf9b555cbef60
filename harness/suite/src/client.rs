//! The HTTP client every case talks through: connection reuse, a per-request deadline, bounded
//! concurrency, a body size cap, retries of 429/503 that honour `Retry-After` within a budget (every
//! attempt kept in the exchange and counted in a [`RetryLog`]), a `client-request-id` per request, and
//! no redirects (credentials never follow to another host).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::retries::{RetryLog, is_retryable};
pub use crate::secret::BearerToken;
use crate::wording;

/// Limits of the client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Deadline of one attempt, body included.
    pub timeout: Duration,
    /// Most time spent waiting on `Retry-After` for one request, all retries together.
    pub retry_budget: Duration,
    /// Most attempts of one request (1 + `--retries`; 1 sends every request once).
    pub max_attempts: u32,
    /// Largest response body read; the rest is refused as too large.
    pub max_body: usize,
    /// Requests in flight at once.
    pub jobs: usize,
    /// CA certificates trusted besides the system's (`--ca-cert`; see [`ClientConfig::trusting`]).
    pub extra_roots: Vec<reqwest::Certificate>,
}

impl ClientConfig {
    /// The same limits, also trusting the CA certificates in these PEM files.
    pub fn trusting(mut self, files: &[impl AsRef<Path>]) -> Result<Self, CaFileError> {
        for file in files {
            self.extra_roots
                .extend(read_ca_certificates(file.as_ref())?);
        }
        Ok(self)
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            retry_budget: Duration::from_secs(15),
            max_attempts: 4,
            max_body: 4 * 1024 * 1024,
            jobs: 8,
            extra_roots: Vec::new(),
        }
    }
}

/// A request body.
#[derive(Debug, Clone, Default)]
pub enum Body {
    /// No body.
    #[default]
    None,
    /// JSON, sent with `Content-Type: application/json`.
    Json(Value),
    /// Raw bytes with an optional content type (for malformed and mistyped bodies).
    Raw {
        /// The `Content-Type` header, if any.
        content_type: Option<String>,
        /// The bytes sent.
        bytes: Vec<u8>,
    },
}

/// One request a case sends.
#[derive(Debug, Clone)]
pub struct Request {
    /// What this step of the case does, e.g. `create device`.
    pub step: String,
    /// HTTP method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Bearer token, if any.
    pub bearer: Option<BearerToken>,
    /// Body.
    pub body: Body,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// A request of `method` to `url`.
    pub fn new(step: impl Into<String>, method: Method, url: impl Into<String>) -> Self {
        Self {
            step: step.into(),
            method,
            url: url.into(),
            bearer: None,
            body: Body::None,
            headers: Vec::new(),
        }
    }

    /// The same request with a JSON body.
    pub fn json(mut self, value: Value) -> Self {
        self.body = Body::Json(value);
        self
    }

    /// The same request with raw bytes and an optional content type.
    pub fn raw(mut self, content_type: Option<&str>, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Body::Raw {
            content_type: content_type.map(str::to_owned),
            bytes: bytes.into(),
        };
        self
    }

    /// The same request carrying `token` as a bearer token (or none).
    pub fn bearer(mut self, token: Option<&BearerToken>) -> Self {
        self.bearer = token.cloned();
        self
    }

    /// The same request with one more header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The body bytes as sent.
    pub fn body_bytes(&self) -> Option<Vec<u8>> {
        match &self.body {
            Body::None => None,
            Body::Json(value) => Some(value.to_string().into_bytes()),
            Body::Raw { bytes, .. } => Some(bytes.clone()),
        }
    }

    /// The `Content-Type` sent with the body, if any.
    pub fn content_type(&self) -> Option<&str> {
        match &self.body {
            Body::None => None,
            Body::Json(_) => Some("application/json"),
            Body::Raw { content_type, .. } => content_type.as_deref(),
        }
    }
}

/// Why no (complete) response came.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No complete response within the deadline.
    #[error("no complete response within {}", wording::duration(*.0))]
    Timeout(Duration),
    /// The connection could not be made.
    #[error("connection failed: {0}")]
    Connect(String),
    /// The response body was larger than the cap.
    #[error("response body larger than {0} bytes")]
    TooLarge(usize),
    /// The connection broke or the response was not valid HTTP.
    #[error("{0}")]
    Broken(String),
}

/// A request and what came back.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request as sent.
    pub request: Request,
    /// The `client-request-id` sent.
    pub client_request_id: String,
    /// Response status, if a response came.
    pub status: Option<u16>,
    /// Response headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// Response body (possibly partial when `error` is set).
    pub body: Vec<u8>,
    /// Why the response is missing or incomplete.
    pub error: Option<TransportError>,
    /// Time of this attempt.
    pub elapsed: Duration,
    /// Which attempt this is (1 for the first); on the exchange [`HttpClient::send`] returns, how many
    /// attempts were made (retries of 429/503 included).
    pub attempts: u32,
    /// The `Retry-After` wait honoured after this answer before the request was sent again; `None` on
    /// the last attempt.
    pub retry_wait: Option<Duration>,
    /// The attempts before this one, each answered 429 or 503 and retried, oldest first.
    pub earlier_attempts: Vec<Exchange>,
}

impl Exchange {
    /// An exchange of `request` that got no answer, for `error`.
    pub fn without_answer(request: Request, error: TransportError) -> Self {
        Self {
            error: Some(error),
            ..Self::unanswered(request, String::new())
        }
    }

    /// The first attempt of `request`, sent with `client_request_id`, before anything came back.
    pub(crate) fn unanswered(request: Request, client_request_id: String) -> Self {
        Self {
            request,
            client_request_id,
            status: None,
            headers: Vec::new(),
            body: Vec::new(),
            error: None,
            elapsed: Duration::ZERO,
            attempts: 1,
            retry_wait: None,
            earlier_attempts: Vec::new(),
        }
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body's string property at a JSON pointer, e.g. `/id`.
    pub fn str_at(&self, pointer: &str) -> Option<String> {
        self.json()?.pointer(pointer)?.as_str().map(str::to_owned)
    }

    /// What came back, for messages: `answered 404`, or `no answer (connection refused)`.
    pub fn answer(&self) -> String {
        match (self.status, &self.error) {
            (Some(status), _) => format!("answered {status}"),
            (None, Some(error)) => format!("no answer ({error})"),
            (None, None) => "no answer".to_owned(),
        }
    }

    /// The Graph error code of an error response.
    pub fn error_code(&self) -> Option<String> {
        self.json()?
            .pointer("/error/code")?
            .as_str()
            .map(str::to_owned)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        self.status
            .is_some_and(|status| (200..300).contains(&status))
    }
}

/// The shared HTTP client.
#[derive(Debug, Clone)]
pub struct HttpClient {
    http: reqwest::Client,
    config: ClientConfig,
    permits: Arc<Semaphore>,
    retries: Arc<RetryLog>,
}

/// Could not build the HTTP client.
#[derive(Debug, thiserror::Error)]
#[error("could not build the HTTP client: {0}")]
pub struct ClientBuildError(#[from] reqwest::Error);

/// Why a CA certificate file cannot be trusted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaFileError {
    /// The file could not be read.
    #[error("cannot read the CA certificate file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not PEM or holds no certificate.
    #[error("{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----){reason}")]
    NoCertificate {
        /// The file.
        path: String,
        /// What the PEM reader said, if anything (`: ...`).
        reason: String,
    },
    /// A certificate in the file cannot be a trust anchor.
    #[error("certificate {index} of {path} cannot be trusted as a CA: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// Which certificate, from 1.
        index: usize,
        /// What rustls said.
        reason: String,
    },
}

/// The CA certificates in the PEM file at `path` (one or several), each checked to be usable as a
/// trust anchor, for [`ClientConfig::extra_roots`].
pub fn read_ca_certificates(path: &Path) -> Result<Vec<reqwest::Certificate>, CaFileError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| CaFileError::Read {
        path: shown.clone(),
        source,
    })?;
    let no_certificate = |reason: String| CaFileError::NoCertificate {
        path: shown.clone(),
        reason,
    };
    let certificates = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| no_certificate(format!(": {error}")))?;
    if certificates.is_empty() {
        return Err(no_certificate(String::new()));
    }
    certificates
        .iter()
        .enumerate()
        .map(|(index, der)| {
            let invalid = |reason: String| CaFileError::Invalid {
                path: shown.clone(),
                index: index + 1,
                reason,
            };
            rustls::RootCertStore::empty()
                .add(der.clone())
                .map_err(|error| invalid(error.to_string()))?;
            reqwest::Certificate::from_der(der).map_err(|error| invalid(error.to_string()))
        })
        .collect()
}

/// `Retry-After` in seconds (fractional allowed; an HTTP date or garbage counts as one second).
fn retry_after(exchange: &Exchange) -> Duration {
    exchange
        .header("retry-after")
        .and_then(|value| value.trim().parse::<f64>().ok())
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        .map(|seconds| Duration::from_secs_f64(seconds.min(3600.0)))
        .unwrap_or(Duration::from_secs(1))
}

impl HttpClient {
    /// Builds the client.
    pub fn new(config: ClientConfig) -> Result<Self, ClientBuildError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .pool_max_idle_per_host(config.jobs.max(1))
            .user_agent(concat!("hwoath/", env!("CARGO_PKG_VERSION")))
            .tls_certs_merge(config.extra_roots.iter().cloned())
            .build()?;
        Ok(Self {
            http,
            permits: Arc::new(Semaphore::new(config.jobs.max(1))),
            retries: Arc::default(),
            config,
        })
    }

    /// The client's limits.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The retries of every request this client (and its clones) sent so far.
    pub fn retry_log(&self) -> &RetryLog {
        &self.retries
    }

    /// Sends `request`, retrying 429/503 within the retry budget; never fails, the exchange says what
    /// happened and holds the attempts it retried.
    pub async fn send(&self, request: Request) -> Exchange {
        let client_request_id = uuid::Uuid::new_v4().to_string();
        let mut waited = Duration::ZERO;
        let mut earlier: Vec<Exchange> = Vec::new();
        loop {
            let mut exchange = self.attempt(&request, &client_request_id).await;
            exchange.attempts = earlier.len() as u32 + 1;
            let Some(wait) = self.wait_before_retry(&exchange, waited) else {
                self.retries.finished(exchange.status, earlier.len());
                exchange.earlier_attempts = earlier;
                return exchange;
            };
            let status = exchange.status.unwrap_or_default();
            tracing::debug!(step = %request.step, status, wait_ms = wait.as_millis() as u64, "retrying");
            self.retries.retried(status, wait);
            exchange.retry_wait = Some(wait);
            earlier.push(exchange);
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }

    /// How long to wait before sending the request of `exchange` again, or `None` when it must not be
    /// retried (not a 429/503, no attempts left, or the wait would pass the retry budget).
    fn wait_before_retry(&self, exchange: &Exchange, waited: Duration) -> Option<Duration> {
        if !is_retryable(exchange.status) || exchange.attempts >= self.config.max_attempts {
            return None;
        }
        let wait = retry_after(exchange);
        (waited + wait <= self.config.retry_budget).then_some(wait)
    }

    async fn attempt(&self, request: &Request, client_request_id: &str) -> Exchange {
        let _permit = self.permits.acquire().await;
        let started = Instant::now();
        let mut builder = self
            .http
            .request(request.method.clone(), &request.url)
            .header("client-request-id", client_request_id)
            .header("accept", "application/json");
        if let Some(token) = &request.bearer {
            builder = builder.bearer_auth(token.expose());
        }
        if let Some(content_type) = request.content_type() {
            builder = builder.header("content-type", content_type);
        }
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(bytes) = request.body_bytes() {
            builder = builder.body(bytes);
        }
        let mut exchange = Exchange::unanswered(request.clone(), client_request_id.to_owned());
        match builder.send().await {
            Err(error) => exchange.error = Some(self.classify(&error)),
            Ok(mut response) => {
                exchange.status = Some(response.status().as_u16());
                exchange.headers = response
                    .headers()
                    .iter()
                    .map(|(name, value)| {
                        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                        (name.as_str().to_owned(), value)
                    })
                    .collect();
                let announced = response.content_length().unwrap_or(0);
                if announced > self.config.max_body as u64 {
                    exchange.error = Some(TransportError::TooLarge(self.config.max_body));
                }
                while exchange.error.is_none() {
                    match response.chunk().await {
                        Ok(Some(chunk)) => {
                            if exchange.body.len() + chunk.len() > self.config.max_body {
                                exchange.error =
                                    Some(TransportError::TooLarge(self.config.max_body));
                                break;
                            }
                            exchange.body.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(error) => {
                            exchange.error = Some(self.classify(&error));
                            break;
                        }
                    }
                }
            }
        }
        exchange.elapsed = started.elapsed();
        exchange
    }

    fn classify(&self, error: &reqwest::Error) -> TransportError {
        if error.is_timeout() {
            TransportError::Timeout(self.config.timeout)
        } else if error.is_connect() {
            TransportError::Connect(root_cause(error))
        } else {
            TransportError::Broken(root_cause(error))
        }
    }
}

/// The innermost cause of an error, which names what really went wrong (refused, reset, ...).
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange_with(headers: &[(&str, &str)]) -> Exchange {
        Exchange {
            status: Some(429),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Exchange::unanswered(
                Request::new("x", Method::GET, "http://127.0.0.1/"),
                String::new(),
            )
        }
    }

    #[test]
    fn retry_after_reads_fractional_seconds_and_falls_back_to_one() {
        assert_eq!(
            retry_after(&exchange_with(&[("retry-after", "0.25")])),
            Duration::from_millis(250)
        );
        assert_eq!(
            retry_after(&exchange_with(&[("retry-after", "3")])),
            Duration::from_secs(3)
        );
        assert_eq!(
            retry_after(&exchange_with(&[("retry-after", "-1")])),
            Duration::from_secs(1)
        );
        assert_eq!(
            retry_after(&exchange_with(&[(
                "retry-after",
                "Wed, 21 Oct 2026 07:28:00 GMT"
            )])),
            Duration::from_secs(1)
        );
        assert_eq!(retry_after(&exchange_with(&[])), Duration::from_secs(1));
    }

    /// A server answering `statuses` in turn (with `Retry-After: 0`), one per connection.
    async fn answering(statuses: &'static [u16]) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/beta", listener.local_addr().unwrap());
        tokio::spawn(async move {
            for status in statuses {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let mut buffer = [0u8; 4096];
                let _ = stream.read(&mut buffer).await;
                let answer = format!(
                    "HTTP/1.1 {status} X\r\nretry-after: 0\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            }
        });
        url
    }

    #[tokio::test]
    async fn every_retried_attempt_is_kept_and_counted() {
        let url = answering(&[503, 429, 200]).await;
        let client = HttpClient::new(ClientConfig::default()).unwrap();
        let exchange = client.send(Request::new("get", Method::GET, url)).await;
        assert_eq!((exchange.status, exchange.attempts), (Some(200), 3));
        let earlier: Vec<(Option<u16>, u32, Option<Duration>)> = exchange
            .earlier_attempts
            .iter()
            .map(|e| (e.status, e.attempts, e.retry_wait))
            .collect();
        assert_eq!(
            earlier,
            [
                (Some(503), 1, Some(Duration::ZERO)),
                (Some(429), 2, Some(Duration::ZERO))
            ]
        );
        let summary = client.retry_log().summary();
        assert_eq!(
            (summary.retried, summary.recovered, summary.exhausted),
            (2, 1, 0)
        );
    }

    #[tokio::test]
    async fn no_retries_leave_the_first_503_as_the_answer() {
        let url = answering(&[503, 200]).await;
        let client = HttpClient::new(ClientConfig {
            max_attempts: 1,
            ..ClientConfig::default()
        })
        .unwrap();
        let exchange = client.send(Request::new("get", Method::GET, url)).await;
        assert_eq!((exchange.status, exchange.attempts), (Some(503), 1));
        assert!(exchange.earlier_attempts.is_empty());
        assert_eq!(client.retry_log().summary().exhausted, 1);
    }

    #[tokio::test]
    async fn a_refused_connection_is_an_exchange_with_a_reason() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/beta", listener.local_addr().unwrap());
        drop(listener);
        let client = HttpClient::new(ClientConfig::default()).unwrap();
        let exchange = client.send(Request::new("probe", Method::GET, url)).await;
        assert_eq!(exchange.status, None);
        assert!(
            matches!(exchange.error, Some(TransportError::Connect(_))),
            "{:?}",
            exchange.error
        );
    }
}
