//! `hwoath mock`: run the mock Graph tenant until Ctrl-C, printing its URLs and how to get a token.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use hwoath_mock::{
    Behaviour, Fixture, MockTenant, NumbersAsStrings, PolicyDisabled, SigningKey,
    StatusAfterAssignTo,
};

/// A parser for a behaviour option whose `--help` lists `names`.
fn option_parser<T>(names: &'static [&'static str]) -> impl TypedValueParser<Value = T>
where
    T: FromStr<Err = hwoath_mock::options::UnknownOptionValue> + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(names).try_map(|name| name.parse::<T>())
}

/// Resolves `HOST:PORT` (an IP address or a host name) to the address to listen on; a name with
/// IPv4 and IPv6 addresses listens on the IPv4 one.
fn listen_address(text: &str) -> Result<SocketAddr, String> {
    let addresses: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|error| format!("cannot resolve '{text}' (expected HOST:PORT): {error}"))?
        .collect();
    addresses
        .iter()
        .find(|address| address.is_ipv4())
        .or_else(|| addresses.first())
        .copied()
        .ok_or_else(|| format!("'{text}' resolves to no address"))
}

/// Arguments of `hwoath mock`.
#[derive(Args, Debug)]
pub struct MockArgs {
    /// Address to listen on, HOST:PORT with an IP address or a host name such as localhost (port 0
    /// picks a free port).
    #[arg(long, default_value = "127.0.0.1:0", value_parser = listen_address)]
    addr: SocketAddr,
    /// State file: loaded at start, rewritten atomically after every change (it holds token secrets).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Directory fixture (users, app registrations) instead of the embedded one.
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// Freeze the tenant clock at this Unix time (TOTP checks read it; token lifetimes do not).
    #[arg(long, value_name = "UNIX")]
    clock: Option<i64>,
    /// Serve the /_hwoath test controls (clock, reset, faults, counters, token minting).
    #[arg(long)]
    controls: bool,
    /// Activation attempts allowed per 5 minutes per tenant. No public source gives Graph's number:
    /// 200 is the mock's decision (inferred).
    #[arg(long, default_value_t = 200)]
    activation_limit: u32,
    /// Status of a token right after a create with `assignTo`: `assigned` (the Graph create page's
    /// example) or `available` with `assignedTo` filled (the Entra how-to's example).
    #[arg(
        long,
        value_name = "STATUS",
        default_value = "assigned",
        value_parser = option_parser::<StatusAfterAssignTo>(StatusAfterAssignTo::NAMES)
    )]
    status_after_assign_to: StatusAfterAssignTo,
    /// `"timeIntervalInSeconds": "30"` in create, update and bulk bodies: `refuse` (400) or
    /// `coerce` to the number (whether Graph coerces is unknown).
    #[arg(
        long,
        value_name = "MODE",
        default_value = "refuse",
        value_parser = option_parser::<NumbersAsStrings>(NumbersAsStrings::NAMES)
    )]
    numbers_as_strings: NumbersAsStrings,
    /// Eventual consistency: a write is not seen by reads (GET, lists, filters, $count) for this many
    /// milliseconds of wall time (at most a day); the write itself answers at once.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 0,
        value_parser = clap::value_parser!(u64).range(0..=86_400_000)
    )]
    visibility_delay: u64,
    /// Token endpoints while the hardware OATH policy is disabled (undocumented): `allow` (they keep
    /// working) or `refuse` (assignments and activations answer 400 invalidRequest).
    #[arg(
        long,
        value_name = "MODE",
        default_value = "allow",
        value_parser = option_parser::<PolicyDisabled>(PolicyDisabled::NAMES)
    )]
    policy_disabled: PolicyDisabled,
    /// Read the token signing key from this environment variable instead of the public development key.
    #[arg(long, value_name = "VAR")]
    key_env: Option<String>,
    /// Do not log requests to stderr (logs never contain tokens, secrets or bodies).
    #[arg(long)]
    quiet: bool,
}

impl MockArgs {
    /// The behaviour options the flags ask for.
    fn behaviour(&self) -> Behaviour {
        Behaviour {
            status_after_assign_to: self.status_after_assign_to,
            numbers_as_strings: self.numbers_as_strings,
            policy_disabled: self.policy_disabled,
            visibility_delay: Duration::from_millis(self.visibility_delay),
        }
    }
}

