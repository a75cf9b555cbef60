//! `hwoath mock --tls` as a separate process, and `hwoath run --ca-cert` against it: the catalog passes
//! over HTTPS as over HTTP; without the CA the run stops at once with a certificate reason; a bad CA
//! file is a usage error; the CA file is written where asked and never over a file that is not ours.

mod support;

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::{StandaloneMock, hwoath, outcomes, run_report, text};

/// `hwoath run` with `args`, no credentials from the environment.
fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(["run", "--cases", "2"])
        .args(args)
        .env_remove("GRAPH_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .output()
        .expect("hwoath runs")
}

/// `hwoath mock --tls --controls`, its CA written into `dir` (so no temporary directory outlives a
/// mock the test kills).
fn https_mock(dir: &Path) -> StandaloneMock {
    StandaloneMock::start(&[
        OsStr::new("--tls"),
        OsStr::new("--controls"),
        OsStr::new("--ca-out"),
        dir.join("ca.pem").as_os_str(),
    ])
}

#[test]
fn the_catalog_passes_over_https_as_over_http() {
    let plain = StandaloneMock::start(&[OsStr::new("--controls")]);
    let plain_out = tempfile::tempdir().unwrap();
    let over_http = run(&[
        "--target",
        &plain.base_url,
        "--out",
        plain_out.path().to_str().unwrap(),
    ]);
    assert_eq!(
        over_http.status.code(),
        Some(0),
        "{}",
        text(&over_http.stderr)
    );

    let dir = tempfile::tempdir().unwrap();
    let mock = https_mock(dir.path());
    assert!(
        mock.base_url.starts_with("https://127.0.0.1:"),
        "{}",
        mock.base_url
    );
    let ca = mock.ca_file().expect("the banner names the CA file");
    let pem = std::fs::read_to_string(&ca).unwrap();
    assert!(pem.contains("-----BEGIN CERTIFICATE-----"), "{pem}");
    let banner = mock.banner.join("\n");
    assert!(!banner.contains("PRIVATE KEY"), "{banner}");
    for hint in [
        format!("SSL_CERT_FILE='{}'", ca.display()),
        format!("REQUESTS_CA_BUNDLE='{}'", ca.display()),
        format!("NODE_EXTRA_CA_CERTS='{}'", ca.display()),
        format!(
            "hwoath run --target {} --ca-cert '{}'",
            mock.base_url,
            ca.display()
        ),
    ] {
        assert!(banner.contains(&hint), "{hint} missing from\n{banner}");
    }
    let out = tempfile::tempdir().unwrap();
    let over_https = run(&[
        "--target",
        &mock.base_url,
        "--ca-cert",
        ca.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(
        over_https.status.code(),
        Some(0),
        "{}{}",
        text(&over_https.stdout),
        text(&over_https.stderr)
    );
    let https_report = run_report(out.path());
    assert_eq!(https_report["summary"]["skipped"], 0);
    assert_eq!(
        outcomes(&https_report),
        outcomes(&run_report(plain_out.path()))
    );
}

#[test]
fn without_the_ca_the_run_stops_at_once_with_a_certificate_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mock = https_mock(dir.path());
    let out = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = run(&[
        "--target",
        &mock.base_url,
        "--group",
        "docs",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("certificate"), "{stderr}");
    assert!(stderr.contains("--ca-cert"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_bad_ca_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let mock = https_mock(dir.path());
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let broken = dir.path().join("broken.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let missing = dir.path().join("missing.pem");
    for (file, says) in [
        (&garbage, "holds no PEM certificate"),
        (&broken, "cannot be trusted as a CA"),
        (&missing, "cannot read the CA certificate file"),
    ] {
        for command in ["run", "cleanup"] {
            let output = hwoath(&[
                command,
                "--target",
                &mock.base_url,
                "--ca-cert",
                file.to_str().unwrap(),
            ]);
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
            assert!(stderr.contains(says), "{command}: {stderr}");
            assert!(!stderr.contains("panicked"), "{command}: {stderr}");
        }
    }
    let replay = hwoath(&["replay", "--help"]);
    assert!(text(&replay.stdout).contains("--ca-cert"));
}

#[test]
fn the_ca_file_goes_where_asked_and_never_over_a_foreign_file() {
    // By default in a new temporary directory, removed when the mock stops on Ctrl-C.
    let mut default = StandaloneMock::start(&[OsStr::new("--tls")]);
    let made = default.ca_file().expect("the banner names the CA file");
    assert!(made.ends_with("hwoath-mock-ca.pem"), "{}", made.display());
    assert!(made.is_file());
    assert!(default.signal_and_wait("-INT").success());
    assert!(
        !made.parent().unwrap().exists(),
        "{} left behind",
        made.display()
    );
    drop(default);

    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let ours =
        StandaloneMock::start(&[OsStr::new("--tls"), OsStr::new("--ca-out"), ca.as_os_str()]);
    assert_eq!(ours.ca_file().as_deref(), Some(ca.as_path()));
    let first = std::fs::read_to_string(&ca).unwrap();
    drop(ours);
    // A second start overwrites the file the first one wrote, with its own new CA.
    let again =
        StandaloneMock::start(&[OsStr::new("--tls"), OsStr::new("--ca-out"), ca.as_os_str()]);
    let second = std::fs::read_to_string(&ca).unwrap();
    assert_ne!(first, second);
    drop(again);

    let foreign = dir.path().join("notes.txt");
    std::fs::write(&foreign, "my notes\n").unwrap();
    let refused = hwoath(&[
        "mock",
        "--tls",
        "--addr",
        "127.0.0.1:0",
        "--ca-out",
        foreign.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("was not written by hwoath mock"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(std::fs::read_to_string(&foreign).unwrap(), "my notes\n");

    // Each is refused by the argument parser (a missing --users file would stop a mock that started).
    for (usage, says) in [
        (&["--cert", "cert.pem"][..], "--key <FILE>"),
        (&["--key", "key.pem"][..], "--cert <FILE>"),
        (&["--ca-out", "ca.pem"][..], "--tls"),
        (
            &[
                "--tls", "--cert", "c.pem", "--key", "k.pem", "--ca-out", "ca.pem",
            ][..],
            "cannot be used with",
        ),
    ] {
        let output = hwoath(&[&["mock", "--users", "/nonexistent/users.json"][..], usage].concat());
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{usage:?}: {stderr}");
        assert!(stderr.contains(says), "{usage:?}: {stderr}");
    }
}

#[test]
fn a_given_certificate_is_served_and_its_key_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let own = hwoath_testkit::own_certificate();
    let (ca_pem, chain_pem, key_pem) = (own.ca, own.leaf, own.key);
    let (cert, key, ca) = (
        dir.path().join("cert.pem"),
        dir.path().join("key.pem"),
        dir.path().join("ca.pem"),
    );
    std::fs::write(&cert, chain_pem).unwrap();
    std::fs::write(&key, &key_pem).unwrap();
    std::fs::write(&ca, ca_pem).unwrap();
    let mock = StandaloneMock::start(&[
        OsStr::new("--cert"),
        cert.as_os_str(),
        OsStr::new("--key"),
        key.as_os_str(),
        OsStr::new("--controls"),
    ]);
    let banner = mock.banner.join("\n");
    assert!(mock.base_url.starts_with("https://"), "{banner}");
    assert!(mock.ca_file().is_none(), "{banner}");
    assert!(banner.contains("<your CA file>"), "{banner}");
    assert!(!banner.contains("PRIVATE KEY"), "{banner}");
    let out = tempfile::tempdir().unwrap();
    let output = run(&[
        "--target",
        &mock.base_url,
        "--group",
        "docs",
        "--ca-cert",
        ca.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}

#[cfg(unix)]
#[test]
fn sigterm_right_after_the_banner_stops_the_mock_cleanly() {
    // A service manager's stop, sent as soon as the banner is out: the mock must already be
    // listening, stop with status 0, and remove the temporary directory of its CA file.
    let mut mock = StandaloneMock::start(&[OsStr::new("--tls")]);
    let made = mock.ca_file().expect("the banner names the CA file");
    let exit = mock.signal_and_wait("-TERM");
    assert!(exit.success(), "{exit}");
    assert!(
        !made.parent().unwrap().exists(),
        "{} left behind",
        made.display()
    );
}
