//! `import` against an in-process mock tenant over HTTP: every path a row can take, reruns after a
//! crash at each step, bulk bodies, throttling, a hostile target, and no secret in what is written.

use std::path::PathBuf;

use hwoath_graph::{CsvRow, TokenStatus};
use hwoath_mock::{FaultConfig, MockTenant};
use hwoath_onboard::fuzzing::{Entry, Event};
use hwoath_onboard::sample;
use hwoath_onboard::{Creation, ImportOptions, ImportReport, Outcome, RowResult, import};
use hwoath_suite::HttpClient;
use hwoath_suite::Target;
use hwoath_suite::{ClientConfig, Credentials};
use hwoath_testkit::{Answer, BoxFuture, Forwarded, Proxy, Rewrite};
use serde_json::json;

const DOMAIN: &str = "contoso.com";

/// A mock tenant with `users` made-up users (`user0@contoso.com`, ...), its clock frozen far from
/// the machine's (codes must be computed at the target's time).
async fn tenant(users: usize) -> MockTenant {
    tenant_with(users, |builder| builder).await
}

async fn tenant_with(
    users: usize,
    configure: impl FnOnce(hwoath_mock::MockTenantBuilder) -> hwoath_mock::MockTenantBuilder,
) -> MockTenant {
    let fixture =
        hwoath_testkit::with_users(users, sample::user_id, |index| sample::upn(index, DOMAIN));
    hwoath_testkit::mock_with(|mock| configure(mock.fixture(fixture).clock(1_111_111_109))).await
}

async fn target(base_url: &str) -> Target {
    let client = HttpClient::new(ClientConfig {
        retry_budget: std::time::Duration::from_secs(60),
        max_attempts: 20,
        ..ClientConfig::default()
    })
    .unwrap();
    hwoath_suite::connect(base_url, Credentials::MockControls, client)
        .await
        .unwrap()
}

fn rows(count: usize, users: usize) -> Vec<CsvRow> {
    let text = sample::vendor_file(count, users, DOMAIN, "IMP-", 42);
    hwoath_graph::CsvFile::parse(&text).unwrap().rows
}

fn options(journal: Option<PathBuf>) -> ImportOptions {
    ImportOptions {
        creation: Creation::OneByOne,
        activate: false,
        jobs: 4,
        journal,
    }
}

async fn run(tenant: &MockTenant, rows: &[CsvRow], options: &ImportOptions) -> ImportReport {
    run_against(&tenant.base_url(), rows, options).await
}

async fn run_against(base_url: &str, rows: &[CsvRow], options: &ImportOptions) -> ImportReport {
    let target = target(base_url).await;
    import(&target, rows, options, |_| {}, std::future::pending())
        .await
        .unwrap()
}

fn outcomes(report: &ImportReport) -> Vec<Outcome> {
    report.rows.iter().map(|r| r.outcome).collect()
}

/// The tenant's tokens with the import's serials: (serial, status, holder), sorted by serial.
fn imported(tenant: &MockTenant) -> Vec<(String, TokenStatus, Option<String>)> {
    let mut devices: Vec<_> = tenant
        .devices()
        .into_iter()
        .filter(|d| d.serial_number.starts_with("IMP-"))
        .map(|d| (d.serial_number, d.status, d.assigned_to))
        .collect();
    devices.sort_by(|a, b| a.0.cmp(&b.0));
    devices
}

/// Writing requests (POST, PATCH, PUT, DELETE) the tenant answered on its Graph routes, counting only
/// routes that start with `prefix` (`""`: all).
fn writes(tenant: &MockTenant, prefix: &str) -> u64 {
    tenant
        .counters()
        .requests
        .iter()
        .filter(|(route, _)| !route.starts_with("GET ") && route.contains(" /beta/"))
        .filter(|(route, _)| route.starts_with(prefix))
        .map(|(_, statuses)| statuses.values().sum::<u64>())
        .sum()
}

/// A token with the roles an import needs.
fn admin_token(tenant: &MockTenant) -> String {
    tenant.token().app(&[
        "Policy.ReadWrite.AuthenticationMethod",
        "UserAuthenticationMethod.ReadWrite.All",
    ])
}

