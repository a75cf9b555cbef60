//! The `/_hwoath` test controls over real HTTP: off by default, clock, reset, faults, counters,
//! token minting; and the activation throttle.

mod common;

use common::*;
use hwoath_mock::MockTenant;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn controls_are_off_by_default() {
    let h = harness_with(MockTenant::builder()).await;
    for (method, path) in [
        (Method::GET, "/_hwoath/clock"),
        (Method::PUT, "/_hwoath/clock"),
        (Method::POST, "/_hwoath/reset"),
        (Method::PUT, "/_hwoath/faults"),
        (Method::DELETE, "/_hwoath/faults"),
        (Method::GET, "/_hwoath/counters"),
        (Method::POST, "/_hwoath/token"),
    ] {
        let answer = h.call(method.clone(), path, None, Some(json!({}))).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(answer.code(), "Request_ResourceNotFound");
    }
}

#[tokio::test]
async fn clock_can_be_read_frozen_and_run() {
    let h = harness().await;
    let clock = h.call(Method::GET, "/_hwoath/clock", None, None).await;
    assert_eq!(clock.body, json!({"unix": T, "frozen": true}));
    let set = h
        .call(
            Method::PUT,
            "/_hwoath/clock",
            None,
            Some(json!({"unix": 59, "frozen": false})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK);
    let now = h.call(Method::GET, "/_hwoath/clock", None, None).await;
    assert!((59..70).contains(&now.body["unix"].as_i64().unwrap()));
    assert_eq!(now.body["frozen"], false);
    for bad in [
        json!({"unix": -1}),
        json!({"unix": "59"}),
        json!({"frozen": true}),
        json!({"unix": 1, "speed": 2}),
    ] {
        let answer = h
            .call(Method::PUT, "/_hwoath/clock", None, Some(bad.clone()))
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn the_date_header_is_the_tenant_clock() {
    let h = harness().await;
    // T = 1111111109 is 2005-03-18 01:58:29 UTC; the answer's Date follows the frozen test clock,
    // on Graph routes, control routes and error answers alike.
    for path in ["/_hwoath/clock", "/beta/users", "/beta/no-such-thing"] {
        let answer = h.call(Method::GET, path, None, None).await;
        assert_eq!(
            answer.headers.get("date").and_then(|v| v.to_str().ok()),
            Some("Fri, 18 Mar 2005 01:58:29 GMT"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn reset_returns_to_the_fixture() {
    let h = harness().await;
    h.create_for_amy("RESET-1").await;
    assert_eq!(h.tenant.devices().len(), 1);
    let answer = h.call(Method::POST, "/_hwoath/reset", None, None).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    assert!(h.tenant.devices().is_empty());
    assert!(h.tenant.counters().requests.is_empty());
}

#[tokio::test]
async fn minted_tokens_work_and_carry_fixture_roles() {
    let h = harness().await;
    let megan = h.user_id("Megan Bowen");
    let answer = h
        .call(
            Method::POST,
            "/_hwoath/token",
            None,
            Some(json!({"scp": "Policy.Read.All", "oid": megan})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["token_type"], "Bearer");
    let token = answer.body["access_token"].as_str().unwrap();
    assert_eq!(
        h.get(DEVICES, token).await.status,
        StatusCode::OK,
        "Global Reader from the fixture"
    );
    let no_roles = h
        .call(
            Method::POST,
            "/_hwoath/token",
            None,
            Some(json!({"scp": "Policy.Read.All", "oid": megan, "wids": []})),
        )
        .await;
    assert_eq!(
        h.get(DEVICES, no_roles.body["access_token"].as_str().unwrap())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let expired = h
        .call(
            Method::POST,
            "/_hwoath/token",
            None,
            Some(json!({"roles": ["Policy.Read.All"], "expires_in": -60})),
        )
        .await;
    assert_eq!(
        h.get(DEVICES, expired.body["access_token"].as_str().unwrap())
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let app = h
        .call(
            Method::POST,
            "/_hwoath/token",
            None,
            Some(json!({"roles": ["Policy.Read.All"]})),
        )
        .await;
    assert_eq!(
        h.get(DEVICES, app.body["access_token"].as_str().unwrap())
            .await
            .status,
        StatusCode::OK
    );
    let bad = h
        .call(
            Method::POST,
            "/_hwoath/token",
            None,
            Some(json!({"scopes": "x"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn faults_are_deterministic_for_a_seed_and_only_hit_beta() {
    let h = harness().await;
    let token = h.admin();
    let config = json!({"throttle_rate": 0.3, "server_error_rate": 0.2, "retry_after_seconds": 0.5, "seed": 7});
    let mut runs = Vec::new();
    for _ in 0..2 {
        let answer = h
            .call(Method::PUT, "/_hwoath/faults", None, Some(config.clone()))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let mut statuses = Vec::new();
        for _ in 0..40 {
            let answer = h.get(DEVICES, &token).await;
            if answer.status == StatusCode::TOO_MANY_REQUESTS {
                assert_eq!(
                    answer.headers["retry-after"], "1",
                    "whole seconds, rounded up"
                );
                assert_eq!(answer.code(), "TooManyRequests");
            }
            if answer.status == StatusCode::SERVICE_UNAVAILABLE {
                assert_eq!(answer.code(), "serviceNotAvailable");
            }
            statuses.push(answer.status.as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&429) && runs[0].contains(&503) && runs[0].contains(&200),
        "{:?}",
        runs[0]
    );
    // Controls and the token endpoint are never faulted.
    assert_eq!(
        h.call(Method::GET, "/_hwoath/clock", None, None)
            .await
            .status,
        StatusCode::OK
    );
    let counters = h.call(Method::GET, "/_hwoath/counters", None, None).await;
    let injected = counters.body["faults"]["throttle"].as_u64().unwrap()
        + counters.body["faults"]["server_error"].as_u64().unwrap();
    assert_eq!(
        injected as usize,
        runs.iter().flatten().filter(|s| **s != 200).count()
    );
    assert!(counters.body["requests"]["GET /beta/directory/authenticationMethodDevices/hardwareOathDevices"]["200"].as_u64().unwrap() > 0);
    assert_eq!(
        h.call(Method::DELETE, "/_hwoath/faults", None, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(h.get(DEVICES, &token).await.status, StatusCode::OK);
    let bad = h
        .call(
            Method::PUT,
            "/_hwoath/faults",
            None,
            Some(json!({"drop_rate": 2.0})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn dropped_connections_and_latency() {
    let h = harness().await;
    let answer = h
        .call(
            Method::PUT,
            "/_hwoath/faults",
            None,
            Some(json!({"drop_rate": 1.0, "latency_ms": 20, "latency_rate": 1.0})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let outcome = async {
        let response = h
            .client
            .get(h.url(DEVICES))
            .bearer_auth(h.admin())
            .send()
            .await?;
        response.text().await
    }
    .await;
    assert!(
        outcome.is_err(),
        "a dropped connection is an error for the client"
    );
    h.tenant.clear_faults();
    let counters = h.tenant.counters();
    assert_eq!((counters.faults.drop, counters.faults.latency), (1, 1));
    assert_eq!(h.get(DEVICES, &h.admin()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn activation_throttle_answers_429_until_reset() {
    let h = harness_with(
        MockTenant::builder()
            .controls(true)
            .clock(T)
            .activation_limit(3, 300),
    )
    .await;
    let id = h.create_for_amy("THR-1").await;
    let activate = format!("{ME}/{id}/activate");
    for _ in 0..3 {
        let answer = h
            .post(
                &activate,
                &h.amy(),
                json!({"verificationCode": wrong_code_at(T)}),
            )
            .await;
        assert_ne!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    }
    let throttled = h.post_code(&activate, &h.amy()).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.code(), "TooManyRequests");
    assert_eq!(throttled.headers["retry-after"], "300");
    assert_eq!(h.tenant.counters().throttled, 1);
    // The window slides with the tenant clock.
    h.set_clock(T + 301).await;
    let answer = h
        .post(
            &activate,
            &h.amy(),
            json!({"verificationCode": code_at(T + 301)}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    let wrong = wrong_code_at(T + 301);
    for _ in 0..3 {
        h.post(&activate, &h.amy(), json!({"verificationCode": wrong}))
            .await;
    }
    assert_eq!(
        h.post(&activate, &h.amy(), json!({"verificationCode": wrong}))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    h.call(Method::POST, "/_hwoath/reset", None, None).await;
    let id = h.create_for_amy("THR-2").await;
    let answer = h
        .post(
            &format!("{ME}/{id}/activate"),
            &h.amy(),
            json!({"verificationCode": code_at(T + 301)}),
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::NO_CONTENT,
        "reset clears the throttle: {}",
        answer.text
    );
}
