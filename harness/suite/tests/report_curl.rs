//! The curl replay line survives a real POSIX shell: each argument arrives exactly as recorded, and
//! the bearer token comes from `$GRAPH_TOKEN`.

mod report_support;

use std::process::Command;

use hwoath_suite::internals::shell_quote;
use hwoath_suite::report::ExchangeRecord;
use hwoath_suite::report::curl_command;
use report_support::{HOSTILE, report};

/// Runs `line` under `sh -c` with `curl` replaced by a function printing each argument NUL-terminated.
fn arguments_seen_by_curl(line: &str) -> Vec<String> {
    let script = format!("curl() {{ printf '%s\\0' \"$@\"; }}\n{line}");
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("GRAPH_TOKEN", "tok-from-env")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut args: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .split('\0')
        .map(str::to_owned)
        .collect();
    assert_eq!(args.pop().as_deref(), Some(""));
    args
}

fn create_exchange() -> ExchangeRecord {
    report().cases[1].exchanges[0].clone()
}

#[test]
fn arguments_round_trip_through_sh() {
    let mut exchange = create_exchange();
    let body = format!("{{\"note\":\"{HOSTILE}\",\n\"quote\":\"'''\", \"bs\":\"\\\\\"}}");
    exchange.request_body = Some(body.clone());
    exchange.url = format!("{}?$filter=serialNumber eq 'a b'&$top=1", exchange.url);
    exchange
        .request_headers
        .push(("x-weird".to_owned(), "a'b\"c$d`e\\f".to_owned()));
    let args = arguments_seen_by_curl(&curl_command(&exchange));
    assert_eq!(
        args,
        [
            "-sS",
            "-X",
            "POST",
            &exchange.url,
            "-H",
            "Authorization: Bearer tok-from-env",
            "-H",
            "content-type: application/json",
            "-H",
            "x-weird: a'b\"c$d`e\\f",
            "--data-raw",
            &body,
        ]
    );
}

#[test]
fn shell_quote_round_trips_any_text() {
    let samples = [
        "",
        "'",
        "''",
        "a'b",
        "$GRAPH_TOKEN",
        "`id`",
        "$(id)",
        "\\",
        "new\nline",
        "tab\there",
        "ünïcødé ✓",
        HOSTILE,
    ];
    for sample in samples {
        let args = arguments_seen_by_curl(&format!("curl {}", shell_quote(sample)));
        assert_eq!(args, [sample], "{sample:?}");
    }
}

#[test]
fn the_line_never_holds_a_literal_token() {
    let mut exchange = create_exchange();
    exchange.request_headers[0].1 = "Bearer eyJ0eXAiOiJKV1Qi.real".to_owned();
    let line = curl_command(&exchange);
    assert!(!line.contains("eyJ0eXAiOiJKV1Qi"));
    let args = arguments_seen_by_curl(&line);
    assert!(args.contains(&"Authorization: Bearer tok-from-env".to_owned()));
}
