//! Steps many cases share: create a token, assign it, compute and submit codes, read its status.

use std::collections::HashSet;
use std::fmt;

use hwoath_otp::{Algorithm, Secret, Totp, Verifier};
use reqwest::Method;
use serde_json::{Value, json};

use crate::case::{Abort, CaseRun};
use crate::client::{Exchange, Request};
use crate::endpoints::{Op, Owner};
use crate::rules::{self, Rule};
use crate::wording;

/// Steps either side of the current one that activation accepts: Entra corrects drift of up to one day
/// for 30-second tokens and two days for 60-second tokens, 2880 steps either way (docs/spec.md,
/// Activation and time drift; rule `activation-window`).
pub const ACTIVATION_WINDOW_STEPS: u64 = 2880;

/// Steps beyond the window that a code meant to be wrong must also miss, so a target whose clock stands a
/// little apart from the one the suite read still refuses it.
const CLOCK_MARGIN_STEPS: u64 = 4;

/// A token to create. `Debug` never shows its secret.
#[derive(Clone)]
pub struct Token {
    /// Base32 secret.
    pub secret: String,
    /// 30 or 60.
    pub interval: u64,
    /// `hmacsha1` or `hmacsha256`.
    pub hash: &'static str,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("secret", &crate::redact::REDACTED)
            .field("interval", &self.interval)
            .field("hash", &self.hash)
            .finish()
    }
}

impl Token {
    /// A token with a fresh random 20-byte secret, 30 s, HMAC-SHA-1.
    pub fn random() -> Self {
        let mut bytes = uuid::Uuid::new_v4().as_bytes().to_vec();
        bytes.extend_from_slice(&uuid::Uuid::new_v4().as_bytes()[..4]);
        Self {
            secret: Secret::from_bytes(bytes).to_base32(),
            interval: 30,
            hash: "hmacsha1",
        }
    }

    /// The same token with another hash function.
    pub fn hash(mut self, hash: &'static str) -> Self {
        self.hash = hash;
        self
    }

    /// The same token with another interval.
    pub fn interval(mut self, interval: u64) -> Self {
        self.interval = interval;
        self
    }

    /// The six-digit code of time step `step`.
    pub fn code_at_step(&self, step: u64) -> String {
        self.totp().generate_step(step).to_string()
    }

    /// The time step holding `unix`.
    pub fn step_at(&self, unix: u64) -> u64 {
        unix / self.interval
    }

    /// The step activation accepts for `code` when the target's current step is `current` and `floor`
    /// is the last step it accepted: the nearest step of the window whose code this is and that lies
    /// above `floor`. `None` means the target must refuse the code.
    pub fn accepted_step(&self, code: &str, current: u64, floor: Option<u64>) -> Option<u64> {
        Verifier::new(self.totp(), ACTIVATION_WINDOW_STEPS)
            .with_last_accepted(floor)
            .check(code, current.saturating_mul(self.interval))
            .ok()
    }

    /// Whether no later step of the activation window after `step` (nor a few steps past its edge)
    /// has `step`'s code: then a target that accepted the code at `step` can only refuse it again.
    /// Otherwise a replay may rightly activate as that later step (about 3 tokens in 1,000).
    pub fn code_unique_after(&self, step: u64) -> bool {
        let totp = self.totp();
        let code = totp.generate_step(step);
        let reach = ACTIVATION_WINDOW_STEPS + CLOCK_MARGIN_STEPS;
        (step.saturating_add(1)..=step.saturating_add(reach))
            .all(|later| totp.generate_step(later) != code)
    }

    /// A six-digit code that no step of the activation window around `current` has (nor a few steps
    /// past its edges): a target must refuse it. With 5761 steps in the window, a code picked at random
    /// would activate about once in 174 tries, so the window's codes are computed and avoided.
    pub fn code_outside_window(&self, current: u64) -> String {
        let totp = self.totp();
        let reach = ACTIVATION_WINDOW_STEPS + CLOCK_MARGIN_STEPS;
        let taken: HashSet<u32> = (current.saturating_sub(reach)..=current.saturating_add(reach))
            .map(|step| totp.generate_step(step).value())
            .collect();
        // Codes of steps far outside the window look like any other code; the first one no step of the
        // window shares is the answer (taken holds at most 5769 of the million codes).
        (1..)
            .map(|k: u64| {
                current
                    .saturating_add(reach.saturating_mul(3))
                    .saturating_add(k)
            })
            .map(|step| totp.generate_step(step))
            .find(|code| !taken.contains(&code.value()))
            .map(|code| code.to_string())
            .expect("at most 5769 of a million codes are taken")
    }

