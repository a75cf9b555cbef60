//! Hostile targets: a test server that resets, hangs, drips, floods, lies about JSON, throttles forever
//! or redirects elsewhere. Each run ends within its bounds, every affected case is reported with the
//! reason, the report is complete, and credentials never follow a redirect.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hwoath_suite::{
    BearerToken, ClientConfig, Credentials, Outcome, RunOptions, RunReport, SuiteOptions,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the hostile server answers every request.
#[derive(Debug, Clone)]
enum Behaviour {
    /// Headers promise 1,000 bytes, ten arrive, then the connection closes.
    ResetMidBody,
    /// Reads the request and never answers.
    NeverAnswers,
    /// Sends the answer one byte a second.
    Drip,
    /// A 10 MB body.
    Huge,
    /// 200 with a body that is not JSON.
    InvalidJson,
    /// A JSON error body labelled text/html.
    WrongContentType,
    /// 429 with Retry-After, forever.
    TooManyRequests,
    /// 503 with Retry-After, forever.
    Unavailable,
    /// 302 to another host.
    Redirect(String),
}

/// Reads one HTTP request (head and a Content-Length body), returning whether one came.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut chunk).await else {
            return false;
        };
        if n == 0 {
            return false;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let Ok(n) = stream.read(&mut chunk).await else {
                    return false;
                };
                if n == 0 {
                    return false;
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            return true;
        }
    }
}

fn answer(status: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

async fn serve_one(mut stream: TcpStream, behaviour: Behaviour) {
    if !read_request(&mut stream).await {
        return;
    }
    let json = ("content-type", "application/json".to_owned());
    let request_id = ("request-id", "hostile".to_owned());
    let envelope = br#"{"error":{"code":"x","message":"y"}}"#;
    let bytes = match behaviour {
        Behaviour::ResetMidBody => {
            let mut head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n".to_vec();
            head.extend_from_slice(b"{\"value\":[");
            let _ = stream.write_all(&head).await;
            return;
        }
        Behaviour::NeverAnswers => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        Behaviour::Drip => {
            for byte in answer("200 OK", &[json], b"{\"value\":[]}") {
                if stream.write_all(&[byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            return;
        }
        Behaviour::Huge => {
            let body = format!(
                "{{\"value\":[],\"pad\":\"{}\"}}",
                "x".repeat(10 * 1024 * 1024)
            );
            answer("200 OK", &[json, request_id], body.as_bytes())
        }
        Behaviour::InvalidJson => answer("200 OK", &[json, request_id], b"{\"value\": [oops"),
        Behaviour::WrongContentType => answer(
            "400 Bad Request",
            &[("content-type", "text/html".to_owned()), request_id],
            envelope,
        ),
        Behaviour::TooManyRequests => answer(
            "429 Too Many Requests",
            &[json, request_id, ("retry-after", RETRY_AFTER.to_owned())],
            envelope,
        ),
        Behaviour::Unavailable => answer(
            "503 Service Unavailable",
            &[json, request_id, ("retry-after", RETRY_AFTER.to_owned())],
            envelope,
        ),
        Behaviour::Redirect(location) => {
            answer("302 Found", &[("location", location), request_id], b"")
        }
    };
    let _ = stream.write_all(&bytes).await;
    let _ = stream.shutdown().await;
}

/// Starts a server with `behaviour`; returns its base URL and a count of connections it accepted.
async fn hostile(behaviour: Behaviour, host: &str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind(format!("{host}:0")).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve_one(stream, behaviour.clone()));
        }
    });
    (format!("http://{addr}/beta"), accepted)
}

const TOKEN: &str = "hostile-test-bearer-token-0123456789";

/// The `Retry-After` of the throttling and unavailable targets, in seconds: retries fit the budget.
const RETRY_AFTER: &str = "0.05";

/// The deadline of one attempt against a target that answers in time.
const TIMEOUT: Duration = Duration::from_secs(1);

/// The deadline of one attempt against a target that never completes an answer (every attempt waits
/// for all of it).
const SHORT_TIMEOUT: Duration = Duration::from_millis(100);

