//! Bad input never yields a 5xx or a panic; concurrent creates of one serial yield exactly one 201.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn malformed_requests_get_4xx_envelopes() {
    let h = harness().await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    let huge_number = format!("{{\"timeIntervalInSeconds\": 1{}}}", "0".repeat(5_000));
    let big = format!("{{\"displayName\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
    let bodies: Vec<(&str, Vec<u8>, Option<&str>, StatusCode)> = vec![
        (
            "empty body",
            Vec::new(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "not json",
            b"hello".to_vec(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "truncated",
            b"{\"serialNumber\": \"x".to_vec(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "trailing comma",
            b"{\"serialNumber\": \"x\",}".to_vec(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "bad utf-8",
            b"{\"serialNumber\": \"\xff\xfe\"}".to_vec(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "lone surrogate",
            br#"{"serialNumber": "\ud800"}"#.to_vec(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "deep arrays",
            deep.into_bytes(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "deep objects",
            deep_object.into_bytes(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "huge number",
            huge_number.into_bytes(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "array body",
            b"[]".to_vec(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "null body",
            b"null".to_vec(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "duplicate keys",
            br#"{"serialNumber":"a","serialNumber":"b"}"#.to_vec(),
            Some("application/json"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "no content type",
            b"{}".to_vec(),
            None,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "text/plain",
            b"{}".to_vec(),
            Some("text/plain"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "form",
            b"a=b".to_vec(),
            Some("application/x-www-form-urlencoded"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "over 1 MiB",
            big.into_bytes(),
            Some("application/json"),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    let targets = [
        (Method::POST, DEVICES.to_owned()),
        (Method::PATCH, DEVICES.to_owned()),
        (
            Method::PATCH,
            format!("{DEVICES}/00000000-0000-0000-0000-000000000000"),
        ),
        (Method::POST, ME.to_owned()),
        (Method::POST, format!("{ME}/x/activate")),
        (Method::POST, format!("{ME}/assignAndActivate")),
        (
            Method::POST,
            format!("{ME}/assignAndActivateBySerialNumber"),
        ),
    ];
    for (method, path) in &targets {
        let token = if path.starts_with("/me") {
            h.amy()
        } else {
            h.admin()
        };
        for (label, body, content_type, expected) in &bodies {
            let mut request = h
                .client
                .request(method.clone(), h.url(path))
                .bearer_auth(&token)
                .body(body.clone());
            if let Some(content_type) = content_type {
                request = request.header("content-type", *content_type);
            }
            let answer = h.raw(request).await;
            assert!(
                answer.status.is_client_error(),
                "{method} {path} {label}: {}",
                answer.status
            );
            // Unknown ids may legitimately be found missing before the body is read.
            if answer.status != StatusCode::NOT_FOUND {
                assert_eq!(
                    answer.status, *expected,
                    "{method} {path} {label}: {}",
                    answer.text
                );
            }
            assert!(
                answer.body["error"]["code"].is_string(),
                "{method} {path} {label}: {}",
                answer.text
            );
            assert!(answer.headers.contains_key("request-id"));
        }
    }
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn odd_paths_methods_and_queries_never_5xx() {
    let h = harness().await;
    let token = h.admin();
    let paths = [
        "/nope",
        "/directory",
        "/directory/authenticationMethodDevices",
        &format!("{DEVICES}/a/b/c"),
        &format!("{DEVICES}/%00"),
        &format!("{DEVICES}/{}", "a".repeat(5000)),
        &format!("{DEVICES}?$top=%FF"),
        &format!("{DEVICES}?$filter=%27"),
        &format!("{DEVICES}?$filter=serialNumber eq 'a' and"),
        &format!("{DEVICES}?$filter=(serialNumber eq 'a')"),
        &format!(
            "{DEVICES}?$filter={}",
            "serialNumber eq 'a' and ".repeat(500)
        ),
        &format!("{DEVICES}?$top=1e3"),
        &format!("{DEVICES}?$count=TRUE"),
        &format!("{DEVICES}?$format=xml"),
        &format!("{DEVICES}?$skiptoken=aHdvYXRoOjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk"),
        "/users/%E2%82%AC/authentication/hardwareOathMethods",
        "/users//authentication/hardwareOathMethods",
        "/me/authentication/hardwareOathMethods/x/y",
    ];
    for path in paths {
        for method in [Method::GET, Method::PUT, Method::DELETE, Method::OPTIONS] {
            let answer = h.call(method.clone(), path, Some(&token), None).await;
            assert!(
                !answer.status.is_server_error(),
                "{method} {path}: {}",
                answer.status
            );
            if answer.status.is_client_error() {
                assert!(
                    answer.body["error"]["code"].is_string(),
                    "{method} {path}: {}",
                    answer.text
                );
            }
        }
    }
    let long_header = h
        .raw(
            h.client
                .get(h.url(DEVICES))
                .bearer_auth(&token)
                .header("client-request-id", "x".repeat(4000)),
        )
        .await;
    assert_eq!(long_header.status, StatusCode::OK);
    let echoed = h
        .raw(
            h.client
                .get(h.url(DEVICES))
                .bearer_auth(&token)
                .header("client-request-id", "abc-123"),
        )
        .await;
    assert_eq!(echoed.headers["client-request-id"], "abc-123");
    let error = h
        .raw(
            h.client
                .get(h.url("/nope"))
                .bearer_auth(&token)
                .header("client-request-id", "abc-456"),
        )
        .await;
    assert_eq!(
        error.body["error"]["innerError"]["client-request-id"],
        "abc-456"
    );
    assert_eq!(
        error.body["error"]["innerError"]["request-id"],
        error.headers["request-id"].to_str().unwrap()
    );
    assert!(error.body["error"]["innerError"]["date"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_of_one_serial_yield_one_201() {
    let h = std::sync::Arc::new(harness().await);
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            h.post(DEVICES, &h.admin(), device_body("RACE-1"))
                .await
                .status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        63
    );
    assert_eq!(h.tenant.devices().len(), 1);
    h.tenant.check_invariants().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_assigns_of_one_token_yield_one_owner() {
    let h = std::sync::Arc::new(harness().await);
    let id = h.create("RACE-2").await;
    let users: Vec<String> = h.tenant.user_ids();
    let mut tasks = Vec::new();
    for user in users.iter().cycle().take(32) {
        let (h, id) = (h.clone(), id.clone());
        let path = format!("/users/{user}/authentication/hardwareOathMethods");
        tasks.push(tokio::spawn(async move {
            h.post(&path, &h.admin(), json!({"device": {"id": id}}))
                .await
                .status
        }));
    }
    let mut created = 0;
    for task in tasks {
        let status = task.await.unwrap();
        assert!(
            status == StatusCode::CREATED || status == StatusCode::CONFLICT,
            "{status}"
        );
        created += usize::from(status == StatusCode::CREATED);
    }
    assert_eq!(created, 1);
    h.tenant.check_invariants().unwrap();
}