    fn totp(&self) -> Totp {
        let algorithm = if self.hash == "hmacsha256" {
            Algorithm::Sha256
        } else {
            Algorithm::Sha1
        };
        let secret = Secret::from_base32(&self.secret).expect("the suite's own secrets are Base32");
        Totp::new(&secret, algorithm, 6, self.interval).expect("6 digits and a positive period")
    }

    /// A create body for this token with the run's serial and display name.
    pub fn create_body(&self, run: &mut CaseRun) -> Value {
        run.remember_secret(&self.secret);
        json!({
            "serialNumber": run.serial(),
            "manufacturer": "Contoso",
            "model": "Hardware Token 1000",
            "secretKey": self.secret,
            "timeIntervalInSeconds": self.interval,
            "hashFunction": self.hash,
            "displayName": run.display_name(),
        })
    }
}

/// Creates a device from `body` as the admin; stops the case unless it answers 201. Returns its id.
pub async fn create(run: &mut CaseRun, body: Value) -> Result<String, Abort> {
    let exchange = send_create(run, "create device", body).await?;
    run.require_status(&exchange, &[201], rules::CREATE_CREATED)?;
    run.created(&exchange)
        .ok_or_else(|| Abort::Error("create answered 201 without an id".to_owned()))
}

/// Sends a create body as the admin and registers whatever gets created.
pub async fn send_create(run: &mut CaseRun, step: &str, body: Value) -> Result<Exchange, Abort> {
    let token = run.admin().await?;
    let url = run.ctx().target.urls().devices();
    let exchange = run
        .send(
            Op::CreateDevice,
            Request::new(step, Method::POST, url)
                .bearer(Some(&token))
                .json(body),
        )
        .await?;
    if exchange.is_success() {
        run.created(&exchange);
    }
    Ok(exchange)
}

/// Creates a token and returns its device id.
pub async fn create_token(run: &mut CaseRun, token: &Token) -> Result<String, Abort> {
    let body = token.create_body(run);
    create(run, body).await
}

/// Sends an admin request for `op`.
pub async fn admin_send(run: &mut CaseRun, op: Op, request: Request) -> Result<Exchange, Abort> {
    let token = run.admin().await?;
    run.send(op, request.bearer(Some(&token))).await
}

/// Assigns a device to `user`; stops the case unless it answers 201.
pub async fn assign(run: &mut CaseRun, user: &str, device: &str) -> Result<(), Abort> {
    let exchange = send_assign(run, user, device).await?;
    run.require_status(&exchange, &[201], rules::ASSIGN)
}

/// Sends an assignment of a device to `user` as the admin.
pub async fn send_assign(run: &mut CaseRun, user: &str, device: &str) -> Result<Exchange, Abort> {
    let url = run
        .ctx()
        .target
        .urls()
        .methods(&Owner::User(user.to_owned()));
    admin_send(
        run,
        Op::Assign,
        Request::new("assign", Method::POST, url).json(json!({"device": {"id": device}})),
    )
    .await
}

/// Sends an activation of `device` held by `user` with `code`.
pub async fn send_activate(
    run: &mut CaseRun,
    user: &str,
    device: &str,
    code: Value,
) -> Result<Exchange, Abort> {
    let url =
        run.ctx()
            .target
            .urls()
            .method_action(&Owner::User(user.to_owned()), device, "activate");
    admin_send(
        run,
        Op::Activate,
        Request::new("activate", Method::POST, url).json(json!({"verificationCode": code})),
    )
    .await
}

/// The device's status as the target reports it.
pub async fn status(run: &mut CaseRun, device: &str) -> Result<Option<String>, Abort> {
    let url = run.ctx().target.urls().device(device);
    let exchange = admin_send(
        run,
        Op::GetDevice,
        Request::new("get device", Method::GET, url),
    )
    .await?;
    Ok(exchange.str_at("/status"))
}

