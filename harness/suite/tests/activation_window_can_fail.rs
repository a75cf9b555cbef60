//! The activation-window cases can fail: a proxy in front of the mock plays a target that still checks
//! activation codes within ±1 step (the rule before Entra's documented drift correction of ±1 day for
//! 30 s tokens and ±2 days for 60 s tokens). The suite must flag it, and pass the mock itself.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use hwoath_otp::{Algorithm, Secret, Totp, Verifier};
use hwoath_suite::{Credentials, Outcome, RunOptions, RunReport};
use hwoath_testkit::{Answer, BoxFuture, Forwarded, Proxy, Rewrite};
use serde_json::{Value, json};

/// What the proxy knows of each token it saw created: enough to check a code itself.
#[derive(Clone)]
struct Seen {
    secret: String,
    interval: u64,
    sha256: bool,
}

/// A target that checks activation codes within ±1 step: it learns each token's secret from the create
/// requests it forwards, and sends the mock a code it refuses in place of any code more than a step
/// away (so the token records the failed attempt, as such a target would).
struct NarrowWindow {
    upstream: String,
    http: reqwest::Client,
    /// Tokens by device id.
    tokens: Mutex<HashMap<String, Seen>>,
}

impl NarrowWindow {
    /// The mock's tenant clock, read through its test controls.
    async fn tenant_now(&self) -> u64 {
        let clock: Value = self
            .http
            .get(format!("{}/_hwoath/clock", self.upstream))
            .send()
            .await
            .expect("the mock answers")
            .json()
            .await
            .expect("the clock is JSON");
        clock["unix"].as_u64().expect("unix seconds")
    }

    /// `None` when `code` is the code of the current step or one either side; otherwise a code the
    /// mock refuses too.
    async fn narrowed(&self, device: &str, code: &str) -> Option<String> {
        let seen = self.tokens.lock().unwrap().get(device).cloned()?;
        let algorithm = if seen.sha256 {
            Algorithm::Sha256
        } else {
            Algorithm::Sha1
        };
        let secret = Secret::from_base32(&seen.secret).expect("the suite sends Base32");
        let totp = Totp::new(&secret, algorithm, 6, seen.interval).expect("a valid token");
        let now = self.tenant_now().await;
        if Verifier::new(totp.clone(), 1).check(code, now).is_ok() {
            return None;
        }
        let step = totp.step_at(now).expect("after T0");
        let taken: HashSet<u32> = (step.saturating_sub(2890)..=step + 2890)
            .map(|s| totp.generate_step(s).value())
            .collect();
        (0..1_000_000u32)
            .find(|candidate| !taken.contains(candidate))
            .map(|wrong| format!("{wrong:06}"))
    }
}

/// The device id of `.../hardwareOathMethods/{id}/activate`.
fn activated_device(path: &str) -> Option<String> {
    let rest = path.split('?').next()?.strip_suffix("/activate")?;
    let (_, id) = rest.rsplit_once('/')?;
    Some(id.to_owned())
}

impl Rewrite for NarrowWindow {
    fn request<'a>(&'a self, request: &'a mut Forwarded) -> BoxFuture<'a, Option<Answer>> {
        Box::pin(async move {
            let sent: Option<Value> = serde_json::from_slice(&request.body).ok();
            let code = sent.and_then(|b| b["verificationCode"].as_str().map(str::to_owned));
            if let (Some(device), Some(code)) = (activated_device(&request.path), code)
                && let Some(wrong) = self.narrowed(&device, &code).await
            {
                request.body = json!({"verificationCode": wrong}).to_string().into_bytes();
            }
            None
        })
    }

    fn answer<'a>(&'a self, request: &'a Forwarded, answer: &'a mut Answer) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if answer.status != 201 {
                return;
            }
            let sent: Option<Value> = serde_json::from_slice(&request.body).ok();
            let created: Option<Value> = serde_json::from_slice(&answer.body).ok();
            if let (Some(sent), Some(created)) = (sent, created)
                && let (Some(secret), Some(id)) =
                    (sent["secretKey"].as_str(), created["id"].as_str())
            {
                self.tokens.lock().unwrap().insert(
                    id.to_owned(),
                    Seen {
                        secret: secret.to_owned(),
                        interval: sent["timeIntervalInSeconds"].as_u64().unwrap_or(30),
                        sha256: sent["hashFunction"] == "hmacsha256",
                    },
                );
            }
        })
    }
}

/// Accepted drifts (23 h and 47 h) and refused ones (25 h and 49 h), the current step, and a wrong
/// code followed by the right one.
const WINDOW_CASES: [&str; 9] = [
    "rfc/window-current-step",
    "rfc/drift-23h-behind-30s",
    "rfc/drift-23h-ahead-30s",
    "rfc/drift-25h-behind-30s",
    "rfc/drift-25h-ahead-30s",
    "rfc/drift-47h-behind-60s",
    "rfc/drift-47h-ahead-60s",
    "rfc/drift-49h-behind-60s",
    "lifecycle/wrong-code-then-right",
];

fn outcomes(report: &RunReport) -> HashMap<String, Outcome> {
    report
        .cases
        .iter()
        .map(|c| (c.id.clone(), c.outcome))
        .collect()
}

fn window_cases() -> RunOptions {
    RunOptions {
        cases: WINDOW_CASES.iter().map(|c| (*c).to_owned()).collect(),
        ..RunOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_passes_every_window_case() {
    let (tenant, options) = common::mock().await;
    let report = common::run(
        &tenant.base_url(),
        Credentials::MockControls,
        options,
        window_cases(),
    )
    .await;
    let outcomes = outcomes(&report);
    assert_eq!(outcomes.len(), WINDOW_CASES.len(), "{outcomes:?}");
    for case in &report.cases {
        assert_eq!(
            case.outcome,
            Outcome::Pass,
            "{}: {:?}",
            case.id,
            case.reasons
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_keeps_one_step_either_side_fails_the_accepted_drifts() {
    let (tenant, options) = common::mock().await;
    let narrow = NarrowWindow {
        upstream: tenant.root_url(),
        http: hwoath_testkit::http_client(),
        tokens: Mutex::default(),
    };
    let proxy = Proxy::start(tenant.root_url(), narrow).await;
    let report = common::run(
        &proxy.base_url(),
        Credentials::MockControls,
        options,
        window_cases(),
    )
    .await;
    let outcomes = outcomes(&report);
    for accepted in [
        "rfc/drift-23h-behind-30s",
        "rfc/drift-23h-ahead-30s",
        "rfc/drift-47h-behind-60s",
        "rfc/drift-47h-ahead-60s",
    ] {
        assert_eq!(
            outcomes[accepted],
            Outcome::Fail,
            "{accepted} must fail on a ±1 step target (documented rule)"
        );
        let case = report.cases.iter().find(|c| c.id == accepted).unwrap();
        assert!(
            case.reasons
                .iter()
                .any(|r| r.contains("activation-window") && r.contains("expected 204, got 400")),
            "{accepted}: {:?}",
            case.reasons
        );
    }
    // What a ±1 step target gets right still passes: the current step, codes past the window, and a
    // wrong code followed by the right one.
    for unaffected in [
        "rfc/window-current-step",
        "rfc/drift-25h-behind-30s",
        "rfc/drift-25h-ahead-30s",
        "rfc/drift-49h-behind-60s",
        "lifecycle/wrong-code-then-right",
    ] {
        assert_eq!(outcomes[unaffected], Outcome::Pass, "{unaffected}");
    }
}