#[tokio::test]
async fn every_row_is_created_and_assigned_to_its_user() {
    let tenant = tenant(4).await;
    let rows = rows(12, 4);
    let report = run(&tenant, &rows, &options(None)).await;
    assert_eq!(outcomes(&report), vec![Outcome::Assigned; 12]);
    assert!(!report.interrupted && report.halted.is_none());
    let devices = imported(&tenant);
    assert_eq!(devices.len(), 12);
    for (index, (serial, status, holder)) in devices.iter().enumerate() {
        assert_eq!(serial, &format!("IMP-{:06}", index + 1));
        assert_eq!(*status, TokenStatus::Assigned);
        assert_eq!(holder.as_deref(), Some(sample::user_id(index % 4).as_str()));
    }
    let row = &report.rows[5];
    assert_eq!((row.line, row.upn.as_str()), (7, "user1@contoso.com"));
    assert_eq!(row.user_id.as_deref(), Some(sample::user_id(1).as_str()));
    assert!(row.device_id.is_some() && row.reason.is_empty());
    tenant.check_invariants().unwrap();
}

#[tokio::test]
async fn activation_uses_the_targets_time_not_the_machines() {
    // The mock's clock is frozen in 2005: a code computed at this machine's time would be refused.
    let tenant = tenant(2).await;
    let rows = rows(4, 2);
    let report = run(
        &tenant,
        &rows,
        &ImportOptions {
            activate: true,
            ..options(None)
        },
    )
    .await;
    assert_eq!(
        outcomes(&report),
        vec![Outcome::Activated; 4],
        "{:?}",
        report.rows
    );
    assert!(
        imported(&tenant)
            .iter()
            .all(|(_, status, _)| *status == TokenStatus::Activated)
    );
}

#[tokio::test]
async fn a_rerun_with_the_journal_does_nothing_twice() {
    let tenant = tenant(3).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("tokens.csv.hwoath-journal");
    let rows = rows(9, 3);
    let activate = ImportOptions {
        activate: true,
        ..options(Some(journal.clone()))
    };
    let first = run(&tenant, &rows, &activate).await;
    assert_eq!(outcomes(&first), vec![Outcome::Activated; 9]);
    let before = writes(&tenant, "");
    let second = run(&tenant, &rows, &activate).await;
    assert_eq!(outcomes(&second), vec![Outcome::Skipped; 9]);
    assert!(
        second
            .rows
            .iter()
            .all(|r| r.reason == "done by an earlier run (activated)")
    );
    // The rerun only read: no create, assign or activate reached the tenant.
    assert_eq!(writes(&tenant, ""), before);
    assert_eq!(imported(&tenant).len(), 9);
}

#[tokio::test]
async fn a_serial_already_on_the_target_is_reported_and_left_alone() {
    let tenant = tenant(2).await;
    let rows = rows(3, 2);
    // Someone created IMP-000002 before the import, unassigned.
    let target = target(&tenant.base_url()).await;
    let mut other = rows[1].to_create_body();
    other.display_name = Some("theirs".into());
    let token = admin_token(&tenant);
    let created = hwoath_testkit::http_client()
        .post(target.urls().devices())
        .bearer_auth(token)
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    for (run_number, others) in [(1, Outcome::Assigned), (2, Outcome::Skipped)] {
        let report = run(&tenant, &rows, &options(Some(journal.clone()))).await;
        assert_eq!(
            outcomes(&report),
            [others, Outcome::Skipped, others],
            "run {run_number}"
        );
        let skipped = &report.rows[1].reason;
        assert!(
            skipped.starts_with("a token with this serial was already on the target (available)"),
            "{skipped}"
        );
    }
    let theirs = tenant
        .devices()
        .into_iter()
        .find(|d| d.serial_number == "IMP-000002")
        .unwrap();
    assert_eq!(theirs.assigned_to, None);
    assert_eq!(theirs.display_name.as_deref(), Some("theirs"));
}

