//! `hwoath token` and `hwoath mock` from the outside.

mod support;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;

use hwoath_mock::{Fixture, SigningKey};
use support::StandaloneMock;

fn hwoath(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn token_mints_app_and_delegated_tokens_with_the_development_key() {
    let app = hwoath(
        &[
            "token",
            "--roles",
            "Policy.Read.All,Policy.ReadWrite.AuthenticationMethod",
        ],
        &[],
    );
    assert!(app.status.success());
    let token = String::from_utf8(app.stdout).unwrap();
    let claims = SigningKey::development()
        .verify(token.trim(), now())
        .unwrap();
    assert_eq!(
        claims.roles.unwrap(),
        ["Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"]
    );
    assert_eq!(claims.tid.unwrap(), Fixture::default().tenant_id);

    let user = hwoath(
        &[
            "token",
            "--scopes",
            "Policy.Read.All",
            "--user",
            "Megan Bowen",
        ],
        &[],
    );
    let claims = SigningKey::development()
        .verify(String::from_utf8(user.stdout).unwrap().trim(), now())
        .unwrap();
    assert_eq!(claims.scp.as_deref(), Some("Policy.Read.All"));
    assert_eq!(claims.wids.unwrap(), [hwoath_mock::roles::GLOBAL_READER]);

    let expired = hwoath(&["token", "--roles", "x", "--expires-in", "-10"], &[]);
    let text = String::from_utf8(expired.stdout).unwrap();
    assert!(
        SigningKey::development()
            .verify(text.trim(), now())
            .is_err()
    );
}

#[test]
fn token_usage_errors() {
    assert_eq!(hwoath(&["token"], &[]).status.code(), Some(2));
    assert_eq!(
        hwoath(&["token", "--scopes", "x"], &[]).status.code(),
        Some(2),
        "delegated needs --user"
    );
    assert_eq!(
        hwoath(&["token", "--roles", "x", "--user", "Nobody"], &[])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        hwoath(
            &[
                "token",
                "--roles",
                "x",
                "--key-env",
                "HWOATH_TEST_UNSET_KEY"
            ],
            &[]
        )
        .status
        .code(),
        Some(2)
    );
    let keyed = hwoath(
        &["token", "--roles", "x", "--key-env", "HWOATH_TEST_KEY"],
        &[("HWOATH_TEST_KEY", "k3y")],
    );
    let token = String::from_utf8(keyed.stdout).unwrap();
    assert!(
        SigningKey::from_bytes(b"k3y".to_vec())
            .verify(token.trim(), now())
            .is_ok()
    );
    assert!(
        SigningKey::development()
            .verify(token.trim(), now())
            .is_err()
    );
}

#[test]
fn mock_prints_its_urls_and_serves() {
    let mock = StandaloneMock::start(&["--controls", "--clock", "59"].map(OsStr::new));
    assert!(
        mock.banner
            .iter()
            .any(|l| l.contains("curl -s") && l.contains("grant_type=client_credentials"))
    );
    let authority = mock.authority();
    let mut stream = TcpStream::connect(&authority).unwrap();
    write!(
        stream,
        "GET /_hwoath/clock HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    mock.kill();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#"{"unix":59,"frozen":true}"#), "{answer}");
}

#[test]
fn mock_help_lists_the_behaviour_options() {
    let help = hwoath(&["mock", "--help"], &[]);
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for expected in [
        "--status-after-assign-to",
        "[possible values: assigned, available]",
        "--numbers-as-strings",
        "[possible values: refuse, coerce]",
        "--visibility-delay <MS>",
        "--policy-disabled",
        "[possible values: allow, refuse]",
        "--activation-limit",
        "the mock's decision",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(!text.contains("Graph documents 200"));
    let bad = hwoath(&["mock", "--numbers-as-strings", "maybe"], &[]);
    assert_eq!(bad.status.code(), Some(2));
}

/// Sends one HTTP/1.1 request to `authority` and returns the raw answer.
fn http(authority: &str, method: &str, path: &str, token: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn mock_applies_behaviour_options_from_the_command_line() {
    let mock = StandaloneMock::start(
        &[
            "--numbers-as-strings",
            "coerce",
            "--status-after-assign-to",
            "available",
        ]
        .map(OsStr::new),
    );
    assert!(
        mock.banner.iter().any(|l| l.contains("Behaviour:")
            && l.contains("--numbers-as-strings coerce")
            && l.contains("--status-after-assign-to available")),
        "{:?}",
        mock.banner
    );
    let authority = mock.authority();
    let fixture = Fixture::default();
    let token = hwoath_mock::TokenRequest::app(&[
        "Policy.ReadWrite.AuthenticationMethod",
        "UserAuthenticationMethod.ReadWrite.All",
    ])
    .mint(&SigningKey::development(), &fixture.tenant_id);
    let body = format!(
        r#"{{"serialNumber":"CLI-1","manufacturer":"Contoso","model":"M","secretKey":"JBSWY3DPEHPK3PXPJBSWY3DP","timeIntervalInSeconds":"30","assignTo":{{"id":"{}"}}}}"#,
        fixture.users[0].id
    );
    let answer = http(
        &authority,
        "POST",
        "/beta/directory/authenticationMethodDevices/hardwareOathDevices",
        &token,
        &body,
    );
    mock.kill();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert!(answer.contains(r#""timeIntervalInSeconds":30"#), "{answer}");
    assert!(answer.contains(r#""status":"available""#), "{answer}");
}
