//! Fault injection measured over thousands of requests: each kind hits at its configured rate (within
//! three standard deviations), the exact sequence repeats for a seed and follows the documented
//! generator, `Retry-After` carries the configured value, delayed requests take at least the configured
//! latency, only `/beta` is affected (controls and the token endpoint neither fail nor advance the
//! sequence), and `DELETE /_hwoath/faults` stops everything.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hwoath_mock::FaultConfig;
use hwoath_mock::fuzzing::{FaultInjector, FaultOutcome};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Requests per measured run.
const N: usize = 2_000;

/// What one `/beta` request met: its status (`None` for a dropped connection) and how long it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    status: Option<u16>,
    elapsed: Duration,
}

/// Installs `config` through the control route (restarting its generator).
async fn configure(h: &Harness, config: &FaultConfig) {
    let answer = h
        .call(
            Method::PUT,
            "/_hwoath/faults",
            None,
            Some(serde_json::to_value(config).unwrap()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
}

/// Sends `n` inventory reads one after another; every answer is checked against the fault it shows.
async fn run(h: &Harness, config: &FaultConfig, n: usize) -> Vec<Seen> {
    let token = h.admin();
    let retry_after = hwoath_mock::fuzzing::format_retry_after(config.retry_after());
    let mut seen = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let sent = h
            .client
            .get(h.url(DEVICES))
            .bearer_auth(&token)
            .send()
            .await;
        let answered = match sent {
            Ok(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                response
                    .text()
                    .await
                    .ok()
                    .map(|text| (status, headers, text))
            }
            Err(_) => None,
        };
        let elapsed = started.elapsed();
        let status = answered.map(|(status, headers, text)| {
            let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            match status.as_u16() {
                200 => {}
                429 | 503 => {
                    assert_eq!(headers["retry-after"], retry_after.as_str(), "{text}");
                    let code = if status == 429 {
                        "TooManyRequests"
                    } else {
                        "serviceNotAvailable"
                    };
                    assert_eq!(body["error"]["code"], code, "{text}");
                    assert!(body["error"]["innerError"]["request-id"].is_string());
                }
                other => panic!("unexpected {other}: {text}"),
            }
            status.as_u16()
        });
        seen.push(Seen { status, elapsed });
    }
    seen
}

/// The outcomes the documented generator gives for `config`, request by request.
fn predicted(config: &FaultConfig, n: usize) -> Vec<(Option<u16>, u64)> {
    let mut injector = FaultInjector::default();
    injector.configure(config.clone());
    (0..n)
        .map(|_| {
            let decision = injector.decide();
            let status = match decision.outcome {
                FaultOutcome::Pass => Some(200),
                FaultOutcome::Throttle => Some(429),
                FaultOutcome::ServerError => Some(503),
                FaultOutcome::Drop => None,
            };
            (status, decision.delay_ms)
        })
        .collect()
}

/// Asserts that `hits` out of `n` lies within three standard deviations of rate `p`.
fn within_three_sigma(what: &str, hits: usize, n: usize, p: f64) {
    let mean = n as f64 * p;
    let sigma = (n as f64 * p * (1.0 - p)).sqrt();
    assert!(
        (hits as f64 - mean).abs() <= 3.0 * sigma,
        "{what}: {hits} of {n}, expected {mean:.0} ± {:.0}",
        3.0 * sigma
    );
}

fn statuses(seen: &[Seen]) -> Vec<Option<u16>> {
    seen.iter().map(|s| s.status).collect()
}

fn count(seen: &[Seen], status: Option<u16>) -> usize {
    seen.iter().filter(|s| s.status == status).count()
}

#[tokio::test]
async fn throttle_rate_retry_after_and_reproducible_sequence() {
    let h = harness().await;
    let config = FaultConfig {
        throttle_rate: 0.25,
        retry_after_seconds: Some(2.5),
        seed: 11,
        ..FaultConfig::default()
    };
    configure(&h, &config).await;
    let first = run(&h, &config, N).await;
    within_three_sigma("429", count(&first, Some(429)), N, 0.25);
    assert_eq!(
        statuses(&first),
        predicted(&config, N)
            .into_iter()
            .map(|p| p.0)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        h.tenant.counters().faults.throttle as usize,
        count(&first, Some(429))
    );
    assert_eq!(
        h.tenant.counters().throttled,
        0,
        "injected 429s are not activation throttling"
    );
    // The same seed again: the same sequence. Another seed: another one.
    configure(&h, &config).await;
    assert_eq!(
        statuses(&run(&h, &config, 500).await),
        statuses(&first[..500])
    );
    let other = FaultConfig {
        seed: 12,
        ..config.clone()
    };
    configure(&h, &other).await;
    assert_ne!(
        statuses(&run(&h, &other, 200).await),
        statuses(&first[..200])
    );
}

#[tokio::test]
async fn server_error_rate_and_retry_after() {
    let h = harness().await;
    let config = FaultConfig {
        server_error_rate: 0.1,
        retry_after_seconds: Some(7.0),
        seed: 3,
        ..FaultConfig::default()
    };
    configure(&h, &config).await;
    let seen = run(&h, &config, N).await;
    within_three_sigma("503", count(&seen, Some(503)), N, 0.1);
    assert_eq!(count(&seen, Some(503)) + count(&seen, Some(200)), N);
    assert_eq!(
        h.tenant.counters().faults.server_error as usize,
        count(&seen, Some(503))
    );
}

#[tokio::test]
async fn dropped_connections_at_their_rate_and_the_tenant_serves_on() {
    let h = harness().await;
    let config = FaultConfig {
        drop_rate: 0.05,
        seed: 5,
        ..FaultConfig::default()
    };
    configure(&h, &config).await;
    let seen = run(&h, &config, N).await;
    within_three_sigma("dropped", count(&seen, None), N, 0.05);
    assert_eq!(
        statuses(&seen),
        predicted(&config, N)
            .into_iter()
            .map(|p| p.0)
            .collect::<Vec<_>>(),
        "a dropped connection is a client error exactly where the generator says"
    );
    assert_eq!(h.tenant.counters().faults.drop as usize, count(&seen, None));
    h.tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn latency_delays_the_chosen_requests_by_at_least_the_configured_time() {
    let h = harness().await;
    let config = FaultConfig {
        latency_ms: 40,
        latency_rate: 0.1,
        seed: 9,
        ..FaultConfig::default()
    };
    configure(&h, &config).await;
    let n = 500;
    let seen = run(&h, &config, n).await;
    let plan = predicted(&config, n);
    let delayed: Vec<&Seen> = seen
        .iter()
        .zip(&plan)
        .filter(|(_, (_, delay))| *delay > 0)
        .map(|(s, _)| s)
        .collect();
    within_three_sigma("delayed", delayed.len(), n, 0.1);
    assert!(
        delayed
            .iter()
            .all(|s| s.elapsed >= Duration::from_millis(40)),
        "every delayed request took at least 40 ms"
    );
    assert_eq!(count(&seen, Some(200)), n, "latency alone fails nothing");
    assert_eq!(h.tenant.counters().faults.latency as usize, delayed.len());
}

#[tokio::test]
async fn combined_faults_keep_their_priority_and_rates() {
    let h = harness().await;
    let config = FaultConfig {
        drop_rate: 0.05,
        throttle_rate: 0.2,
        server_error_rate: 0.1,
        retry_after_seconds: Some(0.25),
        seed: 2026,
        ..FaultConfig::default()
    };
    configure(&h, &config).await;
    let seen = run(&h, &config, N).await;
    // A dropped connection wins over a 429, which wins over a 503.
    within_three_sigma("dropped", count(&seen, None), N, 0.05);
    within_three_sigma("429", count(&seen, Some(429)), N, 0.95 * 0.2);
    within_three_sigma("503", count(&seen, Some(503)), N, 0.95 * 0.8 * 0.1);
    assert_eq!(
        statuses(&seen),
        predicted(&config, N)
            .into_iter()
            .map(|p| p.0)
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn controls_and_the_token_endpoint_neither_fail_nor_advance_the_sequence() {
    let h = harness().await;
    let config = FaultConfig {
        throttle_rate: 0.5,
        server_error_rate: 0.5,
        seed: 77,
        ..FaultConfig::default()
    };
    configure(&h, &config).await;
    let plain = statuses(&run(&h, &config, 100).await);

    configure(&h, &config).await;
    let app = h.tenant.fixture().apps[0].clone();
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
        app.client_id,
        app.client_secret.expose()
    );
    let mut interleaved = Vec::new();
    for _ in 0..100 {
        let clock = h.call(Method::GET, "/_hwoath/clock", None, None).await;
        assert_eq!(clock.status, StatusCode::OK);
        let counters = h.call(Method::GET, "/_hwoath/counters", None, None).await;
        assert_eq!(counters.status, StatusCode::OK);
        let token = h
            .raw(
                h.client
                    .post(h.tenant.token_url())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form.clone()),
            )
            .await;
        assert_eq!(token.status, StatusCode::OK, "{}", token.text);
        interleaved.extend(statuses(&run(&h, &config, 1).await));
    }
    assert_eq!(
        interleaved, plain,
        "only /beta requests draw from the generator"
    );

    // Clearing stops every fault; the counters stay as they were.
    let before = h.tenant.counters().faults;
    let cleared = h.call(Method::DELETE, "/_hwoath/faults", None, None).await;
    assert_eq!(cleared.status, StatusCode::NO_CONTENT);
    let faults = h.call(Method::GET, "/_hwoath/faults", None, None).await;
    assert_eq!(faults.body, json!(null));
    let after = run(&h, &FaultConfig::default(), 300).await;
    assert_eq!(count(&after, Some(200)), 300);
    assert_eq!(h.tenant.counters().faults, before);
}
