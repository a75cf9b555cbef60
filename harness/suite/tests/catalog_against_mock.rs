//! The whole catalog against the embedded mock (every case must pass), snapshotted as normalized
//! exchanges; and the same run against a real tenant when its variables are set.

mod common;

use hwoath_suite::Group;
use hwoath_suite::{Credentials, RunOptions};

/// Every group but the generated ones (`properties`, `stateful`), which have their own tests: their
/// hundreds of generated exchanges would drown the snapshot.
fn fixed_groups() -> Vec<Group> {
    Group::ALL
        .into_iter()
        .filter(|g| !matches!(g, Group::Properties | Group::Stateful))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_passes_against_the_mock() {
    let (tenant, options) = common::mock().await;
    let report = common::run(
        &tenant.base_url(),
        Credentials::MockControls,
        options,
        RunOptions {
            groups: fixed_groups(),
            ..RunOptions::default()
        },
    )
    .await;
    common::assert_all_pass(&report);
    let fixed = hwoath_suite::catalog()
        .iter()
        .filter(|case| fixed_groups().contains(&case.group))
        .count();
    assert_eq!(report.summary.total, fixed);
    assert!(
        tenant.devices().is_empty(),
        "the run left {} devices behind",
        tenant.devices().len()
    );
    tenant
        .check_invariants()
        .expect("tenant invariants hold after the run");
    let clock = tenant.clock();
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        !clock.frozen,
        "the RFC replays left the clock frozen at {}",
        clock.unix
    );
    assert!(
        (clock.unix - wall).abs() <= 5,
        "the clock was put back {} s off",
        clock.unix - wall
    );
}

/// One line per exchange: `METHOD path -> status [error code]`, ids and serials normalized.
fn exchange_lines(report: &hwoath_suite::RunReport) -> String {
    let mut out = String::new();
    for case in &report.cases {
        out.push_str(&format!("{} {}\n", case.outcome.as_str(), case.id));
        for exchange in &case.exchanges {
            let code = exchange
                .response_body
                .as_deref()
                .and_then(|body| serde_json::from_str::<serde_json::Value>(body).ok())
                .and_then(|body| {
                    body.pointer("/error/code")
                        .and_then(|c| c.as_str())
                        .map(str::to_owned)
                })
                .map(|code| format!(" {code}"))
                .unwrap_or_default();
            let status = exchange.status.map_or("-".to_owned(), |s| s.to_string());
            out.push_str(&format!(
                "    {} {} -> {status}{code}\n",
                exchange.method, exchange.url
            ));
        }
    }
    common::normalize(&out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchanges_snapshot() {
    let (tenant, options) = common::mock().await;
    // One case at a time, so listings and ordering are the same on every run.
    let run = RunOptions {
        jobs: 1,
        groups: fixed_groups(),
        ..RunOptions::default()
    };
    let report = common::run(&tenant.base_url(), Credentials::MockControls, options, run).await;
    insta::assert_snapshot!("catalog_exchanges", exchange_lines(&report));

    let docs: Vec<_> = report
        .cases
        .iter()
        .filter(|case| case.group == "docs")
        .collect();
    let mut bodies = String::new();
    for case in docs {
        bodies.push_str(&format!("## {}\n", case.id));
        for exchange in &case.exchanges {
            bodies.push_str(&format!(
                "{} {} -> {}\n{}\n",
                exchange.method,
                exchange.url,
                exchange.status.map_or("-".to_owned(), |s| s.to_string()),
                exchange.response_body.as_deref().unwrap_or("(no body)")
            ));
        }
    }
    insta::assert_snapshot!("docs_bodies", common::normalize(&bodies));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_real_tenant_when_configured() {
    let (Ok(target), Some(credentials)) = (std::env::var("HWOATH_TARGET"), Credentials::from_env())
    else {
        eprintln!(
            "SKIPPED: set HWOATH_TARGET (e.g. https://graph.microsoft.com/beta) and GRAPH_TOKEN or \
             AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET to run the catalog against a real tenant"
        );
        return;
    };
    let users: Vec<String> = std::env::var("HWOATH_USER")
        .map(|u| vec![u])
        .unwrap_or_default();
    let options = hwoath_suite::SuiteOptions {
        users,
        ..Default::default()
    };
    let run = RunOptions {
        allow_writes: std::env::var_os("HWOATH_ALLOW_WRITES").is_some(),
        ..RunOptions::default()
    };
    let report = common::run(&target, credentials, options, run).await;
    for case in report.cases.iter().filter(|case| case.outcome.is_bad()) {
        eprintln!(
            "{} {}: {}",
            case.outcome.as_str(),
            case.id,
            case.reasons.join(" | ")
        );
    }
    assert_eq!(
        report.summary.failed + report.summary.errored,
        0,
        "documented failures on the real tenant"
    );
}