async fn run_against(url: &str, timeout: Duration) -> (RunReport, Duration) {
    let options = SuiteOptions {
        run: RunOptions {
            allow_writes: true,
            jobs: 16,
            ..RunOptions::default()
        },
        client: ClientConfig {
            timeout,
            retry_budget: Duration::from_secs(1),
            max_attempts: 3,
            jobs: 16,
            ..ClientConfig::default()
        },
        users: vec!["u1".into(), "u2".into(), "u3".into()],
        ..SuiteOptions::default()
    };
    let started = Instant::now();
    let report = tokio::time::timeout(
        Duration::from_secs(90),
        hwoath_suite::run(
            url,
            Credentials::BearerToken(BearerToken::new(TOKEN)),
            options,
            |_| {},
            std::future::pending(),
        ),
    )
    .await
    .expect("the run ends within its bounds")
    .expect("a hostile target is still a target");
    (report, started.elapsed())
}

/// The cases that reached the server, with their first reason.
fn contacted(report: &RunReport) -> Vec<(String, Outcome, String)> {
    report
        .cases
        .iter()
        .filter(|case| !case.exchanges.is_empty())
        .map(|case| (case.id.clone(), case.outcome, case.reasons.join(" | ")))
        .collect()
}

/// Every case that reached the target ends with `outcome` and a reason naming one of `reasons`.
fn assert_every_contacted_case(report: &RunReport, outcome: Outcome, reasons: &[&str]) {
    let cases = contacted(report);
    assert!(
        cases.len() > 50,
        "only {} cases reached the target",
        cases.len()
    );
    for (id, actual, said) in cases {
        assert_eq!(actual, outcome, "{id}: {said}");
        assert!(
            reasons.iter().any(|reason| said.contains(reason)),
            "{id}: reasons {said:?} mention none of {reasons:?}"
        );
    }
    assert_eq!(
        report.summary.total,
        hwoath_suite::catalog().len(),
        "the report is complete"
    );
    let text = hwoath_suite::report::to_json(report).expect("the report serializes");
    assert!(
        !text.contains(TOKEN),
        "the bearer token leaked into the report"
    );
}

/// Runs the suite against a server with `behaviour` and checks every case that reached it.
async fn assert_hostile(behaviour: Behaviour, outcome: Outcome, reasons: &[&str]) {
    let (url, _) = hostile(behaviour, "127.0.0.1").await;
    let (report, _) = run_against(&url, TIMEOUT).await;
    assert_every_contacted_case(&report, outcome, reasons);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_mid_body_is_an_error_with_its_reason() {
    assert_hostile(Behaviour::ResetMidBody, Outcome::Error, &["incomplete"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_never_answers_times_out_case_by_case() {
    let (url, _) = hostile(Behaviour::NeverAnswers, "127.0.0.1").await;
    let (report, elapsed) = run_against(&url, SHORT_TIMEOUT).await;
    assert_every_contacted_case(
        &report,
        Outcome::Error,
        &["no complete response within 100 ms"],
    );
    assert!(elapsed < Duration::from_secs(90));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dripping_target_times_out() {
    let (url, _) = hostile(Behaviour::Drip, "127.0.0.1").await;
    let (report, _) = run_against(&url, SHORT_TIMEOUT).await;
    assert_every_contacted_case(
        &report,
        Outcome::Error,
        &["no complete response within 100 ms"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_megabyte_body_is_refused_past_the_cap() {
    assert_hostile(
        Behaviour::Huge,
        Outcome::Error,
        &["larger than 4194304 bytes"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_json_fails_the_checks() {
    assert_hostile(
        Behaviour::InvalidJson,
        Outcome::Fail,
        &["not JSON", "must have no body"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_content_type_fails_its_check() {
    assert_hostile(
        Behaviour::WrongContentType,
        Outcome::Fail,
        &["is not application/json"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_forever_is_retried_within_the_budget_then_reported() {
    assert_hostile(Behaviour::TooManyRequests, Outcome::Fail, &["got 429"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_forever_is_a_server_error() {
    assert_hostile(Behaviour::Unavailable, Outcome::Fail, &["server error 503"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_not_followed_and_credentials_stay_home() {
    let (elsewhere, reached) = hostile(Behaviour::InvalidJson, "127.0.0.2").await;
    let (url, _) = hostile(
        Behaviour::Redirect(format!("{elsewhere}/stolen")),
        "127.0.0.1",
    )
    .await;
    let (report, _) = run_against(&url, TIMEOUT).await;
    assert_every_contacted_case(&report, Outcome::Fail, &["status 302 is not documented"]);
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "a request followed the redirect to another host"
    );
}