/// Writes a journal as a crashed import would have left it.
fn crashed_journal(path: &std::path::Path, base_url: &str, entries: &[Entry]) {
    let mut text =
        format!("{{\"journal\":\"hwoath csv import\",\"version\":1,\"target\":\"{base_url}\"}}\n");
    for entry in entries {
        text.push_str(&serde_json::to_string(entry).unwrap());
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn a_crash_at_any_step_is_finished_by_the_rerun() {
    let tenant = tenant(4).await;
    let rows = rows(4, 4);
    let target = target(&tenant.base_url()).await;
    let token = admin_token(&tenant);
    let http = hwoath_testkit::http_client();
    // Row 1: the create reached the target, the crash came before its answer was journaled.
    // Row 2: created and journaled; the crash came before the assignment.
    // Row 3: assigned on the target, the crash came before the journal said so.
    // Row 4: the intent was journaled, the create never left.
    let mut ids = Vec::new();
    for row in &rows[..3] {
        let answer: serde_json::Value = http
            .post(target.urls().devices())
            .bearer_auth(&token)
            .json(&row.to_create_body())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(answer["id"].as_str().unwrap().to_owned());
    }
    let assigned = http
        .post(format!(
            "{}/users/{}/authentication/hardwareOathMethods",
            tenant.base_url(),
            sample::user_id(2)
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"device": {"id": ids[2]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(assigned.status(), 201);
    let entry = |row: &CsvRow, event: Event| Entry {
        serial: row.serial_number.clone(),
        event,
    };
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    crashed_journal(
        &journal,
        &tenant.base_url(),
        &[
            entry(&rows[0], Event::Creating),
            entry(&rows[1], Event::Creating),
            entry(
                &rows[1],
                Event::Created {
                    device: ids[1].clone(),
                },
            ),
            entry(&rows[2], Event::Creating),
            entry(
                &rows[2],
                Event::Created {
                    device: ids[2].clone(),
                },
            ),
            entry(&rows[3], Event::Creating),
        ],
    );
    let report = run(&tenant, &rows, &options(Some(journal.clone()))).await;
    assert_eq!(
        outcomes(&report),
        [
            Outcome::Assigned,
            Outcome::Assigned,
            Outcome::Skipped,
            Outcome::Assigned
        ],
        "{:?}",
        report.rows
    );
    assert_eq!(report.rows[2].reason, "done by an earlier run (assigned)");
    let devices = imported(&tenant);
    assert_eq!(devices.len(), 4, "no token created twice");
    for (index, (_, status, holder)) in devices.iter().enumerate() {
        assert_eq!(*status, TokenStatus::Assigned);
        assert_eq!(holder.as_deref(), Some(sample::user_id(index).as_str()));
    }
    assert_eq!(report.rows[0].device_id.as_deref(), Some(ids[0].as_str()));
}

#[tokio::test]
async fn bulk_bodies_give_the_same_outcomes_and_report_refused_items() {
    let tenant = tenant(3).await;
    let mut rows = rows(7, 3);
    // A token the target refuses (an interval only this row breaks, past the file check).
    rows[4].time_interval_in_seconds = 45;
    let report = run(
        &tenant,
        &rows,
        &ImportOptions {
            creation: Creation::Bulk(3),
            ..options(None)
        },
    )
    .await;
    let mut expected = vec![Outcome::Assigned; 7];
    expected[4] = Outcome::Failed;
    assert_eq!(outcomes(&report), expected, "{:?}", report.rows);
    assert!(
        report.rows[4].reason.starts_with("creating failed: 400 "),
        "{}",
        report.rows[4].reason
    );
    assert_eq!(imported(&tenant).len(), 6);
    assert_eq!(writes(&tenant, "PATCH "), 3, "7 rows in bodies of 3");
    assert_eq!(
        writes(&tenant, "POST /beta/directory/"),
        0,
        "no token created one by one"
    );
}

#[tokio::test]
async fn unknown_users_and_full_users_fail_their_row_only() {
    let tenant = tenant(1).await;
    // Six tokens for user0 (one too many), one for a user the tenant lacks.
    let mut rows = rows(7, 1);
    rows[6].upn = "nobody@contoso.com".into();
    let report = run(&tenant, &rows, &options(None)).await;
    let failed: Vec<&RowResult> = report
        .rows
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .collect();
    assert_eq!(failed.len(), 2, "{:?}", report.rows);
    assert!(failed.iter().any(|r| {
        r.line == 8
            && r.reason == "created, not assigned: the target has no user nobody@contoso.com"
    }));
    assert!(
        failed
            .iter()
            .any(|r| r.reason.starts_with("created, assigning failed: 400 ")),
        "{failed:?}"
    );
    assert_eq!(
        report
            .rows
            .iter()
            .filter(|r| r.outcome == Outcome::Assigned)
            .count(),
        5
    );
}

/// Sets the `Retry-After` of every answer that has one.
struct RetryAfter(&'static str);

impl Rewrite for RetryAfter {
    fn answer<'a>(&'a self, _: &'a Forwarded, answer: &'a mut Answer) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if answer.headers.contains_key("retry-after") {
                answer
                    .headers
                    .insert("retry-after", self.0.parse().expect("a header value"));
            }
        })
    }
}

#[tokio::test]
async fn throttling_and_dropped_answers_are_waited_out_or_finished_by_a_rerun() {
    let tenant = tenant(4).await;
    let rows = rows(20, 4);
    tenant
        .set_faults(FaultConfig {
            throttle_rate: 0.3,
            retry_after_seconds: Some(0.05),
            drop_rate: 0.05,
            seed: 11,
            ..FaultConfig::default()
        })
        .unwrap();
    // The mock says whole seconds; the proxy passes on the 50 ms configured.
    let proxy = Proxy::start(tenant.root_url(), RetryAfter("0.05")).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let first = run_against(&proxy.base_url(), &rows, &options(Some(journal.clone()))).await;
    assert!(
        first
            .rows
            .iter()
            .all(|r| r.outcome == Outcome::Assigned || r.reason.contains("no answer")),
        "429s are waited out; only dropped answers fail: {:?}",
        first.rows
    );
    tenant.clear_faults();
    let second = run_against(&proxy.base_url(), &rows, &options(Some(journal))).await;
    assert!(
        second
            .rows
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Assigned | Outcome::Skipped)),
        "{:?}",
        second.rows
    );
    let devices = imported(&tenant);
    assert_eq!(devices.len(), 20);
    assert!(
        devices
            .iter()
            .all(|(_, status, _)| *status == TokenStatus::Assigned)
    );
}

