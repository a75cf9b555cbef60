//! `hwoath token`: mint a bearer token the mock accepts, signed with the mock's key.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use hwoath_mock::TokenRequest;

use super::mock::{fixture, signing_key};

/// Arguments of `hwoath token`.
#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("grant").required(true).args(["scopes", "roles"])))]
pub struct TokenArgs {
    /// Delegated scopes (a user token; needs --user), comma or space separated.
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    scopes: Vec<String>,
    /// Application roles (an app-only token), comma or space separated.
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    roles: Vec<String>,
    /// The signed-in user: id, UPN or display name from the fixture.
    #[arg(long)]
    user: Option<String>,
    /// Directory role template ids (default: the user's roles in the fixture).
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    wids: Option<Vec<String>>,
    /// Lifetime in seconds; negative mints an already expired token.
    #[arg(long, default_value_t = 3599, allow_negative_numbers = true)]
    expires_in: i64,
    /// Directory fixture the mock runs with (for the tenant id and user lookup).
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// Read the signing key from this environment variable (the mock must use the same one).
    #[arg(long, value_name = "VAR")]
    key_env: Option<String>,
}

fn split(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split_whitespace())
        .map(str::to_owned)
        .collect()
}

/// Runs `hwoath token`: prints the token on stdout.
pub fn run(args: TokenArgs) -> Result<ExitCode> {
    let fixture = fixture(args.users.as_ref())?;
    let key = signing_key(args.key_env.as_deref())?;
    let user = match &args.user {
        Some(key) => match fixture.user_named(key).or_else(|| fixture.user(key)) {
            Some(user) => Some(user.clone()),
            None => bail!("the fixture has no user '{key}'"),
        },
        None => None,
    };
    let scopes = split(&args.scopes);
    let roles = split(&args.roles);
    if !scopes.is_empty() && user.is_none() {
        bail!("a delegated token (--scopes) needs --user");
    }
    let request = TokenRequest {
        scp: (!scopes.is_empty()).then(|| scopes.join(" ")),
        roles: (!roles.is_empty()).then_some(roles),
        oid: user.as_ref().map(|u| u.id.clone()),
        wids: args.wids.or_else(|| user.as_ref().map(|u| u.roles.clone())),
        expires_in: Some(args.expires_in),
        aud: None,
        tid: None,
    };
    println!("{}", request.mint(&key, &fixture.tenant_id));
    Ok(ExitCode::SUCCESS)
}
