//! Where a secret comes from: a flag, an environment variable or standard input, so it can stay out of
//! shell history.

use std::io::BufRead;

use anyhow::{Context, Result, bail};
use clap::Args;
use hwoath_otp::Secret;

/// The ways to hand over a Base32 secret.
#[derive(Args, Debug)]
pub struct SecretArgs {
    /// The Base32 secret; `-` (or giving neither this nor --secret-env) reads it from standard input.
    #[arg(
        long,
        global = true,
        conflicts_with = "secret_env",
        value_name = "BASE32"
    )]
    secret: Option<String>,
    /// Read the Base32 secret from this environment variable.
    #[arg(long, global = true, value_name = "VAR")]
    secret_env: Option<String>,
}

impl SecretArgs {
    /// Reads and decodes the secret from wherever it was given.
    pub fn read(&self) -> Result<Secret> {
        let text = match (&self.secret, &self.secret_env) {
            (Some(text), _) if text != "-" => zeroize::Zeroizing::new(text.clone()),
            (_, Some(var)) => {
                zeroize::Zeroizing::new(std::env::var(var).with_context(|| {
                    format!("environment variable {var} is not set or not UTF-8")
                })?)
            }
            _ => {
                let mut line = zeroize::Zeroizing::new(String::new());
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("reading the secret from standard input")?;
                if line.trim().is_empty() {
                    bail!(
                        "no secret: give --secret, --secret-env VAR, or pipe it on standard input"
                    );
                }
                line
            }
        };
        Secret::from_base32(text.trim()).context("the secret is not valid Base32")
    }
}
