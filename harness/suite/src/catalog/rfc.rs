//! Group `rfc`: the RFC 4226/6238 vectors through the TOTP core, replayed through activation on a
//! target whose clock can be set, and the activation window (time drift correction) at the target's
//! own time.

use hwoath_otp::{Algorithm, Hotp, Secret, Totp};
use serde::Deserialize;
use serde_json::Value;

use crate::case::{Abort, Case, CaseRun, Group, script};
use crate::rules;
use crate::steps::{self, Token};

/// RFC 4226 Appendix D, as shipped in `vectors/rfc4226.json`.
const RFC4226: &str = include_str!("../../../../vectors/rfc4226.json");
/// RFC 6238 Appendix B, as shipped in `vectors/rfc6238.json`.
const RFC6238: &str = include_str!("../../../../vectors/rfc6238.json");

#[derive(Deserialize)]
struct Seed {
    hex: String,
    base32: String,
}

#[derive(Deserialize)]
struct HotpFile {
    secret: Seed,
    vectors: Vec<HotpVector>,
}

#[derive(Deserialize, Clone)]
struct HotpVector {
    counter: u64,
    code: String,
}

#[derive(Deserialize)]
struct TotpFile {
    seeds: std::collections::BTreeMap<String, Seed>,
    vectors: Vec<TotpVector>,
}

#[derive(Deserialize, Clone)]
struct TotpVector {
    time: u64,
    algorithm: String,
    code: String,
}

fn core_hotp(vector: HotpVector, hex: String) -> Case {
    Case::new(
        Group::Rfc,
        &format!("core-hotp-counter-{}", vector.counter),
        format!(
            "RFC 4226 HOTP, counter {} -> {}",
            vector.counter, vector.code
        ),
        rules::RFC6238,
        script(move |run: &mut CaseRun| {
            let (vector, hex) = (vector.clone(), hex.clone());
            Box::pin(async move {
                let secret = Secret::from_hex(&hex).map_err(|e| Abort::Error(e.to_string()))?;
                let code = Hotp::new(&secret, Algorithm::Sha1, 6)
                    .map_err(|e| Abort::Error(e.to_string()))?
                    .generate(vector.counter)
                    .to_string();
                run.expect(code == vector.code, rules::RFC6238, || {
                    format!("core gave {code}, RFC gives {}", vector.code)
                });
                Ok(())
            })
        }),
    )
}

fn core_totp(vector: TotpVector, seed_hex: String) -> Case {
    Case::new(
        Group::Rfc,
        &format!(
            "core-totp-{}-t{}",
            vector.algorithm.to_lowercase(),
            vector.time
        ),
        format!(
            "RFC 6238 TOTP {} at T={} -> {}",
            vector.algorithm, vector.time, vector.code
        ),
        rules::RFC6238,
        script(move |run: &mut CaseRun| {
            let (vector, seed_hex) = (vector.clone(), seed_hex.clone());
            Box::pin(async move {
                let secret =
                    Secret::from_hex(&seed_hex).map_err(|e| Abort::Error(e.to_string()))?;
                let algorithm: Algorithm = vector
                    .algorithm
                    .parse()
                    .map_err(|e: hwoath_otp::UnknownAlgorithm| Abort::Error(e.to_string()))?;
                let code = Totp::new(&secret, algorithm, 8, 30)
                    .and_then(|totp| totp.generate_at(vector.time))
                    .map_err(|e| Abort::Error(e.to_string()))?
                    .to_string();
                run.expect(code == vector.code, rules::RFC6238, || {
                    format!("core gave {code}, RFC gives {}", vector.code)
                });
                Ok(())
            })
        }),
    )
}

fn graph_hash(algorithm: &str) -> &'static str {
    if algorithm == "SHA256" {
        "hmacsha256"
    } else {
        "hmacsha1"
    }
}

