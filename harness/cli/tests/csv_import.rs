//! `hwoath csv import` as a user runs it: a dry run on the embedded mock; a standalone `hwoath mock`
//! with a state database as the target, the import killed with SIGKILL or stopped with SIGINT halfway
//! and run again; a target without test controls refused without `--allow-writes`; no secret in
//! anything the command prints or writes.

mod support;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use hwoath_onboard::sample;
use serde_json::{Value, json};
use support::small_disk::SmallDisk;
use support::{StandaloneMock, http, text};

const DOMAIN: &str = "contoso.com";
const ROLES: &str =
    "Policy.ReadWrite.AuthenticationMethod,UserAuthenticationMethod.ReadWrite.All,User.Read.All";

/// A folder with `tokens.csv` (`rows` tokens dealt to `users` made-up users) and `users.json` (the
/// default directory plus those users), and the file's secrets.
struct Files {
    dir: tempfile::TempDir,
    secrets: Vec<String>,
}

impl Files {
    fn new(rows: usize, users: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let csv = sample::vendor_file(rows, users, DOMAIN, "CLI-", 9);
        std::fs::write(dir.path().join("tokens.csv"), &csv).unwrap();
        let fixture =
            hwoath_testkit::with_users(users, sample::user_id, |index| sample::upn(index, DOMAIN));
        std::fs::write(
            dir.path().join("users.json"),
            serde_json::to_string(&fixture).unwrap(),
        )
        .unwrap();
        let secrets = (0..rows).map(|i| sample::seed(i, 9)).collect();
        Self { dir, secrets }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn csv(&self) -> String {
        self.path("tokens.csv").display().to_string()
    }

    /// A standalone mock with test controls and the folder's users (and a state database in the
    /// folder when `durable`), every request slowed down so that an import can be stopped halfway.
    fn slow_mock(&self, durable: bool) -> StandaloneMock {
        let users = self.path("users.json");
        let state = self.path("tenant.db");
        let mut args = vec![
            OsStr::new("--controls"),
            OsStr::new("--users"),
            users.as_os_str(),
        ];
        if durable {
            args.extend([OsStr::new("--state"), state.as_os_str()]);
        }
        let mock = StandaloneMock::start(&args);
        slow_down(&mock);
        mock
    }

    /// Fails if any secret of the file is in `text` (in any letter case).
    fn assert_no_secret(&self, what: &str, text: &str) {
        let lower = text.to_lowercase();
        for secret in &self.secrets {
            assert!(
                !lower.contains(&secret.to_lowercase()),
                "a secret is in {what}"
            );
        }
    }

    /// Every file of the folder except the input and the users, as text.
    fn written(&self) -> Vec<(String, String)> {
        std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.ends_with("tokens.csv") && !p.ends_with("users.json"))
            .filter(|p| {
                !p.extension()
                    .is_some_and(|e| e == "db" || e == "db-wal" || e == "db-shm")
            })
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap_or_default(),
                )
            })
            .collect()
    }
}

fn hwoath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(args)
        .env_remove("GRAPH_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .output()
        .unwrap()
}

/// The result CSV as (line, outcome, reason) rows.
fn results(path: &Path) -> Vec<(u64, String, String)> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            (
                record[0].parse().unwrap(),
                record[3].to_owned(),
                record[6].to_owned(),
            )
        })
        .collect()
}

/// Fails unless every row of a result file has `outcome`.
fn assert_all(rows: &[(u64, String, String)], outcome: &str) {
    assert!(rows.iter().all(|(_, got, _)| got == outcome), "{rows:?}");
}

/// A token from the mock's test controls.
fn mint(mock: &StandaloneMock) -> String {
    let answer = http(
        &mock.authority(),
        "POST",
        "/_hwoath/token",
        "",
        Some(&json!({"roles": ROLES.split(',').collect::<Vec<_>>()})),
    )
    .unwrap();
    answer.body["access_token"].as_str().unwrap().to_owned()
}