#[tokio::test]
async fn an_interrupt_skips_what_has_not_started() {
    let tenant = tenant(2).await;
    let rows = rows(6, 2);
    let target = target(&tenant.base_url()).await;
    let report = import(
        &target,
        &rows,
        &options(None),
        |_| {},
        std::future::ready(()),
    )
    .await
    .unwrap();
    assert!(report.interrupted);
    assert_eq!(report.rows.len(), 6);
    assert!(report.rows.iter().any(|r| {
        r.outcome == Outcome::Skipped && r.reason == "the import was interrupted before this row"
    }));
}

#[tokio::test]
async fn no_secret_reaches_the_journal_or_the_results_even_from_a_target_that_echoes_it() {
    let tenant = tenant(3).await;
    let mut rows = rows(6, 3);
    rows[3].time_interval_in_seconds = 45; // refused by the target
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("j");
    let report = run(&tenant, &rows, &options(Some(journal.clone()))).await;
    let echo = echoing_target().await;
    let echoed = run_against(&echo.base_url(), &rows[..1], &options(None)).await;
    assert!(
        echoed.rows[0].reason.contains("<secret>"),
        "{:?}",
        echoed.rows
    );
    let mut written = std::fs::read_to_string(&journal).unwrap();
    written.push_str(&String::from_utf8(RowResult::to_csv(&report.rows).unwrap()).unwrap());
    written.push_str(
        &String::from_utf8(RowResult::to_json("t.csv", "x", &echoed.rows).unwrap()).unwrap(),
    );
    written.push_str(&format!("{:?}", report.rows));
    for row in &rows {
        let secret = row.secret_key.expose();
        assert!(!written.contains(secret), "{secret} leaked");
        assert!(!written.to_lowercase().contains(&secret.to_lowercase()));
    }
}

/// A Graph-like target whose create answers 400 with the request body in its message, as a careless
/// server might; users resolve, and it has test controls so the suite can mint a token.
struct Echoing;

impl Rewrite for Echoing {
    fn request<'a>(&'a self, request: &'a mut Forwarded) -> BoxFuture<'a, Option<Answer>> {
        Box::pin(async move {
            let devices = "/beta/directory/authenticationMethodDevices/hardwareOathDevices";
            let answer = match (request.method.as_str(), request.path_only()) {
                ("GET", "/_hwoath/clock") => json!({"unix": 1, "frozen": true}),
                ("POST", "/_hwoath/token") => json!({"access_token": "t"}),
                ("GET", path) if path == devices => json!({"value": []}),
                ("POST", path) if path == devices => {
                    let body = String::from_utf8_lossy(&request.body);
                    let message = format!("bad body {body}");
                    let error = json!({"error": {"code": "invalidRequest", "message": message}});
                    return Some(Answer::new(400).json(&error));
                }
                _ => return Some(Answer::new(404)),
            };
            Some(Answer::new(200).json(&answer))
        })
    }
}

async fn echoing_target() -> Proxy {
    Proxy::stub(Echoing).await
}
