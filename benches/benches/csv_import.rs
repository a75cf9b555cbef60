//! Onboarding a vendor token file: the file check alone (`check`, pure parsing), and whole imports
//! (`hwoath_onboard::import`) into an in-process mock tenant over loopback HTTP, creating the
//! tokens one by one (a `POST` per row) or in bulk bodies of 100 (a `PATCH` per body), then assigning
//! each to its user (a `POST` per row), with the importer's default 4 jobs, without and with the
//! journal (fsync'd group commit, on the disk under `target/`, not on a tmpfs).
//!
//! The file is made up (`hwoath_onboard::sample::vendor_file`): 1,000 and 10,000 rows dealt to 2,000
//! users (five tokens each at 10,000). Each iteration imports the whole file into a tenant reset to
//! its fixture (no token), the reset and the removal of the previous journal untimed; every row must
//! end `assigned`, or the bench panics instead of timing failures.
//!
//! In criterion's test mode (`-- --test` or `cargo test --benches`: each routine once, CI's smoke
//! run) only the 1,000-row file is used.

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use hwoath_benches::inputs::{IMPORT_BULK, IMPORT_JOBS, IMPORT_SIZES, IMPORT_USERS};
use hwoath_mock::{Fixture, MockTenant, User};
use hwoath_onboard::{Checked, Creation, ImportOptions, Outcome, check, import, sample};
use hwoath_suite::{ClientConfig, Credentials, HttpClient, Target};
use tokio::runtime::Runtime;

/// The made-up users' domain.
const DOMAIN: &str = "contoso.com";

/// The made-up tokens' serial number prefix.
const PREFIX: &str = "BENCH-";

/// Whether criterion runs in test mode (each routine once), as it decides: `--test`, or no `--bench`
/// (`cargo test --benches`).
fn test_mode() -> bool {
    let has = |flag: &str| std::env::args().any(|arg| arg == flag);
    has("--test") || !has("--bench")
}

/// The file sizes measured in this run.
fn sizes() -> Vec<usize> {
    if test_mode() {
        vec![IMPORT_SIZES[0]]
    } else {
        IMPORT_SIZES.to_vec()
    }
}

/// A vendor file of `rows` rows dealt to the made-up users.
fn vendor_file(rows: usize) -> Vec<u8> {
    sample::vendor_file(rows, IMPORT_USERS, DOMAIN, PREFIX, 42).into_bytes()
}

/// The default fixture plus the made-up users the file's UPNs name.
fn fixture() -> Fixture {
    let mut fixture = Fixture::default();
    fixture.users.extend((0..IMPORT_USERS).map(|index| User {
        id: sample::user_id(index),
        display_name: format!("User {index}"),
        user_principal_name: sample::upn(index, DOMAIN),
        roles: Vec::new(),
    }));
    fixture
}

fn check_file(c: &mut Criterion) {
    let mut group = c.benchmark_group("csv_import");
    // Flat: every sample the same number of iterations, at least one (a check of the large file
    // takes seconds while line numbers are counted from the file's start for every record).
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for rows in sizes() {
        let bytes = vendor_file(rows);
        group.throughput(Throughput::Elements(rows as u64));
        group.bench_function(BenchmarkId::new("check", rows), |b| {
            b.iter(|| {
                let checked = check(std::hint::black_box(&bytes));
                assert!(checked.findings.is_empty(), "{:?}", checked.findings);
                assert_eq!(checked.rows.len(), rows);
                checked.rows.len()
            })
        });
    }
    group.finish();
}

/// One import variant: how tokens are created and whether a journal is kept.
struct Variant {
    name: String,
    creation: Creation,
    journal: bool,
}

fn variants() -> Vec<Variant> {
    let bulk = format!("bulk-{IMPORT_BULK}");
    [
        ("one-by-one".to_owned(), Creation::OneByOne),
        (bulk, Creation::Bulk(IMPORT_BULK)),
    ]
    .into_iter()
    .flat_map(|(name, creation)| {
        [
            Variant {
                name: name.clone(),
                creation,
                journal: false,
            },
            Variant {
                name: format!("{name}-journal"),
                creation,
                journal: true,
            },
        ]
    })
    .collect()
}

/// Imports the checked file's rows `iters` times into `tenant`, each time reset to no token and with
/// no journal left from the previous time; returns the time spent in the imports only.
fn import_times(
    runtime: &Runtime,
    tenant: &MockTenant,
    target: &Target,
    checked: &Checked,
    options: &ImportOptions,
    iters: u64,
) -> Duration {
    let rows = &checked.rows;
    runtime.block_on(async {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            tenant.reset().await;
            if let Some(journal) = &options.journal {
                remove_if_present(journal);
            }
            let start = Instant::now();
            let report = import(target, rows, options, |_| {}, std::future::pending())
                .await
                .expect("the import starts");
            total += start.elapsed();
            assert_eq!(report.rows.len(), rows.len());
            let failed: Vec<_> = report
                .rows
                .iter()
                .filter(|row| row.outcome != Outcome::Assigned)
                .take(5)
                .collect();
            assert!(failed.is_empty(), "rows not assigned: {failed:?}");
            assert!(!report.interrupted && report.halted.is_none());
        }
        total
    })
}

fn remove_if_present(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => panic!("cannot remove {}: {error}", path.display()),
    }
}

fn import_file(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let tenant = runtime
        .block_on(
            MockTenant::builder()
                .controls(true)
                .fixture(fixture())
                .start(),
        )
        .expect("the mock starts");
    let target = runtime
        .block_on(hwoath_suite::connect(
            &tenant.base_url(),
            Credentials::MockControls,
            HttpClient::new(ClientConfig::default()).expect("a client"),
        ))
        .expect("the mock answers");
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(scratch).unwrap();
    let dir = tempfile::tempdir_in(scratch).unwrap();
    let mut group = c.benchmark_group("csv_import");
    // One iteration is a whole import (up to seconds): every sample times one, and the 10 samples
    // take what they take (criterion says it cannot complete them in 1 s; that is the intent: the
    // budget is 11 imports per id, warm-up included).
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    for rows in sizes() {
        let checked = check(&vendor_file(rows));
        assert!(checked.findings.is_empty(), "{:?}", checked.findings);
        group.throughput(Throughput::Elements(rows as u64));
        for variant in variants() {
            let options = ImportOptions {
                creation: variant.creation,
                activate: false,
                jobs: IMPORT_JOBS,
                journal: variant
                    .journal
                    .then(|| dir.path().join("tokens.csv.hwoath-journal")),
            };
            group.bench_function(BenchmarkId::new(&variant.name, rows), |b| {
                b.iter_custom(|iters| {
                    import_times(&runtime, &tenant, &target, &checked, &options, iters)
                })
            });
        }
    }
    group.finish();
    runtime.block_on(tenant.shutdown());
}

criterion_group!(benches, check_file, import_file);
criterion_main!(benches);
