//! `--ca-cert FILE`: the CAs a command trusts besides the system's; and what is said when a target
//! cannot be used (a hint when its TLS certificate is not trusted, or its base URL lacks `/beta`).

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

/// The suite's answer, or `None` once a target that could not be used (unreachable, or no
/// credentials for it) is reported; any other error is passed on.
pub fn usable<T>(outcome: Result<T, SuiteError>) -> Result<Option<T>> {
    match outcome {
        Ok(value) => Ok(Some(value)),
        Err(error @ (SuiteError::Unreachable { .. } | SuiteError::NoCredentials { .. })) => {
            report_unusable(&error);
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}

/// Whether `url` answers 404 where Graph has its token inventory while the same URL with `/beta`
/// does not; if so, says so with the URL to try.
pub async fn lacks_beta(url: &str, client: &ClientConfig) -> bool {
    let Some(fixed) = hwoath_suite::missing_beta(url, client).await else {
        return false;
    };
    eprintln!(
        "error: {url} answers 404 where Graph has its token inventory, but {fixed} does \
         not\nhint: Graph's base URL ends in /beta: try --target {fixed}"
    );
    true
}
