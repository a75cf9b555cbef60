//! A standalone `hwoath mock` process for the CLI's integration tests, started as a user would start it.

#![allow(dead_code)] // each test file uses a part

pub mod small_disk;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

use hwoath_mock::MockTenant;
use hwoath_testkit::{Answer, BoxFuture, Forwarded, Proxy, Rewrite};
use serde_json::Value;

/// Drops `request-id` from every answer (a documented rule every checked exchange then breaks, so
/// every generated case fails and shrinks), after waiting `delay` before forwarding each request.
struct WithoutRequestId {
    delay: Duration,
}

impl Rewrite for WithoutRequestId {
    fn request<'a>(&'a self, _: &'a mut Forwarded) -> BoxFuture<'a, Option<Answer>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            None
        })
    }

    fn answer<'a>(&'a self, _: &'a Forwarded, answer: &'a mut Answer) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            answer.headers.remove("request-id");
        })
    }
}

/// A proxy in front of `tenant` that every case sending a request fails against (no `request-id`),
/// waiting `delay` before forwarding each request.
pub async fn failing_proxy(tenant: &MockTenant, delay: Duration) -> Proxy {
    Proxy::start(tenant.root_url(), WithoutRequestId { delay }).await
}

/// A running `hwoath mock` and its Graph base URL (its output pipes stay open while it runs).
pub struct StandaloneMock {
    /// The process.
    pub child: Child,
    _stdout: BufReader<ChildStdout>,
    /// Its standard error, for tests that read what it logged.
    pub stderr: Option<ChildStderr>,
    /// `http://127.0.0.1:PORT/beta` (`https://` with `--tls`), from the banner.
    pub base_url: String,
    /// The banner's lines, up to `Press Ctrl-C to stop.`
    pub banner: Vec<String>,
}

impl StandaloneMock {
    /// Starts `hwoath mock` with `args` on a free loopback port and waits for its banner; panics with
    /// what it printed on standard error if it exits instead.
    pub fn start(args: &[&std::ffi::OsStr]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hwoath"))
            .arg("mock")
            .args(args)
            .args(["--addr", "127.0.0.1:0", "--quiet"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hwoath starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut stderr = child.stderr.take();
        let mut banner = Vec::new();
        for line in stdout.by_ref().lines() {
            let Ok(line) = line else { break };
            let last = line.starts_with("Press Ctrl-C");
            banner.push(line);
            if last {
                break;
            }
        }
        let base = banner.iter().find_map(|line| {
            line.trim()
                .strip_prefix("Graph base URL:")
                .map(|s| s.trim().to_owned())
        });
        let Some(base_url) = base else {
            let mut text = String::new();
            if let Some(stderr) = stderr.as_mut() {
                let _ = stderr.read_to_string(&mut text);
            }
            let _ = child.kill();
            let status = child.wait().expect("the mock exits");
            panic!("the mock did not start ({status}): {text}");
        };
        Self {
            child,
            _stdout: stdout,
            stderr,
            base_url,
            banner,
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn authority(&self) -> String {
        self.base_url
            .trim_start_matches("http://")
            .trim_start_matches("https://")
            .trim_end_matches("/beta")
            .to_owned()
    }

    /// `http://127.0.0.1:PORT` (`https://` with `--tls`): the authority host.
    pub fn root_url(&self) -> String {
        self.base_url.trim_end_matches("/beta").to_owned()
    }

    /// The CA file `hwoath mock --tls` wrote, from the banner's `CA certificate:` line.
    pub fn ca_file(&self) -> Option<std::path::PathBuf> {
        self.banner.iter().find_map(|line| {
            let rest = line.trim().strip_prefix("CA certificate:")?;
            rest.trim().split("   ").next().map(Into::into)
        })
    }

    /// Sends `signal` (e.g. `-INT`, `-TERM`) and waits up to 15 s for the mock to exit; its status.
    #[cfg(unix)]
    pub fn signal_and_wait(&mut self, signal: &str) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill {signal} failed");
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("the mock can be waited for") {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the mock did not stop on {signal}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no chance to flush or clean up.
    pub fn kill(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        drop(self.stderr.take());
    }
}

impl Drop for StandaloneMock {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What [`http`] got back.
#[derive(Debug)]
pub struct HttpAnswer {
    /// The status code.
    pub status: u16,
    /// The status line and headers.
    pub head: String,
    /// The JSON body (`Null` if none or not JSON).
    pub body: Value,
}

impl HttpAnswer {
    /// The value of header `name` (any letter case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// One HTTP/1.1 exchange on a fresh connection, without any HTTP library between the test and the
/// mock: what a kill or a full disk does is seen as it is on the wire.
pub fn http(
    authority: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> std::io::Result<HttpAnswer> {
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n"
    );
    if body.is_some() {
        request.push_str("Content-Type: application/json\r\n");
    }
    request.push_str(&format!(
        "Content-Length: {}\r\n\r\n{payload}",
        payload.len()
    ));
    stream.write_all(request.as_bytes())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let text = String::from_utf8_lossy(&answer);
    let broken = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "incomplete answer");
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(broken)?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(broken)?;
    let declared = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    });
    if declared.is_some_and(|len| len != body.len()) {
        return Err(broken());
    }
    Ok(HttpAnswer {
        status,
        head: head.to_owned(),
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    })
}

/// Runs `hwoath` with `args` in `dir`, its standard output closed before it writes a line (as
/// `| head -0` does); its exit status and standard error.
pub fn with_closed_stdout(args: &[&str], dir: &std::path::Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(args)
        .current_dir(dir)
        .env_remove("GRAPH_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hwoath runs");
    drop(child.stdout.take());
    child.wait_with_output().expect("hwoath exits")
}

/// The one run folder under `out`.
pub fn run_folder(out: &std::path::Path) -> std::path::PathBuf {
    let runs: Vec<_> = std::fs::read_dir(out).expect("the runs folder").collect();
    assert_eq!(runs.len(), 1, "one run folder under {}", out.display());
    runs[0].as_ref().expect("a run folder").path()
}

/// The `report.json` of the one run folder under `out`.
pub fn run_report(out: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(run_folder(out).join("report.json")).expect("report.json");
    serde_json::from_str(&text).expect("report.json is JSON")
}

/// Asserts that `output` exited with `code`, showing what it printed otherwise.
pub fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Each case's id and outcome, in report order.
pub fn outcomes(report: &Value) -> Vec<(String, String)> {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|case| {
            (
                case["id"].as_str().expect("an id").to_owned(),
                case["outcome"].as_str().expect("an outcome").to_owned(),
            )
        })
        .collect()
}

/// Runs `hwoath` with `args` and no credentials from the environment.
pub fn hwoath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(args)
        .env_remove("GRAPH_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .output()
        .expect("hwoath runs")
}

/// Bytes of an output stream as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