/// The signing key: from `--key-env VAR` or the mock's public development key (testing only).
pub fn signing_key(key_env: Option<&str>) -> Result<SigningKey> {
    match key_env {
        Some(var) => {
            let key = std::env::var(var)
                .with_context(|| format!("environment variable {var} is not set"))?;
            anyhow::ensure!(!key.is_empty(), "environment variable {var} is empty");
            Ok(SigningKey::from_bytes(key.into_bytes()))
        }
        None => Ok(SigningKey::development()),
    }
}

/// The directory fixture: from `--users FILE` or the embedded default.
pub fn fixture(users: Option<&PathBuf>) -> Result<Fixture> {
    match users {
        Some(path) => {
            Fixture::from_path(path).with_context(|| format!("cannot use {}", path.display()))
        }
        None => Ok(Fixture::default()),
    }
}

/// Runs `hwoath mock`.
pub fn run(args: MockArgs) -> Result<ExitCode> {
    if !args.quiet {
        // Another subscriber may already be installed by the caller; then that one is used.
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: MockArgs) -> Result<ExitCode> {
    let fixture = fixture(args.users.as_ref())?;
    let mut builder = MockTenant::builder()
        .addr(args.addr)
        .controls(args.controls)
        .fixture(fixture.clone())
        .signing_key(signing_key(args.key_env.as_deref())?)
        .activation_limit(args.activation_limit, 300)
        .behaviour(args.behaviour());
    if let Some(unix) = args.clock {
        builder = builder.clock(unix);
    }
    if let Some(state) = &args.state {
        builder = builder.state_file(state);
    }
    let tenant = builder
        .start()
        .await
        .context("cannot start the mock tenant")?;
    print_banner(&tenant, &args);
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    eprintln!("stopping");
    tenant.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

fn print_banner(tenant: &MockTenant, args: &MockArgs) {
    println!("hwoath mock tenant listening");
    println!("  Graph base URL:  {}", tenant.base_url());
    println!(
        "  Authority host:  {}   (set AZURE_AUTHORITY_HOST to this)",
        tenant.root_url()
    );
    println!("  Tenant id:       {}", tenant.tenant_id());
    println!("  Token endpoint:  {}", tenant.token_url());
    if let Some(app) = tenant.fixture().apps.first() {
        // The embedded fixture's secrets are public test values; a custom fixture's are not printed.
        let secret = if args.users.is_none() {
            app.client_secret.expose().to_owned()
        } else {
            "<client secret from your users file>".to_owned()
        };
        println!("  App-only token ({}):", app.display_name);
        println!(
            "    curl -s {} -d grant_type=client_credentials -d client_id={} -d client_secret='{}' --data-urlencode scope=https://graph.microsoft.com/.default",
            tenant.token_url(),
            app.client_id,
            secret
        );
    }
    if args.controls {
        println!(
            "  Delegated token: curl -s -X POST {}/_hwoath/token -H 'content-type: application/json' -d '{{\"scp\":\"UserAuthenticationMethod.ReadWrite\",\"oid\":\"<user id>\"}}'",
            tenant.root_url()
        );
        println!(
            "  Test controls:   {}/_hwoath/{{clock,reset,faults,counters,token}}",
            tenant.root_url()
        );
    } else {
        println!(
            "  Delegated token: hwoath token --scopes UserAuthenticationMethod.ReadWrite --user <user id or UPN>"
        );
    }
    if args.key_env.is_none() {
        println!("  Tokens are signed with the public development key: for testing only.");
    }
    println!("  Users (GET /users; --user takes an id or a userPrincipalName):");
    for user in &tenant.fixture().users {
        println!(
            "    {}  {:<24} {}",
            user.id, user.user_principal_name, user.display_name
        );
    }
    if let Some(state) = &args.state {
        println!("  State file:      {}", state.display());
    }
    let behaviour = args.behaviour();
    if behaviour != Behaviour::default() {
        println!(
            "  Behaviour:       --status-after-assign-to {} --numbers-as-strings {} --visibility-delay {} --policy-disabled {}",
            behaviour.status_after_assign_to,
            behaviour.numbers_as_strings,
            behaviour.visibility_delay.as_millis(),
            behaviour.policy_disabled
        );
    }
    println!("Press Ctrl-C to stop.");
}
