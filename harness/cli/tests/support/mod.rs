//! A standalone `hwoath mock` process for the CLI's integration tests, started as a user would start it.

#![allow(dead_code)] // each test file uses a part

pub mod proxy;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, ChildStdout, Command, Output, Stdio};

/// A running `hwoath mock` and its Graph base URL (its output pipes stay open while it runs).
pub struct StandaloneMock {
    /// The process.
    pub child: Child,
    _stdout: BufReader<ChildStdout>,
    /// Its standard error, for tests that read what it logged.
    pub stderr: Option<ChildStderr>,
    /// `http://127.0.0.1:PORT/beta`, from the banner.
    pub base_url: String,
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
        let base = stdout.by_ref().lines().find_map(|line| {
            line.ok()?
                .trim()
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
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn authority(&self) -> String {
        self.base_url
            .trim_start_matches("http://")
            .trim_end_matches("/beta")
            .to_owned()
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