/// Records a violation of `rule` unless the device's status is `expected`.
pub async fn expect_device_status(
    run: &mut CaseRun,
    device: &str,
    expected: &str,
    rule: Rule,
) -> Result<(), Abort> {
    let actual = status(run, device).await?;
    run.expect(actual.as_deref() == Some(expected), rule, || {
        format!(
            "status is {}, expected {}",
            wording::quoted_or_absent(actual.as_deref()),
            wording::quoted(expected)
        )
    });
    Ok(())
}

/// Checks a create-with-`assignTo` answer: the token holds `user`, and its status is `assigned` (the
/// Graph page's example) or `available` (Entra's how-to example). The docs conflict, so either passes and
/// the case notes which one the target chose.
pub fn expect_created_for(run: &mut CaseRun, created: &Value, user: &str) {
    let holder = created.pointer("/assignedTo/id").and_then(Value::as_str);
    run.expect(holder == Some(user), rules::CREATE_ASSIGNED, || {
        format!(
            "assignedTo.id is {}, expected {user}",
            wording::quoted_or_absent(holder)
        )
    });
    let status = created.get("status").and_then(Value::as_str);
    if run.expect(
        matches!(status, Some("assigned" | "available")),
        rules::CREATE_ASSIGNED,
        || {
            format!(
                "created with assignTo, status {}, expected assigned or available",
                wording::quoted_or_absent(status)
            )
        },
    ) {
        run.observe(format!(
            "status right after create with assignTo: {}",
            status.unwrap_or_default()
        ));
    }
}

/// The target's current step for `token`, waiting out the last two seconds of a step on a running clock
/// so the code cannot expire in flight.
pub async fn current_step(run: &mut CaseRun, token: &Token) -> Result<u64, Abort> {
    let now = run.target_now().await?;
    let into_step = now % token.interval;
    if token.interval - into_step <= 2 {
        tokio::time::sleep(std::time::Duration::from_secs(token.interval - into_step)).await;
        return Ok(token.step_at(run.target_now().await?));
    }
    Ok(token.step_at(now))
}

/// The ids of the devices with serial number `serial`, each registered for removal at the end of the
/// case (whatever created them).
pub async fn devices_with_serial(run: &mut CaseRun, serial: &str) -> Result<Vec<String>, Abort> {
    let url = format!(
        "{}?$filter=serialNumber%20eq%20'{serial}'",
        run.ctx().target.urls().devices()
    );
    let found = admin_send(
        run,
        Op::ListDevices,
        Request::new("find device by serial", Method::GET, url),
    )
    .await?;
    let ids = listed_ids(&found);
    for id in &ids {
        run.created_id(id);
    }
    Ok(ids)
}

/// The ids of the items a listing answered (none when it answered no list).
pub fn listed_ids(listing: &Exchange) -> Vec<String> {
    listing
        .json()
        .and_then(|v| v["value"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|item| item["id"].as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_shared_by_a_later_step_of_the_window_is_not_unique() {
        let token = Token {
            secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".to_owned(),
            interval: 30,
            hash: "hmacsha1",
        };
        let reach = ACTIVATION_WINDOW_STEPS + CLOCK_MARGIN_STEPS;
        let first = 59_000_000;
        let codes: Vec<String> = (first..first + 4 * reach)
            .map(|step| token.code_at_step(step))
            .collect();
        let shared_later = |i: usize| codes[i + 1..=i + reach as usize].contains(&codes[i]);
        // About 3 steps in 1,000 share their code with a later step of the window.
        let shared = (0..2 * reach as usize)
            .find(|&i| shared_later(i))
            .expect("a step among 5768 shares its code");
        let unique = (0..2 * reach as usize)
            .find(|&i| !shared_later(i))
            .expect("most steps do not");
        assert!(!token.code_unique_after(first + shared as u64));
        assert!(token.code_unique_after(first + unique as u64));
    }

    #[test]
    fn a_token_debugs_without_its_secret() {
        let token = Token::random();
        let text = format!("{token:?} {token:#?}");
        assert!(!text.contains(&token.secret), "{text}");
        assert!(
            text.contains("[redacted]") && text.contains("hmacsha1"),
            "{text}"
        );
    }
}
