//! `hwoath mock`: run the mock Graph tenant until Ctrl-C or SIGTERM, printing its URLs and how to get a token.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use hwoath_mock::{
    Behaviour, Fixture, MockTenant, NumbersAsStrings, Opened, PolicyDisabled, SigningKey,
    StatusAfterAssignTo, TlsConfig, UnknownOptionValue,
};

/// A parser for a behaviour option whose `--help` lists `names`.
fn option_parser<T>(names: &'static [&'static str]) -> impl TypedValueParser<Value = T>
where
    T: FromStr<Err = UnknownOptionValue> + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(names).try_map(|name| name.parse::<T>())
}

/// The first line of a CA file `hwoath mock --tls` writes: a file that starts with it is ours to
/// overwrite. PEM readers skip text outside `-----BEGIN`/`-----END` lines.
const CA_FILE_MARK: &str = "# hwoath mock tenant CA, made at start: trust it for testing only";

/// Where to listen: the address, and the host as given (a name or IP address, for the certificate
/// `--tls` makes).
#[derive(Debug, Clone)]
struct ListenAddress {
    socket: SocketAddr,
    host: String,
}

/// Resolves `HOST:PORT` (an IP address or a host name) to the address to listen on; a name with
/// IPv4 and IPv6 addresses listens on the IPv4 one.
fn listen_address(text: &str) -> Result<ListenAddress, String> {
    let addresses: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|error| format!("cannot resolve '{text}' (expected HOST:PORT): {error}"))?
        .collect();
    let socket = addresses
        .iter()
        .find(|address| address.is_ipv4())
        .or_else(|| addresses.first())
        .copied()
        .ok_or_else(|| format!("'{text}' resolves to no address"))?;
    let host = text.rsplit_once(':').map_or(text, |(host, _)| host);
    Ok(ListenAddress {
        socket,
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
    })
}

/// Arguments of `hwoath mock`.
#[derive(Args, Debug)]
pub struct MockArgs {
    /// Address to listen on, HOST:PORT with an IP address or a host name such as localhost (port 0
    /// picks a free port).
    #[arg(long, default_value = "127.0.0.1:0", value_parser = listen_address)]
    addr: ListenAddress,
    /// Serve HTTPS with a certificate made at start: a new CA (written to --ca-out) signs it for
    /// localhost, 127.0.0.1, ::1 and the --addr host. The private keys stay in memory.
    #[arg(long)]
    tls: bool,
    /// Serve HTTPS with this certificate chain (PEM, leaf first) instead; needs --key. Its CA is
    /// yours to trust: nothing is written.
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<PathBuf>,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) of --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    /// Where --tls writes its CA certificate (PEM), overwriting only a file it wrote before (default:
    /// hwoath-mock-ca.pem in a new temporary directory, removed when the mock stops on Ctrl-C or SIGTERM).
    #[arg(long, value_name = "FILE", requires = "tls", conflicts_with = "cert")]
    ca_out: Option<PathBuf>,
    /// State database (SQLite): loaded at start; every change is saved before it is answered, and one
    /// that cannot be saved is answered 503. A JSON state file of an earlier version is migrated and
    /// kept beside it as FILE.v1.json. The mock refuses to start on a state it cannot write, and two
    /// mocks never share one. It holds token secrets and is created readable by its owner only.
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

/// How the mock serves HTTPS, as the banner tells it.
enum Https {
    /// A certificate made at start; its CA is in `ca_file`.
    Made {
        /// The CA certificate file.
        ca_file: PathBuf,
        /// The temporary directory holding it, removed when dropped (`None` for `--ca-out`).
        _dir: Option<tempfile::TempDir>,
    },
    /// The certificate of `--cert`.
    Given(PathBuf),
}

impl Https {
    /// The CA file to trust, as the banner shows it.
    fn ca_file(&self) -> String {
        match self {
            Https::Made { ca_file, .. } => ca_file.display().to_string(),
            Https::Given(_) => "<your CA file>".to_owned(),
        }
    }
}

