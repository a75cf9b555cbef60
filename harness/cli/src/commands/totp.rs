//! `hwoath totp`: print the current code, or verify codes with a window and a replay guard.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use hwoath_otp::{Algorithm, Totp, Verifier};

use crate::secret_input::SecretArgs;

/// Arguments of `hwoath totp`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = false)]
pub struct TotpArgs {
    #[command(subcommand)]
    action: Option<TotpAction>,
    #[command(flatten)]
    secret: SecretArgs,
    #[command(flatten)]
    parameters: Parameters,
}

/// The token's parameters and the time to compute at.
#[derive(Args, Debug)]
struct Parameters {
    /// Unix time in seconds to compute at (default: now).
    #[arg(long, global = true)]
    time: Option<u64>,
    /// Seconds per time step.
    #[arg(long, global = true, default_value_t = 30)]
    period: u64,
    /// Digits per code (6 to 9).
    #[arg(long, global = true, default_value_t = 6)]
    digits: u8,
    /// HMAC hash: sha1, sha256 or sha512.
    #[arg(long, global = true, default_value = "sha1")]
    algorithm: Algorithm,
    /// Unix time T0 that step 0 starts at.
    #[arg(long, global = true, default_value_t = 0)]
    t0: u64,
}

#[derive(Subcommand, Debug)]
enum TotpAction {
    /// Verify codes in order: exit 0 if every one is accepted, 1 if any is refused. A code whose step is
    /// at or below an already accepted one is refused as a replay (RFC 6238 §5.2).
    Verify {
        /// The codes to check.
        #[arg(required = true)]
        codes: Vec<String>,
        /// Steps accepted either side of the current one.
        #[arg(long, default_value_t = 1)]
        window: u64,
    },
}

/// Runs `hwoath totp`.
pub fn run(args: TotpArgs) -> Result<ExitCode> {
    let secret = args.secret.read()?;
    let parameters = &args.parameters;
    let totp = Totp::new(
        &secret,
        parameters.algorithm,
        parameters.digits,
        parameters.period,
    )
    .context("invalid token parameters")?
    .with_t0(parameters.t0);
    let now = match parameters.time {
        Some(time) => time,
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .context("the system clock is before 1970")?
            .as_secs(),
    };
    match args.action {
        None => {
            let code = totp.generate_at(now)?;
            let remaining = totp.remaining_at(now)?;
            println!("{code} (valid for {remaining} s)");
            Ok(ExitCode::SUCCESS)
        }
        Some(TotpAction::Verify { codes, window }) => {
            let current = totp.step_at(now)?;
            let mut verifier = Verifier::new(totp, window);
            let mut all_accepted = true;
            for code in &codes {
                match verifier.verify(code, now) {
                    Ok(step) => {
                        let offset = i128::from(step) - i128::from(current);
                        println!("{code}: accepted (step {step}, offset {offset:+})");
                    }
                    Err(reason) => {
                        all_accepted = false;
                        println!("{code}: refused ({reason})");
                    }
                }
            }
            Ok(if all_accepted {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
