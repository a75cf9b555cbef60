//! Group `rfc`: the RFC 4226/6238 vectors through the TOTP core, replayed through activation on a
//! target whose clock can be set, and the window edges at the target's current time.

use hwoath_otp::{Algorithm, Hotp, Secret, Totp};
use serde::Deserialize;
use serde_json::Value;

use super::steps::{self, Token};
use crate::case::{Abort, Case, CaseRun, Group, script};
use crate::rules;

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
                    let step = token.step_at(vector.time);
                    let wrong = token.code_at_step(step + 7);
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

/// Activation at the target's current time with the code `offset` steps away.
fn window(offset: i64) -> Case {
    let accepted = offset.abs() <= 1;
    let name = match offset {
        0 => "window-current-step".to_owned(),
        -1 => "window-previous-step".to_owned(),
        1 => "window-next-step".to_owned(),
        n => format!(
            "window-{}-steps-{}",
            n.abs(),
            if n < 0 { "behind" } else { "ahead" }
        ),
    };
    let rule = if offset == 0 {
        rules::ACTIVATE
    } else {
        rules::WINDOW
    };
    let title = format!(
        "the code {offset:+} steps from the target's time is {}",
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
        rule,
        script(move |run: &mut CaseRun| {
            Box::pin(async move {
                let user = run.user().await?;
                let token = Token::random();
                let device = steps::create_token(run, &token).await?;
                steps::assign(run, &user, &device).await?;
                let step = steps::current_step(run, &token).await?;
                let code = token.code_at_step(step.saturating_add_signed(offset));
                let exchange =
                    steps::send_activate(run, &user, &device, Value::String(code)).await?;
                if accepted {
                    run.expect_status(&exchange, &[204], rule);
                } else {
                    run.expect_status(&exchange, &[400], rule);
                }
                Ok(())
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
    cases.extend([0, -1, 1, -2, 2].into_iter().map(window));
    cases
}
