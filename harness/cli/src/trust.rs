//! `--ca-cert FILE`: the CAs a command trusts besides the system's, and a hint when a target's TLS
//! certificate is not trusted.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use hwoath_suite::{ClientConfig, SuiteError};

/// The trust arguments of the commands that reach a target.
#[derive(Args, Debug)]
pub struct TrustArgs {
    /// Also trust the CA certificates in FILE (PEM, one or several), e.g. the one `hwoath mock --tls`
    /// writes and names in its banner; repeatable.
    #[arg(long = "ca-cert", value_name = "FILE")]
    ca_certs: Vec<PathBuf>,
}

impl TrustArgs {
    /// `client`, also trusting the `--ca-cert` files (an unreadable or non-PEM file is an error).
    pub fn apply(&self, client: ClientConfig) -> Result<ClientConfig> {
        Ok(client.trusting(&self.ca_certs)?)
    }
}

/// Prints why the target could not be used, with a hint when its TLS certificate was not trusted.
pub fn report_unusable(error: &SuiteError) {
    eprintln!("error: {error}");
    if matches!(error, SuiteError::Unreachable { reason, .. } if reason.contains("certificate")) {
        eprintln!(
            "hint: the target's TLS certificate is not trusted: pass its CA with --ca-cert FILE \
             (for `hwoath mock --tls`, the CA file its banner names)"
        );
    }
}
