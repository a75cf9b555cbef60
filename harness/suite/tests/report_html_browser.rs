//! report.html in a real browser: headless Chromium renders the page of a failing run to a PNG, and
//! runs its script under the page's Content-Security-Policy, which must apply the filters a URL asks
//! for (`#only=fail`, `?only=problems&group=authz`, a case link `#c<index>`) without a CSP violation.
//! A page whose script hash is wrong is the control: its script is refused and the test sees it.
//!
//! Chromium comes from Debian's `chromium` package (`/usr/bin/chromium`, or `HWOATH_CHROMIUM`).
//! Without it every test says it skipped, unless `HWOATH_REQUIRE_CHROMIUM=1` (CI) makes that a
//! failure. `HWOATH_SCREENSHOT_DIR=<dir>` keeps the screenshot and its page there for a look.

mod report_html_support;
mod report_support;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use hwoath_suite::report::write_all;
use hwoath_suite::report::{Outcome, RunReport};
use report_html_support::{FORBIDDEN_CASES, count, failing_run};
use tempfile::TempDir;

/// The longest a browser run may take before it is killed.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

/// The window the screenshot is taken in.
const WINDOW: (u32, u32) = (1280, 2400);

/// What Chromium logs when the page's policy refuses something.
const CSP_MESSAGES: [&str; 2] = ["Content Security Policy", "Refused to"];

/// The Chromium binary, or `None` (after saying so) when the test should skip.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("HWOATH_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        return Some(path);
    }
    let required = std::env::var("HWOATH_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "HWOATH_REQUIRE_CHROMIUM=1 but {} is missing: apt-get install -y chromium",
        path.display()
    );
    eprintln!(
        "skipped: no Chromium at {} (apt-get install -y chromium; HWOATH_REQUIRE_CHROMIUM=1 makes this a failure)",
        path.display()
    );
    None
}

/// What a finished browser run printed.
struct Output {
    stdout: String,
    stderr: String,
}

/// Reads a child's pipe to the end on its own thread, so neither pipe can fill and stall it.
fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Kills the process group the browser leads (its renderer and GPU processes with it); the group is
/// ours alone, started by [`run_browser`].
fn kill_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs Chromium headless on `url` with `extra` flags and a fresh profile, killed after
/// [`BROWSER_TIMEOUT`]; panics when it times out or fails.
fn run_browser(chromium: &Path, url: &str, extra: &[String]) -> Output {
    let profile = TempDir::new().expect("a profile directory");
    let mut command = Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command.spawn().expect("Chromium starts");
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting on Chromium") {
            break Some(status);
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            break None;
        }
        thread::sleep(Duration::from_millis(50));
    };
    kill_group(&mut child);
    let output = Output {
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    match status {
        None => panic!(
            "Chromium ran past {BROWSER_TIMEOUT:?} and was killed; stderr:\n{}",
            output.stderr
        ),
        Some(status) if !status.success() => {
            panic!("Chromium failed ({status}); stderr:\n{}", output.stderr)
        }
        Some(_) => output,
    }
}

/// Writes the run's reports (report.html among them) into a fresh directory.
fn write_page(report: &RunReport) -> (TempDir, PathBuf) {
    let dir = TempDir::new().expect("a report directory");
    let paths = write_all(report, dir.path()).expect("the reports are written");
    (dir, paths.html)
}

/// The page as Chromium leaves it after its script ran with `suffix` (`#...` or `?...`) on the URL.
fn dumped_dom(chromium: &Path, page: &Path, suffix: &str) -> Output {
    let url = format!("file://{}{suffix}", page.display());
    run_browser(chromium, &url, &["--dump-dom".to_owned()])
}

/// Each case row of a dumped page: (outcome, group, hidden).
fn rows(dom: &str) -> Vec<(String, String, bool)> {
    dom.split("<tbody class=\"case\"")
        .skip(1)
        .map(|row| {
            let tag = &row[..row.find('>').expect("a closed tag")];
            let attribute = |name: &str| {
                let start = tag.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
                tag[start..start + tag[start..].find('"').unwrap()].to_owned()
            };
            (
                attribute("data-outcome"),
                attribute("data-group"),
                tag.contains(" hidden"),
            )
        })
        .collect()
}

/// The `N of M cases shown` line the script wrote.
fn shown_line(dom: &str) -> &str {
    let start = dom.find("<span id=\"shown\">").expect("the shown line") + 17;
    &dom[start..start + dom[start..].find('<').unwrap()]
}