/// Sets the clock to the vector's time, creates a token from the RFC seed, assigns and activates it with
/// the vector's last six digits; with `wrong_first`, a wrong code is tried first.
fn replay(vector: TotpVector, seed_base32: String, wrong_first: bool) -> Case {
    let name = if wrong_first {
        format!(
            "wrong-then-right-{}-t{}",
            vector.algorithm.to_lowercase(),
            vector.time
        )
    } else {
        format!(
            "activate-{}-t{}",
            vector.algorithm.to_lowercase(),
            vector.time
        )
    };
    let title = if wrong_first {
        format!(
            "{} token at T={}: a wrong code -> 400 and failedActivation, then {} -> 204",
            vector.algorithm,
            vector.time,
            &vector.code[2..]
        )
    } else {
        format!(
            "{} token at T={}: activation with {} (RFC 6238) -> 204, status activated",
            vector.algorithm,
            vector.time,
            &vector.code[2..]
        )
    };
    let rule = if wrong_first {
        rules::WRONG_CODE
    } else {
        rules::RFC6238
    };
    Case::new(
        Group::Rfc,
        &name,
        title,
        rule,
        script(move |run: &mut CaseRun| {
            let (vector, seed) = (vector.clone(), seed_base32.clone());
            Box::pin(async move {
                run.set_clock(vector.time).await?;
                let user = run.user().await?;
                let token = Token {
                    secret: seed,
                    interval: 30,
                    hash: graph_hash(&vector.algorithm),
                };
                let device = steps::create_token(run, &token).await?;
                steps::assign(run, &user, &device).await?;
                let right = vector.code[2..].to_owned();
                if wrong_first {
                    let wrong = token.code_outside_window(token.step_at(vector.time));
                    let exchange =
                        steps::send_activate(run, &user, &device, Value::String(wrong)).await?;
                    run.expect_status(&exchange, &[400], rules::WRONG_CODE);
                    run.expect_error_code(&exchange, "invalidRequest");
                    steps::expect_device_status(
                        run,
                        &device,
                        "failedActivation",
                        rules::WRONG_CODE,
                    )
                    .await?;
                }
                let exchange =
                    steps::send_activate(run, &user, &device, Value::String(right)).await?;
                run.expect_status(&exchange, &[204], rules::RFC6238);
                steps::expect_device_status(run, &device, "activated", rules::ACTIVATE).await
            })
        }),
    )
    .with_user()
    .exclusive()
}

/// Activation with the code of the target's current step.
fn current_step() -> Case {
    Case::new(
        Group::Rfc,
        "window-current-step",
        "the code of the target's current step is accepted (204)".to_owned(),
        rules::ACTIVATE,
        script(|run: &mut CaseRun| {
            Box::pin(async move {
                let user = run.user().await?;
                let token = Token::random();
                let device = steps::create_token(run, &token).await?;
                steps::assign(run, &user, &device).await?;
                let step = steps::current_step(run, &token).await?;
                let code = token.code_at_step(step);
                let exchange =
                    steps::send_activate(run, &user, &device, Value::String(code)).await?;
                run.expect_status(&exchange, &[204], rules::ACTIVATE);
                Ok(())
            })
        }),
    )
    .with_user()
}

/// A token's clock `hours` away from the target's (behind when `hours` is negative).
#[derive(Debug, Clone, Copy)]
struct Drift {
    hours: i64,
    interval: u64,
}

impl Drift {
    /// Within the documented correction: one day for 30-second tokens, two days for 60-second ones.
    fn accepted(self) -> bool {
        self.hours.unsigned_abs() * 3600 <= steps::ACTIVATION_WINDOW_STEPS * self.interval
    }

    /// The step `hours` away from `current`.
    fn step_from(self, current: u64) -> u64 {
        let steps = self.hours * 3600 / self.interval as i64;
        current.saturating_add_signed(steps)
    }
}