/// The TLS configuration `--tls` or `--cert/--key` asks for, if any.
fn tls_config(args: &MockArgs) -> Result<Option<TlsConfig>> {
    let read = |flag: &str, path: &Path| {
        std::fs::read(path).with_context(|| format!("cannot read {flag} {}", path.display()))
    };
    Ok(match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => Some(TlsConfig::pem(read("--cert", cert)?, read("--key", key)?)),
        _ if args.tls => Some(TlsConfig::self_signed_for([args.addr.host.clone()])),
        _ => None,
    })
}

/// Writes the CA certificate made at start to `--ca-out` (refusing to overwrite a file it did not
/// write) or to a new temporary directory.
fn write_ca(pem: &str, ca_out: Option<&Path>) -> Result<Https> {
    let text = format!("{CA_FILE_MARK}\n{pem}");
    let Some(path) = ca_out else {
        let dir = tempfile::Builder::new()
            .prefix("hwoath-mock-")
            .tempdir()
            .context("cannot make a temporary directory for the CA certificate")?;
        let ca_file = dir.path().join("hwoath-mock-ca.pem");
        std::fs::write(&ca_file, text)
            .with_context(|| format!("cannot write {}", ca_file.display()))?;
        return Ok(Https::Made {
            ca_file,
            _dir: Some(dir),
        });
    };
    if let Ok(existing) = std::fs::read_to_string(path)
        && existing.lines().next() != Some(CA_FILE_MARK)
    {
        anyhow::bail!(
            "--ca-out {} exists and was not written by hwoath mock: remove it or choose another file",
            path.display()
        );
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Https::Made {
        ca_file: path.to_owned(),
        _dir: None,
    })
}

/// Starts listening for Ctrl-C and SIGTERM; the future completes on the first of them.
fn stop_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
        let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    Ok(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}

async fn serve(args: MockArgs) -> Result<ExitCode> {
    let fixture = fixture(args.users.as_ref())?;
    let mut builder = MockTenant::builder()
        .addr(args.addr.socket)
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
    if let Some(tls) = tls_config(&args)? {
        builder = builder.tls(tls);
    }
    let tenant = builder
        .start()
        .await
        .context("cannot start the mock tenant")?;
    let https = match (tenant.ca_certificate_pem(), &args.cert) {
        (Some(pem), _) => Some(write_ca(pem, args.ca_out.as_deref())?),
        (None, Some(cert)) => Some(Https::Given(cert.clone())),
        (None, None) => None,
    };
    // Listening starts before the banner: a client that signals as soon as it reads the banner must
    // get a clean stop (the temporary CA directory removed), not the default handler's kill.
    let stop = stop_signal()?;
    print_banner(&tenant, &args, https.as_ref());
    stop.await;
    eprintln!("stopping");
    tenant.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

fn print_banner(tenant: &MockTenant, args: &MockArgs, https: Option<&Https>) {
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
        let cacert = https.map_or(String::new(), |https| {
            format!(" --cacert '{}'", https.ca_file())
        });
        println!("  App-only token ({}):", app.display_name);
        println!(
            "    curl -s{cacert} {} -d grant_type=client_credentials -d client_id={} -d client_secret='{}' --data-urlencode scope=https://graph.microsoft.com/.default",
            tenant.token_url(),
            app.client_id,
            secret
        );
        if https.is_some() {
            println!(
                "    azure-identity: ClientSecretCredential('{}', '{}', '{}', authority='{}', disable_instance_discovery=True)",
                tenant.tenant_id(),
                app.client_id,
                secret,
                tenant.root_url()
            );
        }
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
        if let Some(Opened::Migrated { backup }) = tenant.state_opened() {
            println!(
                "                   migrated from a JSON state file, kept as {}",
                backup.display()
            );
        }
    }
    if let Some(https) = https {
        match https {
            Https::Made { ca_file, .. } => {
                println!(
                    "  CA certificate:  {}   (made at start; trust it for testing only)",
                    ca_file.display()
                );
            }
            Https::Given(cert) => println!("  TLS certificate: {}", cert.display()),
        }
        let ca = https.ca_file();
        println!("  Trust the CA:    SSL_CERT_FILE='{ca}' REQUESTS_CA_BUNDLE='{ca}'   (Python)");
        println!("                   NODE_EXTRA_CA_CERTS='{ca}'   (Node.js)");
        println!(
            "                   hwoath run --target {} --ca-cert '{ca}'",
            tenant.base_url()
        );
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
