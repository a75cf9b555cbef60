//! A loopback HTTP proxy in front of a mock for the CLI's tests: it drops `request-id` from every
//! answer (a documented rule every checked exchange then breaks, so every generated case fails and
//! shrinks), may delay each request, and counts the requests it forwards by method and path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running proxy.
pub struct Proxy {
    /// `http://127.0.0.1:PORT/beta`.
    pub base_url: String,
    seen: Arc<Mutex<HashMap<String, usize>>>,
}

impl Proxy {
    /// Requests forwarded so far whose `METHOD path` (query left out) ends with `suffix`.
    pub fn count(&self, method: &str, suffix: &str) -> usize {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .filter(|(line, _)| line.starts_with(method) && line.ends_with(suffix))
            .map(|(_, count)| count)
            .sum()
    }
}

/// Starts a proxy to `upstream` (`127.0.0.1:PORT`) that waits `delay` before forwarding each request.
pub async fn start(upstream: String, delay: Duration) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}/beta", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(HashMap::new()));
    let counts = seen.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(forward(client, upstream.clone(), delay, counts.clone()));
        }
    });
    Proxy { base_url, seen }
}

/// Forwards one request (one per connection: both sides are told `connection: close`).
async fn forward(
    mut client: TcpStream,
    upstream: String,
    delay: Duration,
    seen: Arc<Mutex<HashMap<String, usize>>>,
) {
    let Some((head, body)) = read_request(&mut client).await else {
        return;
    };
    let line = head.lines().next().unwrap_or_default().to_owned();
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    *seen
        .lock()
        .unwrap()
        .entry(format!("{method} {path}"))
        .or_default() += 1;
    tokio::time::sleep(delay).await;
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let request = [rewrite_head(&head, &[]).into_bytes(), body].concat();
    if server.write_all(&request).await.is_err() {
        return;
    }
    let mut answer = Vec::new();
    let _ = server.read_to_end(&mut answer).await;
    let split = find(&answer, b"\r\n\r\n").unwrap_or(answer.len());
    let answer_head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let rest = answer.get(split + 4..).unwrap_or_default();
    let rewritten = [
        rewrite_head(&answer_head, &["request-id"]).into_bytes(),
        rest.to_vec(),
    ]
    .concat();
    let _ = client.write_all(&rewritten).await;
    let _ = client.shutdown().await;
}

/// The head without `drop` headers and any `connection` header, with `connection: close`, ending in
/// the blank line.
fn rewrite_head(head: &str, drop: &[&str]) -> String {
    let mut lines: Vec<&str> = head
        .split("\r\n")
        .filter(|line| !line.is_empty())
        .filter(|line| {
            let name = line
                .split(':')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            name != "connection" && !drop.contains(&name.as_str())
        })
        .collect();
    lines.push("connection: close");
    format!("{}\r\n\r\n", lines.join("\r\n"))
}

/// Reads a request head and its `content-length` body.
async fn read_request(client: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 8192];
    let split = loop {
        if let Some(split) = find(&bytes, b"\r\n\r\n") {
            break split;
        }
        let read = client.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        bytes.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = bytes[split + 4..].to_vec();
    while body.len() < length {
        let read = client.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&buffer[..read]);
    }
    Some((head, body))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