/// The code to send for `drift` at the target's step `current`. A code meant to be refused must match
/// no step of the window (about one code in 174 does): the nearest step whose code misses the whole
/// window, a few steps either side of the target's clock included, stands in for it.
fn drifted_code(token: &Token, drift: Drift, current: u64) -> String {
    let step = drift.step_from(current);
    if drift.accepted() {
        return token.code_at_step(step);
    }
    (0..)
        .flat_map(|k: u64| [step.saturating_add(k), step.saturating_sub(k)])
        .map(|candidate| token.code_at_step(candidate))
        .find(|code| {
            [
                current.saturating_sub(2),
                current,
                current.saturating_add(2),
            ]
            .iter()
            .all(|&now| token.accepted_step(code, now, None).is_none())
        })
        .expect("almost every step's code misses the window")
}

/// Activation with a code from a token whose clock drifted `drift.hours` from the target's: Entra
/// corrects up to one day (30 s) or two days (60 s) at activation.
fn drift(drift: Drift) -> Case {
    let accepted = drift.accepted();
    let direction = if drift.hours < 0 { "behind" } else { "ahead" };
    let name = format!(
        "drift-{}h-{direction}-{}s",
        drift.hours.unsigned_abs(),
        drift.interval
    );
    let title = format!(
        "a {} s token whose clock runs {} h {direction} of the target's: its code is {}",
        drift.interval,
        drift.hours.unsigned_abs(),
        if accepted {
            "accepted (204)"
        } else {
            "refused (400)"
        }
    );
    Case::new(
        Group::Rfc,
        &name,
        title,
        rules::ACTIVATION_WINDOW,
        script(move |run: &mut CaseRun| {
            Box::pin(async move {
                let user = run.user().await?;
                let token = Token::random().interval(drift.interval);
                let device = steps::create_token(run, &token).await?;
                steps::assign(run, &user, &device).await?;
                let current = steps::current_step(run, &token).await?;
                let code = drifted_code(&token, drift, current);
                let exchange =
                    steps::send_activate(run, &user, &device, Value::String(code)).await?;
                if accepted {
                    run.expect_status(&exchange, &[204], rules::ACTIVATION_WINDOW);
                    steps::expect_device_status(run, &device, "activated", rules::ACTIVATE).await
                } else {
                    run.expect_status(&exchange, &[400], rules::ACTIVATION_WINDOW);
                    steps::expect_device_status(run, &device, "failedActivation", rules::WRONG_CODE)
                        .await
                }
            })
        }),
    )
    .with_user()
}

/// The `rfc` group.
pub fn cases() -> Vec<Case> {
    let hotp: HotpFile = serde_json::from_str(RFC4226).expect("vectors/rfc4226.json parses");
    let totp: TotpFile = serde_json::from_str(RFC6238).expect("vectors/rfc6238.json parses");
    let mut cases: Vec<Case> = hotp
        .vectors
        .iter()
        .map(|v| core_hotp(v.clone(), hotp.secret.hex.clone()))
        .collect();
    cases.extend(
        totp.vectors
            .iter()
            .map(|v| core_totp(v.clone(), totp.seeds[&v.algorithm].hex.clone())),
    );
    // Graph takes SHA-1 and SHA-256 only, so those columns replay through activation.
    let replayable: Vec<&TotpVector> = totp
        .vectors
        .iter()
        .filter(|v| v.algorithm != "SHA512")
        .collect();
    cases.extend(
        replayable
            .iter()
            .map(|v| replay((*v).clone(), totp.seeds[&v.algorithm].base32.clone(), false)),
    );
    cases.extend(
        replayable
            .iter()
            .filter(|v| v.time == 59)
            .map(|v| replay((*v).clone(), totp.seeds[&v.algorithm].base32.clone(), true)),
    );
    cases.push(current_step());
    let drifts = [
        (-23, 30),
        (-25, 30),
        (23, 30),
        (25, 30),
        (-47, 60),
        (-49, 60),
        (47, 60),
    ];
    cases.extend(
        drifts
            .into_iter()
            .map(|(hours, interval)| drift(Drift { hours, interval })),
    );
    cases
}