fn assert_no_csp_violation(output: &Output) {
    for message in CSP_MESSAGES {
        assert!(
            !output.stderr.contains(message),
            "the page broke its own policy: {message} in\n{}",
            output.stderr
        );
    }
}

/// The width and height a PNG's IHDR chunk declares.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

#[test]
fn a_failing_run_renders_to_a_real_screenshot() {
    let Some(chromium) = chromium() else { return };
    let (dir, page) = write_page(&failing_run());
    let png = dir.path().join("report.png");
    let output = run_browser(
        &chromium,
        &format!("file://{}", page.display()),
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size={},{}", WINDOW.0, WINDOW.1),
            "--hide-scrollbars".to_owned(),
        ],
    );
    assert_no_csp_violation(&output);
    let bytes = std::fs::read(&png).expect("Chromium wrote the screenshot");
    assert_eq!(png_size(&bytes), WINDOW);
    assert!(
        bytes.len() > 50_000,
        "a near-empty page: {} bytes",
        bytes.len()
    );
    if let Some(keep) = std::env::var_os("HWOATH_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&keep).expect("the screenshot directory");
        for (from, name) in [(&png, "report.png"), (&page, "report.html")] {
            std::fs::copy(from, Path::new(&keep).join(name)).expect("the file is kept");
        }
    }
}

#[test]
fn a_fragment_filter_applies_under_the_csp() {
    let Some(chromium) = chromium() else { return };
    let report = failing_run();
    let (_dir, page) = write_page(&report);
    let output = dumped_dom(&chromium, &page, "#only=fail");
    assert_no_csp_violation(&output);
    let rows = rows(&output.stdout);
    assert_eq!(rows.len(), report.cases.len());
    for (outcome, group, hidden) in &rows {
        assert_eq!(
            *hidden,
            outcome != "fail",
            "{group} {outcome} hidden: {hidden}"
        );
    }
    let fails = count(&report, Outcome::Fail);
    assert_eq!(
        shown_line(&output.stdout),
        format!("{fails} of {} cases shown", report.cases.len())
    );
    assert_eq!(
        output.stdout.matches("<script").count(),
        1,
        "a reason's <script> became an element"
    );
}

#[test]
fn a_query_filter_by_outcomes_and_group_applies() {
    let Some(chromium) = chromium() else { return };
    let report = failing_run();
    let (_dir, page) = write_page(&report);
    let output = dumped_dom(&chromium, &page, "?only=problems&group=authz");
    assert_no_csp_violation(&output);
    let visible: Vec<(String, String, bool)> = rows(&output.stdout)
        .into_iter()
        .filter(|row| !row.2)
        .collect();
    assert_eq!(visible.len(), FORBIDDEN_CASES, "only authz's problems");
    assert!(
        visible
            .iter()
            .all(|(outcome, group, _)| outcome == "fail" && group == "authz")
    );
}

#[test]
fn a_case_link_reveals_a_hidden_passing_case() {
    let Some(chromium) = chromium() else { return };
    let report = failing_run();
    let (_dir, page) = write_page(&report);
    let output = dumped_dom(&chromium, &page, "#c0");
    assert_no_csp_violation(&output);
    assert!(
        output
            .stdout
            .contains("id=\"c0\" data-outcome=\"pass\" data-group=\"rfc\">"),
        "the linked case is shown"
    );
    let passes_shown = rows(&output.stdout)
        .iter()
        .filter(|(outcome, _, hidden)| outcome == "pass" && !hidden)
        .count();
    assert_eq!(passes_shown, count(&report, Outcome::Pass), "pass ticked");
}

#[test]
fn a_script_the_policy_does_not_admit_is_refused_and_seen() {
    let Some(chromium) = chromium() else { return };
    let report = failing_run();
    let (_dir, page) = write_page(&report);
    let html = std::fs::read_to_string(&page).unwrap();
    let tampered = html.replacen("script-src 'sha256-", "script-src 'sha256-AAAA", 1);
    assert_ne!(tampered, html);
    std::fs::write(&page, tampered).unwrap();
    let output = dumped_dom(&chromium, &page, "#only=fail");
    assert!(
        CSP_MESSAGES.iter().any(|m| output.stderr.contains(m)),
        "no CSP report in\n{}",
        output.stderr
    );
    let passes = count(&report, Outcome::Pass);
    assert_eq!(
        shown_line(&output.stdout),
        format!(
            "{} of {} cases shown",
            report.cases.len() - passes,
            report.cases.len()
        ),
        "the refused script changed nothing"
    );
}