/// The mock's tokens with the test file's serials: serial -> (status, holder), and how many there
/// are (a serial twice would show as fewer map entries than tokens).
fn inventory(mock: &StandaloneMock) -> (BTreeMap<String, (String, String)>, usize) {
    let token = mint(mock);
    let mut path =
        "/beta/directory/authenticationMethodDevices/hardwareOathDevices?$top=999".to_owned();
    let mut map = BTreeMap::new();
    let mut count = 0;
    loop {
        let page = http(&mock.authority(), "GET", &path, &token, None).unwrap();
        assert_eq!(page.status, 200);
        for device in page.body["value"].as_array().unwrap() {
            let serial = device["serialNumber"].as_str().unwrap().to_owned();
            if serial.starts_with("CLI-") {
                count += 1;
                map.insert(
                    serial,
                    (
                        device["status"].as_str().unwrap().to_owned(),
                        device["assignedTo"]["id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    ),
                );
            }
        }
        match page.body["@odata.nextLink"].as_str() {
            Some(next) => path = next[next.find("/beta/").unwrap()..].to_owned(),
            None => break,
        }
    }
    (map, count)
}

/// Slows every request of the mock down, so an import can be stopped halfway.
fn slow_down(mock: &StandaloneMock) {
    let answer = http(
        &mock.authority(),
        "PUT",
        "/_hwoath/faults",
        "",
        Some(&json!({"latency_ms": 15, "latency_rate": 1.0})),
    )
    .unwrap();
    assert_eq!(answer.status, 200, "{:?}", answer.body);
}

fn journal_lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

/// Starts an import of `files` into `mock` and returns once its journal holds `lines` lines.
fn import_until(files: &Files, mock: &StandaloneMock, lines: usize) -> std::process::Child {
    let journal = files.path("tokens.csv.hwoath-journal");
    import_with_journal(files, mock, &journal, lines, Stdio::null())
}

/// Starts an import of `files` into `mock` with its journal at `journal` and returns once the
/// journal holds `lines` lines.
fn import_with_journal(
    files: &Files,
    mock: &StandaloneMock,
    journal: &Path,
    lines: usize,
    stdout: Stdio,
) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args(["csv", "import", &files.csv(), "--target", &mock.base_url])
        .args(["--jobs", "2", "--journal"])
        .arg(journal)
        .env_remove("GRAPH_TOKEN")
        .env_remove("AZURE_CLIENT_SECRET")
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while journal_lines(journal) < lines {
        assert!(Instant::now() < deadline, "the import made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn assert_all_assigned_once(mock: &StandaloneMock, rows: usize, users: usize) {
    let (map, count) = inventory(mock);
    assert_eq!((map.len(), count), (rows, rows), "each serial exactly once");
    for (index, (serial, (status, holder))) in map.iter().enumerate() {
        assert_eq!(serial, &format!("CLI-{:06}", index + 1));
        assert_eq!(status, "assigned", "{serial}");
        assert_eq!(holder, &sample::user_id(index % users));
    }
}

#[test]
fn a_dry_run_imports_into_an_embedded_mock_and_keeps_no_journal() {
    let files = Files::new(30, 8);
    let out = hwoath(&["csv", "import", &files.csv()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("30 rows: 0 created, 30 assigned, 0 activated, 0 skipped, 0 failed"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run"), "{stdout}");
    let rows = results(&files.path("tokens.csv.dry-run.csv"));
    assert_eq!(rows.len(), 30);
    assert_all(&rows, "assigned");
    assert!(!files.path("tokens.csv.hwoath-journal").exists());
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(files.path("tokens.csv.dry-run.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["tally"]["assigned"], 30);
    files.assert_no_secret("stdout", &stdout);
    files.assert_no_secret("stderr", &text(&out.stderr));
    for (name, content) in files.written() {
        files.assert_no_secret(&name, &content);
    }
}

#[test]
fn a_dry_run_with_activation_activates_every_token() {
    let files = Files::new(12, 3);
    let out = hwoath(&["csv", "import", &files.csv(), "--activate", "--bulk", "5"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows = results(&files.path("tokens.csv.dry-run.csv"));
    assert_all(&rows, "activated");
}

#[test]
fn bad_lines_are_failed_rows_and_a_bad_header_stops_everything() {
    let files = Files::new(4, 2);
    let mut csv = std::fs::read_to_string(files.path("tokens.csv")).unwrap();
    csv.push_str("user0@contoso.com,CLI-BAD,JBSWY3DPEHPK3PXP,45,Contoso,M\n");
    std::fs::write(files.path("tokens.csv"), &csv).unwrap();
    let out = hwoath(&["csv", "import", &files.csv()]);
    assert_eq!(out.status.code(), Some(1), "a failed row fails the import");
    let rows = results(&files.path("tokens.csv.dry-run.csv"));
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4].0, 6);
    assert_eq!(rows[4].1, "failed");
    assert!(rows[4].2.starts_with("not imported: "), "{}", rows[4].2);

    std::fs::write(files.path("tokens.csv"), csv.replacen("upn,", "user,", 1)).unwrap();
    let out = hwoath(&[
        "csv",
        "import",
        &files.csv(),
        "--results",
        &files.path("r").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("nothing imported"),
        "{}",
        text(&out.stderr)
    );
    assert!(!files.path("r.csv").exists());

    let out = hwoath(&[
        "csv",
        "import",
        &files.path("missing.csv").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_killed_import_is_finished_by_a_rerun_without_duplicates() {
    let (rows, users) = (120, 30);
    let files = Files::new(rows, users);
    let mock = files.slow_mock(true);
    let mut child = import_until(&files, &mock, 40);
    child.kill().unwrap();
    child.wait().unwrap();
    let (partial, _) = inventory(&mock);
    assert!(partial.len() < rows, "the kill came before the end");
    http(&mock.authority(), "DELETE", "/_hwoath/faults", "", None).unwrap();

    let out = hwoath(&["csv", "import", &files.csv(), "--target", &mock.base_url]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let results = results(&files.path("tokens.csv.result.csv"));
    assert_eq!(results.len(), rows);
    let earlier = results
        .iter()
        .filter(|(_, outcome, reason)| {
            outcome == "skipped" && reason == "done by an earlier run (assigned)"
        })
        .count();
    let now = results
        .iter()
        .filter(|(_, outcome, _)| outcome == "assigned")
        .count();
    assert_eq!(earlier + now, rows, "{results:?}");
    assert!(earlier > 0 && now > 0);
    assert_all_assigned_once(&mock, rows, users);
    files.assert_no_secret("stdout", &stdout);
    for (name, content) in files.written() {
        files.assert_no_secret(&name, &content);
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_and_a_rerun_does_the_rest() {
    let (rows, users) = (120, 30);
    let files = Files::new(rows, users);
    let mock = files.slow_mock(false);
    let child = import_until(&files, &mock, 30);
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let first = results(&files.path("tokens.csv.result.csv"));
    assert_eq!(first.len(), rows, "every row is in the result file");
    assert!(first.iter().any(|(_, outcome, reason)| outcome == "skipped"
        && reason == "the import was interrupted before this row"));
    assert!(
        first.iter().all(|(_, outcome, _)| outcome != "failed"),
        "{first:?}"
    );
    http(&mock.authority(), "DELETE", "/_hwoath/faults", "", None).unwrap();
    let out = hwoath(&["csv", "import", &files.csv(), "--target", &mock.base_url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_all_assigned_once(&mock, rows, users);
}

#[test]
fn a_target_without_test_controls_needs_allow_writes() {
    let files = Files::new(5, 5);
    let users = files.path("users.json");
    let mock = StandaloneMock::start(&[OsStr::new("--users"), users.as_os_str()]);
    let token = hwoath(&[
        "token",
        "--roles",
        ROLES,
        "--users",
        &users.display().to_string(),
    ]);
    let token = text(&token.stdout).trim().to_owned();
    let import = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hwoath"))
            .args(["csv", "import", &files.csv(), "--target", &mock.base_url])
            .args(extra)
            .env("GRAPH_TOKEN", &token)
            .output()
            .unwrap()
    };
    let refused = import(&[]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("is not a mock") && stderr.contains("--allow-writes"),
        "{stderr}"
    );
    assert!(!files.path("tokens.csv.hwoath-journal").exists());
    let allowed = import(&["--allow-writes"]);
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed.stderr));
    assert!(!text(&allowed.stdout).contains(&token));
    let rows = results(&files.path("tokens.csv.result.csv"));
    assert_all(&rows, "assigned");
}

#[test]
fn a_full_disk_stops_the_import_and_a_rerun_finishes_it() {
    let Some(disk) = SmallDisk::mount() else {
        return;
    };
    let (rows, users) = (120, 30);
    let files = Files::new(rows, users);
    let mock = files.slow_mock(false);
    let journal = disk.path().join("tokens.hwoath-journal");
    let child = import_with_journal(&files, &mock, &journal, 30, Stdio::piped());
    let filler = disk.fill();
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the import stopped: journal") && stderr.contains("No space left"),
        "{stderr}"
    );
    // Nothing was done that the journal does not hold: every row is either done, failed for the
    // journal, or skipped as not started.
    let first = results(&files.path("tokens.csv.result.csv"));
    assert_eq!(first.len(), rows);
    assert!(first.iter().any(|(_, outcome, reason)| outcome == "skipped"
        && reason.starts_with("the import stopped before this row: journal")));
    std::fs::remove_file(filler).unwrap();
    http(&mock.authority(), "DELETE", "/_hwoath/faults", "", None).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hwoath"))
        .args([
            "csv",
            "import",
            &files.csv(),
            "--target",
            &mock.base_url,
            "--journal",
        ])
        .arg(&journal)
        .env_remove("GRAPH_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_all_assigned_once(&mock, rows, users);
}
