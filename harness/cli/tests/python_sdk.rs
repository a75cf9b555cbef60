//! Microsoft's official Graph beta SDK for Python against a standalone `hwoath mock`: the token
//! lifecycle, the navigation endpoints (`assignTo/$ref`, `assignTo`, `device`, `$count`), the
//! hardwareOath policy, and a 23-hour drift at activation (tests/python/graph_beta_sdk.py); and over
//! HTTPS (`hwoath mock --tls`), azure-identity's `ClientSecretCredential` getting tokens from the mock
//! for the same SDK (tests/python/azure_identity_https.py).
//!
//! Needs a Python with `msgraph-beta-sdk` (and the `azure-identity` it brings) installed:
//! `HWOATH_PYTHON` names it (default `python3`). Without one the tests say they skipped, unless
//! `HWOATH_REQUIRE_PYTHON_SDK=1` (set by `.ci/run`), which makes a missing SDK a failure.

mod support;

use std::ffi::OsStr;
use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use support::StandaloneMock;

/// The mock's frozen tenant time.
const CLOCK: &str = "1700000000";
/// Steps graph_beta_sdk.py reports, one `ok:` line each.
const STEPS: usize = 8;
/// Steps azure_identity_https.py reports.
const HTTPS_STEPS: usize = 5;
/// Longest the script may take.
const LIMIT: Duration = Duration::from_secs(180);

fn python() -> String {
    std::env::var("HWOATH_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Whether `python` can import the SDK and azure-identity; when not, says the test skipped (or fails
/// it under `HWOATH_REQUIRE_PYTHON_SDK`).
fn sdk_installed(python: &str) -> bool {
    let installed = Command::new(python)
        .args(["-c", "import msgraph_beta, azure.identity"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !installed {
        assert!(
            std::env::var_os("HWOATH_REQUIRE_PYTHON_SDK").is_none(),
            "HWOATH_REQUIRE_PYTHON_SDK is set but {python} cannot import msgraph_beta and azure.identity"
        );
        eprintln!(
            "skipped: {python} cannot import msgraph_beta and azure.identity (pip install msgraph-beta-sdk)"
        );
    }
    installed
}

/// Runs `script` (in tests/python) with `python` and `env` within [`LIMIT`]; its status and output.
fn run_script(python: &str, script: &str, env: &[(&str, &OsStr)]) -> (ExitStatus, String, String) {
    let path = format!("{}/tests/python/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(python)
        .arg(path)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("python runs") {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("{script} ran past {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .expect("piped")
        .read_to_string(&mut out)
        .expect("stdout");
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut err)
        .expect("stderr");
    (status, out, err)
}

fn admin_token() -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args([
            "token",
            "--roles",
            "Policy.Read.All,Policy.ReadWrite.AuthenticationMethod,UserAuthenticationMethod.ReadWrite.All",
        ])
        .output()
        .expect("hwoath token runs");
    assert!(output.status.success(), "hwoath token failed");
    String::from_utf8(output.stdout)
        .expect("a token is ASCII")
        .trim()
        .to_owned()
}

#[test]
fn the_official_python_beta_sdk_drives_the_mock() {
    let python = python();
    if !sdk_installed(&python) {
        return;
    }
    let mock = StandaloneMock::start(&[
        OsStr::new("--controls"),
        OsStr::new("--clock"),
        OsStr::new(CLOCK),
    ]);
    let token = admin_token();
    let (status, out, err) = run_script(
        &python,
        "graph_beta_sdk.py",
        &[
            ("HWOATH_BASE_URL", OsStr::new(&mock.base_url)),
            ("HWOATH_TOKEN", OsStr::new(&token)),
            ("HWOATH_CLOCK", OsStr::new(CLOCK)),
            ("HWOATH_USER_UPN", OsStr::new("helga@contoso.com")),
        ],
    );
    assert!(status.success(), "{out}\n{err}");
    let passed = out.lines().filter(|l| l.starts_with("ok: ")).count();
    assert_eq!(passed, STEPS, "{out}\n{err}");
}

#[test]
fn azure_identity_gets_tokens_from_the_mock_over_https_for_the_sdk() {
    let python = python();
    if !sdk_installed(&python) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let mock =
        StandaloneMock::start(&[OsStr::new("--tls"), OsStr::new("--ca-out"), ca.as_os_str()]);
    assert_eq!(mock.ca_file().as_deref(), Some(ca.as_path()));
    let fixture = hwoath_mock::Fixture::default();
    let app = &fixture.apps[0];
    let root = mock.root_url();
    let (status, out, err) = run_script(
        &python,
        "azure_identity_https.py",
        &[
            ("HWOATH_ROOT_URL", OsStr::new(&root)),
            ("HWOATH_BASE_URL", OsStr::new(&mock.base_url)),
            ("HWOATH_TENANT_ID", OsStr::new(&fixture.tenant_id)),
            ("HWOATH_CLIENT_ID", OsStr::new(&app.client_id)),
            (
                "HWOATH_CLIENT_SECRET",
                OsStr::new(app.client_secret.expose()),
            ),
            ("SSL_CERT_FILE", ca.as_os_str()),
            ("REQUESTS_CA_BUNDLE", ca.as_os_str()),
        ],
    );
    assert!(status.success(), "{out}\n{err}");
    let passed = out.lines().filter(|l| l.starts_with("ok: ")).count();
    assert_eq!(passed, HTTPS_STEPS, "{out}\n{err}");
}
