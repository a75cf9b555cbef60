//! Secrets never leak: a full catalog run with client credentials, and every log line at TRACE level
//! of suite and mock, every report file and every committed snapshot are searched. The client secret
//! and bearer tokens appear nowhere; the key material the suite sends as test data (the RFC seeds and
//! the doc example's key) appears only in recorded request bodies, so their `curl` lines replay.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use hwoath_suite::{ClientSecret, Credentials, Outcome, RunOptions};

/// Collects every log line in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Real secrets: the fixture app's client secret (and, below, every bearer token).
const CREDENTIALS: [&str; 1] = ["hwoath-mock-admin-secret"];

/// Key material the suite sends as test data: the RFC seeds (SHA-1 and SHA-256) and the doc example's
/// secret key. Request bodies keep it, so their `curl` lines replay as sent; answers, logs and
/// snapshots never show it.
const TEST_KEYS: [&str; 3] = [
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA",
    "6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB",
];

/// The real secrets in `text`.
fn leaks(text: &str) -> Vec<String> {
    found(text, &CREDENTIALS)
}

/// The real secrets and test keys in `text`.
fn any_key(text: &str) -> Vec<String> {
    let mut all = found(text, &CREDENTIALS);
    all.extend(found(text, &TEST_KEYS));
    all
}

fn found(text: &str, secrets: &[&str]) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut found: Vec<String> = secrets
        .iter()
        .filter(|secret| lower.contains(&secret.to_ascii_lowercase()))
        .map(|secret| (*secret).to_owned())
        .collect();
    // Every bearer token is a JWT: base64url of `{"alg"...` starts with eyJ.
    if text.contains("eyJ") {
        found.push("a JWT (eyJ...)".to_owned());
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_reports_or_snapshots() {
    let logs = Captured::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .init();

    let (tenant, options) = common::mock().await;
    let app = &tenant.fixture().apps[0];
    assert_eq!(
        app.client_secret.expose(),
        CREDENTIALS[0],
        "the fixture's admin app"
    );
    let credentials = Credentials::ClientCredentials {
        authority_host: tenant.root_url(),
        tenant_id: tenant.tenant_id().to_owned(),
        client_id: app.client_id.clone(),
        client_secret: ClientSecret::new(app.client_secret.expose()),
    };
    let run = RunOptions {
        groups: hwoath_suite::Group::ALL
            .into_iter()
            .filter(|g| !matches!(g.as_str(), "properties" | "stateful"))
            .collect(),
        ..RunOptions::default()
    };
    let report = common::run(&tenant.base_url(), credentials, options, run).await;
    let bad: Vec<_> = report
        .cases
        .iter()
        .filter(|c| c.outcome != Outcome::Pass)
        .map(|c| &c.id)
        .collect();
    assert!(
        bad.is_empty(),
        "with client credentials too, every case passes: {bad:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let paths = hwoath_suite::report::write_all(&report, dir.path()).unwrap();
    let json = std::fs::read_to_string(&paths.json).unwrap();
    let mut without_requests: serde_json::Value = serde_json::from_str(&json).unwrap();
    let sent_test_key = without_requests["cases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|case| case["exchanges"].as_array().unwrap())
        .filter_map(|exchange| exchange["request_body"].as_str())
        .any(|body| body.contains("6PJ4UKIW33NNXYZAEHQNFUFTZF7WFTFB"));
    assert!(
        sent_test_key,
        "request bodies are recorded as sent, with the test keys the suite sends"
    );
    for case in without_requests["cases"].as_array_mut().unwrap() {
        for exchange in case["exchanges"].as_array_mut().unwrap() {
            exchange["request_body"] = serde_json::Value::Null;
        }
    }
    assert_eq!(
        any_key(&without_requests.to_string()),
        Vec::<String>::new(),
        "test keys appear in request bodies only"
    );
    for path in [&paths.json, &paths.junit, &paths.markdown, &paths.html] {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.len() > 500, "{} is suspiciously small", path.display());
        assert_eq!(leaks(&text), Vec::<String>::new(), "{}", path.display());
    }
    assert_eq!(
        leaks(&format!("{report:?}")),
        Vec::<String>::new(),
        "Debug of the report"
    );

    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(
        logged.lines().count() > 100,
        "TRACE logging captured too little to mean anything"
    );
    assert_eq!(any_key(&logged), Vec::<String>::new(), "the logs");

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for crate_dir in [
        "harness/suite",
        "harness/mock",
        "harness/graph",
        "harness/otp",
        "harness/cli",
    ] {
        let snapshots = root.join(crate_dir).join("tests/snapshots");
        for entry in std::fs::read_dir(&snapshots)
            .into_iter()
            .flatten()
            .flatten()
        {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            assert_eq!(
                any_key(&text),
                Vec::<String>::new(),
                "{}",
                entry.path().display()
            );
        }
    }
}
