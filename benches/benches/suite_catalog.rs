//! Wall time of the whole non-property catalog (groups rfc, docs, validation, lifecycle, authz,
//! odata) against the embedded mock tenant: each iteration is one `hwoath_suite::run`, every case
//! sent over loopback HTTP, checked and cleaned up, as `hwoath run --group ...` does it.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use hwoath_suite::case::Group;
use hwoath_suite::{Credentials, Outcome, RunOptions, SuiteOptions};

fn catalog(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (tenant, users) = hwoath_benches::unthrottled_tenant(&runtime);
    let base = tenant.base_url();
    let groups: Vec<Group> = Group::ALL
        .into_iter()
        .filter(|g| !matches!(g, Group::Properties | Group::Stateful))
        .collect();
    let mut group = c.benchmark_group("suite_catalog");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    group.bench_function("non_property_catalog", |b| {
        b.iter(|| {
            let options = SuiteOptions {
                run: RunOptions {
                    groups: groups.clone(),
                    ..RunOptions::default()
                },
                users: users.clone(),
                ..SuiteOptions::default()
            };
            let report = runtime
                .block_on(hwoath_suite::run(
                    &base,
                    Credentials::MockControls,
                    options,
                    |_| {},
                    std::future::pending(),
                ))
                .expect("the run starts");
            let broken: Vec<String> = report
                .cases
                .iter()
                .filter(|case| case.outcome != Outcome::Pass)
                .map(|case| format!("{}: {}", case.id, case.reasons.join(" | ")))
                .collect();
            assert!(
                broken.is_empty(),
                "cases did not pass, the bench would time a broken run:\n{}",
                broken.join("\n")
            );
            report.summary.total
        })
    });
    group.finish();
}

criterion_group!(benches, catalog);
criterion_main!(benches);
