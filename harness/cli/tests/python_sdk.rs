//! Microsoft's official Graph beta SDK for Python against a standalone `hwoath mock`: the token
//! lifecycle, the navigation endpoints (`assignTo/$ref`, `assignTo`, `device`, `$count`), the
//! hardwareOath policy, and a 23-hour drift at activation (tests/python/graph_beta_sdk.py).
//!
//! Needs a Python with `msgraph-beta-sdk` installed: `HWOATH_PYTHON` names it (default `python3`).
//! Without one the test says it skipped, unless `HWOATH_REQUIRE_PYTHON_SDK=1` (set by `.ci/run`), which
//! makes a missing SDK a failure.

mod support;

use std::ffi::OsStr;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::StandaloneMock;

/// The mock's frozen tenant time.
const CLOCK: &str = "1700000000";
/// Steps the script reports, one `ok:` line each.
const STEPS: usize = 8;
/// Longest the script may take.
const LIMIT: Duration = Duration::from_secs(180);

fn python() -> String {
    std::env::var("HWOATH_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Whether `python` can import the SDK.
fn sdk_installed(python: &str) -> bool {
    Command::new(python)
        .args(["-c", "import msgraph_beta"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
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
        assert!(
            std::env::var_os("HWOATH_REQUIRE_PYTHON_SDK").is_none(),
            "HWOATH_REQUIRE_PYTHON_SDK is set but {python} cannot import msgraph_beta"
        );
        eprintln!("skipped: {python} cannot import msgraph_beta (pip install msgraph-beta-sdk)");
        return;
    }
    let mock = StandaloneMock::start(&[
        OsStr::new("--controls"),
        OsStr::new("--clock"),
        OsStr::new(CLOCK),
    ]);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/python/graph_beta_sdk.py"
    );
    let mut child = Command::new(&python)
        .arg(script)
        .env("HWOATH_BASE_URL", &mock.base_url)
        .env("HWOATH_TOKEN", admin_token())
        .env("HWOATH_CLOCK", CLOCK)
        .env("HWOATH_USER_UPN", "helga@contoso.com")
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
            panic!("the SDK script ran past {LIMIT:?}");
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
    assert!(status.success(), "{out}\n{err}");
    let passed = out.lines().filter(|l| l.starts_with("ok: ")).count();
    assert_eq!(passed, STEPS, "{out}\n{err}");
}
